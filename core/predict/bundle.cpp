#include "core/predict/bundle.h"

#include <optional>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <map>

#include "core/data/csv_reader.h"
#include "core/data/label.h"
#include "core/data/sources.h"
#include "core/features/transforms.h"
#include "core/model/calibrated_model.h"
#include "core/util/atomic_file.h"
#include "core/util/crash_point.h"
#include "core/util/error.h"
#include "core/util/hash.h"
#include "core/util/sha256.h"
#include "core/util/strings.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace mlpipe {

namespace {

// Replacing a folder deletes the old one: only ever an earlier bundle, or an empty folder.
void check_replaceable(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return;
  if (!fs::is_directory(dir, ec))
    throw ConfigError(dir.string() + " exists and is not a folder; refusing to replace it with a model bundle");
  if (fs::is_empty(dir, ec)) return;
  fs::path m = dir / "manifest.json";
  if (fs::is_regular_file(m, ec)) try {
      if (json::parse(read_file(m)).value("format", "") == kBundleFormat) return;
    } catch (const std::exception&) {
    }
  throw ConfigError(dir.string() + " exists and is not an mlpipe model bundle (no mlpipe manifest.json); refusing "
                    "to replace it: choose a new or empty folder for the export step's `dir:`");
}

}  // namespace

