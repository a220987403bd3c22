#pragma once
// A SequenceSet on disk: one .npy per array (event_x, event_cat, window_*, split, rows,
// target_N) plus sequences.json with shapes and names. Used by the step cache and to hand the training data to
// data-parallel worker processes.
#include <filesystem>
#include <functional>
#include <string>
#include <memory>

#include "core/flow/sequence_set.h"

namespace mlpipe {

void save_sequences(const SequenceSet& s, const std::filesystem::path& dir);
std::shared_ptr<SequenceSet> load_sequences(const std::filesystem::path& dir);
// The same, each file found by `file(name)` (e.g. an object of the store for "event_x.npy").
std::shared_ptr<SequenceSet> load_sequences(const std::function<std::filesystem::path(const std::string&)>& file);

}  // namespace mlpipe
