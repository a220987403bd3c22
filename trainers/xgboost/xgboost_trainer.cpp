#include "trainers/xgboost/xgboost_trainer.h"

#include <algorithm>
#include <cmath>
#include <atomic>
#include <mutex>
#include <thread>

#include "core/util/atomic_file.h"
#include "core/util/crash_point.h"
#include "core/util/error.h"
#include "core/util/strings.h"
#include "trainers/xgboost/eval_log.h"
#include "trainers/xgboost/named_constraints.h"
#include "trainers/xgboost/xgb_handles.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace mlpipe {
namespace {

// XGBoost's log goes through one process-wide callback. Normally it is forwarded to stderr;
// while validating parameters it is captured to find the "are not used" warning.
std::mutex g_log_mu;
std::string* g_capture = nullptr;

void log_callback(const char* msg) {
  std::lock_guard<std::mutex> lock(g_log_mu);
  if (g_capture) {
    *g_capture += msg;
    *g_capture += "\n";
  } else {
    std::fprintf(stderr, "xgboost: %s\n", msg);
  }
}

// XGBoost 1.7 keeps the log callback per thread (a thread-local registry): every thread that
// calls into it registers ours first, or its warnings reach stderr raw, and unprefixed.
void install_log_callback() {
  thread_local bool installed = false;
  if (installed) return;
  XGBRegisterLogCallback(&log_callback);
  installed = true;
}

// Keys that belong at the step level, not among booster parameters.
const std::vector<std::pair<std::string, std::string>>& misplaced_keys() {
  static const std::vector<std::pair<std::string, std::string>> m = {
      {"rounds", "rounds"},        {"num_boost_round", "rounds"},
      {"n_estimators", "rounds"},  {"early_stopping", "early_stopping"},
      {"early_stopping_rounds", "early_stopping"}, {"nthread", "nthread"}, {"n_jobs", "nthread"},
  };
  return m;
}

std::string param_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "1" : "0";
  if (v.is_number_float()) return format_double(v.get<double>());
  return v.dump();
}

// Every (key, value) to hand to XGBoosterSetParam, lists expanded (eval_metric: [auc, logloss]).
std::vector<std::pair<std::string, std::string>> user_params(const json& step) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!step.contains("params") || !step["params"].is_object()) return out;
  for (const auto& [k, v] : step["params"].items()) {
    if (v.is_array())
      for (const auto& e : v) out.emplace_back(k, param_text(e));
    else
      out.emplace_back(k, param_text(v));
  }
  return out;
}

std::string objective_of(const json& step) {
  if (step.contains("params") && step["params"].contains("objective") &&
      step["params"]["objective"].is_string())
    return step["params"]["objective"].get<std::string>();
  return "binary:logistic";
}

// A user parameter as text ("" when not set).
std::string param_of(const json& step, const char* key) {
  if (!step.contains("params") || !step["params"].contains(key)) return "";
  return param_text(step["params"][key]);
}

bool uses_hist(const json& step) { return param_of(step, "tree_method") == "hist"; }

// The booster's max_bin: XGBoost refuses a quantile DMatrix binned otherwise.
int max_bin(const json& step) {
  std::string v = param_of(step, "max_bin");
  if (v.empty()) return 256;
  try {
    return std::stoi(v);
  } catch (const std::exception&) {
    throw StepError("params.max_bin: expected a whole number, got '" + v + "'");
  }
}

Task task_of_objective(const std::string& obj) {
  if (starts_with(obj, "multi:")) return Task::kMulticlass;
  return starts_with(obj, "binary:") ? Task::kBinary : Task::kRegression;
}

// Sets mlpipe's defaults, then the user's parameters (which win). `classes`: num_class of a
// multi-class objective (from the label's classes).
void configure(xgb::Booster& b, const json& step, unsigned nthread, long long seed, size_t classes = 0) {
  b.set("nthread", std::to_string(nthread));
  b.set("seed", std::to_string(seed));
  b.set("objective", objective_of(step));
  Task task = task_of_objective(objective_of(step));
  if (task == Task::kMulticlass && classes > 0) b.set("num_class", std::to_string(classes));
  bool has_metric = step.contains("params") && step["params"].contains("eval_metric");
  if (!has_metric) {  // both curves are worth recording; early stopping follows the last (auc)
    if (task == Task::kBinary) {
      b.set("eval_metric", "logloss");
      b.set("eval_metric", "auc");
    } else if (task == Task::kMulticlass) {
      b.set("eval_metric", "merror");
      b.set("eval_metric", "mlogloss");
    } else {
      b.set("eval_metric", "rmse");
    }
  }
  for (const auto& [k, v] : user_params(step)) b.set(k == "random_state" ? "seed" : k, v);
}

