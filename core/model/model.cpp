#include "core/model/model.h"

#include "core/util/error.h"
#include "core/util/strings.h"

namespace mlpipe {

std::vector<double> Model::predict_sequences(const SequenceSet&, const std::vector<uint32_t>&) const {
  throw StepError("the " + trainer() + " model scores feature rows, not sequences");
}

std::vector<double> Model::contributions(const FeatureMatrix&) const {
  throw StepError("the " + trainer() + " model gives no per-feature contributions (reason codes need a tree model: trainer xgboost)");
}

std::vector<double> Model::sequence_contributions(const SequenceSet&, const std::vector<uint32_t>&) const {
  throw StepError("the " + trainer() + " model gives no per-input attributions of sequences");
}

std::vector<double> Model::margins(const FeatureMatrix&) const {
  throw StepError("the " + trainer() + " model gives no margins");
}

std::unique_ptr<Model> Trainer::fit_sequences(const nlohmann::json&, const SequenceSet&,
                                              const std::vector<uint32_t>&, const std::vector<uint32_t>&,
                                              TrainContext&) const {
  throw StepError("trainer '" + name() + "' learns from feature rows, not sequences");
}

const char* task_name(Task t) {
  return t == Task::kBinary ? "binary" : t == Task::kMulticlass ? "multiclass" : "regression";
}
Task task_from_name(const std::string& n) {
  return n == "binary" ? Task::kBinary : n == "multiclass" ? Task::kMulticlass : Task::kRegression;
}

void TrainerRegistry::add(std::unique_ptr<Trainer> t) {
  if (!find(t->name())) trainers_.push_back(std::move(t));
}

const Trainer* TrainerRegistry::find(const std::string& name) const {
  for (const auto& t : trainers_)
    if (t->name() == name) return t.get();
  return nullptr;
}

const Trainer& TrainerRegistry::get(const std::string& name) const {
  if (const Trainer* t = find(name)) return *t;
  throw ConfigError("unknown trainer '" + name + "'" + did_you_mean(name, names()) +
                    "; known trainers: " + join(names(), ", "));
}

std::vector<std::string> TrainerRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& t : trainers_) out.push_back(t->name());
  return out;
}

TrainerRegistry& trainer_registry() {
  static TrainerRegistry r;
  return r;
}

}  // namespace mlpipe
