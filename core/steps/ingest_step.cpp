// ingest: reads a CSV/TSV file into the table, with roles (label, id) and types.
#include <filesystem>
#include <set>

#include "core/data/csv_reader.h"
#include "core/data/label.h"
#include "core/data/sources.h"
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
      {"source", Kind::kStrings, true, {}, "CSV or TSV file (or .gz/.xz/.zst; a list or a glob: one table), relative to the pipeline file"},
      {"format", Kind::kString, false, {"csv", "tsv"}, "csv or tsv (default: from the extension)"},
      {"delimiter", Kind::kString, false, {}, "one character; default: guessed from the header"},
      {"label", Kind::kAny, false, {}, "the target column: NAME (0/1, or a number to regress), or {column: NAME, positive: VALUE} for any other coding (\"Bad\", \"yes\", 2): that value is 1, every other 0; or {column: NAME, classes: [A, B, C] | auto} for a multi-class target (objective multi:softprob)"},
      {"id", Kind::kString, false, {}, "a row identifier column, never used as a feature"},
      {"weight", Kind::kString, false, {}, "a column of row weights (numbers >= 0): training and metrics count each row as its weight; never a feature"},
      {"types", Kind::kMap, false, {}, "column: numeric | categorical | datetime (or {type: datetime, format: \"%y%m%d\"} / {type: datetime, unit: ms} for epoch numbers), overriding inference"},
      {"na_values", Kind::kStrings, false, {}, "texts read as missing (default: '', NA, nan, ...)"},
      {"thousands", Kind::kString, false, {",", ".", " ", "'", "_"}, "the thousands separator of numbers (\"41,190\" with ','): one of , ' _ or a space, or . with decimal: ','; default: none"},
      {"decimal", Kind::kString, false, {".", ","}, "the decimal point of numbers: . (default) or , (\"3,5\", with delimiter ';')"},
      {"drop", Kind::kStrings, false, {}, "columns to leave out (e.g. leaking ones)"},
      {"threads", Kind::kInt, false, {}, "parser threads (default: all cores)"},
      {"header_names", Kind::kMap, false, {}, "names for header columns by position (1-based): {1: row_number} for an unnamed first column"},
      {"where", Kind::kStrings, false, {}, std::string("rows to keep (values as in the file): ") + where_help()},
  });
  return s;
}

const std::map<std::string, double>& time_units() {
  static const std::map<std::string, double> u = {{"s", 1}, {"ms", 1e-3}, {"us", 1e-6}, {"ns", 1e-9}};
  return u;
}

// {type: datetime, format: "%y%m%d"} or {type: datetime, unit: ms}; checked by check_ingest.
TimeFormat time_format_of(const json& t) {
  TimeFormat f;
  f.strptime = t.value("format", "");
  auto u = time_units().find(t.value("unit", "s"));
  if (u != time_units().end()) f.unit = u->second;
  return f;
}

// Whether a train step after `step` uses a multi-class objective.
bool trained_multiclass(const Pipeline& p, const std::string& step) {
  for (const StepSpec* s : downstream_steps(p, step))
    if (s->type == "train" && s->config.contains("params") && s->config["params"].is_object()) {
      const json& obj = s->config["params"].value("objective", json());
      if (obj.is_string() && starts_with(obj.get<std::string>(), "multi:")) return true;
    }
  return false;
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
  std::string thousands = get_string(cfg, "thousands", "");
  if (thousands.size() == 1) o.thousands = thousands[0];
  if (get_string(cfg, "decimal", ".") == ",") o.decimal = ',';
  if (cfg.contains("types") && cfg["types"].is_object())
    for (const auto& [col, t] : cfg["types"].items()) {
      std::string kind = t.is_object() ? t.value("type", "") : t.is_string() ? t.get<std::string>() : "";
      o.types[col] = kind == "categorical" ? ColumnType::kCategorical
                     : kind == "datetime"  ? ColumnType::kDatetime
                                           : ColumnType::kNumeric;
      if (kind == "datetime" && t.is_object()) o.time_formats[col] = time_format_of(t);
    }
  o.threads = unsigned(get_int(cfg, "threads", 0));
  if (cfg.contains("header_names") && cfg["header_names"].is_object())
    for (const auto& [pos, name] : cfg["header_names"].items()) o.header_names[std::stoul(pos)] = name.get<std::string>();
  return o;
}

