#include "core/cache/step_cache.h"

#include <map>

#include "core/data/npy.h"
#include "core/data/text_dictionary.h"
#include "core/model/calibrated_model.h"
#include "core/sequences/sequence_io.h"
#include "core/util/atomic_file.h"
#include "core/util/crash_point.h"
#include "core/util/error.h"
#include "core/util/hash.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace mlpipe {
namespace {

using FileOf = std::function<fs::path(const std::string&)>;

void save_frame(const Frame& f, const fs::path& dir) {
  fs::create_directories(dir);
  json cols = json::array();
  for (size_t i = 0; i < f.table.cols(); ++i) {
    const Column& c = f.table.col(i);
    std::string file = "col_" + std::to_string(i) + ".npy";
    json col = {{"name", c.name}, {"type", column_type_name(c.type)}, {"file", file}};
    if (c.f32) {
      write_npy(dir / file, c.num32);
      col["float32"] = true;
    } else if (!c.coded()) {
      write_npy(dir / file, c.num);
    } else {
      write_npy(dir / file, c.codes);
      // A file of its own, not inside schema.json: the dictionary of a text column can be large
      // and is then one object shared by every step that passes the column on.
      std::string dict = "col_" + std::to_string(i) + ".categories";
      write_file_atomic(dir / dict, encode_dictionary(c.dict));
      col["categories_file"] = dict;
    }
    cols.push_back(col);
  }
  json schema = {{"rows", f.table.rows()}, {"label", f.label}, {"id", f.id}, {"columns", cols},
                 {"split_names", split_names()}};
  if (!f.not_features.empty()) schema["not_features"] = f.not_features;
  if (!f.classes.empty()) schema["classes"] = f.classes;
  if (!f.weight.empty()) schema["weight"] = f.weight;
  if (f.has_split()) {
    write_npy(dir / "split.npy", f.split);
    schema["split_file"] = "split.npy";
  }
  write_file_atomic(dir / "schema.json", schema.dump(2) + "\n");
}

std::shared_ptr<Frame> load_frame(const FileOf& file) {
  json schema = json::parse(read_file(file("schema.json")));
  auto f = std::make_shared<Frame>();
  f->label = schema["label"];
  f->id = schema["id"];
  for (const auto& col : schema["columns"]) {
    Column c;
    c.name = col["name"];
    if (col["type"] == "numeric" || col["type"] == "datetime") {
      c.type = col["type"] == "numeric" ? ColumnType::kNumeric : ColumnType::kDatetime;
      if (col.value("float32", false)) {
        c.num32 = read_npy_f4(file(col["file"].get<std::string>()));
        c.f32 = true;
      } else {
        c.num = read_npy_f8(file(col["file"].get<std::string>()));
      }
    } else {
      c.type = ColumnType::kCategorical;
      c.codes = read_npy_i4(file(col["file"].get<std::string>()));
      std::string name = col["categories_file"].get<std::string>();
      fs::path path = file(name);
      std::string bytes = read_file(path);
      bool json_list = name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0;  // cached before 2026-12
      c.dict = json_list ? json::parse(bytes).get<std::vector<std::string>>() : decode_dictionary(bytes, path.string());
    }
    f->table.add(std::move(c));
  }
  if (schema.contains("not_features")) f->not_features = schema["not_features"].get<std::vector<std::string>>();
  if (schema.contains("weight")) f->weight = schema["weight"].get<std::string>();
  if (schema.contains("classes")) f->classes = schema["classes"].get<std::vector<std::string>>();
  if (schema.contains("split_file")) f->split = read_npy_u1(file("split.npy"));
  return f;
}

std::shared_ptr<const Evaluation> load_evaluation(const fs::path& file) {
  json ev = json::parse(read_file(file));
  auto e = std::make_shared<Evaluation>();
  e->on = ev["on"];
  e->metrics = ev["metrics"];
  e->predictions_path = ev["predictions_path"];
  return e;
}

// Writes the parts of `out` that `in` lacks under `dir`; returns which parts.
json write_parts(const Flow& in, const Flow& out, const fs::path& dir) {
  json parts = json::object();
  if (out.frame && out.frame != in.frame) {
    save_frame(*out.frame, dir / "frame");
    parts["frame"] = true;
  }
  if (out.preprocess && out.preprocess != in.preprocess) {
    write_file_atomic(dir / "preprocess.json", out.preprocess->dump() + "\n");
    parts["preprocess"] = true;
  }
  if (out.model && out.model != in.model) {
    const TrainedModel& m = *out.model;
    fs::create_directories(dir / "model");
    std::string file = m.model->file_name();
    m.model->save(dir / "model" / file);
    json info = {{"trainer", m.trainer}, {"features", m.features}, {"label", m.label},
                 {"id", m.id}, {"task", task_name(m.task)}, {"file", file},
                 {"model_path", m.model_path}, {"summary", m.summary}, {"sequence", m.sequence}, {"config", m.model->config()}};
    if (!m.classes.empty()) info["classes"] = m.classes;
    write_file_atomic(dir / "model" / "info.json", info.dump(2) + "\n");
    parts["model"] = true;
  }
  if (out.sequences && out.sequences != in.sequences) {
    save_sequences(*out.sequences, dir / "sequences");
    parts["sequences"] = true;
  }
  if (out.evaluation && out.evaluation != in.evaluation) {
    const Evaluation& e = *out.evaluation;
    json ev = {{"on", e.on}, {"metrics", e.metrics}, {"predictions_path", e.predictions_path}};
    write_file_atomic(dir / "evaluation.json", ev.dump(2) + "\n");
    parts["evaluation"] = true;
  }
  return parts;
}

}  // namespace