namespace {
// Staging folders a killed export left beside `dir` (.tmp-NAME-PID-N, temp_sibling's names) whose
// process is gone: removed, so kills do not pile up copies of models next to the bundle.
void remove_dead_staging(const fs::path& dir) {
  fs::path parent = dir.parent_path().empty() ? fs::path(".") : dir.parent_path();
  std::string prefix = ".tmp-" + dir.filename().string() + "-";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(parent, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    std::string rest = name.substr(prefix.size());
    size_t dash = rest.find('-');
    if (dash == std::string::npos || dash == 0 || rest.find_first_not_of("0123456789") != dash) continue;
    pid_t pid = pid_t(std::stol(rest.substr(0, dash)));
    if (pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;  // alive, or not ours to judge
    fs::remove_all(e.path(), ec);
  }
}
}  // namespace

namespace {
// An empty staging folder beside `dir`, which replace_directory later swaps in.
fs::path stage_beside(const fs::path& dir) {
  check_replaceable(dir);
  remove_dead_staging(dir);
  fs::path parent = dir.parent_path().empty() ? fs::path(".") : dir.parent_path();
  fs::create_directories(parent);
  fs::path staged = temp_sibling(dir);
  fs::create_directories(staged);
  return staged;
}
}  // namespace

json write_bundle(const fs::path& dir, const BundleContents& c) {
  fs::path staged = stage_beside(dir);
  try {
    std::string model_file = c.model->file_name();
    c.model->save(staged / model_file);
    write_file_atomic(staged / "preprocess.json", c.preprocess.dump(2) + "\n");
    std::vector<std::string> files = {model_file, "preprocess.json"};
    for (const auto& [name, content] : c.extra_files) {
      write_file_atomic(staged / name, content.dump() + "\n");
      files.push_back(name);
    }
    json manifest = c.manifest;
    manifest["format"] = kBundleFormat;
    manifest["model_config"] = c.model->config();
    manifest["model_file"] = model_file;
    for (const std::string& name : files)
      manifest["files"][name] = {{"sha", sha256_file(staged / name)},
                                 {"bytes", fs::file_size(staged / name)}};
    manifest["files_hash_algorithm"] = kSha256Name;
    write_file_atomic(staged / "manifest.json", manifest.dump(2) + "\n");
    crash_point("bundle");  // complete, not yet in place
    replace_directory(staged, dir);
    return manifest;
  } catch (...) {
    std::error_code ec;
    fs::remove_all(staged, ec);
    throw;
  }
}

void publish_bundle(const fs::path& from, const fs::path& dir) {
  fs::path staged = stage_beside(dir);
  try {
    // Copies, not links: `from`'s files become the run's objects, and a user editing the
    // published bundle must not edit the record.
    for (const auto& e : fs::directory_iterator(from))
      if (e.is_regular_file()) fs::copy_file(e.path(), staged / e.path().filename());
    replace_directory(staged, dir);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(staged, ec);
    throw;
  }
}

namespace {

// A name in the manifest is a file of the bundle's own folder: no path, no "..", no hidden tricks.
void check_plain_name(const fs::path& mpath, const std::string& key, const std::string& name) {
  bool plain = !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
               name.find('\\') == std::string::npos && name.find('\0') == std::string::npos;
  if (!plain)
    throw ConfigError(mpath.string() + ": " + key + " '" + name +
                      "' is not a file name inside the bundle; refusing a bundle that points outside its folder");
}

// Hashes a listed file the way the manifest says it was hashed.
std::string hash_with(const std::string& algorithm, const fs::path& p) {
  return algorithm == kSha256Name ? sha256_file(p) : hash_file(p);
}

// Every file the bundle holds is listed, each is a plain file of the folder (not a link that could
// point anywhere), and each has the hash the manifest gives.
void check_bundle_files(const fs::path& dir, const fs::path& mpath, const json& m) {
  if (!m.contains("files") || !m["files"].is_object() || m["files"].empty())
    throw ConfigError(mpath.string() + ": no `files` list; a bundle's manifest lists every file with its hash");
  // Bundles written before mlpipe used SHA-256 name XXH3; anything else is refused.
  std::string algorithm = m.value("files_hash_algorithm", "xxh3-128");
  if (algorithm != kSha256Name && algorithm != "xxh3-128")
    throw ConfigError(mpath.string() + ": files_hash_algorithm '" + algorithm + "' is not one mlpipe writes (sha256)");
  if (!m.contains("model_file") || !m["model_file"].is_string())
    throw ConfigError(mpath.string() + ": no `model_file`; a bundle names its model file");
  std::string model_file = m["model_file"].get<std::string>();
  check_plain_name(mpath, "model_file", model_file);
  for (const std::string& needed : {model_file, std::string("preprocess.json")})
    if (!m["files"].contains(needed))
      throw ConfigError(mpath.string() + ": " + needed + " is not listed in `files`, so its hash cannot be checked; "
                        "the manifest was edited, refusing the bundle");
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (name != "manifest.json" && !m["files"].contains(name))
      throw ConfigError(dir.string() + ": " + name + " is in the bundle but not listed in its manifest; "
                        "the manifest was edited or a file was added, refusing the bundle");
  }
  for (const auto& [name, info] : m["files"].items()) {
    check_plain_name(mpath, "files", name);
    fs::path p = dir / name;
    if (fs::is_symlink(fs::symlink_status(p, ec)))
      throw ConfigError(p.string() + ": a symbolic link; a bundle holds its own files, refusing it");
    if (!fs::is_regular_file(p)) throw ConfigError(dir.string() + ": bundle file " + name + " is missing");
    if (!info.is_object() || !info.contains("sha") || !info["sha"].is_string())
      throw ConfigError(mpath.string() + ": files." + name + " has no `sha` hash");
    std::string expected = info["sha"].get<std::string>(), h = hash_with(algorithm, p);
    if (h != expected)
      throw ConfigError(p.string() + ": content hash " + h + " does not match the manifest (" + expected +
                        "); the bundle was modified or corrupted, refusing to use it");
  }
}

// The fields predict and drift read have the types they expect (else a clear refusal, not an
// internal error deep in scoring).
void check_manifest_fields(const fs::path& mpath, const json& m) {
  auto bad = [&](const std::string& key, const std::string& want) {
    throw ConfigError(mpath.string() + ": `" + key + "` should be " + want + "; the manifest was edited, refusing the bundle");
  };
  for (const char* key : {"format", "files_hash_algorithm", "trainer", "task", "label", "id", "model_file", "pipeline",
                          "created_at", "mlpipe_version", "trainer_version"})
    if (m.contains(key) && !m[key].is_string()) bad(key, "text");
  if (!m.contains("trainer")) bad("trainer", "the trainer's name");
  for (const char* key : {"features", "classes", "dropped_columns"})
    if (m.contains(key)) {
      if (!m[key].is_array()) bad(key, "a list of names");
      for (const auto& v : m[key])
        if (!v.is_string()) bad(key, "a list of names");
    }
  if (m.contains("sequence") && !m["sequence"].is_boolean()) bad("sequence", "true or false");
  if (m.contains("model_config") && !m["model_config"].is_object()) bad("model_config", "an object");
  if (m.contains("evaluation") && !m["evaluation"].is_object()) bad("evaluation", "an object");
  if (m.contains("reason_codes")) {
    if (!m["reason_codes"].is_object()) bad("reason_codes", "a map of column to text");
    for (const auto& [k, v] : m["reason_codes"].items())
      if (!v.is_string()) bad("reason_codes." + k, "text");
  }
}

}  // namespace