class XgbModel : public Model {
 public:
  XgbModel(xgb::Booster b, Task task, json summary, size_t classes = 0)
      : booster_(std::move(b)), task_(task), summary_(std::move(summary)), classes_(classes) {}
  size_t classes() const override { return classes_; }
  std::string trainer() const override { return "xgboost"; }
  Task task() const override { return task_; }
  std::string file_name() const override { return "model.json"; }
  json summary() const override { return summary_; }
  size_t feature_count() const override {
    std::lock_guard<std::mutex> lock(mu_);
    bst_ulong n = 0;
    MLPIPE_XGB(XGBoosterGetNumFeature(booster_.get(), &n));
    return size_t(n);
  }

  std::vector<double> predict(const FeatureMatrix& x) const override { return run_predict(x, 0, 1); }
  // Type 1 is the margin; type 2 is exact TreeSHAP (one value per feature, then the bias).
  std::vector<double> margins(const FeatureMatrix& x) const override { return run_predict(x, 1, 1); }
  std::vector<double> contributions(const FeatureMatrix& x) const override { return run_predict(x, 2, x.cols + 1); }
  bool explains() const override { return true; }

  // XGBoost's "gain" importance (average gain of the splits on a feature), by feature name;
  // features never split on are left out, as XGBoost does.
  std::vector<std::pair<std::string, double>> gain_importance(const std::vector<std::string>& names) const {
    std::lock_guard<std::mutex> lock(mu_);
    json cfg = {{"importance_type", "gain"}, {"feature_map", ""}, {"feature_names", names}};
    bst_ulong n = 0, dim = 0;
    const char** features = nullptr;
    const bst_ulong* shape = nullptr;
    const float* scores = nullptr;
    MLPIPE_XGB(XGBoosterFeatureScore(booster_.get(), cfg.dump().c_str(), &n, &features, &dim, &shape, &scores));
    std::vector<std::pair<std::string, double>> out;
    for (bst_ulong i = 0; i < n; ++i) out.emplace_back(features[i], scores[i]);
    return out;
  }

  void save(const fs::path& file) const override {
    std::lock_guard<std::mutex> lock(mu_);
    write_file_atomic(file, booster_.save_json());
  }

 private:
  // Predictions of `type` (0 scores, 1 margins, 2 contributions); `per_value` values per row and
  // class. Scores and margins are predicted in place: a proxy only points at the rows, so the
  // trees see the float32 values a DMatrix would hold and give the same bits (test_serve.sh
  // compares serve with predict, test_predict_parity predict with evaluate), without a DMatrix's
  // copy of the rows (8 bytes a value). A few rows (a served request) go to one of a few
  // single-threaded copies of the booster, each with a proxy made once: the OpenMP team an
  // all-cores predict wakes for one row, and a DMatrix or proxy per request (XGBoost 1.7 reads
  // the cgroup CPU quota files for each), cost more than the trees, and requests on different
  // cores no longer wait on one lock. A row's score is a sequential sum over the trees whatever
  // the thread count, so every copy gives the same bits.
  struct SmallBooster {
    std::mutex mu;
    std::unique_ptr<xgb::Booster> booster;
    DMatrixHandle proxy = nullptr;
    ~SmallBooster() {
      if (proxy) XGDMatrixFree(proxy);
    }
  };
  static constexpr size_t kSmall = 256;

  SmallBooster& small_booster() const {
    std::call_once(small_once_, [this] {
      std::string bytes;
      {
        std::lock_guard<std::mutex> lock(mu_);
        bytes = booster_.save_json();
      }
      size_t n = std::max(1u, std::thread::hardware_concurrency());
      small_ = std::vector<SmallBooster>(n);
      for (auto& s : small_) {
        s.booster = std::make_unique<xgb::Booster>(xgb::Booster::from_json(bytes));
        s.booster->set("nthread", "1");
        MLPIPE_XGB(XGProxyDMatrixCreate(&s.proxy));
      }
    });
    for (auto& s : small_)
      if (s.mu.try_lock()) {
        s.mu.unlock();
        return s;
      }
    return small_[next_small_++ % small_.size()];
  }