// Every column the step names exists in the (first) file's header, checked before anything runs
// and reported at its YAML position with a did-you-mean. Compressed files are checked when read.
void check_columns_named(const StepSpec& spec, const ConfigChecker& check, const fs::path& file) {
  const json& cfg = spec.config;
  std::optional<std::vector<std::string>> names;
  try {
    names = header_of(file, csv_options(cfg));
  } catch (const StepError&) {  // a file that is not good CSV: reading it says so (exit 1)
    return;
  }
  if (!names) return;
  std::vector<std::string> errors;  // all of them, in one report
  auto need = [&](const std::string& col, const std::string& path, const std::string& what) {
    if (std::find(names->begin(), names->end(), col) == names->end()) try {
        check.fail_value(path, what + ": no column '" + col + "' in the header of " + file.filename().string() +
                                   did_you_mean(col, *names));
      } catch (const ConfigError& e) {
        errors.push_back(e.what());
      }
  };
  if (cfg.contains("label")) {
    LabelSpec l = label_spec(cfg["label"]);
    need(l.column, child_path(spec.path, cfg["label"].is_object() ? "label/column" : "label"), "label");
  }
  if (cfg.contains("id") && cfg["id"].is_string()) need(cfg["id"].get<std::string>(), child_path(spec.path, "id"), "id");
  if (cfg.contains("weight") && cfg["weight"].is_string()) need(cfg["weight"].get<std::string>(), child_path(spec.path, "weight"), "weight");
  if (cfg.contains("drop")) {
    std::vector<std::string> drop = as_strings(cfg["drop"]);
    for (size_t i = 0; i < drop.size(); ++i)
      need(drop[i], cfg["drop"].is_array() ? child_path(child_path(spec.path, "drop"), std::to_string(i)) : child_path(spec.path, "drop"), "drop");
  }
  if (cfg.contains("types") && cfg["types"].is_object())
    for (const auto& [col, t] : cfg["types"].items())
      if (std::find(names->begin(), names->end(), col) == names->end()) try {
          check.fail_key(child_path(child_path(spec.path, "types"), col),
                         "types: no column '" + col + "' in the header of " + file.filename().string() + did_you_mean(col, *names));
        } catch (const ConfigError& e) {
          errors.push_back(e.what());
        }
  if (!errors.empty()) throw ConfigError(join(errors, "\n"));
}

