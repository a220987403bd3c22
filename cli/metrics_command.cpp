#include <cmath>
#include <iostream>

#include "cli/commands.h"
#include "core/store/run_compare.h"
#include "core/store/recorded_queries.h"
#include "core/store/run_views.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace mlpipe::cli {

void round_for_people(QueryResult& r) {
  for (auto& row : r.rows)
    for (auto& c : row)
      if (c.is_number_float()) c = format_for_people(c.get<double>());
}

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
  cmd->add_option("run", o->run, "Run id, name, or 'latest'");
  add_store_option(cmd, o->store);
  cmd->add_option("--step", o->filter.step, "Only this step (a glob: 'train*')");
  cmd->add_option("--key", o->filter.key, "Only this metric (a glob: '*auc')");
  cmd->add_option("--split", o->filter.split, "Only this split (train, valid, test)");
  cmd->add_flag("--final", o->filter.final_only, "Only the last value of each series");
  cmd->add_option("--format", o->format, "table, csv, json or markdown")->check(CLI::IsMember({"table", "csv", "json", "markdown"}));
  cmd->add_flag("--json", o->json, "The same as --format json");
  // metrics diff A B: the final metrics of two runs side by side; --exit-code for CI.
  struct DiffOpts {
    std::string a, b, store;
    double tolerance = 0;
    bool exit_code = false, json = false;
  };
  auto d = std::make_shared<DiffOpts>();
  CLI::App* diff = cmd->add_subcommand("diff", "Final metrics of two runs and their difference (exit 1 with --exit-code when one moved beyond --tolerance)");
  diff->add_option("a", d->a, "First run: id, name or 'latest'")->required();
  diff->add_option("b", d->b, "Second run")->required();
  diff->add_option("--tolerance", d->tolerance, "Differences up to this (absolute) count as equal (default 0)")->check(CLI::NonNegativeNumber);
  diff->add_flag("--exit-code", d->exit_code, "Exit 1 when a metric differs beyond the tolerance (or exists in one run only)");
  diff->add_flag("--json", d->json, "JSON output: [{key, a, b, change}]");
  add_store_option(diff, d->store);
  diff->footer("Example: mlpipe metrics diff baseline latest --tolerance 0.002 --exit-code");
  diff->callback([d, &exit_code] {
    Db db = open_store_readonly(existing_store(d->store).db());
    int64_t a = resolve_run_id(db, d->a), b = resolve_run_id(db, d->b);
    QueryResult r = metrics_difference(db, a, b);
    bool moved = false;
    for (const auto& row : r.rows) {
      const nlohmann::json& c = row[3];
      if (c.is_null() ? true : std::fabs(c.get<double>()) > d->tolerance) moved = true;
    }
    if (!d->json) round_for_people(r);
    std::cout << format_result(r, d->json ? "json" : "table");
    exit_code = d->exit_code && moved ? 1 : 0;
  });
  cmd->callback([o, cmd, &exit_code] {
    if (cmd->got_subcommand("diff")) return;
    if (o->run.empty()) throw ConfigError("metrics: give a run (id, name or 'latest'), e.g. mlpipe metrics latest --final");
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
