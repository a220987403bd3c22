#include "core/util/random.h"

namespace mlpipe {

uint64_t Rng::below(uint64_t n) {
  if (n <= 1) return 0;
  uint64_t x = gen_();
  __uint128_t m = __uint128_t(x) * n;
  uint64_t low = uint64_t(m);
  if (low < n) {
    uint64_t threshold = -n % n;
    while (low < threshold) {
      x = gen_();
      m = __uint128_t(x) * n;
      low = uint64_t(m);
    }
  }
  return uint64_t(m >> 64);
}

}  // namespace mlpipe
