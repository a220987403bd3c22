#include <iostream>

#include "cli/commands.h"
#include "core/runner/runner.h"

namespace mlpipe::cli {

void add_run(CLI::App& app, int& exit_code) {
  struct Opts {
    std::string pipeline, db, workdir;
    std::vector<std::string> sets;
    unsigned jobs = 0, threads = 0;
    bool json = false, quiet = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("run", "Run a pipeline and record it in the run store");
  cmd->add_option("pipeline", o->pipeline, "Pipeline YAML file")->required();
  cmd->add_option("--set", o->sets, "Override a config value: KEY=VALUE (e.g. params.eta=0.05)");
  cmd->add_option("--db", o->db, "Run store (default: .mlpipe/runs.db beside the pipeline)");
  cmd->add_option("--workdir", o->workdir, "Folder for run outputs (default: .mlpipe/ beside the pipeline)");
  cmd->add_option("-j,--jobs", o->jobs, "Independent steps run at once (default: number of cores)");
  cmd->add_option("--threads", o->threads, "Threads per step (default: number of cores)");
  cmd->add_flag("--json", o->json, "Print the outcome as JSON on stdout");
  cmd->add_flag("-q,--quiet", o->quiet, "No progress lines");
  cmd->callback([o, &exit_code] {
    RunOptions ro;
    ro.pipeline_file = o->pipeline;
    ro.overrides = o->sets;
    if (!o->db.empty()) ro.db = o->db;
    if (!o->workdir.empty()) ro.workdir = o->workdir;
    ro.jobs = o->jobs;
    ro.nthread = o->threads;
    ro.log = o->quiet ? nullptr : &std::cerr;
    RunOutcome out = run_pipeline(ro);
    if (o->json) std::cout << out.to_json().dump(2) << "\n";
    exit_code = out.exit_code;
  });
}

}  // namespace mlpipe::cli
