#include "core/store/object_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/hash.h"

namespace fs = std::filesystem;

namespace mlpipe {
namespace {

void fsync_file(const fs::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw StepError("cannot open " + p.string() + ": " + std::strerror(errno));
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

fs::path ObjectStore::path(const std::string& hash) const {
  if (hash.size() < 8 || hash.find_first_not_of("0123456789abcdef") != std::string::npos)
    throw StepError("'" + hash + "' is not an object name (a content hash)");
  return dir_ / hash.substr(0, 2) / hash.substr(2);
}

fs::path ObjectStore::adopt(const fs::path& file, const std::string& hash) {
  fs::path dest = path(hash);
  // An object already there is kept when its bytes still have its hash (checked: a damaged one
  // must not outlive the good copy in hand), and touched so that a `gc` running now (it spares
  // objects newer than its start) keeps the one this writer is about to refer to.
  if (fs::is_regular_file(dest) && fs::file_size(dest) == fs::file_size(file) && hash_file(dest) == hash) {
    ::utimensat(AT_FDCWD, dest.c_str(), nullptr, 0);
    fs::remove(file);
    return dest;
  }
  fs::create_directories(dest.parent_path());
  // Not fsynced: an object lost or torn by a power cut fails its hash check when loaded (a cache
  // miss) and is replaced by the next writer; put_copy (registered models) does sync.
  ::chmod(file.c_str(), 0444);  // read-only: an object is never edited in place
  fs::rename(file, dest);       // atomic: a concurrent writer of the same object wins or loses whole
  return dest;
}

void ObjectStore::share(const fs::path& file, const std::string& hash) {
  fs::path dest = path(hash);
  if (fs::is_regular_file(dest) && fs::file_size(dest) == fs::file_size(file) && hash_file(dest) == hash) {
    fs::path link = temp_sibling(file);
    if (::link(dest.c_str(), link.c_str()) == 0) fs::rename(link, file);  // the run's name, the object's bytes
    ::utimensat(AT_FDCWD, dest.c_str(), nullptr, 0);                      // see adopt: spared by a gc now
    return;
  }
  fs::create_directories(dest.parent_path());
  ::chmod(file.c_str(), 0444);
  fs::path staged = temp_sibling(dest);
  if (::link(file.c_str(), staged.c_str()) != 0) fs::copy_file(file, staged);
  fs::rename(staged, dest);
}

std::string ObjectStore::put_copy(const fs::path& file) {
  std::string hash = hash_file(file);
  fs::create_directories(tmp_);
  RemoveOnExit staged(temp_sibling(tmp_ / "object"));
  fs::copy_file(file, staged.path());
  if (hash_file(staged.path()) != hash) throw StepError(file.string() + " changed while it was being stored");
  fsync_file(staged.path());  // a registered model must survive a power cut
  adopt(staged.path(), hash);
  return hash;
}

void ObjectStore::for_each(const std::function<void(const std::string&, const fs::path&, int64_t)>& f) const {
  if (!fs::is_directory(dir_)) return;
  for (const auto& shard : fs::directory_iterator(dir_))
    if (shard.is_directory())
      for (const auto& e : fs::directory_iterator(shard.path()))
        if (e.is_regular_file())  // objects/ab/cdef... is the object "abcdef..."
          f(shard.path().filename().string() + e.path().filename().string(), e.path(), int64_t(e.file_size()));
}

void ObjectStore::copy_out(const std::string& hash, const fs::path& dest) const {
  fs::path src = path(hash);
  if (!fs::is_regular_file(src)) throw StepError("object " + hash + " is missing from " + dir_.string());
  if (hash_file(src) != hash) throw StepError("object " + src.string() + " is damaged (its bytes no longer have its hash)");
  fs::copy_file(src, dest, fs::copy_options::overwrite_existing);
  fs::permissions(dest, fs::perms::owner_write, fs::perm_options::add);
}

}  // namespace mlpipe