  std::vector<double> run_predict(const FeatureMatrix& x, int type, size_t per_value) const {
    if (x.rows == 0) return {};
    install_log_callback();  // predict's and serve's threads
    bool small = x.rows < kSmall;
    SmallBooster* sb = small ? &small_booster() : nullptr;
    std::unique_lock<std::mutex> lock(small ? sb->mu : mu_);
    BoosterHandle h = small ? sb->booster->get() : booster_.get();
    if (small && type != 2) return checked(inplace_predict(h, sb->proxy, x, type), x.rows, per_value);
    if (type != 2) {  // in place on the rows as they are: a DMatrix would copy them (8 bytes a value)
      DMatrixHandle proxy = nullptr;
      MLPIPE_XGB(XGProxyDMatrixCreate(&proxy));
      std::unique_ptr<void, int (*)(DMatrixHandle)> owned(proxy, XGDMatrixFree);
      return checked(inplace_predict(h, proxy, x, type), x.rows, per_value);
    }
    // Contributions need a DMatrix. A few rows on one thread: starting threads costs more than the copy.
    xgb::DMatrix d(x, x.rows < 4096 ? 1u : std::max(1u, std::thread::hardware_concurrency()));
    const bst_ulong* shape = nullptr;
    bst_ulong dim = 0;
    const float* result = nullptr;
    json cfg = {{"type", type}, {"training", false}, {"iteration_begin", 0}, {"iteration_end", 0}, {"strict_shape", false}};
    MLPIPE_XGB(XGBoosterPredictFromDMatrix(h, d.get(), cfg.dump().c_str(), &shape, &dim, &result));
    return checked({shape, dim, result}, x.rows, per_value);
  }

  struct Output {
    const bst_ulong* shape = nullptr;
    bst_ulong dim = 0;
    const float* result = nullptr;
  };

  // Type 0 (scores) or 1 (margins) of `x` on booster `h` (which the caller holds) through `proxy`.
  static Output inplace_predict(BoosterHandle h, DMatrixHandle proxy, const FeatureMatrix& x, int type) {
    std::string data = xgb::dense_array_interface(x.values.data(), x.rows, x.cols);
    // Only the keys 1.7.4's in-place predict requires, without spaces: it parses this text on
    // every call, and for one row the parsing is a third of the call.
    const char* cfg = type == 0 ? R"({"type":0,"iteration_begin":0,"iteration_end":0,"strict_shape":false,"cache_id":0,"missing":NaN})"
                                : R"({"type":1,"iteration_begin":0,"iteration_end":0,"strict_shape":false,"cache_id":0,"missing":NaN})";
    Output o;
    MLPIPE_XGB(XGBoosterPredictFromDense(h, data.c_str(), cfg, proxy, &o.shape, &o.dim, &o.result));
    return o;
  }

  std::vector<double> checked(const Output& o, size_t rows, size_t per_value) const {
    size_t n = rows * std::max<size_t>(1, classes_) * per_value;
    bst_ulong got = 1;
    for (bst_ulong i = 0; i < o.dim; ++i) got *= o.shape[i];
    if (got != n)
      throw StepError("xgboost returned " + std::to_string(got) + " values for " + std::to_string(rows) + " rows, expected " + std::to_string(n));
    return std::vector<double>(o.result, o.result + n);
  }

  mutable std::mutex mu_;
  xgb::Booster booster_;
  mutable std::once_flag small_once_;
  mutable std::vector<SmallBooster> small_;
  mutable std::atomic<size_t> next_small_{0};
  Task task_;
  json summary_;
  size_t classes_ = 0;
};

