#include "core/model/calibrated_model.h"

using nlohmann::json;

namespace mlpipe {

json CalibratedModel::summary() const {
  json s = base_->summary();
  s["calibration"] = cal_.method();
  return s;
}

json CalibratedModel::config() const {
  json c = base_->config();
  c["calibration"] = cal_.to_json();
  return c;
}

std::unique_ptr<Model> load_model(const Trainer& trainer, const std::filesystem::path& file, const json& config) {
  if (!config.is_object() || !config.contains("calibration")) return trainer.load(file, config);
  json base_config = config;
  base_config.erase("calibration");
  std::shared_ptr<const Model> base = trainer.load(file, base_config);
  return std::make_unique<CalibratedModel>(std::move(base), Calibrator::from_json(config["calibration"]));
}

const CalibratedModel* as_calibrated(const Model& m) { return dynamic_cast<const CalibratedModel*>(&m); }

}  // namespace mlpipe
