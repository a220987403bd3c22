// Replays every input under fuzz/regressions/ (crashes the fuzzers found, and their kin) through
// the fuzz targets' entry points: each must end normally or with mlpipe::Error.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "fuzz/fuzz_inputs.h"

namespace fs = std::filesystem;

namespace {
std::vector<uint8_t> bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
}  // namespace

TEST_CASE("fuzz regressions replay without crashing") {
  size_t n = 0;
  for (const char* kind : {"config", "csv", "manifest", "request"}) {
    for (const auto& e : fs::directory_iterator(fs::path(MLPIPE_SOURCE_DIR) / "fuzz" / "regressions" / kind)) {
      std::vector<uint8_t> b = bytes_of(e.path());
      CAPTURE(e.path().string());
      if (std::string(kind) == "config") CHECK_NOTHROW(mlpipe::fuzz::load_config(b.data(), b.size()));
      else if (std::string(kind) == "manifest") CHECK_NOTHROW(mlpipe::fuzz::load_manifest(b.data(), b.size()));
      else if (std::string(kind) == "request") CHECK_NOTHROW(mlpipe::fuzz::serve_request(b.data(), b.size()));
      else CHECK_NOTHROW(mlpipe::fuzz::read_csv_bytes(b.data(), b.size()));
      ++n;
    }
  }
  CHECK(n >= 8);
}
