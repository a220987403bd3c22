#include <iostream>

#include "cli/commands.h"
#include "core/util/interrupt.h"
#include "core/runner/recorded_runs.h"
#include "core/store/run_diff.h"
#include "core/store/run_views.h"

namespace mlpipe::cli {

void add_resume(CLI::App& app, int& exit_code) {
  struct Opts {
    std::string run, store;
    unsigned jobs = 0, threads = 0;
    bool json = false, quiet = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("resume", "Continue an interrupted or failed run, reusing its finished steps");
  cmd->footer("Example: mlpipe resume latest   (after Ctrl-C, a crash or a failed step)");
  cmd->add_option("run", o->run, "Run id, or 'latest'")->required();
  add_store_option(cmd, o->store);
  cmd->add_option("-j,--jobs", o->jobs, "Independent steps run at once");
  cmd->add_option("--threads", o->threads, "Threads per step");
  cmd->add_flag("--json", o->json, "Print the outcome as JSON on stdout");
  cmd->add_flag("-q,--quiet", o->quiet, "No progress lines");
  cmd->callback([o, &exit_code] {
    RunOptions base;
    base.jobs = o->jobs;
    base.nthread = o->threads;
    base.log = o->quiet ? nullptr : &std::cerr;
    base.progress = detect_progress_style(2);
    install_interrupt_handlers();
    RunOutcome out = resume_run(choose_store(o->store, ".mlpipe"), o->run, base);
    if (o->json) std::cout << out.to_json().dump(2) << "\n";
    // Quiet drops progress lines, never the reason a run failed.
    if (o->quiet && out.exit_code != 0) std::cerr << "mlpipe: run " << out.run_id << " " << out.status << ": " << out.error << "\n";
    exit_code = out.exit_code;
  });
}

void add_reproduce(CLI::App& app, int& exit_code) {
  struct Opts {
    std::string run, store;
    unsigned threads = 0;
    bool json = false, quiet = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand(
      "reproduce", "Re-run a recorded run from scratch and compare every artifact and metric (exit 1 on any difference)");
  cmd->footer("Examples:\n  mlpipe reproduce 3\n  mlpipe reproduce latest --json");
  cmd->add_option("run", o->run, "Run id, or 'latest'")->required();
  add_store_option(cmd, o->store);
  cmd->add_option("--threads", o->threads, "Threads per step (default: as the original run's steps used)");
  cmd->add_flag("--json", o->json, "JSON report on stdout");
  cmd->add_flag("-q,--quiet", o->quiet, "No progress lines");
  cmd->callback([o, &exit_code] {
    RunOptions base;
    base.nthread = o->threads;
    base.log = o->quiet ? nullptr : &std::cerr;
    base.progress = detect_progress_style(2);
    install_interrupt_handlers();
    ReproduceReport r = reproduce_run(choose_store(o->store, ".mlpipe"), o->run, base);
    if (o->json)
      std::cout << nlohmann::json{{"original", r.original}, {"rerun", r.rerun.run_id},
                                  {"identical", r.identical()}, {"differences", r.differences},
                                  {"environment_changes", r.environment_changes},
                                  {"artifacts_compared", r.artifacts_compared},
                                  {"metrics_compared", r.metrics_compared}}.dump(2) << "\n";
    else
      std::cout << r.text();
    exit_code = r.identical() ? 0 : 1;
  });
}

void add_runs_diff(CLI::App& runs, int& exit_code) {
  struct Opts {
    std::string a, b, store, rev;
    bool json = false, exit_code = false;
    double tolerance = 0;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = runs.add_subcommand("diff", "What differs between two runs: config, inputs, environment, metrics, artifacts");
  cmd->footer("Examples:\n  mlpipe runs diff 3 4\n  mlpipe runs diff baseline latest --json\n"
              "  mlpipe runs diff --rev main latest --exit-code --tolerance 0.001   (in CI: exit 1 when the model changed)");
  cmd->add_option("a", o->a, "First run: id, name or 'latest' (with --rev: the second run)")->required();
  cmd->add_option("b", o->b, "Second run");
  cmd->add_option("--rev", o->rev, "The first run is the latest run of the second's pipeline made at this git revision (main, HEAD~1, a tag)");
  cmd->add_flag("--exit-code", o->exit_code, "Exit 1 when config, inputs, artifacts or metrics (beyond --tolerance) differ");
  cmd->add_option("--tolerance", o->tolerance, "Metric differences up to this (absolute) count as equal (default 0)")->check(CLI::NonNegativeNumber);
  add_store_option(cmd, o->store);
  cmd->add_flag("--json", o->json, "JSON output");
  cmd->callback([o, &exit_code] {
    Db db = open_store_readonly(existing_store(o->store).db());
    if (o->rev.empty() && o->b.empty()) throw ConfigError("runs diff: give two runs, or --rev REV and one run");
    if (!o->rev.empty() && !o->b.empty()) throw ConfigError("runs diff --rev " + o->rev + ": give one run (the other is the one made at " + o->rev + ")");
    int64_t b = resolve_run_id(db, o->rev.empty() ? o->b : o->a);
    int64_t a = o->rev.empty() ? resolve_run_id(db, o->a) : run_at_revision(db, o->rev, b);
    nlohmann::json d = diff_runs(db, a, b);
    DiffVerdict v = diff_verdict(d, o->tolerance);
    if (o->json) {
      d["a"] = a;
      d["b"] = b;
      d["same"] = v.same();
      std::cout << d.dump(2) << "\n";
    } else {
      std::cout << format_run_diff(d, a, b);
    }
    exit_code = o->exit_code && !v.same() ? 1 : 0;
  });
}

}  // namespace mlpipe::cli
