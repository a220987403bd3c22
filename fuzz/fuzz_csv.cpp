// libFuzzer target: CSV files.
#include "fuzz/fuzz_inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mlpipe::fuzz::read_csv_bytes(data, size);
  return 0;
}
