#include "core/cache/step_cache.h"

#include <unistd.h>

#include "core/cache/npy.h"
#include "core/sequences/sequence_io.h"
#include "core/util/atomic_file.h"
#include "core/util/crash_point.h"
#include "core/util/error.h"
#include "core/util/hash.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace mlpipe {
namespace {

void save_frame(const Frame& f, const fs::path& dir) {
  fs::create_directories(dir);
  json cols = json::array();
  for (size_t i = 0; i < f.table.cols(); ++i) {
    const Column& c = f.table.col(i);
    std::string file = "col_" + std::to_string(i) + ".npy";
    json col = {{"name", c.name}, {"type", column_type_name(c.type)}, {"file", file}};
    if (c.type == ColumnType::kNumeric) {
      write_npy(dir / file, c.num);
    } else {
      write_npy(dir / file, c.codes);
      col["categories"] = c.dict;
    }
    cols.push_back(col);
  }
  json schema = {{"rows", f.table.rows()}, {"label", f.label}, {"id", f.id}, {"columns", cols},
                 {"split_names", split_names()}};
  if (f.has_split()) {
    write_npy(dir / "split.npy", f.split);
    schema["split_file"] = "split.npy";
  }
  write_file_atomic(dir / "schema.json", schema.dump(2) + "\n");
}

std::shared_ptr<Frame> load_frame(const fs::path& dir) {
  json schema = json::parse(read_file(dir / "schema.json"));
  auto f = std::make_shared<Frame>();
  f->label = schema["label"];
  f->id = schema["id"];
  for (const auto& col : schema["columns"]) {
    Column c;
    c.name = col["name"];
    if (col["type"] == "numeric") {
      c.num = read_npy_f8(dir / col["file"].get<std::string>());
    } else {
      c.type = ColumnType::kCategorical;
      c.codes = read_npy_i4(dir / col["file"].get<std::string>());
      c.dict = col["categories"].get<std::vector<std::string>>();
    }
    f->table.add(std::move(c));
  }
  if (schema.contains("split_file")) f->split = read_npy_u1(dir / "split.npy");
  return f;
}

void list_files(const fs::path& root, json& files) {
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file() && e.path().filename() != "manifest.json")
      files[fs::relative(e.path(), root).string()] = hash_file(e.path());
}

}  // namespace

bool StepCache::has(const std::string& fp) const { return fs::is_regular_file(dir_ / fp / "manifest.json"); }

