#pragma once
// RAII owners for XGBoost C handles, and a check that turns a failed call into a StepError
// carrying the call and XGBoost's own message.
#include <xgboost/c_api.h>

#include <string>
#include <vector>

#include "core/model/model.h"

namespace mlpipe::xgb {

// Throws StepError("xgboost: <call>: <XGBGetLastError()>") when rc != 0.
void check(int rc, const char* call);
#define MLPIPE_XGB(call) ::mlpipe::xgb::check((call), #call)

// The __array_interface__ JSON of `rows` x `cols` row-major float32 values at `data` (read-only),
// as XGBoost's in-place prediction and proxy DMatrix take them.
std::string dense_array_interface(const float* data, size_t rows, size_t cols);

class DMatrix {
 public:
  // Dense float32 rows; NaN = missing. Feature names are set when XGBoost accepts them.
  DMatrix(const FeatureMatrix& x, unsigned nthread);
  // For tree_method hist: XGBoost's quantile DMatrix, fed `x` in float32 batches of `batch` rows
  // with their labels (and weights, which the sketch uses). It keeps the binned values only (a
  // byte or two each, not a copy of the floats); its cuts, and so the trees, equal those of a
  // DMatrix of the same rows. `max_bin` must be the booster's. `w` may be empty.
  static DMatrix quantile(const FeatureMatrix& x, const std::vector<float>& y, const std::vector<float>& w,
                          int max_bin, unsigned nthread, size_t batch = 65536);
  DMatrix(DMatrix&& o) noexcept : h_(o.h_) { o.h_ = nullptr; }
  ~DMatrix();
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  DMatrixHandle get() const { return h_; }
  void set_labels(const std::vector<float>& y);
  void set_weights(const std::vector<float>& w);

 private:
  DMatrix() = default;
  void set_names(const std::vector<std::string>& names);
  DMatrixHandle h_ = nullptr;
};

class Booster {
 public:
  // A booster over these training/eval matrices (XGBoost keeps them alive while it lives).
  explicit Booster(const std::vector<DMatrixHandle>& cache);
  // Takes ownership of a handle (e.g. from XGBoosterSlice).
  static Booster adopt(BoosterHandle h) { return Booster(h); }
  // A booster holding a copy of the model JSON and nothing else.
  static Booster from_json(const std::string& bytes);
  ~Booster();
  Booster(Booster&& o) noexcept : h_(o.h_) { o.h_ = nullptr; }
  Booster(const Booster&) = delete;
  Booster& operator=(const Booster&) = delete;
  BoosterHandle get() const { return h_; }
  void set(const std::string& key, const std::string& value);
  std::string save_json() const;
  void load_json(const std::string& bytes);
  std::string config_json() const;

 private:
  explicit Booster(BoosterHandle h) : h_(h) {}
  BoosterHandle h_ = nullptr;
};

}  // namespace mlpipe::xgb
