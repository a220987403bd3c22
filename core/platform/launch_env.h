#pragma once
// Processes started by an outside launcher (torchrun, Slurm, Kubernetes) learn their place from
// the torchrun variables: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT. Every rank
// runs the same `mlpipe run pipeline.yaml`; rank 0 alone writes the shared run store and the
// exports, the others work in a private folder and meet rank 0 in each data-parallel train step.
#include <optional>
#include <string>

namespace mlpipe {

struct OutsideLaunch {
  int rank = 0, world = 1, local_rank = 0;
  std::string master_addr;
  int master_port = 0;
};

// nullopt when WORLD_SIZE is unset or 1. Throws ConfigError naming the variable when the
// variables are incomplete or malformed (e.g. RANK >= WORLD_SIZE, no MASTER_PORT).
std::optional<OutsideLaunch> outside_launch();

}  // namespace mlpipe
