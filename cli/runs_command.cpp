#include <iostream>

#include "cli/commands.h"
#include "core/store/run_views.h"

namespace mlpipe::cli {

void add_runs(CLI::App& app, int& exit_code) {
  CLI::App* runs = app.add_subcommand("runs", "List and inspect recorded runs");
  runs->require_subcommand(1);
  add_runs_diff(*runs, exit_code);
  add_runs_compare(*runs, exit_code);

  struct ListOpts {
    std::string store, pipeline;
    int limit = 20;
    bool json = false;
  };
  auto lo = std::make_shared<ListOpts>();
  CLI::App* list = runs->add_subcommand("list", "Recent runs, newest first");
  add_store_option(list, lo->store);
  list->add_option("--pipeline", lo->pipeline, "Only runs of this pipeline");
  list->add_option("-n,--limit", lo->limit, "How many runs (default 20)");
  list->add_flag("--json", lo->json, "JSON output");
  list->callback([lo, &exit_code] {
    Db db = open_store_readonly(existing_store(lo->store).db());
    QueryResult r = list_runs(db, lo->pipeline, lo->limit);
    std::cout << (lo->json ? format_json(r) : format_table(r));
    exit_code = 0;
  });

  struct ShowOpts {
    std::string store, run;
    bool json = false;
  };
  auto so = std::make_shared<ShowOpts>();
  CLI::App* show = runs->add_subcommand("show", "Everything recorded about one run");
  show->add_option("run", so->run, "Run id, or 'latest'")->required();
  add_store_option(show, so->store);
  show->add_flag("--json", so->json, "JSON output");
  show->callback([so, &exit_code] {
    Db db = open_store_readonly(existing_store(so->store).db());
    nlohmann::json d = run_details(db, resolve_run_id(db, so->run));
    std::cout << (so->json ? d.dump(2) + "\n" : format_run_details(d));
    exit_code = 0;
  });
}

}  // namespace mlpipe::cli