void check_ingest(const StepSpec& spec, const ConfigChecker& check, const Pipeline& p) {
  check.check_object(spec.config, spec.path, ingest_schema());
  const json& cfg = spec.config;
  std::string d = get_string(cfg, "delimiter", "");
  if (!d.empty() && d.size() != 1 && d != "\\t" && d != "tab")
    check.fail_value(child_path(spec.path, "delimiter"), "delimiter must be one character, got '" + d + "'");
  // '.' separates thousands only where ',' is the decimal point, and never both the same.
  std::string thousands = get_string(cfg, "thousands", ""), decimal = get_string(cfg, "decimal", ".");
  if (thousands == "." && decimal != ",")
    check.fail_value(child_path(spec.path, "thousands"), "thousands: '.' is the decimal point unless decimal: ',' is set too");
  if (thousands == decimal)
    check.fail_value(child_path(spec.path, "thousands"), "thousands and decimal are both '" + decimal + "': numbers would be ambiguous");
  if (cfg.contains("types") && cfg["types"].is_object())
    for (const auto& [col, t] : cfg["types"].items()) {
      std::string tp = child_path(child_path(spec.path, "types"), col);
      std::vector<std::string> kinds = {"numeric", "categorical", "datetime"};
      if (t.is_object()) {
        static const Schema time_keys = {
            {"type", Kind::kString, true, {"datetime"}, "datetime"},
            {"format", Kind::kString, false, {}, "strptime-style: %Y %y %m %d %H %M %S %f %j %b %z, e.g. \"%d/%m/%Y\""},
            {"unit", Kind::kString, false, {"s", "ms", "us", "ns"}, "epoch numbers in this unit (default s)"}};
        check.check_object(t, tp, time_keys);
        if (t.contains("format") && t["format"].is_string()) {
          std::string why = check_time_format(t["format"].get<std::string>());
          if (!why.empty()) check.fail_value(child_path(tp, "format"), "format of column '" + col + "': " + why);
          if (t.contains("unit")) check.fail_key(child_path(tp, "unit"), "unit is for epoch numbers; a format reads text: give one of them");
        }
      } else if (!t.is_string() || std::find(kinds.begin(), kinds.end(), t.get<std::string>()) == kinds.end()) {
        check.fail_value(tp, "type of column '" + col + "' must be numeric, categorical or datetime (or {type: datetime, format: \"%Y%m%d\"}), got " +
                                 describe(t) + (t.is_string() ? did_you_mean(t.get<std::string>(), kinds) : ""));
      }
    }
  if (cfg.contains("header_names") && cfg["header_names"].is_object())
    for (const auto& [pos, name] : cfg["header_names"].items()) {
      std::string hp = child_path(child_path(spec.path, "header_names"), pos);
      bool number = !pos.empty() && pos.find_first_not_of("0123456789") == std::string::npos && pos.size() < 7 && std::stoul(pos) >= 1;
      if (!number) check.fail_key(hp, "header_names: keys are column positions counted from 1, got '" + pos + "'");
      if (!name.is_string() || name.get<std::string>().empty())
        check.fail_value(hp, "header_names: the name of column " + pos + " must be non-empty text, got " + describe(name));
    }
  if (cfg.contains("label") && cfg.contains("id")) {
    std::string l = label_spec(cfg["label"]).column;
    if (!l.empty() && cfg["id"].is_string() && cfg["id"].get<std::string>() == l)
      check.fail_value(child_path(spec.path, "id"), "id and label are the same column '" + l + "': the label must not be the row id");
  }
  if (cfg.contains("label") && cfg.contains("weight") && cfg["weight"].is_string() &&
      label_spec(cfg["label"]).column == cfg["weight"].get<std::string>())
    check.fail_value(child_path(spec.path, "weight"), "weight and label are the same column");
  if (cfg.contains("label")) {
    const json& label = cfg["label"];
    std::string lp = child_path(spec.path, "label");
    if (label.is_object()) {
      static const Schema label_keys = {
          {"column", Kind::kString, true, {}, "the label column"},
          {"positive", Kind::kAny, false, {}, "the value that is the positive class (text or number): a binary target"},
          {"classes", Kind::kAny, false, {}, "a multi-class target: its values in order ([A, B, C]) or auto (the distinct values, sorted)"}};
      check.check_object(label, lp, label_keys);
      bool has_pos = label.contains("positive") && !label["positive"].is_null();
      bool has_classes = label.contains("classes") && !label["classes"].is_null();
      if (has_pos == has_classes)
        check.fail_key(lp, has_pos ? "give either positive: (a binary target) or classes: (multi-class), not both"
                                   : "say what the label means: positive: VALUE (binary) or classes: [A, B, C] / auto (multi-class)");
      if (has_pos) {
        const json& pos = label["positive"];
        if (!pos.is_string() && !pos.is_number() && !pos.is_boolean())
          check.fail_value(child_path(lp, "positive"), "positive must be one value (text or a number), got " + describe(pos));
      } else {
        const json& c = label["classes"];
        bool ok = c == "auto" || (c.is_array() && c.size() >= 2 && std::all_of(c.begin(), c.end(), [](const json& v) {
                                    return v.is_string() || v.is_number();
                                  }));
        if (!ok) check.fail_value(child_path(lp, "classes"), "classes must be auto or a list of at least 2 values, got " + describe(c));
        if (c.is_array()) {
          std::set<std::string> seen;
          for (const auto& v : c)
            if (!seen.insert(v.is_string() ? v.get<std::string>() : v.dump()).second)
              check.fail_value(child_path(lp, "classes"), "classes lists " + v.dump() + " twice");
        }
      }
    } else if (!label.is_string()) {
      check.fail_value(lp, "label must be a column name or {column: NAME, positive: VALUE}, got " + describe(label));
    }
  }
  std::vector<SourceFile> files;
  try {
    files = expand_sources(cfg["source"], p.base_dir);
  } catch (const ConfigError& e) {
    check.fail_value(child_path(spec.path, "source"), e.what());
  }
  if (files.empty()) check.fail_value(child_path(spec.path, "source"), "source: name at least one file");
  for (const auto& f : files) {
    std::error_code ec;
    if (!fs::is_regular_file(f.path, ec))
      check.fail_value(child_path(spec.path, "source"),
                       !fs::exists(f.path, ec)     ? "no such file: " + f.path.string()
                       : fs::is_directory(f.path, ec) ? f.path.string() + " is a folder; name the files in it (a glob: " +
                                                            (fs::path(f.path) / "*.csv").string() + ")"
                                                      : f.path.string() + " is not a regular file (a device or a pipe); "
                                                                          "ingest reads files");
  }
  check_where(spec, check);
  // Every file's header (first lines only) against the first's.
  if (files.size() > 1) try {
      CsvOptions o = csv_options(cfg);
      std::optional<std::vector<std::string>> first = header_of(files[0].path, o);
      for (size_t i = 1; first && i < files.size(); ++i)
        if (std::optional<std::vector<std::string>> h = header_of(files[i].path, o)) {
          std::string why = header_difference(*first, files[0].path, *h, files[i].path);
          if (!why.empty()) check.fail_value(child_path(spec.path, "source"), why);
        }
    } catch (const StepError&) {
      // not CSV: reading it says so (exit 1)
    }
  check_columns_named(spec, check, files.front().path);
}