class XgbTrainer : public Trainer {
 public:
  XgbTrainer() { install_log_callback(); }
  std::string name() const override { return "xgboost"; }
  std::string description() const override {
    return "gradient-boosted trees (XGBoost C API); binary:*, multi:softprob and reg:* objectives";
  }
  std::string version() const override {
    int a, b, c;
    XGBoostVersion(&a, &b, &c);
    return std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(c);
  }
  const Schema& schema() const override {
    static const Schema s = {
        {"params", Kind::kMap, false, {}, "booster parameters passed to XGBoost (objective, eta, max_depth, ...)"},
        {"rounds", Kind::kInt, false, {}, "boosting rounds (default 100)"},
        {"early_stopping", Kind::kInt, false, {}, "stop after N rounds without improvement on valid"},
        {"eval_train", Kind::kBool, false, {}, "also score the train split every round (default false: it costs as much as a tree)"},
        {"monotone", Kind::kMap, false, {}, "COLUMN: increasing | decreasing, by name (XGBoost's monotone_constraints after the transforms)"},
        {"interactions", Kind::kList, false, {}, "lists of columns that may interact, e.g. [[PAY_0, PAY_2], [LIMIT_BAL, AGE]] (a one-hot column stands for all its columns)"},
    };
    return s;
  }
  Task task(const json& step) const override { return task_of_objective(objective_of(step)); }

  void validate(const json& step, const std::string& path, const ConfigChecker& check) const override {
    check_named_constraints(step, path, check);
    for (const char* k : {"rounds", "early_stopping"})
      if (step.contains(k) && step[k].is_number_integer() && step[k].get<long long>() < 1)
        check.fail_value(child_path(path, k), std::string(k) + " must be at least 1");
    if (!step.contains("params") || !step["params"].is_object()) return;
    std::string ppath = child_path(path, "params");
    for (const auto& [k, v] : step["params"].items()) {
      for (const auto& [bad, good] : misplaced_keys())
        if (k == bad)
          check.fail_key(child_path(ppath, k), "'" + k + "' is not a booster parameter: write `" +
                                                   good + ":` at the step level, beside `params:`");
      bool scalar = v.is_primitive() && !v.is_null();
      if (v.is_array()) scalar = std::all_of(v.begin(), v.end(), [](const json& e) { return e.is_primitive(); });
      if (!scalar)
        check.fail_value(child_path(ppath, k), "xgboost parameter '" + k + "' must be a value or a list of values");
    }
    std::string obj = objective_of(step);
    if (obj == "multi:softmax")
      check.fail_value(child_path(ppath, "objective"),
                       "use multi:softprob: mlpipe records class probabilities (metrics, calibration, predict's columns); "
                       "the predicted class is the most probable one");
    else if (!starts_with(obj, "binary:") && !starts_with(obj, "reg:") && obj != "multi:softprob")
      check.fail_value(child_path(ppath, "objective"),
                       "objective '" + obj + "' is not supported yet; use binary:logistic, multi:softprob or a reg:* objective");
    if (step["params"].contains("num_class"))
      check.fail_key(child_path(ppath, "num_class"), "num_class comes from the label's classes (ingest label: {column: ..., classes: [...]}); leave it out");
    probe_parameters(step, ppath, check);
  }

