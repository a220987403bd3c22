// libFuzzer target: pipeline files.
#include "fuzz/fuzz_inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mlpipe::fuzz::load_config(data, size);
  return 0;
}
