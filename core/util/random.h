#pragma once
// Seeded randomness that gives the same sequence on every platform and standard library:
// std::mt19937_64's output is fixed by the standard, but std::shuffle and the distributions
// are not, so bounded draws and shuffles are implemented here.
#include <cstdint>
#include <random>
#include <vector>

namespace mlpipe {

class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  // Uniform in [0, n) without modulo bias (Lemire's method with rejection).
  uint64_t below(uint64_t n);
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }

 private:
  std::mt19937_64 gen_;
};

}  // namespace mlpipe
