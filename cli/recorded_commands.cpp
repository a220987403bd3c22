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
                                  {"artifacts_compared", r.artifacts_compared},
                                  {"metrics_compared", r.metrics_compared}}.dump(2) << "\n";
    else
      std::cout << r.text();
    exit_code = r.identical() ? 0 : 1;
  });
}

void add_runs_diff(CLI::App& runs, int& exit_code) {
  struct Opts {
    std::string a, b, store;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = runs.add_subcommand("diff", "What differs between two runs: config, inputs, environment, metrics, artifacts");
  cmd->footer("Examples:\n  mlpipe runs diff 3 4\n  mlpipe runs diff baseline latest --json");
  cmd->add_option("a", o->a, "First run id (or 'latest')")->required();
  cmd->add_option("b", o->b, "Second run id (or 'latest')")->required();
  add_store_option(cmd, o->store);
  cmd->add_flag("--json", o->json, "JSON output");
  cmd->callback([o, &exit_code] {
    Db db = open_store_readonly(existing_store(o->store).db());
    int64_t a = resolve_run_id(db, o->a), b = resolve_run_id(db, o->b);
    nlohmann::json d = diff_runs(db, a, b);
    std::cout << (o->json ? d.dump(2) + "\n" : format_run_diff(d, a, b));
    exit_code = 0;
  });
}

}  // namespace mlpipe::cli
