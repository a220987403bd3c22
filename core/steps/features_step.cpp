// features: fits transforms on one split (fit_on) and applies them to all rows.
#include <algorithm>

#include "core/features/transforms.h"
#include "core/steps/steps.h"
#include "core/util/strings.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

using nlohmann::json;

namespace mlpipe {
namespace {

const Schema& features_schema() {
  static const Schema s = with_common_keys({
      {"fit_on", Kind::kString, false, {"train", "valid", "test"}, "split the transforms learn from (default train)"},
      {"transforms", Kind::kList, true, {}, "list of {op, columns, ...}; ops: " + [] {
         std::string s;
         for (const auto& o : transform_ops()) s += (s.empty() ? "" : ", ") + o;
         return s;
       }()},
  });
  return s;
}

// The label, id and weight columns the ingest steps upstream name: no transform may replace them.
std::vector<std::string> role_columns(const StepSpec& spec, const Pipeline& p) {
  std::vector<std::string> out;
  for (const StepSpec* up : upstream_steps(p, spec.name)) {
    if (up->type != "ingest") continue;
    const json& c = up->config;
    if (c.contains("label")) {
      if (c["label"].is_string()) out.push_back(c["label"].get<std::string>());
      else if (c["label"].is_object() && c["label"].contains("column") && c["label"]["column"].is_string())
        out.push_back(c["label"]["column"].get<std::string>());
    }
    for (const char* k : {"id", "weight"})
      if (c.contains(k) && c[k].is_string()) out.push_back(c[k].get<std::string>());
  }
  return out;
}

void check_features(const StepSpec& spec, const ConfigChecker& check, const Pipeline& p) {
  check.check_object(spec.config, spec.path, features_schema());
  std::string tp = child_path(spec.path, "transforms");
  check_transforms(spec.config["transforms"], tp, check);
  // A transform that writes a column under the label's, id's or weight's name would replace it.
  std::vector<std::string> roles = role_columns(spec, p);
  for (size_t i = 0; i < spec.config["transforms"].size(); ++i) {
    std::vector<std::string> made;
    transform_columns(spec.config["transforms"][i], made);
    for (const auto& m : made)
      if (std::find(roles.begin(), roles.end(), m) != roles.end())
        check.fail_value(child_path(tp, std::to_string(i)), "this transform writes a column named '" + m +
                                                                "', the label, id or weight column, which it would replace: give it another name");
  }
  // Every column a transform names, against the step's input plus what the transforms before it
  // made (all missing ones at once).
  std::optional<std::vector<std::string>> cols = columns_into(p, spec);
  if (!cols) return;
  const json& ts = spec.config["transforms"];
  std::vector<std::string> errors;
  for (size_t i = 0; i < ts.size(); ++i) {
    if (!ts[i].is_object()) continue;
    std::string at = child_path(tp, std::to_string(i));
    std::vector<std::pair<std::string, std::string>> named;
    for (const char* k : {"entity", "time", "label", "numerator", "denominator"})
      if (ts[i].contains(k) && ts[i][k].is_string()) named.push_back({child_path(at, k), ts[i][k].get<std::string>()});
    if (ts[i].contains("columns") && ts[i]["columns"].is_array())
      for (size_t c = 0; c < ts[i]["columns"].size(); ++c)
        if (ts[i]["columns"][c].is_string())
          named.push_back({child_path(child_path(at, "columns"), std::to_string(c)), ts[i]["columns"][c].get<std::string>()});
    try {
      check_columns_exist(check, cols, named, "in the data this transform gets");
    } catch (const ConfigError& e) {
      errors.push_back(e.what());
    }
    transform_columns(ts[i], *cols);
  }
  if (!errors.empty()) throw ConfigError(join(errors, "\n"));
}

Flow run_features(StepContext& ctx) {
  const Frame& in = require_frame(ctx);
  std::vector<uint32_t> rows = fit_rows(ctx, in);
  auto out = std::make_shared<Frame>(in);
  std::vector<std::string> kept = {in.label, in.id};  // never transformed nor replaced
  if (!in.weight.empty()) kept.push_back(in.weight);
  json fitted = fit_transforms(ctx.cfg["transforms"], out->table, rows, kept);
  auto pre = std::make_shared<json>(ctx.input.preprocess ? *ctx.input.preprocess : json::object());
  for (const auto& f : fitted) (*pre)["transforms"].push_back(f);
  std::filesystem::create_directories(ctx.outdir);
  auto path = ctx.outdir / "transforms.json";
  write_file_atomic(path, fitted.dump(2) + "\n");
  ctx.artifact("transforms.json", path);
  ctx.summary(std::to_string(fitted.size()) + " transforms fitted on " + get_string(ctx.cfg, "fit_on", "train") + " (" +
              std::to_string(rows.size()) + " rows); " + std::to_string(out->table.cols()) +
              " columns now");
  Flow flow;
  flow.frame = out;
  flow.preprocess = pre;
  return flow;
}

}  // namespace

StepType features_step_type() {
  StepType t{"features", "fit feature transforms on one split and apply them to all rows",
             check_features, run_features, features_schema()};
  // Derived columns are float32 since 2026-12: a frame cached before holds doubles, and a model
  // trained on it would differ from one trained now (a ratio of rounded means), so it is not reused.
  t.runtime = [](const StepSpec&, unsigned) { return json{{"derived_columns", "float32"}}; };
  return t;
}

}  // namespace mlpipe