LoadedBundle load_bundle(const fs::path& dir) {
  fs::path mpath = dir / "manifest.json";
  std::error_code ec;
  if (fs::is_symlink(fs::symlink_status(mpath, ec)))
    throw ConfigError(mpath.string() + ": a symbolic link; a bundle holds its own files, refusing it");
  if (!fs::is_regular_file(mpath))
    throw ConfigError(dir.string() + ": not a model bundle (no manifest.json); pass the folder an export step wrote");
  LoadedBundle b;
  try {
    b.manifest = json::parse(read_file(mpath));
  } catch (const json::exception& e) {
    throw ConfigError(mpath.string() + ": unreadable manifest: " + e.what());
  }
  if (!b.manifest.is_object()) throw ConfigError(mpath.string() + ": not a JSON object; expected an mlpipe bundle manifest");
  check_manifest_fields(mpath, b.manifest);
  if (b.manifest.value("format", "") != kBundleFormat)
    throw ConfigError(mpath.string() + ": unknown bundle format '" + b.manifest.value("format", "") + "' (expected " +
                      kBundleFormat + ")");
  check_bundle_files(dir, mpath, b.manifest);
  try {
    b.preprocess = json::parse(read_file(dir / "preprocess.json"));
  } catch (const json::exception& e) {
    throw ConfigError((dir / "preprocess.json").string() + ": unreadable: " + e.what());
  }
  const Trainer& t = trainer_registry().get(b.manifest["trainer"].get<std::string>());
  b.model = load_model(t, dir / b.manifest["model_file"].get<std::string>(), b.manifest.value("model_config", json::object()));
  // A shortened feature list would feed the model the wrong columns.
  size_t listed = b.manifest.contains("features") ? b.manifest["features"].size() : 0, takes = b.model->feature_count();
  if (takes > 0 && listed != takes)
    throw ConfigError(mpath.string() + ": lists " + std::to_string(listed) + " features but the model takes " +
                      std::to_string(takes) + "; the manifest was edited, refusing the bundle");
  return b;
}

PreparedData prepare_for_prediction(const fs::path& csv, const json& pre, const std::vector<std::string>* inputs) {
  return prepare_for_prediction(std::vector<fs::path>{csv}, pre, inputs);
}

namespace {
// Column names a fitted transform or the sequences spec reads (drop reads none).
// `entities`: the entity a history transform or the sequences group rows by counts as read.
void collect_reads(const json& j, std::set<std::string>& out, bool entities = true) {
  static const std::set<std::string> keys = {"columns", "entity", "time", "label", "numerator", "denominator",
                                             "features", "categorical", "targets", "column"};
  if (!j.is_object()) return;
  if (j.value("op", "") == "drop") return;
  for (const auto& [k, v] : j.items()) {
    if (!keys.count(k) || (k == "entity" && !entities)) continue;
    if (v.is_string()) out.insert(v.get<std::string>());
    if (v.is_array())
      for (const auto& e : v) {
        if (e.is_string()) out.insert(e.get<std::string>());
        else collect_reads(e, out, entities);  // fitted one_hot: [{column, categories}]
      }
  }
}
}  // namespace

