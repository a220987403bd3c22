#include "core/cache/file_hasher.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "core/util/error.h"
#include "core/util/hash.h"

namespace mlpipe {

std::string hash_input_file(RunStore* store, const std::filesystem::path& path) {
  std::string abs = std::filesystem::absolute(path).lexically_normal().string();
  struct stat st;
  if (::stat(abs.c_str(), &st) != 0) throw StepError(path.string() + ": " + std::strerror(errno));
  int64_t mtime = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  int64_t ctime = int64_t(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
  if (store)
    if (auto h = store->cached_file_hash(abs, st.st_size, mtime, ctime, int64_t(st.st_ino))) return *h;
  std::string h = hash_file(abs);
  if (store) store->remember_file_hash(abs, st.st_size, mtime, ctime, int64_t(st.st_ino), h);
  return h;
}

}  // namespace mlpipe
