#include "core/steps/evaluate_segments.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "core/data/csv_writer.h"
#include "core/metrics/fairness.h"
#include "core/steps/steps.h"
#include "core/util/error.h"
#include "core/util/strings.h"

using nlohmann::json;

namespace mlpipe {
namespace {

constexpr size_t kMaxGroups = 50;
const std::vector<std::string>& fairness_measures() {
  static const std::vector<std::string> m = {"adverse_impact_ratio", "tpr_difference", "fpr_difference", "ece_difference"};
  return m;
}

struct SegmentSpec {
  std::string column;
  std::vector<double> bands;  // empty: one group per value
};

std::vector<SegmentSpec> segment_specs(const json& cfg) {
  std::vector<SegmentSpec> out;
  if (!cfg.contains("segments")) return out;
  for (const auto& s : cfg["segments"]) {
    if (s.is_string()) {
      out.push_back({s.get<std::string>(), {}});
    } else {
      SegmentSpec spec{s["column"].get<std::string>(), {}};
      if (s.contains("bands"))
        for (const auto& b : s["bands"]) spec.bands.push_back(b.get<double>());
      out.push_back(spec);
    }
  }
  return out;
}

std::vector<std::string> fairness_columns(const json& cfg) {
  return cfg.contains("fairness") ? as_strings(cfg["fairness"]) : std::vector<std::string>{};
}

// The frame whose rows line up with the scored one before any feature transform: the input of
// the earliest features step upstream (the scored frame itself when there is none).
std::shared_ptr<const Frame> untransformed_frame(StepContext& ctx) {
  if (!ctx.upstream_output) return nullptr;
  const StepSpec* earliest = nullptr;
  for (const StepSpec* s : upstream_steps(ctx.pipeline, ctx.spec.name)) {
    if (s->type != "features") continue;
    std::vector<const StepSpec*> before = upstream_steps(ctx.pipeline, s->name);
    if (std::none_of(before.begin(), before.end(), [](const StepSpec* b) { return b->type == "features"; })) earliest = s;
  }
  if (!earliest || earliest->needs.empty()) return nullptr;
  return ctx.upstream_output(earliest->needs.front()).frame;
}

// Each scored row's group in one segment column.
std::vector<std::string> groups_of(const SegmentSpec& spec, const Frame* raw, const Frame& scored,
                                   const std::vector<uint32_t>& rows, std::vector<std::string>& order) {
  const Table* t = nullptr;
  if (raw && raw->table.find(spec.column) >= 0 && raw->table.rows() == scored.table.rows()) t = &raw->table;
  else if (scored.table.find(spec.column) >= 0) t = &scored.table;
  std::vector<std::string> out;
  out.reserve(rows.size());
  if (t) {  // (a one-hot encoded column is still whole in the untransformed frame)
    const Column& c = t->at(spec.column);
    bool numeric = c.type == ColumnType::kNumeric || c.type == ColumnType::kDatetime;
    if (!spec.bands.empty() && !numeric)
      throw ConfigError("segments: '" + spec.column + "' is text; bands: need a numeric column (segment it by value instead)");
    if (!spec.bands.empty()) order = band_labels(spec.bands);
    for (uint32_t r : rows) {
      if (c.missing(r)) out.push_back("missing");
      else if (!spec.bands.empty()) out.push_back(band_of(c.value(r), spec.bands));
      else out.push_back(numeric && !c.f32 ? format_double(c.num[r]) : c.text(r));
    }
  } else {
    std::vector<std::string> have;
    for (size_t j = 0; j < scored.table.cols(); ++j) have.push_back(scored.table.col(j).name);
    throw ConfigError("segments: no column '" + spec.column + "' in the evaluated data" + did_you_mean(spec.column, have));
  }
  std::set<std::string> distinct(out.begin(), out.end());
  if (distinct.size() > kMaxGroups)
    throw ConfigError("segments: '" + spec.column + "' has " + std::to_string(distinct.size()) + " distinct values in the evaluated rows (at most " +
                      std::to_string(kMaxGroups) + "): give bands, e.g. {column: " + spec.column + ", bands: [25, 35, 50]}");
  return out;
}

void record(StepContext& ctx, json& out, const std::string& key, double v, const std::string& on) {
  if (std::isnan(v)) return;  // undefined in this group (e.g. no positives): nothing to record
  ctx.metric(key, v, on);
  out[key] = v;
}

}  // namespace

const Schema& segment_keys() {
  static const Schema s = {
      {"segments", Kind::kList, false, {}, "columns whose groups get every metric: [SEX, {column: AGE, bands: [25, 35, 50]}] (METRIC.COLUMN=GROUP)"},
      {"fairness", Kind::kStrings, false, {}, "protected columns among the segments: adverse_impact_ratio.COLUMN, tpr/fpr/ece_difference.COLUMN"},
      {"favorable", Kind::kString, false, {"low", "high"}, "the favourable decision for fairness: low (score below threshold: approve; default) or high"},
  };
  return s;
}

void check_segments(const StepSpec& spec, const ConfigChecker& check, const Pipeline& p) {
  const json& cfg = spec.config;
  std::string path = child_path(spec.path, "segments");
  std::vector<std::string> columns;
  std::vector<std::pair<std::string, std::string>> named;
  if (cfg.contains("segments") && cfg["segments"].is_array())
    for (size_t i = 0; i < cfg["segments"].size(); ++i) {
      const json& s = cfg["segments"][i];
      std::string at = child_path(path, std::to_string(i));
      if (s.is_object()) {
        check.check_object(s, at, {{"column", Kind::kString, true, {}, "the column"},
                                   {"bands", Kind::kList, false, {}, "increasing cut points, e.g. [25, 35, 50]"}});
        if (s.contains("bands")) {
          const json& b = s["bands"];
          bool ok = !b.empty() && std::all_of(b.begin(), b.end(), [](const json& v) { return v.is_number(); });
          for (size_t k = 1; ok && k < b.size(); ++k) ok = b[k].get<double>() > b[k - 1].get<double>();
          if (!ok) check.fail_value(child_path(at, "bands"), "bands are increasing numbers, e.g. [25, 35, 50]; got " + describe(b));
        }
        columns.push_back(s["column"].get<std::string>());
        named.push_back({child_path(at, "column"), columns.back()});
      } else if (s.is_string()) {
        columns.push_back(s.get<std::string>());
        named.push_back({at, columns.back()});
      } else {
        check.fail_value(at, "a segment is a column name or {column: NAME, bands: [...]}; got " + describe(s));
      }
    }
  // Columns known before the transforms count too (a column left out of the model, or one-hot encoded).
  std::optional<std::vector<std::string>> available = named.empty() ? std::nullopt : columns_into(p, spec);
  if (available) {
    for (const StepSpec* s : upstream_steps(p, spec.name))
      if (s->type == "features" && !s->needs.empty())
        if (auto before = columns_after(p, s->needs.front()))
          for (const auto& c : *before) available->push_back(c);
    for (auto& item : named)
      if (std::find(available->begin(), available->end(), item.second + "=*") != available->end()) item.second.clear();
    check_columns_exist(check, available, named, "in the data this step gets");
  }
  std::vector<std::string> fair = fairness_columns(cfg);
  for (size_t i = 0; i < fair.size(); ++i)
    if (std::find(columns.begin(), columns.end(), fair[i]) == columns.end())
      check.fail_value(cfg["fairness"].is_array() ? child_path(child_path(spec.path, "fairness"), std::to_string(i)) : child_path(spec.path, "fairness"),
                       "fairness column '" + fair[i] + "' is not among the segments: add it to `segments:`" +
                           (columns.empty() ? std::string() : did_you_mean(fair[i], columns)));
}

bool is_segment_metric(const std::string& key, const json& cfg) {
  for (const auto& spec : segment_specs(cfg)) {
    size_t at = key.find("." + spec.column + "=");
    if (at != std::string::npos && at > 0) return true;
  }
  for (const auto& col : fairness_columns(cfg))
    for (const auto& m : fairness_measures())
      if (key == m + "." + col) return true;
  return false;
}

json record_segments(StepContext& ctx, const Frame& scored, const SegmentScores& s, const std::string& on) {
  json out = json::object();
  std::vector<SegmentSpec> specs = segment_specs(ctx.cfg);
  if (specs.empty()) return out;
  std::vector<std::string> fair = fairness_columns(ctx.cfg);
  if (!fair.empty() && !s.binary)
    throw ConfigError(ctx.pipeline.file.string() + ": step '" + ctx.spec.name +
                      "': fairness: needs a binary model (approval at a threshold); segments: work for every task");
  std::shared_ptr<const Frame> raw = untransformed_frame(ctx);
  bool favorable_high = get_string(ctx.cfg, "favorable", "low") == "high";
  std::vector<std::string> header = {"segment", "group", "rows"};
  if (s.binary) header.push_back("positives");
  for (const auto& m : s.metrics) header.push_back(m);
  if (!fair.empty())
    for (const char* m : {"favorable_rate", "tpr", "fpr", "ece"}) header.push_back(m);
  CsvWriter csv(header);
  std::map<std::string, std::vector<std::string>> undefined;  // group -> metrics undefined in it
  for (const auto& spec : specs) {
    std::vector<std::string> order;
    std::vector<std::string> group = groups_of(spec, raw.get(), scored, *s.rows, order);
    bool is_fair = std::find(fair.begin(), fair.end(), spec.column) != fair.end();
    // Binary models: the fairness outcome of each group, in groups_in_order's order.
    FairnessSummary fs;
    if (s.binary) fs = fairness_by_group(group, *s.y, *s.score, s.threshold, favorable_high, order);
    std::vector<std::pair<std::string, std::vector<size_t>>> groups = groups_in_order(group, order);
    for (size_t gi = 0; gi < groups.size(); ++gi) {
      const std::vector<size_t>& at = groups[gi].second;
      GroupOutcome g = s.binary ? fs.groups[gi] : GroupOutcome{};
      g.group = groups[gi].first;
      g.rows = at.size();
      std::string suffix = "." + spec.column + "=" + g.group;
      std::vector<std::string> row = {spec.column, g.group, std::to_string(g.rows)};
      record(ctx, out, "rows" + suffix, double(g.rows), on);
      if (s.binary) {
        record(ctx, out, "positives" + suffix, double(g.positives), on);
        row.push_back(std::to_string(g.positives));
      }
      for (const auto& m : s.metrics) {
        double v = std::nan("");
        try {
          v = s.metric_on(m, at);
        } catch (const StepError&) {
          undefined[suffix.substr(1)].push_back(m);  // e.g. auc in a group with one class
        }
        record(ctx, out, m + suffix, v, on);
        row.push_back(std::isnan(v) ? "" : format_double(v));
      }
      if (is_fair) {
        record(ctx, out, "favorable_rate" + suffix, g.favorable_rate, on);
        record(ctx, out, "tpr" + suffix, g.tpr, on);
        record(ctx, out, "fpr" + suffix, g.fpr, on);
        if (std::find(s.metrics.begin(), s.metrics.end(), "ece") == s.metrics.end()) record(ctx, out, "ece" + suffix, g.ece, on);
        for (double v : {g.favorable_rate, g.tpr, g.fpr, g.ece}) row.push_back(std::isnan(v) ? "" : format_double(v));
      } else if (!fair.empty()) {
        for (int k = 0; k < 4; ++k) row.push_back("");
      }
      csv.row(row);
    }
    if (is_fair) {
      record(ctx, out, "adverse_impact_ratio." + spec.column, fs.adverse_impact_ratio, on);
      record(ctx, out, "tpr_difference." + spec.column, fs.tpr_difference, on);
      record(ctx, out, "fpr_difference." + spec.column, fs.fpr_difference, on);
      record(ctx, out, "ece_difference." + spec.column, fs.ece_difference, on);
    }
  }
  if (!undefined.empty()) {
    std::vector<std::string> parts;
    for (const auto& entry : undefined) parts.push_back(entry.first + " (" + join(entry.second, ", ") + ")");
    ctx.log("not recorded, undefined in a group with one class: " + join(parts, "; "));
  }
  std::filesystem::create_directories(ctx.outdir);
  csv.save(ctx.outdir / "segments.csv");
  ctx.artifact("segments.csv", ctx.outdir / "segments.csv");
  return out;
}

}  // namespace mlpipe