  std::unique_ptr<Model> fit(const json& step, FeatureMatrix xt, const std::vector<float>& yt,
                             FeatureMatrix* xv, const std::vector<float>* yv,
                             TrainContext& ctx) const override {
    install_log_callback();  // this step's thread
    int rounds = int(step.value("rounds", 100));
    int patience = int(step.value("early_stopping", 0));
    if (patience > 0 && !xv)
      throw StepError("early_stopping needs a non-empty valid split (set fractions.valid in split)");
    // hist trees need only the binned values: the quantile DMatrix keeps those, not a copy of
    // the floats (1,000,000 x 20 rows: 160 MB less), and grows the same trees.
    if (!uses_hist(step)) xt.materialise();
    xgb::DMatrix dtrain = uses_hist(step) ? xgb::DMatrix::quantile(xt, yt, ctx.train_weights, max_bin(step), ctx.nthread)
                                          : xgb::DMatrix(xt, ctx.nthread);
    if (!uses_hist(step)) {
      dtrain.set_labels(yt);
      if (!ctx.train_weights.empty()) dtrain.set_weights(ctx.train_weights);
    }
    std::vector<float>().swap(xt.values);  // XGBoost holds its own copy: the floats are not read again (names are)
    std::unique_ptr<xgb::DMatrix> dvalid;
    // Metrics every round on valid (early stopping, learning curves); on train only when asked:
    // AUC over the train rows each round costs about as much as growing a tree.
    std::vector<DMatrixHandle> sets;
    std::vector<const char*> names;
    if (step.value("eval_train", false)) {
      sets.push_back(dtrain.get());
      names.push_back("train");
    }
    if (xv) {
      // A plain DMatrix even for hist: on a quantile one (binned on the train cuts) the metrics
      // are the same but XGBoost re-predicts it from scratch every round (training took 2.5x).
      dvalid = std::make_unique<xgb::DMatrix>(*xv, ctx.nthread);
      std::vector<float>().swap(xv->values);  // copied too
      dvalid->set_labels(*yv);
      if (!ctx.valid_weights.empty()) dvalid->set_weights(ctx.valid_weights);
      sets.push_back(dvalid->get());
      names.push_back("valid");
    }
    std::vector<DMatrixHandle> cached = {dtrain.get()};
    if (dvalid) cached.push_back(dvalid->get());
    xgb::Booster b(cached);
    size_t classes = task(step) == Task::kMulticlass ? ctx.classes : 0;
    if (task(step) == Task::kMulticlass && classes < 2)
      throw StepError("multi:softprob needs the label's classes: declare them on the ingest step (label: {column: NAME, classes: auto})");
    configure(b, step, ctx.nthread, ctx.seed, classes);
    json constraints = json::object();  // the positional form, recorded in the summary for review
    if (step.contains("monotone")) {
      constraints["monotone_constraints"] = xgb::monotone_constraints(step["monotone"], xt.names);
      b.set("monotone_constraints", constraints["monotone_constraints"].get<std::string>());
    }
    if (step.contains("interactions")) {
      constraints["interaction_constraints"] = xgb::interaction_constraints(step["interactions"], xt.names);
      b.set("interaction_constraints", constraints["interaction_constraints"].get<std::string>());
    }

    double best = NAN;
    int best_round = 0, rounds_run = 0;
    std::string stop_metric;
    std::vector<MetricPoint> best_points;  // the metrics of the round the model is cut to
    for (int i = 0; i < rounds; ++i) {
      if (ctx.check_stop) ctx.check_stop();
      crash_point("round");
      MLPIPE_XGB(XGBoosterUpdateOneIter(b.get(), i, dtrain.get()));
      rounds_run = i + 1;
      if (sets.empty()) continue;
      const char* out = nullptr;
      MLPIPE_XGB(XGBoosterEvalOneIter(b.get(), i, sets.data(), names.data(), sets.size(), &out));
      std::vector<MetricPoint> pts = xgb::parse_eval_line(out, i + 1);
      if (!xv) {
        if (ctx.record_metrics) ctx.record_metrics(pts);
        continue;
      }
      const MetricPoint* last = nullptr;  // XGBoost's convention: stop on the last metric of valid
      for (const auto& p : pts)
        if (p.split == "valid") last = &p;
      if (!last) {
        if (ctx.record_metrics) ctx.record_metrics(pts);
        continue;
      }
      stop_metric = last->key;
      bool better = std::isnan(best) ||
                    (xgb::metric_maximizes(last->key) ? last->value > best : last->value < best);
      if (better) {
        best = last->value;
        best_round = i + 1;
        best_points = pts;
      }
      // The progress line's bound: the rounds left if nothing improves any more.
      if (patience > 0 && ctx.expect_iterations) ctx.expect_iterations(std::min(rounds, best_round + patience));
      if (ctx.record_metrics) ctx.record_metrics(pts);
      if (!better && patience > 0 && i + 1 - best_round >= patience) break;
    }
    json summary = {{"rounds_run", rounds_run}};
    summary.update(constraints);
    bool early = patience > 0 && best_round > 0 && best_round < rounds_run;
    if (early && ctx.record_metrics) {
      // The final values are the kept model's: those of the best round, not of the last one run
      // (final points, iteration NULL, are what runs show, compare and sweeps read).
      for (auto& p : best_points) p.iteration = std::nullopt;
      ctx.record_metrics(best_points);
    }
    summary["best_iteration"] = early ? best_round : rounds_run;
    summary["early_stopped"] = early;
    if (!stop_metric.empty()) summary["valid_" + stop_metric + "_best"] = best;
    // The final model keeps the best rounds only, and none of the training matrices.
    std::unique_ptr<XgbModel> model;
    if (early) {
      BoosterHandle sliced = nullptr;
      MLPIPE_XGB(XGBoosterSlice(b.get(), 0, best_round, 1, &sliced));
      xgb::Booster owned = xgb::Booster::adopt(sliced);
      model = std::make_unique<XgbModel>(xgb::Booster::from_json(owned.save_json()), task(step), summary, classes);
    } else {
      model = std::make_unique<XgbModel>(xgb::Booster::from_json(b.save_json()), task(step), summary, classes);
    }
    if (ctx.record_metrics && !xt.names.empty()) {  // for reports and SQL: importance.gain.<feature>
      std::vector<MetricPoint> pts;
      for (const auto& [name, gain] : model->gain_importance(xt.names)) pts.push_back({"importance.gain." + name, "", std::nullopt, gain});
      ctx.record_metrics(pts);
    }
    return model;
  }

