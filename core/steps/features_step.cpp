// features: fits transforms on one split (fit_on) and applies them to all rows.
#include "core/features/transforms.h"
#include "core/steps/steps.h"
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

void check_features(const StepSpec& spec, const ConfigChecker& check, const Pipeline& p) {
  check.check_object(spec.config, spec.path, features_schema());
  std::string tp = child_path(spec.path, "transforms");
  check_transforms(spec.config["transforms"], tp, check);
  // The raw columns transforms group and order by (created columns are not named by these keys).
  std::vector<std::pair<std::string, std::string>> named;
  const json& ts = spec.config["transforms"];
  for (size_t i = 0; i < ts.size(); ++i)
    for (const char* k : {"entity", "time", "label"})
      if (ts[i].is_object() && ts[i].contains(k) && ts[i][k].is_string())
        named.push_back({child_path(child_path(tp, std::to_string(i)), k), ts[i][k].get<std::string>()});
  check_columns_exist(check, columns_into(p, spec), named, "in the data this step gets");
}

Flow run_features(StepContext& ctx) {
  const Frame& in = require_frame(ctx);
  std::vector<uint32_t> rows = fit_rows(ctx, in);
  auto out = std::make_shared<Frame>(in);
  json fitted = fit_transforms(ctx.cfg["transforms"], out->table, rows, {in.label, in.id});
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
  return {"features", "fit feature transforms on one split and apply them to all rows",
          check_features, run_features, features_schema()};
}

}  // namespace mlpipe
