#!/usr/bin/python3
"""Runs mlpipe and its peers side by side, alternating them, and writes bench/RESULTS.md.

Each measure is a pair (or more) of commands doing the same work. Rounds alternate the
commands (mlpipe, peer, mlpipe, peer, ...) so that drifting machine load hits both alike; the
ratio mlpipe/peer is taken per round. Wall time and peak resident memory (wait4's ru_maxrss)
are recorded per run. Timings never go into unit tests: this file is the only judge.
"""
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(HERE, "data")
MLPIPE = os.environ.get("MLPIPE", os.path.join(ROOT, "build", "mlpipe"))
PY = "/usr/bin/python3"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def run_once(cmd, cwd):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    out = p.stdout.read().decode()
    err = p.stderr.read().decode()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed with exit {code}:\n{out}\n{err}")
    return wall, usage.ru_maxrss / 1024.0, out


def measure(title, commands, cwd=DATA, setup=None, rounds=ROUNDS, check=None, compare=True):
    """commands: [(label, argv)], mlpipe's first. Returns a result dict for the report.
    compare=False: the commands are parts of one measure, not peers (no ratio column)."""
    print(f"== {title}", flush=True)
    if setup:
        setup()
    for _, cmd in commands:  # warm the page cache and any lazy state once, unmeasured
        run_once(cmd, cwd)
    runs = {label: [] for label, _ in commands}
    outputs = {}
    for _ in range(rounds):
        for label, cmd in commands:
            wall, rss, out = run_once(cmd, cwd)
            runs[label].append((wall, rss))
            outputs[label] = out
        if check:  # every round's outputs
            check(outputs)
    base = commands[0][0]
    rows = []
    for label, cmd in commands:
        walls = [w for w, _ in runs[label]]
        rss = max(r for _, r in runs[label])
        ratio = None
        if label != base and compare:
            ratio = [a[0] / b[0] for a, b in zip(runs[base], runs[label])]
        rows.append({"label": label, "cmd": " ".join(cmd), "median": statistics.median(walls),
                     "min": min(walls), "max": max(walls), "rss": rss, "ratios": ratio})
        print(f"   {label:32s} median {statistics.median(walls):8.3f}s  peak {rss:8.0f} MB", flush=True)
    return {"title": title, "rows": rows}


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def report(results, notes):
    lines = ["# mlpipe benchmarks", "",
             "Written by `bench/run.sh` (do not edit by hand). Each measure alternates mlpipe and its",
             f"peers for {ROUNDS} rounds after one unmeasured warm-up run each; the ratio is mlpipe's time",
             "divided by the peer's in the same round (below 1: mlpipe is faster). Peak memory is the",
             "largest resident set of any run.", "",
             f"Machine: {machine()}.", f"Date: {time.strftime('%Y-%m-%d %H:%M')}.", ""]
    for r in results:
        if "raw" in r:
            lines += [f"## {r['title']}", "", r["raw"], ""]
            continue
        lines += [f"## {r['title']}", "",
                  "| command | median s | min s | max s | peak MB | mlpipe / this (median, min-max) |",
                  "|---|---|---|---|---|---|"]
        for row in r["rows"]:
            ratio = "-"
            if row["ratios"]:
                rs = row["ratios"]
                ratio = f"{statistics.median(rs):.3f} ({min(rs):.3f}-{max(rs):.3f}); {1 / statistics.median(rs):.1f}x"
            lines.append(f"| {row['label']} | {row['median']:.3f} | {row['min']:.3f} | {row['max']:.3f} | "
                         f"{row['rss']:.0f} | {ratio} |")
        lines += ["", "Commands (run in bench/data):", ""]
        lines += [f"- {row['label']}: `{row['cmd']}`" for row in r["rows"]]
        if r["title"] in notes:
            lines += ["", notes[r["title"]]]
        lines.append("")
    with open(os.path.join(HERE, "RESULTS.md"), "w") as f:
        f.write("\n".join(lines))
    print("wrote bench/RESULTS.md")