std::set<std::string> columns_needed(const json& pre, const std::vector<std::string>& inputs) {
  std::set<std::string> out(inputs.begin(), inputs.end());
  if (pre.contains("transforms"))
    for (const auto& t : pre["transforms"]) collect_reads(t, out);
  if (pre.contains("sequences")) collect_reads(pre["sequences"], out);
  return out;
}

CsvOptions prediction_csv_options(const json& pre, const IngestPlan* plan) {
  const json& ing = pre["ingest"];
  CsvOptions opt;
  std::set<std::string> unused;  // the plan's columns nothing reads: no declared type
  if (plan)
    for (const auto& c : plan->columns)
      if (!c.used) unused.insert(c.name);
  opt.na_values = ing["na_values"].get<std::vector<std::string>>();
  if (ing.contains("thousands") && ing["thousands"].is_string() && ing["thousands"].get<std::string>().size() == 1)
    opt.thousands = ing["thousands"].get<std::string>()[0];  // files to score are written as training's were
  if (ing.value("decimal", ".") == ",") opt.decimal = ',';
  // The names training gave to unnamed header columns (files to score have the same layout).
  if (ing.contains("header_names"))
    for (const auto& [pos, name] : ing["header_names"].items()) opt.header_names[std::stoul(pos)] = name.get<std::string>();
  // Read everything as text-free numbers first, except columns known to be categorical.
  for (const auto& c : ing["columns"]) {
    std::string name = c["name"].get<std::string>();
    if (unused.count(name)) continue;  // read as the file has it, then left out
    if (c["type"] == "categorical") opt.types[name] = ColumnType::kCategorical;
    if (c["type"] == "datetime") {  // read as training read it: its format, or ISO text / epoch numbers
      opt.types[name] = ColumnType::kDatetime;
      TimeFormat f;
      f.strptime = c.value("format", "");
      f.unit = c.value("unit", 1.0);
      opt.time_formats[name] = f;
    }
  }
  opt.types_must_exist = false;
  return opt;
}

PreparedData prepare_for_prediction(const std::vector<fs::path>& files, const json& pre, const std::vector<std::string>* inputs) {
  IngestPlan plan = ingest_plan(pre, inputs);
  return prepare_table(read_tables(files, prediction_csv_options(pre, &plan)), plan, files.front().string());
}

IngestPlan ingest_plan(const json& pre, const std::vector<std::string>* inputs) {
  const json& ing = pre["ingest"];
  std::string label = ing.value("label", "");
  std::optional<std::set<std::string>> needed;
  if (inputs) needed = columns_needed(pre, *inputs);
  // Entities: what history transforms and the sequences group rows by. Values: what the model
  // reads otherwise (its features, and what transforms compute them from).
  std::set<std::string> entities, values;
  if (inputs) values.insert(inputs->begin(), inputs->end());
  auto entity_of = [&](const json& t) {
    if (t.is_object() && t.contains("entity") && t["entity"].is_string()) entities.insert(t["entity"].get<std::string>());
  };
  if (pre.contains("transforms"))
    for (const auto& t : pre["transforms"]) {
      entity_of(t);
      collect_reads(t, values, /*entities=*/false);
    }
  if (pre.contains("sequences")) {
    entity_of(pre["sequences"]);
    collect_reads(pre["sequences"], values, /*entities=*/false);
  }
  IngestPlan plan;
  for (const auto& c : ing["columns"]) {
    IngestPlan::Col col;
    col.name = c["name"].get<std::string>();
    col.label = col.name == label;
    col.id = col.name == ing.value("id", "");
    col.keeps_text = col.id || entities.count(col.name);
    col.input = !col.id && (!inputs || values.count(col.name));
    col.used = !needed || needed->count(col.name) || col.id || col.label || col.name == ing.value("weight", "");
    col.required = !col.label && col.name != ing.value("id", "") && col.name != ing.value("weight", "") &&
                   (!needed || needed->count(col.name));
    if (c["type"] == "categorical") {
      col.type = IngestPlan::Type::kCategorical;
      col.categories = c["categories"].get<std::vector<std::string>>();
      for (size_t k = 0; k < col.categories.size(); ++k) col.code_of.emplace(col.categories[k], int32_t(k));
    } else if (c["type"] == "numeric") {
      col.type = IngestPlan::Type::kNumeric;
    }
    plan.columns.push_back(std::move(col));
  }
  if (ing.contains("label_positive")) plan.label_positive = ing["label_positive"];
  if (ing.contains("label_classes")) plan.label_classes = ing["label_classes"];
  plan.transforms = pre.contains("transforms") ? pre["transforms"] : json();
  return plan;
}

