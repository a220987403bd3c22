// load_bundle on fuzz/bundle/ (a real exported bundle): the intact one loads, and the model's
// feature count is what the manifest's list is checked against.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/predict/bundle.h"
#include "core/util/error.h"
#include "core/util/sha256.h"

namespace fs = std::filesystem;

namespace {
std::string read_all(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A copy of fuzz/bundle/ with its manifest's @SHA:NAME@ filled in, after `edit`.
fs::path bundle_copy(const std::string& name, void (*edit)(std::string&) = nullptr) {
  fs::path src = fs::path(MLPIPE_SOURCE_DIR) / "fuzz" / "bundle", dir = fs::temp_directory_path() / ("mlpipe-bundle-test-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string m = read_all(src / "manifest.template.json");
  for (const char* f : {"model.json", "preprocess.json", "reference.json"}) {
    fs::copy_file(src / f, dir / f);
    std::string mark = std::string("@SHA:") + f + "@";
    m.replace(m.find(mark), mark.size(), mlpipe::sha256_file(dir / f));
  }
  if (edit) edit(m);
  std::ofstream(dir / "manifest.json") << m;
  return dir;
}
}  // namespace

TEST_CASE("an intact bundle loads, and its model takes as many features as the manifest lists") {
  mlpipe::LoadedBundle b = mlpipe::load_bundle(bundle_copy("intact"));
  REQUIRE(b.model);
  CHECK(b.model->feature_count() == b.manifest["features"].size());
  CHECK(b.model->feature_count() == 8);
}

TEST_CASE("a manifest whose fields have the wrong types is refused with a ConfigError naming the field") {
  fs::path dir = bundle_copy("types", [](std::string& m) {
    m.replace(m.find("\"sequence\": false"), 17, "\"sequence\": \"no\"");
  });
  CHECK_THROWS_WITH_AS(mlpipe::load_bundle(dir), doctest::Contains("`sequence` should be true or false"), mlpipe::ConfigError);
}
