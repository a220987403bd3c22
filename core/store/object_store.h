#pragma once
// The store's content-addressed files: objects/ab/cdef... named by the XXH3-128 hash of their
// bytes. An object is written once and never changed (same name, same bytes), so two runs, two
// processes or two machines writing the same object are harmless, and nothing can overwrite a
// file something else refers to. Thread-safe: all state is on disk.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "core/store/store_layout.h"

namespace mlpipe {

class ObjectStore {
 public:
  explicit ObjectStore(const StoreLayout& layout) : dir_(layout.objects()), tmp_(layout.tmp()) {}

  std::filesystem::path path(const std::string& hash) const;
  bool has(const std::string& hash) const { return std::filesystem::is_regular_file(path(hash)); }

  // Takes `file` (a finished file on the store's file system, e.g. under tmp/) as the object for
  // `hash` (its content hash): flushed to disk and renamed into place, or, when an intact object
  // with that hash exists already, removed (a damaged one is replaced). Returns the object's path.
  std::filesystem::path adopt(const std::filesystem::path& file, const std::string& hash);
  // Makes a finished file in the store's folder (a run's model or predictions, hash `hash`) one
  // of the objects without copying it: hard-linked in as the object, or, when an intact object
  // with that hash exists, replaced by a link to it (stored once). Both names then hold the same
  // read-only bytes. Falls back to a copy where hard links are not possible.
  void share(const std::filesystem::path& file, const std::string& hash);
  // Copies `file` in as an object; returns its content hash.
  std::string put_copy(const std::filesystem::path& file);
  // Writes the object to `dest` (a copy) after checking its bytes still have its hash; throws
  // StepError naming the object when it is missing or damaged.
  void copy_out(const std::string& hash, const std::filesystem::path& dest) const;
  // Calls `f(hash, path, bytes)` for every object on disk (gc, store info).
  void for_each(const std::function<void(const std::string&, const std::filesystem::path&, int64_t)>& f) const;

 private:
  std::filesystem::path dir_, tmp_;
};

}  // namespace mlpipe
