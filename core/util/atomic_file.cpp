#include "core/util/atomic_file.h"

#include <cstdio>

#include "core/util/crash_point.h"

#include <fcntl.h>
#include <stdio.h>  // renameat2
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/util/error.h"

namespace fs = std::filesystem;

namespace mlpipe {

fs::path temp_sibling(const fs::path& path) {
  static std::atomic<unsigned> counter{0};
  return path.parent_path() / (".tmp-" + path.filename().string() + "-" +
                               std::to_string(::getpid()) + "-" + std::to_string(counter++));
}

void write_file_atomic(const fs::path& path, std::string_view bytes) {
  if (!path.parent_path().empty()) fs::create_directories(path.parent_path());
  fs::path tmp = temp_sibling(path);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw StepError("cannot write " + tmp.string() + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      fs::remove(tmp);
      throw StepError("cannot write " + tmp.string() + ": " + std::strerror(e));
    }
    off += static_cast<size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  crash_point("write");  // written in full, not yet under its name
  fs::rename(tmp, path);
}

void replace_directory(const fs::path& staged, const fs::path& dest) {
  crash_point("replace");
  // A plain rename when `dest` is absent. Another process may create it at any moment (two runs
  // saving the same cache entry): then the rename fails and the exchange below takes over.
  if (::rename(staged.c_str(), dest.c_str()) == 0) return;
  if (errno != ENOTEMPTY && errno != EEXIST && errno != EISDIR)
    throw StepError("cannot rename " + staged.string() + " to " + dest.string() + ": " + std::strerror(errno));
  // Swap both names in one step: `dest` is always either the old folder or the new one.
  if (::renameat2(AT_FDCWD, staged.c_str(), AT_FDCWD, dest.c_str(), RENAME_EXCHANGE) == 0) {
    fs::remove_all(staged);  // now the old folder
    return;
  }
  if (errno != EINVAL && errno != ENOSYS)
    throw StepError("cannot replace " + dest.string() + ": " + std::strerror(errno));
  // A file system without the exchange: move the old folder aside first (a crash in between
  // leaves it beside `dest`, never half of either).
  fs::path old = temp_sibling(dest);
  fs::rename(dest, old);
  fs::rename(staged, dest);
  fs::remove_all(old);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw StepError("cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_output(const std::filesystem::path& path, std::string_view bytes) {
  if (path == "-") {
    std::fwrite(bytes.data(), 1, bytes.size(), stdout);
    std::fflush(stdout);
    if (std::ferror(stdout)) throw StepError("cannot write to standard output");
    return;
  }
  std::error_code ec;
  auto st = std::filesystem::status(path, ec);
  if (!ec && std::filesystem::exists(st) && !std::filesystem::is_regular_file(st)) {
    if (std::filesystem::is_directory(st)) throw StepError(path.string() + ": is a folder, expected a file to write");
    std::FILE* f = std::fopen(path.c_str(), "wb");  // a device or FIFO: written into, never replaced
    if (!f) throw StepError(path.string() + ": cannot open for writing: " + std::strerror(errno));
    size_t n = std::fwrite(bytes.data(), 1, bytes.size(), f);
    bool ok = n == bytes.size() && std::fclose(f) == 0;
    if (!ok) throw StepError(path.string() + ": cannot write: " + std::strerror(errno));
    return;
  }
  write_file_atomic(path, bytes);
}

}  // namespace mlpipe