std::optional<CacheEntry> StepCache::find(const std::string& fp, std::string* why) const {
  return store_.find_cache_entry(fp, why);
}

void StepCache::save(const std::string& fp, const Flow& in, const Flow& out, const json& outside, int64_t run,
                     const std::string& step, const std::string& step_type) {
  fs::create_directories(layout_.tmp());
  RemoveOnExit guard(temp_sibling(layout_.tmp() / ("cache-" + fp.substr(0, 16))));
  const fs::path& staged = guard.path();
  fs::create_directories(staged);
  {
    CacheEntry e;
    e.fingerprint = fp;
    e.run_id = run;
    e.step = step;
    e.step_type = step_type;
    e.parts = write_parts(in, out, staged);
    e.meta = {{"outside", outside}};
    std::vector<fs::path> files;
    for (const auto& f : fs::recursive_directory_iterator(staged))
      if (f.is_regular_file()) files.push_back(f.path());
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
      int64_t bytes = int64_t(fs::file_size(f));
      std::string hash = hash_file(f);
      e.objects.push_back({fs::relative(f, staged).generic_string(), hash, bytes});
      e.bytes += bytes;
      objects_.adopt(f, hash);
    }
    // The objects are in place before the row that names them: a crash leaves unnamed objects
    // (for gc), never a row naming a missing one.
    crash_point("cache");
    store_.add_cache_entry(e);
  }
}

std::optional<Flow> StepCache::load(const CacheEntry& entry, const Flow& in, std::string& why, bool light,
                                    const std::function<std::string(const fs::path&)>& hash) const {
  auto content_hash = [&](const fs::path& p) { return hash ? hash(p) : hash_file(p); };
  std::map<std::string, std::string> named;
  try {
    for (const auto& o : entry.objects) {
      fs::path p = objects_.path(o.hash);
      if (!fs::is_regular_file(p)) {
        why = "cached output " + o.name + " is missing (object " + o.hash + ")";
        return std::nullopt;
      }
      if (content_hash(p) != o.hash) {
        why = "cached output " + o.name + " is corrupted (its hash changed)";
        return std::nullopt;
      }
      named[o.name] = o.hash;
    }
    // Files outside the store that the step's result stands for (an export bundle).
    if (entry.meta.contains("outside"))
      for (const auto& [path, h] : entry.meta["outside"].items()) {
        if (!fs::is_regular_file(path) || content_hash(path) != h.get<std::string>()) {
          why = "output " + path + " was changed or removed";
          return std::nullopt;
        }
      }
    auto file = [&](const std::string& name) {
      auto it = named.find(name);
      if (it == named.end()) throw StepError("the cache entry has no " + name);
      return objects_.path(it->second);
    };
    auto under = [&](const std::string& prefix) -> FileOf {
      return [&, prefix](const std::string& name) { return file(prefix + name); };
    };
    const json& parts = entry.parts;
    Flow out;
    if (parts.contains("preprocess"))
      out.preprocess = std::make_shared<json>(json::parse(read_file(file("preprocess.json"))));
    if (parts.contains("evaluation")) out.evaluation = load_evaluation(file("evaluation.json"));
    if (light) return out;
    if (parts.contains("frame")) out.frame = load_frame(under("frame/"));
    if (parts.contains("model")) {
      json info = json::parse(read_file(file("model/info.json")));
      auto m = std::make_shared<TrainedModel>();
      m->trainer = info["trainer"];
      m->features = info["features"].get<std::vector<std::string>>();
      m->label = info["label"];
      m->id = info["id"];
      m->task = task_from_name(info["task"].get<std::string>());
      if (info.contains("classes")) m->classes = info["classes"].get<std::vector<std::string>>();
      m->model_path = info["model_path"];
      m->summary = info["summary"];
      m->sequence = info.value("sequence", false);
      // Trainers read a model by file name (its extension picks the format): a copy named so.
      std::string name = info["file"].get<std::string>();
      fs::create_directories(layout_.tmp());
      RemoveOnExit dir(temp_sibling(layout_.tmp() / "model"));
      fs::create_directories(dir.path());
      objects_.copy_out(named.at("model/" + name), dir.path() / name);
      m->model = load_model(trainer_registry().get(m->trainer), dir.path() / name, info.value("config", json::object()));
      out.model = m;
    }
    if (parts.contains("sequences")) out.sequences = load_sequences(under("sequences/"));
    out.fill_from(in);
    return out;
  } catch (const std::exception& e) {
    why = std::string("cached outputs unreadable: ") + e.what();
    return std::nullopt;
  }
}

}  // namespace mlpipe
