#pragma once
// Content hashes of input files with a stat cache: an unchanged large file (same size, mtime,
// ctime and inode) is not read again. ctime changes on every write and tools cannot set it back,
// so an edit that keeps the size and the mtime second is still caught.
#include <filesystem>
#include <string>

#include "core/store/run_store.h"

namespace mlpipe {

// Hashes `path`, consulting and updating the store's stat cache; without a store, always reads.
std::string hash_input_file(RunStore* store, const std::filesystem::path& path);

}  // namespace mlpipe
