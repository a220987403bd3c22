// filter: keeps the rows that meet `where:` conditions (the same conditions ingest's `where:`
// takes). Scoring is not filtered: `predict` scores every row it is given.
#include "core/data/row_filter.h"
#include "core/steps/steps.h"
#include "core/util/error.h"
#include "core/util/strings.h"

using nlohmann::json;

namespace mlpipe {
namespace {

const Schema& filter_schema() {
  static const Schema s = with_common_keys({
      {"where", Kind::kStrings, true, {}, where_help()},
  });
  return s;
}

void check_filter(const StepSpec& spec, const ConfigChecker& check, const Pipeline& p) {
  check.check_object(spec.config, spec.path, filter_schema());
  check_where(spec, check);
  std::vector<std::pair<std::string, std::string>> named;
  for (const auto& c : where_conditions(spec.config)) named.push_back({child_path(spec.path, "where"), c.column});
  check_columns_exist(check, columns_into(p, spec), named, "in the data this step gets");
}

Flow run_filter(StepContext& ctx) {
  const Frame& in = require_frame(ctx);
  auto out = std::make_shared<Frame>(in);
  std::vector<uint32_t> rows = rows_where(in.table, where_conditions(ctx.cfg));
  keep_rows(*out, rows);
  ctx.metric("rows", double(rows.size()));
  ctx.metric("rows_removed", double(in.table.rows() - rows.size()));
  ctx.summary("kept " + std::to_string(rows.size()) + " of " + std::to_string(in.table.rows()) + " rows");
  if (rows.empty()) throw StepError("no row meets the conditions (" + join(as_strings(ctx.cfg["where"]), " and ") + ")");
  Flow flow;
  flow.frame = out;
  return flow;
}

}  // namespace

const char* where_help() {
  return "conditions every kept row meets, joined by 'and' (or a list): \"TX_AMOUNT > 0\", "
         "\"label is not null\", \"TX_DATETIME >= 2018-08-01\", \"region != 'north'\"";
}

std::vector<Condition> where_conditions(const json& cfg) {
  std::vector<Condition> all;
  if (!cfg.contains("where")) return all;
  for (const auto& text : as_strings(cfg["where"])) {
    std::vector<Condition> c = parse_where(text);
    all.insert(all.end(), c.begin(), c.end());
  }
  return all;
}

void check_where(const StepSpec& spec, const ConfigChecker& check) {
  if (!spec.config.contains("where")) return;
  const json& w = spec.config["where"];
  std::vector<std::string> texts = as_strings(w);
  for (size_t i = 0; i < texts.size(); ++i) try {
      parse_where(texts[i]);
    } catch (const std::invalid_argument& e) {
      std::string p = child_path(spec.path, "where");
      check.fail_value(w.is_array() ? child_path(p, std::to_string(i)) : p, std::string("where: ") + e.what());
    }
}

void keep_rows(Frame& f, const std::vector<uint32_t>& rows) {
  f.table = f.table.take(rows);
  if (f.has_split()) {
    std::vector<uint8_t> split(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) split[i] = f.split[rows[i]];
    f.split = std::move(split);
  }
}

StepType filter_step_type() {
  return {"filter", "keep the rows that meet conditions (where: \"amount > 0 and label is not null\")",
          check_filter, run_filter, filter_schema()};
}

}  // namespace mlpipe