  bool reads_rows_in_batches(const json& step) const override { return uses_hist(step); }

  std::unique_ptr<Model> load(const fs::path& file, const json&) const override {
    xgb::Booster b = xgb::Booster::from_json(read_file(file));
    json cfg = json::parse(b.config_json());
    std::string obj = cfg["learner"]["objective"]["name"].get<std::string>();
    size_t classes = 0;
    if (task_of_objective(obj) == Task::kMulticlass)
      classes = size_t(std::stoul(cfg["learner"]["learner_model_param"]["num_class"].get<std::string>()));
    return std::make_unique<XgbModel>(std::move(b), task_of_objective(obj), json::object(), classes);
  }

 private:
  // monotone: {NAME: increasing|decreasing} and interactions: [[NAME, ...], ...]; whether each
  // name is a feature is known after the transforms (check_train and fit say).
  static void check_named_constraints(const json& step, const std::string& path, const ConfigChecker& check) {
    bool positional_mono = step.contains("params") && step["params"].is_object() && step["params"].contains("monotone_constraints");
    bool positional_inter = step.contains("params") && step["params"].is_object() && step["params"].contains("interaction_constraints");
    if (step.contains("monotone")) {
      if (positional_mono)
        check.fail_key(child_path(child_path(path, "params"), "monotone_constraints"),
                       "give monotone constraints once: `monotone:` by name, or params.monotone_constraints by position");
      for (const auto& [name, how] : step["monotone"].items()) {
        std::string h = how.is_string() ? how.get<std::string>() : "";
        const auto& dirs = xgb::monotone_directions();
        if (std::find(dirs.begin(), dirs.end(), h) == dirs.end())
          check.fail_value(child_path(child_path(path, "monotone"), name),
                           "monotone direction must be increasing or decreasing, got " + describe(how) +
                               (h.empty() ? std::string() : did_you_mean(h, dirs)));
      }
    }
    if (step.contains("interactions")) {
      if (positional_inter)
        check.fail_key(child_path(child_path(path, "params"), "interaction_constraints"),
                       "give interaction constraints once: `interactions:` by name, or params.interaction_constraints by position");
      const json& groups = step["interactions"];
      for (size_t g = 0; g < groups.size(); ++g) {
        bool ok = groups[g].is_array() && !groups[g].empty() &&
                  std::all_of(groups[g].begin(), groups[g].end(), [](const json& e) { return e.is_string(); });
        if (!ok)
          check.fail_value(child_path(child_path(path, "interactions"), std::to_string(g)),
                           "each entry of interactions is a list of column names, e.g. [PAY_0, PAY_2]; got " + describe(groups[g]));
      }
    }
  }

