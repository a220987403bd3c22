// ingest: reads a CSV/TSV file into the table, with roles (label, id) and types.
#include <filesystem>

#include "core/data/csv_reader.h"
#include "core/steps/steps.h"
#include "core/util/crash_point.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace mlpipe {
namespace {

const Schema& ingest_schema() {
  static const Schema s = with_common_keys({
      {"source", Kind::kString, true, {}, "CSV or TSV file, relative to the pipeline file"},
      {"format", Kind::kString, false, {"csv", "tsv"}, "csv or tsv (default: from the extension)"},
      {"delimiter", Kind::kString, false, {}, "one character; default: guessed from the header"},
      {"label", Kind::kString, false, {}, "the target column"},
      {"id", Kind::kString, false, {}, "a row identifier column, never used as a feature"},
      {"types", Kind::kMap, false, {}, "column: numeric | categorical, overriding inference"},
      {"na_values", Kind::kStrings, false, {}, "texts read as missing (default: '', NA, nan, ...)"},
      {"drop", Kind::kStrings, false, {}, "columns to leave out (e.g. leaking ones)"},
      {"threads", Kind::kInt, false, {}, "parser threads (default: all cores)"},
  });
  return s;
}

CsvOptions csv_options(const json& cfg) {
  CsvOptions o;
  std::string format = get_string(cfg, "format", "");
  if (format == "tsv") o.delimiter = '\t';
  if (format == "csv") o.delimiter = ',';
  std::string d = get_string(cfg, "delimiter", "");
  if (d == "\\t" || d == "tab") d = "\t";
  if (!d.empty()) o.delimiter = d[0];
  if (cfg.contains("na_values") && !cfg["na_values"].is_null()) o.na_values = as_strings(cfg["na_values"]);
  if (cfg.contains("types") && cfg["types"].is_object())
    for (const auto& [col, t] : cfg["types"].items())
      o.types[col] = t == "categorical" ? ColumnType::kCategorical : ColumnType::kNumeric;
  o.threads = unsigned(get_int(cfg, "threads", 0));
  return o;
}

void check_ingest(const StepSpec& spec, const ConfigChecker& check, const Pipeline& p) {
  check.check_object(spec.config, spec.path, ingest_schema());
  const json& cfg = spec.config;
  std::string d = get_string(cfg, "delimiter", "");
  if (!d.empty() && d.size() != 1 && d != "\\t" && d != "tab")
    check.fail_value(child_path(spec.path, "delimiter"), "delimiter must be one character, got '" + d + "'");
  if (cfg.contains("types") && cfg["types"].is_object())
    for (const auto& [col, t] : cfg["types"].items()) {
      std::string tp = child_path(child_path(spec.path, "types"), col);
      std::vector<std::string> kinds = {"numeric", "categorical"};
      if (!t.is_string() || (t != "numeric" && t != "categorical"))
        check.fail_value(tp, "type of column '" + col + "' must be numeric or categorical, got " +
                                 describe(t) + (t.is_string() ? did_you_mean(t.get<std::string>(), kinds) : ""));
    }
  std::string source = cfg["source"].get<std::string>();
  fs::path path = fs::path(source).is_absolute() ? fs::path(source) : p.base_dir / source;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    check.fail_value(child_path(spec.path, "source"), "no such file: " + path.string());
}

Flow run_ingest(StepContext& ctx) {
  const json& cfg = ctx.cfg;
  fs::path path = ctx.resolve(cfg["source"].get<std::string>());
  CsvOptions opt = csv_options(cfg);
  if (opt.threads == 0) opt.threads = ctx.nthread;
  auto frame = std::make_shared<Frame>();
  frame->table = read_csv(path, opt);
  crash_point("ingest");
  Table& t = frame->table;
  std::string where = path.string();  // the runner names the step
  for (const auto& col : as_strings(cfg.value("drop", json())))
    if (t.find(col) < 0) throw StepError(where + ": drop: no column '" + col + "'" + did_you_mean(col, t.names()));
    else t.remove(col);
  if (t.rows() == 0) throw StepError(where + ": no data rows after the header");
  frame->label = get_string(cfg, "label", "");
  frame->id = get_string(cfg, "id", "");
  if (!frame->label.empty()) {
    const Column& y = t.at(frame->label, where + ": label");
    if (y.type != ColumnType::kNumeric)
      throw StepError(where + ": label column '" + frame->label +
                      "' must be numeric (0/1 for a binary target), but it holds text such as '" +
                      (y.dict.empty() ? "" : y.dict[0]) + "'");
  }
  if (!frame->id.empty()) t.at(frame->id, where + ": id");

  json columns = json::array();
  size_t categorical = 0;
  for (const auto& c : t.columns()) {
    json col = {{"name", c.name}, {"type", column_type_name(c.type)}};
    if (c.type == ColumnType::kCategorical) {
      col["categories"] = c.dict;
      ++categorical;
    }
    columns.push_back(col);
  }
  json pre = {{"ingest",
               {{"columns", columns},
                {"label", frame->label},
                {"id", frame->id},
                {"na_values", opt.na_values},
                {"delimiter", opt.delimiter ? std::string(1, opt.delimiter) : ""}}},
              {"transforms", json::array()}};
  ctx.input_file(path, int64_t(t.rows()), int64_t(t.cols()));
  ctx.metric("rows", double(t.rows()));
  ctx.metric("columns", double(t.cols()));
  ctx.summary(std::to_string(t.rows()) + " rows x " + std::to_string(t.cols()) + " columns (" +
              std::to_string(categorical) + " categorical) from " + path.filename().string());
  Flow out;
  out.frame = frame;
  out.preprocess = std::make_shared<json>(std::move(pre));
  return out;
}

}  // namespace

StepType ingest_step_type() {
  StepType t{"ingest", "read a CSV/TSV file into a table (types, missing values, label and id roles)",
             check_ingest, run_ingest, ingest_schema()};
  t.uses_threads = true;
  t.reads = [](const StepSpec& s) { return std::vector<std::string>{s.config["source"].get<std::string>()}; };
  return t;
}

}  // namespace mlpipe
