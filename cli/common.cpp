#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "core/platform/environment.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace mlpipe::cli {

void add_store_option(CLI::App* cmd, std::string& store) {
  cmd->add_option("--store", store,
                  "Store: a folder, or postgresql://USER@HOST:PORT/DB?objects=FOLDER (default: $MLPIPE_STORE, else "
                  "store: in ~/.config/mlpipe/config.yaml, else .mlpipe/" +
                      std::string(cmd->get_name() == "run" ? " beside the pipeline)" : " here)"))
      ->type_name("STORE");
  cmd->add_option_function<std::string>(
         "--db",
         [](const std::string& v) {
           std::filesystem::path p(v);
           throw ConfigError("--db is retired: a store is a folder now (store.db, objects/, runs/); use --store " +
                             shell_quote(p.parent_path().empty() ? "." : p.parent_path().string()) +
                             (p.filename() == "runs.db" ? " (its runs.db is upgraded to store.db on first use)" : ""));
         },
         "Retired: use --store DIR")
      ->group("");
}

StoreLayout existing_store(const std::string& flag) {
  StoreLayout store = choose_store(flag, ".mlpipe");
  require_store(store, &std::cerr);
  return store;
}

std::string version_text() {
  std::string out;
  for (const auto& [name, version] : library_versions())
    out += (out.empty() ? name + " " + version + "\n" : "  " + name + " " + version + "\n");
  out.pop_back();
  return out;
}

}  // namespace mlpipe::cli