PreparedData prepare_table(Table raw, const json& pre, const std::vector<std::string>* inputs, const std::string& source) {
  return prepare_table(std::move(raw), ingest_plan(pre, inputs), source);
}

PreparedData prepare_table(Table raw, const IngestPlan& plan, const std::string& source) {
  PreparedData out;
  Table& t = out.table;
  std::vector<std::string> missing;
  for (const IngestPlan::Col& c : plan.columns) {
    int i = raw.find(c.name);
    if (i < 0) {
      if (c.required) missing.push_back(c.name);
      continue;
    }
    if (!c.used) continue;  // nothing reads it: whatever it holds is no error
    Column col = std::move(raw.col(size_t(i)));
    // A label coded as text or another number is mapped to 0/1 as in training.
    if (c.label && !plan.label_positive.is_null())
      binarize_label(col, plan.label_positive, source, /*require_positive=*/false);
    if (c.label && !plan.label_classes.is_null())  // other values: missing (the label is no input)
      encode_classes(col, plan.label_classes, source, nullptr, /*strict=*/false);
    if (c.type == IngestPlan::Type::kCategorical) {
      // Map this file's codes onto the training dictionary; unseen categories become missing,
      // except in a column that keeps its text, where they follow the training ones.
      std::vector<int32_t> remap(col.dict.size(), -1);
      std::vector<char> unseen(col.dict.size(), 0);
      std::vector<std::string> dict = c.categories;
      for (size_t k = 0; k < col.dict.size(); ++k) {
        auto it = c.code_of.find(col.dict[k]);
        if (it != c.code_of.end()) {
          remap[k] = it->second;
          continue;
        }
        unseen[k] = c.input;  // counted where the model reads it
        if (c.keeps_text) {
          remap[k] = int32_t(dict.size());
          dict.push_back(col.dict[k]);
        }
      }
      for (auto& code : col.codes) {
        if (code < 0) continue;
        out.unseen_categories += unseen[size_t(code)];
        code = remap[size_t(code)];
      }
      col.dict = std::move(dict);
    } else if (c.type == IngestPlan::Type::kNumeric && col.type != ColumnType::kNumeric) {
      throw StepError(source + ": column '" + c.name + "' was numeric in training but holds text here");
    }
    t.add(std::move(col));
  }
  if (!missing.empty())
    throw StepError(source + ": missing columns the model needs: " + join(missing, ", "));
  apply_transforms(plan.transforms, t);
  // The model reads values training never saw as missing, entities included.
  for (const IngestPlan::Col& c : plan.columns) {
    if (c.type != IngestPlan::Type::kCategorical || !c.keeps_text || !c.input) continue;
    int i = t.find(c.name);
    if (i < 0) continue;
    if (!t.col(size_t(i)).coded() || t.col(size_t(i)).dict.size() <= c.categories.size()) continue;
    Column& col = t.edit_col(size_t(i));
    for (auto& code : col.codes)
      if (code >= int32_t(c.categories.size())) code = -1;
    col.dict.resize(c.categories.size());
  }
  return out;
}

}  // namespace mlpipe
