#include "trainers/xgboost/xgb_handles.h"

#include <cmath>
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

namespace {
bool acceptable_name(const std::string& n) {
  return !n.empty() && n.find_first_of("[]<") == std::string::npos;
}
}  // namespace

DMatrix::DMatrix(const FeatureMatrix& x, unsigned nthread) {
  MLPIPE_XGB(XGDMatrixCreateFromMat_omp(x.values.data(), x.rows, x.cols,
                                        std::numeric_limits<float>::quiet_NaN(), &h_, int(nthread)));
  bool names_ok = x.names.size() == x.cols;
  for (const auto& n : x.names) names_ok = names_ok && acceptable_name(n);
  if (names_ok) {
    std::vector<const char*> ptrs;
    for (const auto& n : x.names) ptrs.push_back(n.c_str());
    MLPIPE_XGB(XGDMatrixSetStrFeatureInfo(h_, "feature_name", ptrs.data(), ptrs.size()));
  }
}
DMatrix::~DMatrix() { XGDMatrixFree(h_); }

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
