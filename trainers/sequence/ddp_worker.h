#pragma once
// Data-parallel training across processes that mlpipe starts itself (`processes: N`): rank 0
// (the running pipeline) writes the job into an exchange folder and starts ranks 1..N-1 as
// `mlpipe _ddp-worker DIR RANK`; each reads the same data and trains its shard of every global
// batch. The trainer itself checks that the ranks end with identical weights.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/model/model.h"
#include "core/flow/sequence_set.h"

namespace mlpipe {

// Rank 0's side: saves the job, starts the workers, trains as rank 0 with `impl`, waits for the
// workers and reports the log of any that failed.
std::unique_ptr<Model> train_data_parallel(
    const nlohmann::json& step, const SequenceSet& data, const std::vector<uint32_t>& train,
    const std::vector<uint32_t>& valid, TrainContext& ctx, int processes, const Trainer& impl);

// A worker's side (the hidden `_ddp-worker` command). Returns the process exit code.
int run_ddp_worker(const std::filesystem::path& dir, int rank);

}  // namespace mlpipe
