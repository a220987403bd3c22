#pragma once
// The arithmetic of the fitted transforms on one value: apply_transforms runs these over a
// column, and serve's one-row path (core/serve/row_program) over a single request's values, so
// both give the same bits. Pure functions; thread-safe.
#include <algorithm>
#include <cmath>
#include <limits>

namespace mlpipe::kernels {

inline double ratio(double numerator, double denominator) {
  return (denominator == 0 || std::isnan(denominator)) ? std::numeric_limits<double>::quiet_NaN()
                                                       : numerator / denominator;
}
inline double standardize(double v, double mean, double sd) { return (v - mean) / sd; }
inline double min_max(double v, double lo, double range) { return (v - lo) / range; }
inline double log1p(double v, bool sign) {
  return sign ? std::copysign(std::log1p(std::fabs(v)), v)
              : (v > -1 ? std::log1p(v) : std::numeric_limits<double>::quiet_NaN());
}
inline double clip(double v, double lo, double hi) { return std::isnan(v) ? v : std::min(std::max(v, lo), hi); }
inline double fill_missing(double v, double fill) { return std::isnan(v) ? fill : v; }
// What a column kept as float32 (Column::narrow) holds for v, read back as a double.
inline double as_float32(double v) { return double(static_cast<float>(v)); }

}  // namespace mlpipe::kernels