def main():
    results, notes = [], {}
    wd = os.path.join(DATA, "work")
    os.makedirs(wd, exist_ok=True)
    pipes = os.path.join(HERE, "pipelines")

    # 1. CSV ingest of 1,000,000 x 50 numbers.
    size = os.path.getsize(os.path.join(DATA, "wide.csv")) / 1e6
    r = measure(f"1. CSV ingest: wide.csv, 1,000,000 x 50 numeric ({size:.0f} MB)", [
        ("mlpipe run (ingest, --no-cache)", [MLPIPE, "run", os.path.join(pipes, "ingest.yaml"), "-q", "--no-cache",
                                             "--threads", "2", "--store", os.path.join(wd, "ingest")]),
        ("pandas.read_csv", [PY, os.path.join(HERE, "peers", "pandas_ingest.py"), "wide.csv"]),
        ("xgboost DMatrix CSV loader", [PY, os.path.join(HERE, "peers", "xgb_ingest.py"), "wide.csv"]),
    ])
    med = r["rows"][0]["median"]
    notes[r["title"]] = (f"mlpipe: {size / med:.0f} MB/s on the whole run (process start, run store and fingerprint "
                         f"included). The parsed table is {1_000_000 * 50 * 8 / 2**20:.0f} MB of float64: mlpipe's peak is "
                         f"{r['rows'][0]['rss'] / (1_000_000 * 50 * 8 / 2**20):.2f}x that (bar: 1.5x).")
    results.append(r)

    if os.path.exists(os.path.join(DATA, "cs-training.csv")):
        results.append(measure("1b. CSV ingest: give-me-some-credit cs-training.csv (150,000 rows, NA values)", [
            ("mlpipe run (ingest, --no-cache)", [MLPIPE, "run", os.path.join(pipes, "ingest-credit.yaml"), "-q",
                                                 "--no-cache", "--threads", "2", "--store", os.path.join(wd, "credit")]),
            ("pandas.read_csv", [PY, os.path.join(HERE, "peers", "pandas_ingest.py"), "cs-training.csv"]),
        ]))

    # 1c. Transactions with a datetime column (bar: at least 3x pandas with parse_dates, less memory).
    tx = os.path.join(DATA, "transactions.csv")
    r = measure(f"1c. CSV ingest: transactions.csv, 1,500,000 rows with an ISO datetime column ({os.path.getsize(tx) / 1e6:.0f} MB)", [
        ("mlpipe run (ingest, --no-cache)", [MLPIPE, "run", os.path.join(pipes, "ingest-transactions.yaml"), "-q",
                                             "--no-cache", "--threads", "2", "--store", os.path.join(wd, "tx")]),
        ("pandas.read_csv(parse_dates)", [PY, os.path.join(HERE, "peers", "pandas_ingest_dates.py"), "transactions.csv"]),
    ])
    m, pd_ = r["rows"][0], r["rows"][1]
    notes[r["title"]] = (f"pandas / mlpipe wall time {pd_['median'] / m['median']:.2f}x (bar: 3x); peak memory "
                         f"mlpipe / pandas {m['rss'] / pd_['rss']:.2f}x (bar: below 1).")
    results.append(r)

    # 2. XGBoost end to end: same data, same split, same trees; AUCs must agree.
    cli_dir = os.path.join(wd, "xgbcli")

    def cli_files():  # the CLI reads no header and cannot split: cut its inputs once, untimed
        # In a child process: the harness must stay small, since a child's peak memory (wait4)
        # counts the harness's pages between fork and exec.
        if not os.path.exists(os.path.join(cli_dir, "test.csv")):
            subprocess.run([PY, os.path.join(HERE, "peers", "xgb_cli_inputs.py"), os.path.join(DATA, "binary.csv"),
                            cli_dir], check=True)

    def cli_auc():  # in a child process too (sklearn and 40k scores would stay in the harness)
        code = ("import sys; from sklearn.metrics import roc_auc_score; "
                "y = [int(l.split(',', 1)[0]) for l in open(sys.argv[1])]; "
                "p = [float(l) for l in open(sys.argv[2])]; print(repr(roc_auc_score(y, p)))")
        out = subprocess.run([PY, "-c", code, os.path.join(cli_dir, "test.csv"), os.path.join(cli_dir, "pred.txt")],
                             capture_output=True, text=True, check=True).stdout
        return float(out)

    def same_auc(outputs):
        import json
        ours = json.loads(outputs["mlpipe run (5 steps, --no-cache)"])["metrics"]["evaluate"]["auc"]
        theirs = float(outputs["python: pandas + xgboost.train"].split()[-1])
        cli = cli_auc()
        for name, auc in (("python", theirs), ("xgboost CLI", cli)):
            if abs(ours - auc) > 1e-6:
                sys.exit(f"bench: AUCs differ: mlpipe {ours!r}, {name} {auc!r}")
        notes_xgb[:] = []
        notes_xgb.append(f"Test AUC: mlpipe {ours:.10f}, Python {theirs:.10f} (|diff| {abs(ours - theirs):.1e}), "
                         f"xgboost CLI {cli:.10f} (|diff| {abs(ours - cli):.1e}). The CLI's inputs are cut beforehand "
                         "(no header, label first, 80/20 split, untimed: `bench/peers/xgb_cli.sh` says why).")
    notes_xgb = []
    r = measure("2. XGBoost end to end: binary.csv 200,000 x 20, 100 rounds hist, depth 6, 2 threads", [
        ("mlpipe run (5 steps, --no-cache)", [MLPIPE, "run", os.path.join(pipes, "xgb.yaml"), "-q", "--no-cache",
                                              "--json", "--threads", "2", "--store", os.path.join(wd, "xgb")]),
        ("python: pandas + xgboost.train", [PY, os.path.join(HERE, "peers", "xgb_train.py"), "binary.csv"]),
        ("xgboost CLI (train, then predict)", ["sh", os.path.join(HERE, "peers", "xgb_cli.sh"), cli_dir]),
    ], setup=cli_files, check=same_auc)
    notes[r["title"]] = " ".join(notes_xgb)
    results.append(r)

    # 2b. The same at 1,000,000 rows, where memory tells (bars: wall <= 0.7x, peak memory <= 0.6x).
    aucs_1m = {}

    def same_auc_1m(outputs):
        import json
        ours = json.loads(outputs["mlpipe run (5 steps, --no-cache)"])["metrics"]["evaluate"]["auc"]
        theirs = float(outputs["python: pandas + xgboost.train"].split()[-1])
        if abs(ours - theirs) > 1e-6:
            sys.exit(f"bench: AUCs differ at 1M rows: mlpipe {ours!r}, python {theirs!r}")
        aucs_1m.update(mlpipe=ours, python=theirs)
    r = measure("2b. XGBoost end to end: binary_1m.csv 1,000,000 x 20, 100 rounds hist, depth 6, 2 threads", [
        ("mlpipe run (5 steps, --no-cache)", [MLPIPE, "run", os.path.join(pipes, "xgb-1m.yaml"), "-q", "--no-cache",
                                              "--json", "--threads", "2", "--store", os.path.join(wd, "xgb1m")]),
        ("python: pandas + xgboost.train", [PY, os.path.join(HERE, "peers", "xgb_train.py"), "binary_1m.csv"]),
    ], check=same_auc_1m)
    m, py = r["rows"][0], r["rows"][1]
    notes[r["title"]] = (f"mlpipe / Python wall time {m['median'] / py['median']:.2f}x (bar: 0.7x); peak memory "
                         f"{m['rss'] / py['rss']:.2f}x (bar: 0.6x). Test AUC: mlpipe {aucs_1m.get('mlpipe', 0):.15f}, "
                         f"Python {aucs_1m.get('python', 0):.15f}. The pipeline computes no importance (importance_rows: 0), "
                         "as the peer: evaluate's default (TreeSHAP on 2,000 test rows) adds about 0.6 s.")
    results.append(r)

    # 3. Sequence training throughput: samples/s as each side reports it, over the same 50 steps.
    if os.path.exists(os.path.join(ROOT, "build", "libmlpipe_torch.so")):
        import json as _json
        train_rates = {}
        for arch in ("lstm", "gru", "transformer"):
            rates = {"mlpipe": [], "pytorch": []}

            def seq_rates(outputs, arch=arch, rates=rates):
                ours = _json.loads(outputs["mlpipe run (sequence trainer)"])
                train = [st for st in ours["steps"] if st["name"] == "train"][0]
                rates["mlpipe"].append(float(train["summary"].split(";")[-1].split()[0]))  # "...; 9630 samples/s"
                rates["pytorch"].append(float(outputs["python: PyTorch, same model"].split()[-1]))
            r = measure(f"3. Sequence training: {arch}, batch 256, 50 steps, 16 features, hidden 64, 2 threads", [
                ("mlpipe run (sequence trainer)", [MLPIPE, "run", os.path.join(pipes, "seq.yaml"), "-q", "--no-cache", "--json",
                                                   "--threads", "2", "--set", f"steps.train.model.arch={arch}",
                                                   "--store", os.path.join(wd, "seq-" + arch)]),
                ("python: PyTorch, same model", [PY, os.path.join(HERE, "peers", "torch_seq.py"), arch]),
            ], check=seq_rates)
            med = lambda v: sorted(v)[len(v) // 2]
            notes[r["title"]] = (f"Training samples/s (median): mlpipe {med(rates['mlpipe']):,.0f}, PyTorch "
                                 f"{med(rates['pytorch']):,.0f}: **{med(rates['mlpipe']) / med(rates['pytorch']):.2f}x**. "
                                 "Wall times above include mlpipe's ingest, windowing and run record. mlpipe trains each "
                                 "batch as 2 slices at once on network replicas, one single-threaded slice per core "
                                 "(trainers/torch/batch_slices.h); PyTorch splits each op over the 2 threads.")
            results.append(r)
            train_rates[arch] = med(rates["mlpipe"])

        # 3b. Scoring the same models (bar: at least 3x their training rate). `mlpipe predict`
        # on 120,000 windows, less the same command on 100 rows: what is left is the scoring
        # (CSV read, windowing, forward passes, CSV write), without the LibTorch load.
        events = os.path.join(DATA, "events.csv")
        # Long histories (1,200 events an entity): almost no window is padded, so this row
        # shows the scoring rate without the padding skip's help.
        events_long = os.path.join(DATA, "events_long.csv")
        few = os.path.join(wd, "events_100.csv")
        with open(events) as src, open(few, "w") as dst:
            dst.writelines(line for _, line in zip(range(101), src))
        windows = sum(1 for _ in open(events)) - 1
        # The share of the windows' steps that are left padding: LSTM and GRU scoring skip those
        # (every window of one padding length has the same state after it).
        import re
        max_len = int(re.search(r"max_len: (\d+)", open(os.path.join(pipes, "seq-score.yaml")).read()).group(1))

        def padded_share_of(path):
            per_entity = {}
            with open(path) as f:
                next(f)
                for line in f:
                    e = line.split(",", 1)[0]
                    per_entity[e] = per_entity.get(e, 0) + 1
            padded = sum(max(0, max_len - (k + 1)) for n in per_entity.values() for k in range(n))
            return padded / (max_len * sum(per_entity.values()))
        padded_share = padded_share_of(events)
        windows_long = sum(1 for _ in open(events_long)) - 1
        padded_share_long = padded_share_of(events_long)
        for arch in ("lstm", "gru", "transformer"):
            bundle = os.path.join(wd, "seq-bundle-" + arch)

            def export_bundle(arch=arch, bundle=bundle):
                subprocess.run([MLPIPE, "run", os.path.join(pipes, "seq-score.yaml"), "-q", "--threads", "2",
                                "--set", f"steps.train.model.arch={arch}", "--set", f"steps.export.dir={bundle}",
                                "--store", os.path.join(wd, "seq-score")], check=True, stdout=subprocess.DEVNULL)
            r = measure(f"3b. Sequence scoring: {arch} (bench 3's model), mlpipe predict on {windows:,} windows", [
                (f"mlpipe predict ({windows:,} windows)", [MLPIPE, "predict", bundle, events, "-o", os.path.join(wd, "seq-scores.csv")]),
                ("mlpipe predict (100 windows: start-up)", [MLPIPE, "predict", bundle, few, "-o", os.path.join(wd, "seq-scores-100.csv")]),
                (f"mlpipe predict ({windows_long:,} windows, long histories)",
                 [MLPIPE, "predict", bundle, events_long, "-o", os.path.join(wd, "seq-scores-long.csv")]),
            ], setup=export_bundle, compare=False)
            big, small, long = r["rows"][0]["median"], r["rows"][1]["median"], r["rows"][2]["median"]
            rate = (windows - 100) / max(1e-9, big - small)
            rate_long = (windows_long - 100) / max(1e-9, long - small)
            notes[r["title"]] = (f"Scoring {rate:,.0f} windows/s (median wall less the start-up median), training "
                                 f"{train_rates[arch]:,.0f} samples/s in bench 3: **{rate / train_rates[arch]:.2f}x** "
                                 "(bar: 3x). Evaluate scores through the same function. "
                                 f"{padded_share:.0%} of the windows' steps are left padding, which LSTM and GRU "
                                 "scoring skip (trainers/torch/torch_sequence_trainer.cpp, score_batches). "
                                 f"Long histories (events_long.csv, {padded_share_long:.1%} padding): "
                                 f"{rate_long:,.0f} windows/s, **{rate_long / train_rates[arch]:.2f}x**.")
            results.append(r)

    # 4. No-op re-run: every step cached.
    snake = os.path.join(wd, "snake")
    os.makedirs(snake, exist_ok=True)
    if not os.path.exists(os.path.join(snake, "binary.csv")):
        os.symlink(os.path.join(DATA, "binary.csv"), os.path.join(snake, "binary.csv"))
    def fresh_noop():  # a store and cache made by this build (the warm-up run fills them)
        import shutil
        shutil.rmtree(os.path.join(wd, "noop"), ignore_errors=True)
    results.append(measure("4. No-op re-run of a 5-step pipeline (all steps up to date)", [
        ("mlpipe run (all reused)", [MLPIPE, "run", os.path.join(pipes, "xgb.yaml"), "-q", "--threads", "2",
                                     "--store", os.path.join(wd, "noop")]),
        ("snakemake (5 rules, nothing to do)", ["snakemake", "-s", os.path.join(HERE, "peers", "Snakefile"),
                                                "-c1", "--quiet"]),
    ], cwd=snake, setup=fresh_noop, rounds=max(ROUNDS, 10)))

    # 5. Metric recording into the run store.
    bench_bin = os.path.join(ROOT, "build", "mlpipe_metric_bench")
    rates = []
    for _ in range(ROUNDS):
        out = subprocess.run([bench_bin, os.path.join(wd, "metrics"), "1000000"], capture_output=True, text=True,
                             check=True).stdout
        rates.append(__import__("json").loads(out))
    rates.sort(key=lambda m: m["mlpipe_points_per_s"])
    out = __import__("json").dumps(rates[len(rates) // 2])  # the median round
    m = __import__("json").loads(out)
    results.append({"title": f"5. Metric recording: 1,000,000 points in batches of {m['batch']:,} (median of {ROUNDS})", "rows": [], "raw": (
        f"mlpipe (RunStore::add_metrics, real schema and indexes, WAL): **{m['mlpipe_points_per_s']:,.0f} points/s**; "
        f"naive writer (SQLite defaults, one commit per point, {m['naive_points']:,} points): "
        f"{m['naive_points_per_s']:,.0f} points/s; ratio {m['ratio']:.0f}x. Command: `{bench_bin} DIR 1000000`.")})

    # 6. Start-up.
    results.append(measure("6. Start-up", [
        ("mlpipe --version", [MLPIPE, "--version"]),
        ("mlpipe validate (5 steps)", [MLPIPE, "validate", os.path.join(pipes, "xgb.yaml")]),
        ("python3 -c 'import xgboost'", [PY, "-c", "import xgboost"]),
    ], rounds=max(ROUNDS, 10)))

    # 7. Card-fraud-shaped pipelines on transactions.csv: each step's time and peak memory, the
    # run's peak against the CSV's size (bars: XGBoost at most 5x, LSTM at most 8x). One run
    # each: the LSTM trains for minutes.
    csv_mb = os.path.getsize(tx) / 2**20
    for name, label, bar in (("card-fraud-xgb", "XGBoost (tree_method hist)", 5), ("card-fraud-lstm", "LSTM", 8)):
        if name.endswith("lstm") and not os.path.exists(os.path.join(ROOT, "build", "libmlpipe_torch.so")):
            continue
        store = os.path.join(wd, name)
        import shutil
        shutil.rmtree(store, ignore_errors=True)
        print(f"== 7. {name}", flush=True)
        out = subprocess.run([PY, os.path.join(HERE, "step_memory.py"), MLPIPE, "run", os.path.join(pipes, name + ".yaml"),
                              "--no-cache", "--threads", "2", "--store", store], cwd=DATA, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"bench: {name} failed:\n{out.stdout}\n{out.stderr}")
        peak = float(out.stdout.rsplit("peak ", 1)[1].split()[0])
        results.append({"title": f"7. Card-fraud pipeline, {label}: transactions.csv ({csv_mb:.0f} MiB), each step", "rows": [], "raw": (
            out.stdout.strip() + f"\n\nPeak {peak:.0f} MiB = **{peak / csv_mb:.1f}x the CSV** (bar: {bar}x). Command: "
            f"`bench/step_memory.py mlpipe run bench/pipelines/{name}.yaml --no-cache --threads 2` (one run).")})

    report(results, notes)


if __name__ == "__main__":
    main()
