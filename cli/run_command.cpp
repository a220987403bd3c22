#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "core/util/interrupt.h"
#include "core/runner/runner.h"
#include "core/store/run_labels.h"
#include "core/util/error.h"

namespace mlpipe::cli {

void add_run(CLI::App& app, int& exit_code) {
  struct Opts {
    std::string pipeline, store;
    std::vector<std::string> sets;
    unsigned jobs = 0, threads = 0;
    bool json = false, quiet = false, explain = false, dry_run = false, no_cache = false;
    std::vector<std::string> force;
    std::string from, only, name;
    std::vector<std::string> tags;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("run", "Run a pipeline and record it in the run store");
  cmd->footer("Examples:\n  mlpipe run examples/credit-default/pipeline.yaml\n  mlpipe run pipeline.yaml --set params.eta=0.1 --name eta-0.1 --tag ticket=RISK-42 --json");
  cmd->add_option("pipeline", o->pipeline, "Pipeline YAML file")->required();
  cmd->add_option("--set", o->sets, "Override a config value: KEY=VALUE (e.g. params.eta=0.05)");
  add_store_option(cmd, o->store);
  // Before stores, --workdir named the folder of the cache and run outputs: that folder is the store now.
  cmd->add_option("--workdir", o->store, "Same as --store (kept for old scripts)")->group("");
  cmd->add_option("-j,--jobs", o->jobs, "Independent steps run at once (default: number of cores)")->check(CLI::Range(1u, 1024u));
  cmd->add_option("--threads", o->threads, "Threads per step (default: number of cores)")->check(CLI::Range(1u, 1024u));
  cmd->add_flag("--json", o->json, "Print the outcome as JSON on stdout");
  cmd->add_option("--name", o->name, "A name for the run: other commands take it in place of the run number (the newest run of that name)");
  cmd->add_option("--tag", o->tags, "A tag KEY=VALUE (repeat for more): runs list --tag KEY=VALUE finds the run");
  cmd->add_flag("-q,--quiet", o->quiet, "No progress lines");
  CLI::Option* force = cmd->add_option("--force", o->force,
                  "Run steps even when their cached outputs are up to date: all of them, or the one named")
      ->expected(0, 1);
  cmd->add_option("--from", o->from, "Run this step and every step after it; reuse the ones before");
  cmd->add_option("--only", o->only, "Run only this step, on the cached outputs of the steps it needs");
  cmd->add_flag("--explain", o->explain, "Say why each step runs or is reused");
  cmd->add_flag("--dry-run", o->dry_run, "Decide and explain, but run nothing");
  cmd->add_flag("--no-cache", o->no_cache, "Neither reuse nor save cached step outputs");
  cmd->callback([o, force, &exit_code] {
    RunOptions ro;
    ro.pipeline_file = o->pipeline;
    ro.overrides = o->sets;
    // --store, else $MLPIPE_STORE, else the config file's store:, else .mlpipe/ beside the
    // pipeline (run_pipeline's default).
    ro.store = chosen_store(o->store);
    ro.jobs = o->jobs;
    ro.nthread = o->threads;
    ro.log = o->quiet ? nullptr : &std::cerr;
    ro.progress = detect_progress_style(2);
    install_interrupt_handlers();
    if (o->dry_run && !o->json) ro.log = &std::cout;  // the plan is what a dry run produces
    ro.explain = o->explain;
    ro.dry_run = o->dry_run;
    ro.no_cache = o->no_cache;
    ro.from_step = o->from;
    ro.only_step = o->only;
    if (!o->name.empty()) {
      check_run_name(o->name);
      ro.name = o->name;
    }
    for (const auto& t : o->tags) ro.tags.push_back(parse_tag(t));
    for (const auto& f : o->force)
      if (!f.empty()) ro.force_steps.push_back(f);
    if (force->count() > 0 && ro.force_steps.empty()) ro.force_all = true;  // bare --force
    // A bad config throws: cli/main.cpp prints it, as JSON on stdout too with --json.
    RunOutcome out = run_pipeline(ro);
    if (o->dry_run) {
      if (o->json) std::cout << out.to_json().dump(2) << "\n";
      exit_code = 0;
      return;
    }
    if (o->json) std::cout << out.to_json().dump(2) << "\n";
    // Quiet drops progress lines, never the reason a run failed.
    if (o->quiet && out.exit_code != 0) std::cerr << "mlpipe: run " << out.run_id << " " << out.status << ": " << out.error << "\n";
    exit_code = out.exit_code;
  });
}

}  // namespace mlpipe::cli
