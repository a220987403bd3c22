#include <iostream>

#include "cli/commands.h"
#include "core/store/query.h"

namespace mlpipe::cli {

void add_query(CLI::App& app, int& exit_code) {
  struct Opts {
    std::string sql, store, format = "table";
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("query", "Run a read-only SQL query on the run store");
  cmd->footer("Examples:\n  mlpipe query \"SELECT run_id, value FROM latest_metrics WHERE step = 'evaluate' AND key = 'auc'\"\n"
              "  mlpipe query \"SELECT * FROM run_summary\" --format csv   (tables: docs/run-store.md)");
  cmd->add_option("sql", o->sql, "One SELECT (or WITH ... SELECT) statement")->required();
  add_store_option(cmd, o->store);
  cmd->add_option("--format", o->format, "table, csv or json")->check(CLI::IsMember({"table", "csv", "json"}));
  cmd->callback([o, &exit_code] {
    QueryResult r = query_database(existing_store(o->store).db(), o->sql);
    std::cout << (o->format == "csv" ? format_csv(r) : o->format == "json" ? format_json(r) : format_table(r));
    exit_code = 0;
  });
}

}  // namespace mlpipe::cli
