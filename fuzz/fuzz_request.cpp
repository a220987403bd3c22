// libFuzzer target: mlpipe serve request bodies.
#include "fuzz/fuzz_inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mlpipe::fuzz::serve_request(data, size);
  return 0;
}