void StepCache::save(const std::string& fp, const Flow& in, const Flow& out, const json& meta) {
  fs::path final_dir = dir_ / fp;
  fs::create_directories(dir_);
  fs::path tmp = temp_sibling(final_dir);
  fs::create_directories(tmp);
  try {
    json parts = json::object();
    if (out.frame && out.frame != in.frame) {
      save_frame(*out.frame, tmp / "frame");
      parts["frame"] = true;
    }
    if (out.preprocess && out.preprocess != in.preprocess) {
      write_file_atomic(tmp / "preprocess.json", out.preprocess->dump() + "\n");
      parts["preprocess"] = true;
    }
    if (out.model && out.model != in.model) {
      const TrainedModel& m = *out.model;
      fs::create_directories(tmp / "model");
      std::string file = m.model->file_name();
      m.model->save(tmp / "model" / file);
      json info = {{"trainer", m.trainer}, {"features", m.features}, {"label", m.label},
                   {"id", m.id}, {"task", task_name(m.task)}, {"file", file},
                   {"model_path", m.model_path}, {"summary", m.summary}, {"sequence", m.sequence}, {"config", m.model->config()}};
      write_file_atomic(tmp / "model" / "info.json", info.dump(2) + "\n");
      parts["model"] = true;
    }
    if (out.sequences && out.sequences != in.sequences) {
      save_sequences(*out.sequences, tmp / "sequences");
      parts["sequences"] = true;
    }
    if (out.evaluation && out.evaluation != in.evaluation) {
      const Evaluation& e = *out.evaluation;
      json ev = {{"on", e.on}, {"metrics", e.metrics}, {"predictions_path", e.predictions_path}};
      write_file_atomic(tmp / "evaluation.json", ev.dump(2) + "\n");
      parts["evaluation"] = true;
    }
    json files = json::object();
    list_files(tmp, files);
    json manifest = {{"fingerprint", fp}, {"parts", parts}, {"files", files}, {"meta", meta}};
    write_file_atomic(tmp / "manifest.json", manifest.dump(2) + "\n");
    // Replaces an entry that failed verification; a concurrent writer of the same fingerprint
    // wrote the same content, so either copy is good.
    crash_point("cache");
    replace_directory(tmp, final_dir);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
}

namespace {
std::shared_ptr<const Evaluation> load_evaluation(const fs::path& file) {
  json ev = json::parse(read_file(file));
  auto e = std::make_shared<Evaluation>();
  e->on = ev["on"];
  e->metrics = ev["metrics"];
  e->predictions_path = ev["predictions_path"];
  return e;
}
}  // namespace

std::optional<Flow> StepCache::load(const std::string& fp, const Flow& in, std::string& why,
                                    json& meta, bool light,
                                    const std::function<std::string(const fs::path&)>& hash) const {
  auto content_hash = [&](const fs::path& p) { return hash ? hash(p) : hash_file(p); };
  fs::path dir = dir_ / fp;
  if (!has(fp)) {
    why = "no cached outputs";
    return std::nullopt;
  }
  try {
    json manifest = json::parse(read_file(dir / "manifest.json"));
    meta = manifest["meta"];
    for (const auto& [rel, h] : manifest["files"].items()) {
      fs::path p = dir / rel;
      if (!fs::is_regular_file(p)) {
        why = "cached output " + rel + " is missing";
        return std::nullopt;
      }
      if (content_hash(p) != h.get<std::string>()) {
        why = "cached output " + rel + " is corrupted (its hash changed)";
        return std::nullopt;
      }
    }
    // Files outside the cache that the step's result stands for (an export bundle).
    if (meta.contains("outside"))
      for (const auto& [path, h] : meta["outside"].items()) {
        if (!fs::is_regular_file(path) || content_hash(path) != h.get<std::string>()) {
          why = "output " + path + " was changed or removed";
          return std::nullopt;
        }
      }
    const json& parts = manifest["parts"];
    Flow out;
    if (light) {
      if (parts.contains("preprocess"))
        out.preprocess = std::make_shared<json>(json::parse(read_file(dir / "preprocess.json")));
      if (parts.contains("evaluation")) out.evaluation = load_evaluation(dir / "evaluation.json");
      return out;
    }
    if (parts.contains("frame")) out.frame = load_frame(dir / "frame");
    if (parts.contains("preprocess"))
      out.preprocess = std::make_shared<json>(json::parse(read_file(dir / "preprocess.json")));
    if (parts.contains("model")) {
      json info = json::parse(read_file(dir / "model" / "info.json"));
      auto m = std::make_shared<TrainedModel>();
      m->trainer = info["trainer"];
      m->features = info["features"].get<std::vector<std::string>>();
      m->label = info["label"];
      m->id = info["id"];
      m->task = info["task"] == "binary" ? Task::kBinary : Task::kRegression;
      m->model_path = info["model_path"];
      m->summary = info["summary"];
      m->sequence = info.value("sequence", false);
      m->model = trainer_registry().get(m->trainer).load(dir / "model" / info["file"].get<std::string>(),
                                                         info.value("config", json::object()));
      out.model = m;
    }
    if (parts.contains("sequences")) out.sequences = load_sequences(dir / "sequences");
    if (parts.contains("evaluation")) out.evaluation = load_evaluation(dir / "evaluation.json");
    out.fill_from(in);
    return out;
  } catch (const std::exception& e) {
    why = std::string("cached outputs unreadable: ") + e.what();
    return std::nullopt;
  }
}

}  // namespace mlpipe
