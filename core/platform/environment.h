#pragma once
// Facts about where a run happened: host, OS, CPU, compiler, library versions, git state.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/store/run_store.h"

namespace mlpipe {

struct GitState {
  std::string commit;
  bool dirty = false;
  std::string diff_hash;  // hash of `git diff HEAD` when dirty
};

// nullopt when `dir` is not inside a git work tree (or git is absent).
std::optional<GitState> git_state(const std::filesystem::path& dir);

// Runs argv (no shell) and returns its stdout; nullopt when it cannot run or exits non-zero.
std::optional<std::string> capture_output(const std::vector<std::string>& argv);

std::string host_name();
std::string user_name();
std::string cpu_model();

// Library versions linked into this binary (mlpipe, SQLite, yaml-cpp, nlohmann/json, trainers).
KeyValues library_versions();

// Everything above as key/value rows for the environment table.
KeyValues collect_environment(unsigned nthread, unsigned jobs);

}  // namespace mlpipe
