#pragma once
// The mean and the sample standard deviation (n - 1; 0 for fewer than two values) of a list of
// numbers: what backtests report over their folds.
#include <cmath>
#include <vector>

namespace mlpipe {

struct MeanSd {
  double mean = 0, sd = 0;
};

inline MeanSd mean_sd(const std::vector<double>& v) {
  MeanSd r;
  if (v.empty()) return r;
  for (double x : v) r.mean += x;
  r.mean /= double(v.size());
  double ss = 0;
  for (double x : v) ss += (x - r.mean) * (x - r.mean);
  r.sd = v.size() > 1 ? std::sqrt(ss / double(v.size() - 1)) : 0;
  return r;
}

}  // namespace mlpipe
