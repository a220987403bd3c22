#include "core/steps/step.h"

#include <set>

#include "core/data/sources.h"
#include "core/store/store_layout.h"
#include "core/util/error.h"
#include "core/util/hash.h"
#include "core/util/strings.h"

namespace fs = std::filesystem;

namespace mlpipe {

StepContext::StepContext(const Pipeline& p, const StepSpec& s, Flow in, fs::path out,
                         fs::path work, RunStore* store, int64_t run, unsigned threads)
    : pipeline(p), spec(s), cfg(s.config), input(std::move(in)), outdir(std::move(out)),
      workdir(std::move(work)),
      seed(p.seed), nthread(threads), run_id(run), store_(store) {}

fs::path StepContext::resolve(const std::string& path) const {
  // Absolute, so records and cache checks mean the same file from any working directory.
  fs::path p(path);
  return fs::absolute(p.is_absolute() ? p : pipeline.base_dir / p).lexically_normal();
}

void StepContext::metric(const std::string& key, double value, const std::string& split,
                         std::optional<int64_t> iteration) {
  pending_.push_back({key, split, iteration, value});
  if (pending_.size() >= kMetricBatch || std::chrono::steady_clock::now() - last_flush_ > std::chrono::seconds(2)) flush_metrics();
}

void StepContext::metrics(const std::vector<MetricPoint>& points) {
  pending_.insert(pending_.end(), points.begin(), points.end());
  // Batched for speed, but never held longer than 2 s: a live run shows in the store.
  if (pending_.size() >= kMetricBatch || std::chrono::steady_clock::now() - last_flush_ > std::chrono::seconds(2)) flush_metrics();
}

void StepContext::flush_metrics() {
  if (store_ && !pending_.empty()) store_->add_metrics(run_id, spec.name, pending_);
  pending_.clear();
  last_flush_ = std::chrono::steady_clock::now();
}

void StepContext::artifact(const std::string& name, const fs::path& path) {
  if (!store_) return;
  // Relative to the store's root: the record means the same file from any working directory.
  std::string hash = hash_file(path);
  store_->add_artifact(run_id, spec.name, name, StoreLayout(workdir).record_path(path), hash,
                       int64_t(fs::file_size(path)));
  artifact_files_.emplace_back(path, hash);
}

void StepContext::input_file(const fs::path& path, std::optional<int64_t> rows,
                             std::optional<int64_t> cols) {
  if (!store_) return;
  store_->add_input(run_id, spec.name, path.string(), hash_file(path), int64_t(fs::file_size(path)),
                    rows, cols);
}

const Frame& require_frame(const StepContext& ctx) {
  if (!ctx.input.frame)
    throw ConfigError("step '" + ctx.spec.name + "' (" + ctx.spec.type +
                      ") needs data: add an ingest step (or one after it) to its `needs:`");
  return *ctx.input.frame;
}

std::vector<uint32_t> fit_rows(const StepContext& ctx, const Frame& f) {
  std::string fit_on = get_string(ctx.cfg, "fit_on", "train");
  if (!f.has_split() && ctx.cfg.contains("fit_on"))
    throw StepError("fit_on: " + fit_on + " needs a split step before this one");
  std::vector<uint32_t> rows = f.rows_of(split_from_name(fit_on));
  if (rows.empty()) throw StepError("the '" + fit_on + "' split has no rows to fit on");
  return rows;
}

std::string get_string(const nlohmann::json& cfg, const std::string& key, const std::string& def) {
  return cfg.contains(key) && cfg[key].is_string() ? cfg[key].get<std::string>() : def;
}
double get_number(const nlohmann::json& cfg, const std::string& key, double def) {
  return cfg.contains(key) && cfg[key].is_number() ? cfg[key].get<double>() : def;
}
long long get_int(const nlohmann::json& cfg, const std::string& key, long long def) {
  return cfg.contains(key) && cfg[key].is_number_integer() ? cfg[key].get<long long>() : def;
}

Schema with_common_keys(Schema s) {
  s.insert(s.begin(), {{"type", Kind::kString, true, {}, "the kind of step"},
                       {"needs", Kind::kStrings, false, {}, "steps that must finish first"},
                       {"description", Kind::kString, false, {}, "free text"}});
  s.push_back({"sweep", Kind::kMap, false, {}, "grid or random search over this step's keys, each trial a child run"});
  return s;
}

std::vector<const StepSpec*> upstream_steps(const Pipeline& p, const std::string& name) {
  std::set<std::string> seen;
  std::vector<std::string> frontier = {name};  // steps whose needs are still to visit
  while (!frontier.empty()) {
    std::string cur = frontier.back();
    frontier.pop_back();
    for (const auto& s : p.steps)
      if (s.name == cur)
        for (const auto& n : s.needs)
          if (seen.insert(n).second) frontier.push_back(n);
  }
  std::vector<const StepSpec*> out;
  for (const auto& s : p.steps)
    if (seen.count(s.name)) out.push_back(&s);
  return out;
}

std::vector<const StepSpec*> downstream_steps(const Pipeline& p, const std::string& name) {
  std::vector<const StepSpec*> out;
  for (const auto& s : p.steps)
    for (const StepSpec* up : upstream_steps(p, s.name))
      if (up->name == name) {
        out.push_back(&s);
        break;
      }
  return out;
}

std::vector<std::filesystem::path> upstream_ingest_source(const StepContext& ctx) {
  for (const StepSpec* s : upstream_steps(ctx.pipeline, ctx.spec.name))
    if (s->type == "ingest") {
      std::vector<std::filesystem::path> out;
      for (const auto& f : expand_sources(s->config["source"], ctx.pipeline.base_dir)) out.push_back(f.path);
      return out;
    }
  throw StepError("step '" + ctx.spec.name + "' needs an ingest step upstream to read the data from");
}

}  // namespace mlpipe
