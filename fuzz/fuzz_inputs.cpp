#include "fuzz/fuzz_inputs.h"

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <unistd.h>

#include "core/data/csv_reader.h"
#include "core/predict/bundle.h"
#include "core/serve/scoring_service.h"
#include "core/util/sha256.h"
#include "trainers/builtin.h"
#include "core/runner/plan.h"
#include "core/util/error.h"

namespace mlpipe::fuzz {

void load_config(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    load_plan_text(text, "fuzz.yaml", "/nonexistent-fuzz-dir", {});
  } catch (const Error&) {
  }
}

void read_csv_bytes(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (unsigned threads : {1u, 3u}) {
    CsvOptions opt;
    opt.threads = threads;
    try {
      parse_csv(text, "fuzz.csv", opt);
    } catch (const Error&) {
    }
  }
  // The other number notations (ingest's thousands: and decimal:), on their own parse paths.
  for (auto [thousands, decimal] : {std::pair<char, char>{',', '.'}, {'.', ','}, {' ', ','}}) {
    CsvOptions opt;
    opt.threads = 1;
    opt.thousands = thousands;
    opt.decimal = decimal;
    try {
      parse_csv(text, "fuzz.csv", opt);
    } catch (const Error&) {
    }
  }
}

namespace {
// A folder holding fuzz/bundle/'s files once per process (the fuzzer writes only manifest.json).
const std::filesystem::path& bundle_dir() {
  static const std::filesystem::path dir = [] {
    register_builtin_trainers();
    std::filesystem::path d = std::filesystem::temp_directory_path() / ("mlpipe-fuzz-bundle-" + std::to_string(getpid()));
    std::filesystem::create_directories(d);
    for (const char* f : {"model.json", "preprocess.json", "reference.json"})
      std::filesystem::copy_file(std::filesystem::path(MLPIPE_SOURCE_DIR) / "fuzz" / "bundle" / f, d / f,
                                 std::filesystem::copy_options::overwrite_existing);
    return d;
  }();
  return dir;
}
}  // namespace

void load_manifest(const uint8_t* data, size_t size) {
  const std::filesystem::path& dir = bundle_dir();
  std::string text(reinterpret_cast<const char*>(data), size);
  for (const char* f : {"model.json", "preprocess.json", "reference.json"}) {
    std::string mark = std::string("@SHA:") + f + "@", sha = sha256_file(dir / f);
    for (size_t at; (at = text.find(mark)) != std::string::npos;) text.replace(at, mark.size(), sha);
  }
  std::ofstream(dir / "manifest.json", std::ios::binary | std::ios::trunc) << text;
  try {
    load_bundle(dir);
  } catch (const Error&) {
  }
}

void serve_request(const uint8_t* data, size_t size) {
  // The fuzz bundle with its manifest filled in, served once per process.
  static ScoringService* service = [] {
    const std::filesystem::path& dir = bundle_dir();
    std::string text;
    {
      std::ifstream in(std::filesystem::path(MLPIPE_SOURCE_DIR) / "fuzz" / "bundle" / "manifest.template.json");
      text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    for (const char* f : {"model.json", "preprocess.json", "reference.json"}) {
      std::string mark = std::string("@SHA:") + f + "@", sha = sha256_file(dir / f);
      for (size_t at; (at = text.find(mark)) != std::string::npos;) text.replace(at, mark.size(), sha);
    }
    std::ofstream(dir / "manifest.json", std::ios::binary | std::ios::trunc) << text;
    ServedModel m;
    m.dir = dir;
    return new ScoringService(m);
  }();
  std::string text(reinterpret_cast<const char*>(data), size);
  // serve's fast path answers a body only as the general path would, to the byte.
  std::optional<std::string> fast = service->score_text(text);
  nlohmann::json body;
  try {
    body = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    if (fast) std::abort();  // the fast path answered what is not JSON
    return;  // answered 400 "not JSON" before the service sees it
  }
  for (int route = 0; route < 2; ++route) try {
      if (route == 0) {
        std::string general = service->score(body).dump();
        if (fast && *fast != general) std::abort();
      } else {
        service->events(body);
      }
    } catch (const Error&) {  // a 400 naming the problem
      if (route == 0 && fast) std::abort();  // ...which the fast path answered
    }
}

}  // namespace mlpipe::fuzz
