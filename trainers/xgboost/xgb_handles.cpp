#include "trainers/xgboost/xgb_handles.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>

#include "core/util/error.h"

namespace mlpipe::xgb {

void check(int rc, const char* call) {
  if (rc != 0) {
    std::string c = call;
    auto paren = c.find('(');
    throw StepError("xgboost: " + c.substr(0, paren) + ": " + XGBGetLastError());
  }
}

std::string dense_array_interface(const float* data, size_t rows, size_t cols) {
  char text[192];
  std::snprintf(text, sizeof text, R"({"data":[%llu,true],"shape":[%zu,%zu],"typestr":"<f4","version":3})",
                static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(data)), rows, cols);
  return text;
}

namespace {
bool acceptable_name(const std::string& n) {
  return !n.empty() && n.find_first_of("[]<") == std::string::npos;
}
}  // namespace

DMatrix::DMatrix(const FeatureMatrix& x, unsigned nthread) {
  MLPIPE_XGB(XGDMatrixCreateFromMat_omp(x.values.data(), x.rows, x.cols,
                                        std::numeric_limits<float>::quiet_NaN(), &h_, int(nthread)));
  if (x.names.size() == x.cols) set_names(x.names);
}

void DMatrix::set_names(const std::vector<std::string>& names) {
  for (const auto& n : names)
    if (!acceptable_name(n)) return;
  std::vector<const char*> ptrs;
  for (const auto& n : names) ptrs.push_back(n.c_str());
  MLPIPE_XGB(XGDMatrixSetStrFeatureInfo(h_, "feature_name", ptrs.data(), ptrs.size()));
}

namespace {
// The state XGBoost's callbacks walk: the next batch of rows of a FeatureMatrix.
struct Batches {
  const FeatureMatrix* x = nullptr;
  const std::vector<float>* y = nullptr;
  const std::vector<float>* w = nullptr;
  size_t batch = 1, at = 0;
  std::vector<float> rows;  // the batch x->fill wrote (XGBoost reads it before asking for the next)
  DMatrixHandle proxy = nullptr;
  std::string error;  // a failure inside a callback (nothing may be thrown through XGBoost)
};

int next_batch(DataIterHandle handle) {
  auto* b = static_cast<Batches*>(handle);
  if (b->at >= b->x->rows || !b->error.empty()) return 0;
  size_t n = std::min(b->batch, b->x->rows - b->at);
  const float* rows = nullptr;
  if (b->x->values.empty() && b->x->fill) {
    b->rows.resize(n * b->x->cols);
    try {
      b->x->fill(b->at, b->at + n, b->rows.data());
    } catch (const std::exception& e) {
      b->error = e.what();
      return 0;
    }
    rows = b->rows.data();
  } else {
    rows = b->x->values.data() + b->at * b->x->cols;
  }
  if (XGProxyDMatrixSetDataDense(b->proxy, dense_array_interface(rows, n, b->x->cols).c_str()) != 0 ||
      XGDMatrixSetFloatInfo(b->proxy, "label", b->y->data() + b->at, n) != 0 ||
      (!b->w->empty() && XGDMatrixSetFloatInfo(b->proxy, "weight", b->w->data() + b->at, n) != 0)) {
    b->error = XGBGetLastError();
    return 0;
  }
  b->at += n;
  return 1;
}

void reset_batches(DataIterHandle handle) { static_cast<Batches*>(handle)->at = 0; }
}  // namespace

DMatrix DMatrix::quantile(const FeatureMatrix& x, const std::vector<float>& y, const std::vector<float>& w, int max_bin,
                          unsigned nthread, size_t batch) {
  if (y.size() != x.rows || (!w.empty() && w.size() != x.rows))
    throw StepError("xgboost: labels or weights do not match the rows (" + std::to_string(x.rows) + ")");
  Batches b;
  b.x = &x;
  b.y = &y;
  b.w = &w;
  b.batch = std::max<size_t>(1, batch);
  MLPIPE_XGB(XGProxyDMatrixCreate(&b.proxy));
  DMatrix out;
  char config[128];
  std::snprintf(config, sizeof config, R"({"missing": NaN, "nthread": %u, "max_bin": %d})", nthread, max_bin);
  int rc = XGQuantileDMatrixCreateFromCallback(&b, b.proxy, nullptr, reset_batches, next_batch, config, &out.h_);
  std::string last = rc != 0 ? XGBGetLastError() : "";
  XGDMatrixFree(b.proxy);
  if (!b.error.empty() || rc != 0)
    throw StepError("xgboost: XGQuantileDMatrixCreateFromCallback: " + (b.error.empty() ? last : b.error));
  if (x.names.size() == x.cols) out.set_names(x.names);
  return out;
}

DMatrix::~DMatrix() {
  if (h_) XGDMatrixFree(h_);
}

void DMatrix::set_labels(const std::vector<float>& y) {
  MLPIPE_XGB(XGDMatrixSetFloatInfo(h_, "label", y.data(), y.size()));
}

void DMatrix::set_weights(const std::vector<float>& w) {
  MLPIPE_XGB(XGDMatrixSetFloatInfo(h_, "weight", w.data(), w.size()));
}

Booster::Booster(const std::vector<DMatrixHandle>& cache) {
  MLPIPE_XGB(XGBoosterCreate(cache.data(), cache.size(), &h_));
}
Booster::~Booster() {
  if (h_) XGBoosterFree(h_);
}

Booster Booster::from_json(const std::string& bytes) {
  BoosterHandle h = nullptr;
  MLPIPE_XGB(XGBoosterCreate(nullptr, 0, &h));
  Booster b(h);
  b.load_json(bytes);
  return b;
}

void Booster::set(const std::string& k, const std::string& v) {
  MLPIPE_XGB(XGBoosterSetParam(h_, k.c_str(), v.c_str()));
}

std::string Booster::save_json() const {
  bst_ulong len = 0;
  const char* data = nullptr;
  MLPIPE_XGB(XGBoosterSaveModelToBuffer(h_, R"({"format": "json"})", &len, &data));
  return std::string(data, len);
}

void Booster::load_json(const std::string& bytes) {
  MLPIPE_XGB(XGBoosterLoadModelFromBuffer(h_, bytes.data(), bytes.size()));
}

std::string Booster::config_json() const {
  bst_ulong len = 0;
  const char* data = nullptr;
  MLPIPE_XGB(XGBoosterSaveJsonConfig(h_, &len, &data));
  return std::string(data, len);
}

}  // namespace mlpipe::xgb
