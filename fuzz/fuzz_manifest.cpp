// libFuzzer target: model bundle manifests.
#include "fuzz/fuzz_inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mlpipe::fuzz::load_manifest(data, size);
  return 0;
}
