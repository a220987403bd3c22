#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/store/object_store.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/hash.h"
#include "core/util/uuid.h"

using namespace mlpipe;
namespace fs = std::filesystem;

namespace {
struct TempStore {
  fs::path dir = fs::temp_directory_path() / ("mlpipe-objects-" + std::to_string(::getpid()));
  TempStore() { fs::remove_all(dir); fs::create_directories(dir / "tmp"); }
  ~TempStore() { fs::remove_all(dir); }
};
fs::path write(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
  return p;
}
}  // namespace

TEST_CASE("objects are named by their content, kept once, and a damaged one is replaced") {
  TempStore t;
  StoreLayout layout(t.dir);
  ObjectStore objects(layout);
  std::string h = hash_bytes("hello");
  fs::path first = objects.adopt(write(t.dir / "tmp" / "a", "hello"), h);
  CHECK(first == objects.path(h));
  CHECK(read_file(first) == "hello");
  CHECK(!fs::exists(t.dir / "tmp" / "a"));
  CHECK((fs::status(first).permissions() & fs::perms::owner_write) == fs::perms::none);  // read-only
  // The same bytes again: the existing object stays, the new file goes.
  auto ino = fs::hard_link_count(first);
  objects.adopt(write(t.dir / "tmp" / "b", "hello"), h);
  CHECK(!fs::exists(t.dir / "tmp" / "b"));
  CHECK(fs::hard_link_count(first) == ino);
  // A damaged object (same size, other bytes) is replaced by the good copy in hand.
  fs::permissions(first, fs::perms::owner_write, fs::perm_options::add);
  write(first, "jello");
  objects.adopt(write(t.dir / "tmp" / "c", "hello"), h);
  CHECK(read_file(objects.path(h)) == "hello");
  // Copying out checks the hash.
  objects.copy_out(h, t.dir / "out");
  CHECK(read_file(t.dir / "out") == "hello");
  fs::permissions(objects.path(h), fs::perms::owner_write, fs::perm_options::add);
  write(objects.path(h), "jello");
  CHECK_THROWS_AS(objects.copy_out(h, t.dir / "out2"), StepError);
  CHECK_THROWS_AS(objects.copy_out(hash_bytes("nothing"), t.dir / "out3"), StepError);
  CHECK_THROWS_AS(objects.path("../../etc/passwd"), StepError);  // names are hashes, nothing else
}

TEST_CASE("a run's file becomes an object without a copy; an equal one becomes a link to it") {
  TempStore t;
  StoreLayout layout(t.dir);
  ObjectStore objects(layout);
  fs::create_directories(t.dir / "runs" / "r1");
  fs::create_directories(t.dir / "runs" / "r2");
  fs::path a = write(t.dir / "runs" / "r1" / "model.json", "{\"trees\": 1}");
  fs::path b = write(t.dir / "runs" / "r2" / "model.json", "{\"trees\": 1}");
  std::string h = hash_file(a);
  objects.share(a, h);
  CHECK(fs::equivalent(a, objects.path(h)));
  objects.share(b, h);
  CHECK(fs::equivalent(b, objects.path(h)));
  CHECK(fs::hard_link_count(objects.path(h)) == 3);
  CHECK(read_file(b) == "{\"trees\": 1}");
  // put_copy of an outside file: a copy, not a link.
  fs::path outside = write(t.dir / "bundle-model.json", "{\"trees\": 2}");
  std::string h2 = objects.put_copy(outside);
  CHECK(h2 == hash_file(outside));
  CHECK(!fs::equivalent(outside, objects.path(h2)));
}

TEST_CASE("store paths are recorded relative to the store, never to the shell's folder") {
  StoreLayout s("/data/team/.mlpipe/");
  CHECK(s.root() == "/data/team/.mlpipe");
  CHECK(s.record_path("/data/team/.mlpipe/runs/u/train/model.json") == "runs/u/train/model.json");
  CHECK(s.record_path("/data/team/out/bundle/model.json") == "/data/team/out/bundle/model.json");
  CHECK(s.record_path("/data/team/.mlpipe-other/x") == "/data/team/.mlpipe-other/x");
  CHECK(s.resolve("runs/u/x") == "/data/team/.mlpipe/runs/u/x");
  CHECK(s.resolve("/abs/x") == "/abs/x");
}

TEST_CASE("run ids are UUIDv7: time-ordered, version 7, unique") {
  std::string a = new_uuid_v7(), b = new_uuid_v7();
  CHECK(a.size() == 36);
  CHECK(a[14] == '7');
  CHECK(std::string("89ab").find(a[19]) != std::string::npos);
  CHECK(a != b);
  ::usleep(2000);
  CHECK(new_uuid_v7().substr(0, 13) > a.substr(0, 13));  // a later millisecond sorts after
}
