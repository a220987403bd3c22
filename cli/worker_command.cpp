#include "cli/commands.h"
#include "trainers/sequence/ddp_worker.h"

namespace mlpipe::cli {

// Started by mlpipe itself for data-parallel training; hidden from --help.
void add_ddp_worker(CLI::App& app, int& exit_code) {
  struct Opts {
    std::string dir;
    int rank = 0;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("_ddp-worker", "");
  cmd->group("");
  cmd->add_option("dir", o->dir)->required();
  cmd->add_option("rank", o->rank)->required();
  cmd->callback([o, &exit_code] { exit_code = run_ddp_worker(o->dir, o->rank); });
}

}  // namespace mlpipe::cli
