#pragma once
// A fresh, empty folder for one test under the system's temp directory, removed with everything
// in it when the TempDir goes. Names carry the process id and a counter, so tests running in
// parallel processes (or two TempDirs in one test) never share one.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    path = std::filesystem::temp_directory_path() /
           ("mlpipe-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};
