#include <iostream>

#include "cli/commands.h"
#include "core/store/run_compare.h"
#include "core/store/recorded_queries.h"
#include "core/store/run_views.h"
#include "core/util/error.h"

namespace mlpipe::cli {

std::string format_result(const QueryResult& r, const std::string& format) {
  return format == "csv" ? format_csv(r) : format == "json" ? format_json(r) : format == "markdown" ? format_markdown(r) : format_table(r);
}

void add_metrics(CLI::App& app, int& exit_code) {
  struct Opts {
    std::string run, store, format = "table";
    bool json = false;
    MetricFilter filter;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("metrics", "The metric points recorded by one run (every iteration, or --final)");
  cmd->footer("Examples:\n  mlpipe metrics latest --final\n  mlpipe metrics 3 --step train --key auc --split valid --format csv");
  cmd->add_option("run", o->run, "Run id, or 'latest'")->required();
  add_store_option(cmd, o->store);
  cmd->add_option("--step", o->filter.step, "Only this step (a glob: 'train*')");
  cmd->add_option("--key", o->filter.key, "Only this metric (a glob: '*auc')");
  cmd->add_option("--split", o->filter.split, "Only this split (train, valid, test)");
  cmd->add_flag("--final", o->filter.final_only, "Only the last value of each series");
  cmd->add_option("--format", o->format, "table, csv, json or markdown")->check(CLI::IsMember({"table", "csv", "json", "markdown"}));
  cmd->add_flag("--json", o->json, "The same as --format json");
  cmd->callback([o, &exit_code] {
    Db db = open_store_readonly(existing_store(o->store).db());
    QueryResult r = list_metrics(db, resolve_run_id(db, o->run), o->filter);
    std::cout << format_result(r, o->json ? "json" : o->format);
    if (r.rows.empty() && o->format == "table")
      std::cerr << "mlpipe: run " << o->run << " has no metrics matching these filters\n";
    exit_code = 0;
  });
}

void add_runs_compare(CLI::App& runs, int& exit_code) {
  struct Opts {
    std::vector<std::string> runs;
    std::string store, format = "table", children;
    bool all = false, json = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = runs.add_subcommand("compare", "Runs side by side: config values that differ and final metrics");
  cmd->footer("Examples:\n  mlpipe runs compare 3 4 5\n  mlpipe runs compare --children 7 --format csv   (a sweep's trials)");
  cmd->add_option("runs", o->runs, "Two or more run ids ('latest' for the newest)")->expected(0, -1);
  cmd->add_option("--children", o->children, "Also the trial runs of this sweep run");
  add_store_option(cmd, o->store);
  cmd->add_flag("--all", o->all, "Show every config value, not only those that differ");
  cmd->add_option("--format", o->format, "table, csv, json or markdown")->check(CLI::IsMember({"table", "csv", "json", "markdown"}));
  cmd->add_flag("--json", o->json, "The same as --format json");
  cmd->callback([o, &exit_code] {
    Db db = open_store_readonly(existing_store(o->store).db());
    std::vector<int64_t> ids;
    for (const auto& r : o->runs) ids.push_back(resolve_run_id(db, r));
    if (!o->children.empty()) {
      int64_t parent = resolve_run_id(db, o->children);
      size_t before = ids.size();
      for (int64_t c : child_runs(db, parent)) ids.push_back(c);
      if (ids.size() == before) throw ConfigError("run " + o->children + " has no child runs (it ran no sweep)");
    }
    if (ids.size() < 2) throw ConfigError("runs compare: give two or more runs, or --children RUN");
    std::cout << format_result(compare_runs(db, ids, o->all), o->json ? "json" : o->format);
    exit_code = 0;
  });
}

}  // namespace mlpipe::cli