Flow run_ingest(StepContext& ctx) {
  const json& cfg = ctx.cfg;
  std::vector<fs::path> paths;
  for (const auto& f : expand_sources(cfg["source"], ctx.pipeline.base_dir)) paths.push_back(f.path);
  const fs::path& path = paths.front();
  CsvOptions opt = csv_options(cfg);
  if (opt.threads == 0) opt.threads = ctx.nthread;
  auto frame = std::make_shared<Frame>();
  frame->table = read_tables(paths, opt);
  crash_point("ingest");
  Table& t = frame->table;
  std::string where = paths.size() == 1 ? path.string() : path.string() + " and " + std::to_string(paths.size() - 1) + " more";
  for (const auto& col : as_strings(cfg.value("drop", json())))
    if (t.find(col) < 0) throw StepError(where + ": drop: no column '" + col + "'" + did_you_mean(col, t.names()));
    else t.remove(col);
  if (t.rows() == 0) throw StepError(where + ": no data rows after the header");
  size_t rows_read = t.rows();
  if (cfg.contains("where")) {
    t = t.take(rows_where(t, where_conditions(cfg)));
    if (t.rows() == 0) throw StepError(where + ": no row meets where: " + join(as_strings(cfg["where"]), " and "));
  }
  LabelSpec label = label_spec(cfg.value("label", json()));
  // `label: NAME` for a model trained multi-class downstream: its classes are the distinct values.
  if (label.positive.is_null() && label.classes.is_null() && trained_multiclass(ctx.pipeline, ctx.spec.name))
    label.classes = "auto";
  frame->label = label.column;
  frame->id = get_string(cfg, "id", "");
  std::string label_note;
  if (!frame->label.empty()) {
    Column& y = t.edit(frame->label, where + ": label");
    if (!label.classes.is_null()) {
      std::vector<size_t> counts;
      frame->classes = encode_classes(y, label.classes, where, &counts);
      std::vector<std::string> shown;
      for (size_t k = 0; k < counts.size(); ++k) shown.push_back(frame->classes[k] + " " + std::to_string(counts[k]));
      label_note = "; label " + frame->label + ": " + std::to_string(counts.size()) + " classes (" + join(shown, ", ") + ")";
      ctx.metric("label_classes", double(counts.size()));
    } else if (!label.positive.is_null()) {
      LabelCounts n = binarize_label(y, label.positive, where);
      label_note = "; label " + frame->label + ": " + std::to_string(n.positive) + " positive (" +
                   (label.positive.is_string() ? label.positive.get<std::string>() : label.positive.dump()) + "), " +
                   std::to_string(n.negative) + " negative" + (n.missing ? ", " + std::to_string(n.missing) + " missing" : "");
      ctx.metric("label_positive", double(n.positive));
      ctx.metric("label_negative", double(n.negative));
    } else if (y.type == ColumnType::kDatetime) {
      throw StepError(where + ": label column '" + frame->label + "' holds datetimes, not a target");
    } else if (y.type != ColumnType::kNumeric) {
      // The values with their counts, most frequent first; the rarest is the likely positive
      // class (defaults, frauds), so the suggestion names it.
      std::vector<size_t> count(y.dict.size(), 0);
      for (int32_t c : y.codes)
        if (c >= 0) ++count[size_t(c)];
      std::vector<size_t> order(y.dict.size());
      for (size_t k = 0; k < order.size(); ++k) order[k] = k;
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return count[a] > count[b]; });
      std::vector<std::string> some;
      for (size_t k = 0; k < order.size() && k < 4; ++k) some.push_back(y.dict[order[k]] + " " + std::to_string(count[order[k]]));
      std::string rarest = order.empty() ? "VALUE" : y.dict[order.back()];
      throw StepError(where + ": label column '" + frame->label + "' holds text (" + join(some, ", ") +
                      (y.dict.size() > 4 ? ", ..." : "") + "); say which value is the positive class: label: {column: " +
                      frame->label + ", positive: " + rarest + "} (or, for a multi-class target, classes: auto)");
    }
  }
  if (!frame->id.empty()) t.at(frame->id, where + ": id");
  frame->weight = get_string(cfg, "weight", "");
  if (!frame->weight.empty()) {
    const Column& w = t.at(frame->weight, where + ": weight");
    if (w.type != ColumnType::kNumeric) throw StepError(where + ": weight column '" + frame->weight + "' must hold numbers");
    std::vector<uint32_t> all(t.rows());
    for (size_t r = 0; r < all.size(); ++r) all[r] = uint32_t(r);
    double total = 0;
    for (double v : weight_values(*frame, all)) total += v;  // throws naming a bad row
    label_note += "; weight " + frame->weight + ": sum " + format_fixed(total, 2);
  }

  json columns = json::array();
  size_t categorical = 0, datetimes = 0;
  for (const auto& c : t.columns()) {
    json col = {{"name", c.name}, {"type", column_type_name(c.type)}};
    if (c.type == ColumnType::kCategorical) {
      col["categories"] = c.dict;
      ++categorical;
    }
    if (c.type == ColumnType::kDatetime) {
      ++datetimes;
      if (auto f = opt.time_formats.find(c.name); f != opt.time_formats.end()) {  // predict reads it the same way
        if (!f->second.strptime.empty()) col["format"] = f->second.strptime;
        else col["unit"] = f->second.unit;
      }
    }
    columns.push_back(col);
  }
  // Text with (nearly) one value per row is an id, not a category: its codes would only number
  // the rows. Left out of the model's inputs unless `types:` says categorical.
  std::vector<std::string> id_like;
  for (const auto& c : t.columns()) {
    if (!c.coded() || c.name == frame->label || c.name == frame->id || opt.types.count(c.name)) continue;
    size_t present = 0;
    for (int32_t code : c.codes) present += code >= 0;
    if (c.dict.size() > 100 && double(c.dict.size()) >= 0.9 * double(present)) id_like.push_back(c.name);
  }
  frame->not_features = id_like;
  if (!id_like.empty())
    ctx.log("warning: " + join(id_like, ", ") + (id_like.size() == 1 ? " is" : " are") +
            " text with nearly one value per row (an id?): left out of the model inputs; declare " +
            (id_like.size() == 1 ? "it" : "them") + " in types: {" + id_like[0] + ": categorical} to use " +
            (id_like.size() == 1 ? "it" : "them") + ", or as id:");
  json pre = {{"ingest",
               {{"columns", columns},
                {"label", frame->label},

                {"id", frame->id},
                {"na_values", opt.na_values},

                {"delimiter", opt.delimiter ? std::string(1, opt.delimiter) : ""}}},
              {"transforms", json::array()}};
  // Only when used: a bundle of a pipeline that uses neither stays byte-identical to before
  // (its content hash is the registered model's identity).
  if (!label.positive.is_null()) pre["ingest"]["label_positive"] = label.positive;
  if (!frame->classes.empty()) pre["ingest"]["label_classes"] = frame->classes;
  if (!frame->weight.empty()) pre["ingest"]["weight"] = frame->weight;
  if (cfg.contains("header_names") && !cfg["header_names"].empty()) pre["ingest"]["header_names"] = cfg["header_names"];
  if (opt.thousands) pre["ingest"]["thousands"] = std::string(1, opt.thousands);
  if (opt.decimal != '.') pre["ingest"]["decimal"] = std::string(1, opt.decimal);
  if (paths.size() == 1) ctx.input_file(path, int64_t(rows_read), int64_t(t.cols()));
  else  // each file's content hash; rows and columns are the joined table's
    for (const auto& f : paths) ctx.input_file(f, std::nullopt, int64_t(t.cols()));
  ctx.metric("rows", double(t.rows()));
  if (rows_read != t.rows()) ctx.metric("rows_removed", double(rows_read - t.rows()));
  ctx.metric("columns", double(t.cols()));
  ctx.summary(std::to_string(t.rows()) + " rows x " + std::to_string(t.cols()) + " columns (" +
              std::to_string(categorical) + " categorical" + (datetimes ? ", " + std::to_string(datetimes) + " datetime" : "") +
              ") from " + path.filename().string() +
              (paths.size() > 1 ? " and " + std::to_string(paths.size() - 1) + " more files" : "") +
              (rows_read != t.rows() ? " (" + std::to_string(rows_read) + " read, where: kept " + std::to_string(t.rows()) + ")" : "") + label_note +
              (id_like.empty() ? "" : "; not inputs (id-like text): " + join(id_like, ", ")));
  Flow out;
  out.frame = frame;
  out.preprocess = std::make_shared<json>(std::move(pre));
  return out;
}

}  // namespace

CsvOptions ingest_csv_options(const json& cfg) { return csv_options(cfg); }

StepType ingest_step_type() {
  StepType t{"ingest", "read a CSV/TSV file into a table (types, missing values, label and id roles)",
             check_ingest, run_ingest, ingest_schema()};
  t.uses_threads = true;
  t.reads = [](const StepSpec& s, const fs::path& base_dir) {
    std::vector<std::string> out;
    for (const auto& f : expand_sources(s.config["source"], base_dir)) out.push_back(f.as_written);
    return out;
  };
  return t;
}

}  // namespace mlpipe
