#include <cmath>
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/cache/fingerprint.h"
#include "core/data/npy.h"
#include "core/data/text_dictionary.h"
#include "core/cache/step_cache.h"
#include "core/data/csv_reader.h"
#include "core/store/object_store.h"
#include "core/util/atomic_file.h"
#include "tests/unit/store/store_fixtures.h"
#include "tests/unit/temp_dir.h"

using namespace mlpipe;
using nlohmann::json;
namespace fs = std::filesystem;


TEST_CASE(".npy files have numpy's layout and round-trip") {
  TempDir t;
  std::vector<double> d = {1.5, -2, std::nan("")};
  write_npy(t.path / "d.npy", d);
  std::string bytes = read_file(t.path / "d.npy");
  CHECK(bytes.substr(0, 6) == "\x93NUMPY");
  size_t header = 10 + (uint8_t(bytes[8]) | uint8_t(bytes[9]) << 8);
  CHECK(header % 64 == 0);
  CHECK(bytes.find("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }") == 10);
  auto back = read_npy_f8(t.path / "d.npy");
  CHECK(back[0] == 1.5);
  CHECK(std::isnan(back[2]));
  write_npy(t.path / "i.npy", std::vector<int32_t>{-1, 7});
  CHECK(read_npy_i4(t.path / "i.npy") == std::vector<int32_t>{-1, 7});
  CHECK_THROWS(read_npy_f8(t.path / "i.npy"));  // wrong dtype is refused
}

TEST_CASE("fingerprints change with every component and explain how") {
  FingerprintParts a;
  a.type = "train";
  a.config = json::parse(R"({"params": {"eta": 0.1, "max_depth": 4}, "rounds": 10})");
  a.files["data.csv"] = "h1";
  a.upstream["features"] = "f1";
  a.versions["mlpipe"] = "0.1.0";
  a.runtime = {{"trainer_version", "xgboost 1.7.4"}};
  FingerprintParts b = a;
  CHECK(a.hash() == b.hash());
  CHECK(explain_change(a.to_json(), b.to_json()).empty());

  b.config["params"]["eta"] = 0.05;
  b.config["params"].erase("max_depth");
  b.files["data.csv"] = "h2";
  b.upstream["features"] = "f2";
  b.runtime["trainer_version"] = "xgboost 2.0.0";
  b.seed = 9;
  CHECK(a.hash() != b.hash());
  auto why = explain_change(a.to_json(), b.to_json());
  CHECK(why == std::vector<std::string>{"params.eta changed 0.1 -> 0.05", "params.max_depth removed (was 4)",
                                        "seed changed 0 -> 9", "input data.csv changed",
                                        "upstream 'features' changed",
                                        "trainer_version changed \"xgboost 1.7.4\" -> \"xgboost 2.0.0\""});
}

TEST_CASE("the step cache keeps outputs as shared objects, knows its records and refuses corrupted outputs") {
  TempDir t;
  StoreLayout layout(t.path / "store");
  RunStore store(layout.db());
  StepCache cache(store, layout);
  int64_t run = store.begin_run(mlpipe::testing::run_info());
  store.add_step(run, "ingest", "ingest");
  store.add_step(run, "split", "split");
  auto frame = std::make_shared<Frame>();
  frame->table = parse_csv("a,b,y\n1,x,0\n2,y,1\n", "t.csv", {});
  Column narrow;
  narrow.name = "mean_7d";
  narrow.num = {0.1, std::nan("")};
  narrow.narrow();
  frame->table.add(std::move(narrow));
  frame->label = "y";
  frame->split = {0, 2};
  Flow in, out;
  out.frame = frame;
  out.preprocess = std::make_shared<json>(json{{"transforms", json::array()}});
  store.add_metrics(run, "ingest", {{"rows", "", std::nullopt, 2}});
  store.step_finished(run, "ingest", "ok", "", 0.1);
  cache.save("fp1", in, out, json::object(), run, "ingest", "ingest");
  std::optional<CacheEntry> e = cache.find("fp1");
  REQUIRE(e);
  CHECK(e->run_id == run);
  std::string why;
  auto loaded = cache.load(*e, in, why);
  REQUIRE(loaded);
  CHECK(loaded->frame->table.at("b").dict == std::vector<std::string>{"x", "y"});
  const Column& back = loaded->frame->table.at("mean_7d");  // a float32 column stays float32
  REQUIRE(back.f32);
  CHECK(back.num32[0] == 0.1f);
  CHECK(std::isnan(back.num32[1]));
  CHECK(loaded->frame->split == std::vector<uint8_t>{0, 2});
  CHECK(loaded->frame->label == "y");
  CHECK(!loaded->model);
  CHECK(fs::is_empty(layout.tmp()));  // nothing left behind

  // The same table passed on by the next step: its columns are the same objects.
  auto same = std::make_shared<Frame>(*frame);
  Flow out2;
  out2.frame = same;
  store.step_finished(run, "split", "ok", "", 0.1);
  cache.save("fp2", out, out2, json::object(), run, "split", "split");
  std::optional<CacheEntry> e2 = cache.find("fp2");
  REQUIRE(e2);
  size_t shared = 0;
  for (const auto& a : e->objects)
    for (const auto& b : e2->objects) shared += a.hash == b.hash;
  CHECK(shared == e2->objects.size());  // schema.json, three columns, split.npy

  ObjectStore objects(layout);
  fs::path col = objects.path(e->objects[0].hash);
  fs::permissions(col, fs::perms::owner_write, fs::perm_options::add);
  { std::ofstream(col, std::ios::app) << "x"; }
  CHECK(!cache.load(*e, in, why));
  CHECK(why == "cached output " + e->objects[0].name + " is corrupted (its hash changed)");
  fs::remove(col);
  CHECK(!cache.load(*e, in, why));
  CHECK(why.find("is missing") != std::string::npos);
  CHECK(!cache.find("nope", &why));
  CHECK(why == "no cached outputs in this store");

  // Another store never sees this one's entries, even over the same folder's files.
  StoreLayout other(t.path / "other");
  RunStore other_store(other.db());
  CHECK(!StepCache(other_store, other).find("fp1"));
}

TEST_CASE("text dictionaries round-trip compactly, and a damaged one is refused with the file's name") {
  std::vector<std::string> texts = {"", "a", std::string(300, 'x'), "tab\there", "nl\nthere", std::string("nul\0in", 6), "Zürich"};
  std::string bytes = encode_dictionary(texts);
  CHECK(decode_dictionary(bytes, "d") == texts);
  CHECK(decode_dictionary(encode_dictionary({}), "d").empty());
  std::vector<std::string> ids;
  for (int i = 0; i < 100000; ++i) ids.push_back("C" + std::to_string(1000000 + i));
  size_t text_bytes = 100000 * 8;
  CHECK(encode_dictionary(ids).size() < text_bytes + 100000 + 32);  // one length byte per short text
  CHECK(encode_dictionary(ids).size() < json(ids).dump().size());
  CHECK_THROWS_WITH(decode_dictionary(bytes.substr(0, bytes.size() - 1), "cache/col_3.categories"),
                    doctest::Contains("cache/col_3.categories: not a dictionary"));
  CHECK_THROWS_WITH(decode_dictionary(bytes + "x", "f"), doctest::Contains("1 bytes after the last text"));
  CHECK_THROWS_WITH(decode_dictionary("[\"a\"]", "f"), doctest::Contains("no 'mlpipe-dictionary 1' header"));
  CHECK_THROWS(decode_dictionary(std::string("mlpipe-dictionary 1\n") + "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", "f"));
}
