#include "fuzz/fuzz_inputs.h"

#include <string>
#include <string_view>

#include "core/data/csv_reader.h"
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
}

}  // namespace mlpipe::fuzz
