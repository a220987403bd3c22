// sequences: per-entity event windows for sequence trainers (LSTM, GRU, Transformer).
#include "core/sequences/build_sequences.h"
#include "core/steps/steps.h"
#include "core/util/error.h"

using nlohmann::json;

namespace mlpipe {
namespace {

const Schema& sequences_schema() {
  static const Schema s = with_common_keys({
      {"entity", Kind::kString, true, {}, "one sequence per value of this column (customer, card)"},
      {"time", Kind::kString, true, {}, "event order: datetimes or epoch numbers"},
      {"max_len", Kind::kInt, false, {}, "events per window, the sample's own included (default 32)"},
      {"features", Kind::kStrings, false, {}, "numeric event features (standardized on fit_on)"},
      {"categorical", Kind::kStrings, false, {}, "categorical event features (embeddings; unseen -> one bucket)"},
      {"targets", Kind::kStrings, false, {}, "target columns, one per head (default: the ingest label)"},
      {"label_level", Kind::kString, false, {"event", "entity"}, "a sample per labelled event (default) or per entity"},
      {"fit_on", Kind::kString, false, {"train", "valid", "test"}, "split the statistics come from (default train)"},
      {"max_vocab", Kind::kInt, false, {}, "most frequent categories kept per column (default 10000)"},
  });
  return s;
}

void check_sequences(const StepSpec& spec, const ConfigChecker& check, const Pipeline& p) {
  check.check_object(spec.config, spec.path, sequences_schema());
  {
    std::vector<std::pair<std::string, std::string>> named;
    for (const char* k : {"entity", "time"})
      if (spec.config.contains(k) && spec.config[k].is_string()) named.push_back({child_path(spec.path, k), spec.config[k].get<std::string>()});
    for (const char* k : {"features", "categorical", "targets"})
      if (spec.config.contains(k) && spec.config[k].is_array())
        for (size_t i = 0; i < spec.config[k].size(); ++i)
          if (spec.config[k][i].is_string())
            named.push_back({child_path(child_path(spec.path, k), std::to_string(i)), spec.config[k][i].get<std::string>()});
    check_columns_exist(check, columns_into(p, spec), named, "in the data this step gets");
  }
  if (spec.config.contains("max_len") && spec.config["max_len"].get<long long>() < 1)
    check.fail_value(child_path(spec.path, "max_len"), "max_len must be at least 1");
  // A target among the inputs would let the model read the answer (the target event is in its own window).
  auto listed = [&](const char* key) {
    std::vector<std::string> out;
    if (spec.config.contains(key) && spec.config[key].is_array())
      for (const auto& v : spec.config[key]) if (v.is_string()) out.push_back(v);
    return out;
  };
  std::vector<std::string> targets = listed("targets");
  for (const char* key : {"features", "categorical"}) {
    std::vector<std::string> inputs = listed(key);
    for (size_t i = 0; i < inputs.size(); ++i)
      if (std::find(targets.begin(), targets.end(), inputs[i]) != targets.end())
        check.fail_value(child_path(child_path(spec.path, key), std::to_string(i)),
                         "'" + inputs[i] + "' is a target and cannot also be a feature (the model would see the answer)");
  }
}

Flow run_sequences(StepContext& ctx) {
  const Frame& f = require_frame(ctx);
  json fitted = fit_sequence_preprocess(f, ctx.cfg, fit_rows(ctx, f));
  auto set = std::make_shared<SequenceSet>(build_sequences(f, fitted, true));
  if (set->n == 0) throw StepError("no samples: no event has a known target");
  auto pre = std::make_shared<json>(ctx.input.preprocess ? *ctx.input.preprocess : json::object());
  (*pre)["sequences"] = fitted;
  size_t counts[3] = {0, 0, 0};
  for (uint8_t s : set->split)
    if (s < 3) counts[s]++;
  for (int s = 0; s < 3; ++s) ctx.metric("samples", double(counts[s]), split_names()[s]);
  ctx.summary(std::to_string(set->n) + " samples x " + std::to_string(set->max_len) + " steps x " +
              std::to_string(set->features()) + " features + " + std::to_string(set->categoricals()) +
              " categorical (train " + std::to_string(counts[0]) + ", valid " + std::to_string(counts[1]) +
              ", test " + std::to_string(counts[2]) + ")");
  Flow out;
  out.sequences = set;
  out.preprocess = pre;
  return out;
}

}  // namespace

StepType sequences_step_type() {
  return {"sequences", "per-entity event windows (left-padded, masked, no future events) for sequence trainers",
          check_sequences, run_sequences, sequences_schema()};
}

}  // namespace mlpipe
