// load_bundle on fuzz/bundle/ (a real exported bundle): the intact one loads, and the model's
// feature count is what the manifest's list is checked against.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/predict/bundle.h"
#include "core/util/error.h"
#include "core/util/sha256.h"
#include "tests/unit/fuzz_bundle.h"

namespace fs = std::filesystem;

namespace {
fs::path bundle_copy(const std::string& name, void (*edit)(std::string&) = nullptr) { return fuzz_bundle_copy(name, edit); }
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
