#include <iostream>

#include "cli/commands.h"
#include "core/store/housekeeping.h"

namespace mlpipe::cli {

void add_store(CLI::App& app, int& exit_code) {
  CLI::App* store = app.add_subcommand("store", "The store: what it holds (store info)");
  store->require_subcommand(1);
  struct InfoOpts {
    std::string store;
    bool json = false;
  };
  auto io = std::make_shared<InfoOpts>();
  CLI::App* info = store->add_subcommand("info", "Sizes by kind: database, cached outputs, registered models, run files");
  add_store_option(info, io->store);
  info->add_flag("--json", io->json, "JSON output");
  info->footer("Example: mlpipe store info --store examples/credit-default/.mlpipe");
  info->callback([io, &exit_code] {
    nlohmann::json i = store_info(existing_store(io->store));
    std::cout << (io->json ? i.dump(2) + "\n" : format_store_info(i));
    exit_code = 0;
  });
}

void add_gc(CLI::App& app, int& exit_code) {
  struct Opts {
    std::string store;
    GcOptions gc;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand(
      "gc", "Forget old cache entries and delete the objects nothing names (runs and registered models are kept)");
  add_store_option(cmd, o->store);
  cmd->add_option("--keep", o->gc.keep, "Cache entries kept per pipeline step, newest first (default 3)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--min-age", o->gc.min_age_s,
                  "Seconds an unreferenced object must have existed before it is deleted (default 900: a run may "
                  "be about to name it)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("-n,--dry-run", o->gc.dry_run, "Say what would go and how many bytes; remove nothing");
  cmd->add_flag("--json", o->json, "JSON output");
  cmd->footer("Example: mlpipe gc --dry-run   then   mlpipe gc --keep 1");
  cmd->callback([o, &exit_code] {
    GcReport r = collect_garbage(existing_store(o->store), o->gc);
    std::cout << (o->json ? r.to_json().dump(2) + "\n" : r.text());
    exit_code = 0;
  });
}

}  // namespace mlpipe::cli