  // Trains one round on a tiny matrix with the user's parameters so that XGBoost itself reports
  // values it rejects and parameters it does not know; both become config errors here.
  void probe_parameters(const json& step, const std::string& ppath, const ConfigChecker& check) const {
    install_log_callback();  // the warnings it looks for come through it
    FeatureMatrix x;
    x.rows = 8;
    x.cols = 2;
    x.names = {"a", "b"};
    for (int i = 0; i < 16; ++i) x.values.push_back(float(i % 5));
    std::vector<float> y = {0, 1, 0, 1, 1, 0, 1, 0};
    xgb::DMatrix d(x, 1);
    d.set_labels(y);
    xgb::Booster b(std::vector<DMatrixHandle>{d.get()});
    std::string captured;
    {
      std::lock_guard<std::mutex> lock(g_log_mu);
      g_capture = &captured;
    }
    struct Release {
      ~Release() {
        std::lock_guard<std::mutex> lock(g_log_mu);
        g_capture = nullptr;
      }
    } release;
    auto one_round = [&](const json& st, xgb::Booster& booster) {
      booster.set("validate_parameters", "1");
      configure(booster, st, 1, 0, 2);
      MLPIPE_XGB(XGBoosterUpdateOneIter(booster.get(), 0, d.get()));
    };
    try {
      one_round(step, b);
    } catch (const StepError& e) {
      std::string msg = xgb_message(e.what());
      // Point at the parameter XGBoost names, or whose value it quotes; else find it by trying
      // each parameter alone (with the objective), the first one rejected is the one.
      std::string where, name;
      for (const auto& [k, v] : step["params"].items())
        if (msg.find(" " + k + " ") != std::string::npos || msg.find("'" + param_text(v) + "'") != std::string::npos) {
          where = child_path(ppath, k);
          name = k;
        }
      if (where.empty())
        for (const auto& [k, v] : step["params"].items()) {
          json alone = step;
          alone["params"] = json::object();
          if (step["params"].contains("objective")) alone["params"]["objective"] = step["params"]["objective"];
          alone["params"][k] = v;
          xgb::Booster single(std::vector<DMatrixHandle>{d.get()});
          try {
            one_round(alone, single);
          } catch (const StepError& e2) {
            where = child_path(ppath, k);
            name = k;
            msg = xgb_message(e2.what());
            break;
          }
        }
      check.fail_value(where.empty() ? ppath : where,
                       "XGBoost rejected " + (name.empty() ? std::string("the parameters") : name + ": " + param_text(step["params"][name])) +
                           ": " + msg);
    }
    std::vector<std::string> unused = xgb::parse_unused_parameters(captured);
    if (unused.empty()) return;
    std::vector<std::string> known = known_parameter_names(b);
    const std::string& bad = unused.front();
    std::string where = step["params"].contains(bad) ? child_path(ppath, bad) : ppath;
    check.fail_key(where, "unknown xgboost parameter '" + bad + "'" + did_you_mean(bad, known) +
                              " (XGBoost reports it as not used)");
  }

  static std::string first_line(const std::string& s) {
    auto nl = s.find('\n');
    return nl == std::string::npos ? s : s.substr(0, nl);
  }

  // XGBoost's reason without its wrapping: "xgboost: XGBoosterUpdateOneIter: [13:00:01]
  // ./src/common/common.h:239: XGBoost version not compiled with GPU support." -> the last part.
  static std::string xgb_message(const std::string& raw) {
    std::string s = first_line(raw);
    if (s.rfind("xgboost: ", 0) == 0) {  // "xgboost: XGBoosterUpdateOneIter: ..."
      size_t fn = s.find(": ", 9);
      if (fn != std::string::npos) s = s.substr(fn + 2);
    }
    size_t stamp = s.find("] ");
    if (stamp != std::string::npos) {
      size_t colon = s.find(": ", stamp + 2);  // after "file.h:239"
      if (colon != std::string::npos) s = s.substr(colon + 2);
    }
    return s;
  }

  static void collect_keys(const json& j, std::vector<std::string>& out) {
    if (!j.is_object()) return;
    for (const auto& [k, v] : j.items()) {
      if (v.is_string()) out.push_back(k);
      collect_keys(v, out);
    }
  }

  static std::vector<std::string> known_parameter_names(const xgb::Booster& b) {
    std::vector<std::string> out = {"eval_metric", "learning_rate", "random_state", "reg_lambda", "reg_alpha"};
    collect_keys(json::parse(b.config_json()), out);
    return out;
  }
};

}  // namespace

std::unique_ptr<Trainer> make_xgboost_trainer() { return std::make_unique<XgbTrainer>(); }

}  // namespace mlpipe
