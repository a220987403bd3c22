#pragma once
// Write-then-rename helpers: a crash never leaves a half-written file under its final name.
#include <filesystem>
#include <string_view>

namespace mlpipe {

// Writes `bytes` to `path` via a temporary sibling, fsyncs and renames it into place.
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

// A command's output file (-o): "-" is standard output; an existing target that is not a regular
// file (/dev/null, a FIFO, a terminal) is written into as it is, never replaced by a rename
// (which, as root, would turn /dev/null into a regular file for the whole machine); anything
// else is written atomically as above.
void write_output(const std::filesystem::path& path, std::string_view bytes);

// A temporary sibling name for `path` unique to this process and call.
std::filesystem::path temp_sibling(const std::filesystem::path& path);

// Replaces directory `dest` by the fully written directory `staged` (same parent).
// An existing `dest` is moved aside first and removed only after the new one is in place.
void replace_directory(const std::filesystem::path& staged, const std::filesystem::path& dest);

std::string read_file(const std::filesystem::path& path);

// Removes a staging file or folder when it goes out of scope, if it is still there (renamed into
// place, it is not): cleaned up whether the work succeeded, failed or threw.
class RemoveOnExit {
 public:
  explicit RemoveOnExit(std::filesystem::path p) : path_(std::move(p)) {}
  RemoveOnExit(const RemoveOnExit&) = delete;
  RemoveOnExit& operator=(const RemoveOnExit&) = delete;
  ~RemoveOnExit() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace mlpipe
