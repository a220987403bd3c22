#!/usr/bin/python3
"""Writes the benchmark's data files with a fixed seed (same bytes every time).

  wide.csv      1,000,000 x 50 numeric columns (~460 MB): CSV ingest
  binary.csv    200,000 rows: label + 20 features, a known logistic signal: XGBoost end to end
  binary_1m.csv the same at 1,000,000 rows: XGBoost end to end at a real size (memory)
  events.csv    sequence events: entity, time, 16 features, label (2,000 entities x 60 events)
  events_long.csv  the same shape, 100 entities x 1,200 events: windows with almost no padding
  seq_events.csv  400 entities x 32 events: 12,800 windows = 50 batches of 256 (bench 3)
  transactions.csv  1,500,000 card transactions shaped like the fraud simulator's: ids, an ISO
                datetime text column, 5,000 customers, 10,000 terminals, amounts, a 0/1 label
"""
import os
import sys

import numpy as np


def write_csv(path, header, cols, fmt):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(",".join(header) + "\n")
        n = len(cols[0])
        step = 50_000
        for lo in range(0, n, step):
            block = np.column_stack([c[lo:lo + step] for c in cols])
            np.savetxt(f, block, fmt=fmt, delimiter=",")
    os.replace(tmp, path)


def wide(path, rows):
    rng = np.random.default_rng(42)
    cols = [rng.normal(0, 1000, rows) for _ in range(50)]
    write_csv(path, [f"f{i}" for i in range(50)], cols, "%.4f")


def binary(path, rows):
    rng = np.random.default_rng(7)
    x = [rng.normal(0, 1, rows) for _ in range(20)]
    logit = 0.8 * x[0] - 0.6 * x[1] + 0.5 * x[2] * x[3] + 0.4 * np.sin(3 * x[4]) - 1.5
    y = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(float)
    row = np.arange(rows, dtype=float)  # a time-like column: the holdout is the last 20 %
    write_csv(path, ["row", "label"] + [f"x{i}" for i in range(20)], [row, y] + x,
              ["%d", "%d"] + ["%.6f"] * 20)


def events(path, entities, per_entity):
    rng = np.random.default_rng(11)
    n = entities * per_entity
    ent = np.repeat(np.arange(entities), per_entity).astype(float)
    t = np.tile(np.arange(per_entity), entities).astype(float) * 3600 + 1_600_000_000
    feats = [rng.normal(0, 1, n) for _ in range(16)]
    y = (rng.random(n) < 1 / (1 + np.exp(-(feats[0] + 0.5 * feats[1] - 2)))).astype(float)
    write_csv(path, ["entity", "ts"] + [f"v{i}" for i in range(16)] + ["label"], [ent, t] + feats + [y],
              ["%d", "%d"] + ["%.5f"] * 16 + ["%d"])


def transactions(path, rows):
    rng = np.random.default_rng(2018)
    start = np.datetime64("2018-04-01T00:00:00", "s")
    secs = np.sort(rng.integers(0, 183 * 86400, rows))  # half a year, in time order
    stamps = np.datetime_as_string(start + secs.astype("timedelta64[s]"), unit="s")
    cust = rng.integers(0, 5000, rows)
    term = rng.integers(0, 10000, rows)
    amount = np.round(rng.gamma(2.0, 30.0, rows), 2)
    fraud = (rng.random(rows) < np.where(amount > 220, 0.05, 0.006)).astype(int)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("TRANSACTION_ID,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT,TX_TIME_SECONDS,TX_TIME_DAYS,TX_FRAUD\n")
        step = 100_000
        for lo in range(0, rows, step):
            hi = min(rows, lo + step)
            f.write("".join(f"{i},{stamps[i].replace('T', ' ')},{cust[i]},{term[i]},{amount[i]:.2f},{secs[i]},{secs[i] // 86400},{fraud[i]}\n"
                            for i in range(lo, hi)))
    os.replace(tmp, path)


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "bench/data"
    os.makedirs(out, exist_ok=True)
    jobs = {"wide.csv": lambda p: wide(p, 1_000_000), "binary.csv": lambda p: binary(p, 200_000),
            "binary_1m.csv": lambda p: binary(p, 1_000_000),
            "events.csv": lambda p: events(p, 2_000, 60), "events_long.csv": lambda p: events(p, 100, 1_200),
            "seq_events.csv": lambda p: events(p, 400, 32),
            "transactions.csv": lambda p: transactions(p, 1_500_000)}
    for name, make in jobs.items():
        path = os.path.join(out, name)
        if not os.path.exists(path):
            print(f"generating {path}", flush=True)
            make(path)
