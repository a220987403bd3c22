#include <iostream>
#include <limits>

#include "cli/commands.h"
#include "core/store/query.h"

namespace mlpipe::cli {

void add_query(CLI::App& app, int& exit_code) {
  struct Opts {
    std::string sql, store, format = "table";
    QueryLimits limits;
    size_t max_rows = 0;  // 0: the format's default
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("query", "Run a read-only SQL query on the run store");
  cmd->footer("Examples:\n  mlpipe query \"SELECT run_id, value FROM latest_metrics WHERE step = 'evaluate' AND key = 'auc'\"\n"
              "  mlpipe query \"SELECT * FROM run_summary\" --format csv   (tables: docs/run-store.md)");
  cmd->add_option("sql", o->sql, "One SELECT (or WITH ... SELECT) statement")->required();
  add_store_option(cmd, o->store);
  cmd->add_option("--format", o->format, "table, csv, json or markdown")->check(CLI::IsMember({"table", "csv", "json", "markdown"}));
  cmd->add_flag("--json", o->json, "The same as --format json");
  cmd->add_option("--timeout", o->limits.timeout_s, "Stop the query after this many seconds (default 30)")->check(CLI::PositiveNumber);
  cmd->add_option("--max-rows", o->max_rows,
                  "Refuse a result of more rows (default: 1,000,000 for table and markdown, which are laid out whole; "
                  "csv and json stream any number)")
      ->check(CLI::PositiveNumber);
  cmd->callback([o, &exit_code] {
    std::string format = o->json ? "json" : o->format;
    DbLocation db = existing_store(o->store).db();
    if (format == "csv" || format == "json") {  // written as the rows come: constant memory
      o->limits.max_rows = o->max_rows ? o->max_rows : std::numeric_limits<size_t>::max();
      stream_query(db, o->sql, o->limits, format, std::cout);
    } else {
      if (o->max_rows) o->limits.max_rows = o->max_rows;
      std::cout << format_result(query_database(db, o->sql, o->limits), format);
    }
    exit_code = 0;
  });
}

}  // namespace mlpipe::cli
