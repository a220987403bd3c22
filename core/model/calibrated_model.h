#pragma once
// A binary model whose scores pass through a fitted Calibrator: what a calibrate step hands on to
// evaluate and export. It saves as its base model (same file) and carries the calibrator in
// config(), so the step cache and bundles rebuild it with load_model(). Thread-safe as its base.
#include <memory>

#include "core/model/calibration.h"
#include "core/model/model.h"

namespace mlpipe {

class CalibratedModel : public Model {
 public:
  CalibratedModel(std::shared_ptr<const Model> base, Calibrator c) : base_(std::move(base)), cal_(std::move(c)) {}
  const Model& base() const { return *base_; }
  const Calibrator& calibrator() const { return cal_; }

  std::string trainer() const override { return base_->trainer(); }
  Task task() const override { return base_->task(); }
  size_t feature_count() const override { return base_->feature_count(); }
  std::vector<double> predict(const FeatureMatrix& x) const override { return cal_.apply(base_->predict(x)); }
  std::vector<double> predict_sequences(const SequenceSet& d, const std::vector<uint32_t>& s) const override {
    return cal_.apply(base_->predict_sequences(d, s));
  }
  // Reasons explain the base model's margin (calibration is monotone: it keeps their order).
  std::vector<double> contributions(const FeatureMatrix& x) const override { return base_->contributions(x); }
  std::vector<double> margins(const FeatureMatrix& x) const override { return base_->margins(x); }
  bool explains() const override { return base_->explains(); }
  std::vector<double> sequence_contributions(const SequenceSet& d, const std::vector<uint32_t>& s) const override {
    return base_->sequence_contributions(d, s);
  }
  void save(const std::filesystem::path& file) const override { base_->save(file); }
  std::string file_name() const override { return base_->file_name(); }
  nlohmann::json summary() const override;
  nlohmann::json config() const override;

 private:
  std::shared_ptr<const Model> base_;
  Calibrator cal_;
};

// Loads a model file with its trainer, wrapped in its calibration when `config` carries one.
std::unique_ptr<Model> load_model(const Trainer& trainer, const std::filesystem::path& file, const nlohmann::json& config);

// The base model's scores of a calibrated model (nullptr when `m` is not calibrated).
const CalibratedModel* as_calibrated(const Model& m);

}  // namespace mlpipe
