#include "core/util/mean_sd.h"
#include "core/report/html_report.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "core/data/csv_reader.h"
#include "core/metrics/curves.h"
#include "core/metrics/metrics.h"
#include "core/report/html_parts.h"
#include "core/report/segment_tables.h"
#include "core/report/svg_chart.h"
#include "core/store/run_compare.h"
#include "core/store/report_queries.h"
#include "core/util/hash.h"
#include "core/util/strings.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace mlpipe {
namespace {


// Learning curves: one chart per (step, metric), a line per split (and per run when comparing).
std::string learning_curves(Db& db, const std::vector<int64_t>& runs) {
  struct Key {
    std::string step, key;
    bool operator<(const Key& o) const { return std::tie(step, key) < std::tie(o.step, o.key); }
  };
  std::map<Key, std::vector<ChartSeries>> charts;
  std::map<Key, double> best;  // the best iteration of a single run's train step
  for (size_t ri = 0; ri < runs.size(); ++ri) {
    std::map<std::tuple<std::string, std::string, std::string>, ChartSeries> series;
    for (MetricCurve& c : metric_curves(db, runs[ri])) {
      auto& cs = series[{c.step, c.key, c.split}];
      cs.x = std::move(c.iteration);
      cs.y = std::move(c.value);
    }
    for (auto& [k, cs] : series) {
      const auto& [step, key, split] = k;
      cs.name = (runs.size() > 1 ? run_label(runs[ri]) + " " : std::string()) + (split.empty() ? key : split);
      cs.dashed = split == "train";
      static const char* run_colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};
      if (runs.size() > 1) cs.color = run_colors[ri % 6];
      else cs.color = split == "train" ? "#1f77b4" : split == "valid" ? "#d62728" : "";
      if (runs.size() == 1)
        for (const char* b : {"best_iteration", "best_epoch"})
          if (std::optional<double> v = latest_value(db, runs[ri], step, b)) best[{step, key}] = *v;
      charts[{step, key}].push_back(std::move(cs));
    }
  }
  if (charts.empty()) return "<p class=\"note\">No per-iteration metrics were recorded.</p>";
  std::string out = "<div class=\"charts\">";
  for (auto& [k, series] : charts) {
    ChartSpec spec;
    spec.title = k.step + ": " + k.key;
    spec.x_label = "iteration";
    spec.y_label = k.key;
    // The y-range leaves out the first 5% of iterations: iteration 1's loss would flatten the rest.
    double lo = INFINITY, hi = -INFINITY, last = 0;
    for (const auto& s : series)
      for (double x : s.x) last = std::max(last, x);
    for (const auto& s : series)
      for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
        if (s.x[i] > last * 0.05 && std::isfinite(s.y[i])) {
          lo = std::min(lo, s.y[i]);
          hi = std::max(hi, s.y[i]);
        }
    if (lo < hi) {
      spec.y_min = lo - (hi - lo) * 0.05;
      spec.y_max = hi + (hi - lo) * 0.05;
    }
    if (best.count(k)) {
      spec.marker_x = best[k];
      spec.marker_label = "best " + format_double(best[k]);
    }
    for (auto& s : series) s = ChartSeries{s.name, thin(Curve{s.x, s.y}, 400).x, thin(Curve{s.x, s.y}, 400).y, s.color, s.dashed};
    out += line_chart(spec, series);
  }
  return out + "</div>";
}

struct Scored {
  int64_t run = 0;
  std::string step, split, note;
  std::vector<double> y, score;
  std::vector<double> uncalibrated;  // a calibrated model's scores before calibration
  std::vector<double> champion;      // the champion's scores on the same rows (a champion gate)
  // A multi-class model's predictions (columns LABEL, class, score_*): the confusion matrix.
  std::vector<std::string> classes;
  std::vector<std::vector<size_t>> confusion;  // [true][predicted]
};

// The evaluate steps' predictions.csv files, checked against their recorded hashes.
std::vector<Scored> evaluated(Db& db, int64_t run) {
  std::vector<Scored> out;
  for (const PredictionsFile& f : evaluation_predictions(db, run)) {
    Scored sc;
    sc.run = run;
    sc.step = f.step;
    sc.split = f.split;
    const fs::path& path = f.path;
    if (!fs::is_regular_file(path)) {
      sc.note = "its predictions file is gone: " + path.string();
    } else if (hash_file(path) != f.content_hash) {
      sc.note = "its predictions file changed since the run: " + path.string();
    } else {
      Table t = read_csv(path, CsvOptions{});
      int cls = t.find("class");
      if (cls >= 1 && t.cols() > size_t(cls) + 1 && t.col(size_t(cls) + 1).name.rfind("score_", 0) == 0) {
        for (size_t c = size_t(cls) + 1; c < t.cols(); ++c) sc.classes.push_back(t.col(c).name.substr(6));
        sc.confusion.assign(sc.classes.size(), std::vector<size_t>(sc.classes.size(), 0));
        auto index = [&](const std::string& name) {
          return size_t(std::find(sc.classes.begin(), sc.classes.end(), name) - sc.classes.begin());
        };
        const Column& truth = t.col(size_t(cls) - 1);
        const Column& pred = t.col(size_t(cls));
        for (size_t r = 0; r < t.rows(); ++r) {
          size_t a = index(truth.text(r)), b = index(pred.text(r));
          if (a < sc.classes.size() && b < sc.classes.size()) ++sc.confusion[a][b];
        }
      } else if (t.find("score") >= 1) {  // ID?, LABEL, score, uncalibrated_score?, champion_score?
        size_t at = size_t(t.find("score"));
        const Column& label = t.col(at - 1);
        const Column& score = t.col(at);
        int uncal = t.find("uncalibrated_score"), champ = t.find("champion_score");
        for (size_t r = 0; r < t.rows(); ++r) {
          sc.y.push_back(label.as_double(r));
          sc.score.push_back(score.as_double(r));
          if (uncal >= 0) sc.uncalibrated.push_back(t.col(size_t(uncal)).as_double(r));
          if (champ >= 0) sc.champion.push_back(t.col(size_t(champ)).as_double(r));
        }
      }
    }
    out.push_back(std::move(sc));
  }
  return out;
}

bool is_binary(const std::vector<double>& y) {
  bool pos = false, neg = false;
  for (double v : y) {
    if (v != 0 && v != 1) return false;
    (v == 1 ? pos : neg) = true;
  }
  return pos && neg;
}

// A binary evaluate step at its threshold: the confusion matrix, and the calibration bins with
// their row counts (what the calibration curve's points stand on).
std::string threshold_table(Db& db, const Scored& sc, const std::string& name) {
  double threshold = 0.5;
  {
    Stmt s = db.prepare("SELECT value FROM params WHERE run_id = ? AND step = ? AND key = 'threshold'");
    s.bind(1, sc.run).bind(2, sc.step);
    if (s.step()) threshold = std::atof(s.text(0).c_str());
  }
  size_t tp = 0, fp = 0, fn = 0, tn = 0;
  for (size_t i = 0; i < sc.y.size(); ++i) {
    bool p = sc.score[i] >= threshold, a = sc.y[i] > 0.5;
    (p && a ? tp : p ? fp : a ? fn : tn) += 1;
  }
  QueryResult t;
  t.columns = {"actual \\ predicted (score >= " + format_double(threshold) + ")", "positive", "negative", "rows"};
  t.rows.push_back({"positive", json(tp), json(fn), json(tp + fn)});
  t.rows.push_back({"negative", json(fp), json(tn), json(fp + tn)});
  std::string out = "<h3>At the threshold " + html_escape(format_double(threshold)) + ": " + html_escape(name) + "</h3>" + table_html(t);
  std::vector<double> n(10, 0), sum_s(10, 0), sum_y(10, 0);  // the calibration curve's bins
  for (size_t i = 0; i < sc.y.size(); ++i) {
    if (std::isnan(sc.score[i])) continue;
    size_t b = std::min<size_t>(9, size_t(std::max(0.0, sc.score[i]) * 10));
    n[b] += 1;
    sum_s[b] += sc.score[i];
    sum_y[b] += sc.y[i] > 0.5 ? 1 : 0;
  }
  QueryResult bins;
  bins.columns = {"calibration bin", "rows", "mean score", "observed rate"};
  for (size_t b = 0; b < 10; ++b)
    if (n[b] > 0)
      bins.rows.push_back({format_fixed(double(b) / 10.0, 1) + "-" + format_fixed(double(b + 1) / 10.0, 1), json(int64_t(n[b])),
                           format_fixed(sum_s[b] / n[b], 4), format_fixed(sum_y[b] / n[b], 4)});
  return out + table_html(bins);
}

std::string evaluation_charts(Db& db, const std::vector<int64_t>& runs) {
  std::vector<Scored> all;
  std::string notes;
  for (int64_t run : runs)
    for (auto& sc : evaluated(db, run)) {
      if (!sc.note.empty()) notes += "<p class=\"note\">" + html_escape(run_label(run) + ", step " + sc.step + ": " + sc.note) + "</p>";
      else all.push_back(std::move(sc));
    }
  if (all.empty()) return notes + "<p class=\"note\">No evaluate step with predictions in " +
                         std::string(runs.size() > 1 ? "these runs" : "this run") + ".</p>";
  std::vector<ChartSeries> roc, pr, cal;
  std::string hists, regress, confusions, thresholds;
  for (const auto& sc : all) {
    std::string name = (runs.size() > 1 ? run_label(sc.run) + " " : std::string()) + sc.step +
                       (sc.split.empty() ? "" : " (" + sc.split + ")");
    if (!sc.classes.empty()) {  // rows: true class; columns: predicted class
      QueryResult t;
      t.columns = {"true \\ predicted"};
      for (const auto& c : sc.classes) t.columns.push_back(c);
      t.columns.push_back("rows");
      t.columns.push_back("recall");
      for (size_t a = 0; a < sc.classes.size(); ++a) {
        std::vector<json> row = {sc.classes[a]};
        size_t n = 0;
        for (size_t b = 0; b < sc.classes.size(); ++b) {
          row.push_back(sc.confusion[a][b]);
          n += sc.confusion[a][b];
        }
        row.push_back(n);
        row.push_back(n ? json(double(sc.confusion[a][a]) / double(n)) : json());
        t.rows.push_back(row);
      }
      confusions += "<h3>Confusion matrix: " + html_escape(name) + "</h3>" + table_html(t);
      continue;
    }
    if (!is_binary(sc.y)) {
      ChartSpec spec{"predicted against actual: " + name, "actual", "predicted"};
      spec.diagonal = true;
      Curve sample = thin(Curve{sc.y, sc.score}, 1500);
      ChartSeries pts{name, sample.x, sample.y, "", false};
      pts.scatter = true;
      regress += line_chart(spec, {pts});
      continue;
    }
    Curve r = thin(roc_curve(sc.y, sc.score), 500), p = thin(pr_curve(sc.y, sc.score), 500);
    roc.push_back({name + "  AUC " + format_fixed(roc_auc(sc.y, sc.score), 4), r.x, r.y, "", false});
    pr.push_back({name + "  AP " + format_fixed(pr_auc(sc.y, sc.score), 4), p.x, p.y, "", false});
    if (!sc.champion.empty()) {  // the champion on the same rows, dashed
      Curve cr = thin(roc_curve(sc.y, sc.champion), 500), cp = thin(pr_curve(sc.y, sc.champion), 500);
      roc.push_back({name + " champion  AUC " + format_fixed(roc_auc(sc.y, sc.champion), 4), cr.x, cr.y, "", true});
      pr.push_back({name + " champion  AP " + format_fixed(pr_auc(sc.y, sc.champion), 4), cp.x, cp.y, "", true});
    }
    thresholds += threshold_table(db, sc, name);
    Curve c = calibration_curve(sc.y, sc.score, 10);
    cal.push_back({name + (sc.uncalibrated.empty() ? "" : " calibrated"), c.x, c.y, "", false});
    if (!sc.uncalibrated.empty()) {
      Curve u = calibration_curve(sc.y, sc.uncalibrated, 10);
      cal.push_back({name + " before calibration", u.x, u.y, "", false});
    }
    ClassHistogram h = score_histogram(sc.y, sc.score, 30);
    ChartSpec hs{"score by class: " + name, "score", "share"};
    hists += histogram_chart(hs, h.edges, {ChartSeries{"negative (0)", {}, h.negative, "#1f77b4", false},
                                           ChartSeries{"positive (1)", {}, h.positive, "#d62728", false}});
  }
  std::string out = notes + "<div class=\"charts\">";
  if (!roc.empty()) {
    ChartSpec rs{"ROC", "false positive rate", "true positive rate", 0.0, 1.0, 0.0, 1.0, true};
    out += line_chart(rs, roc);
    ChartSpec ps{"precision-recall", "recall", "precision", 0.0, 1.0, 0.0, 1.0, false};
    out += line_chart(ps, pr);
    ChartSpec cs{"calibration (10 bins)", "mean predicted probability", "observed rate", 0.0, 1.0, 0.0, 1.0, true};
    out += line_chart(cs, cal);
  }
  return out + hists + regress + "</div>" + confusions + thresholds;
}

std::string importance_charts(Db& db, const std::vector<int64_t>& runs) {
  std::string out;
  for (int64_t run : runs) {
    std::map<std::string, std::vector<std::pair<std::string, double>>> by_step;
    for (const Importance& g : gain_importances(db, run)) by_step[g.step].emplace_back(g.feature, g.gain);
    std::map<std::string, std::vector<std::pair<std::string, double>>> by_evaluate;
    for (const Importance& g : contribution_importances(db, run)) by_evaluate[g.step].emplace_back(g.feature, g.gain);
    auto charts = [&](auto& groups, const std::string& what, const std::string& axis) {
      for (auto& [step, bars] : groups) {
        size_t total = bars.size();
        if (bars.size() > 25) bars.resize(25);
        out += bar_chart((runs.size() > 1 ? run_label(run) + " " : std::string()) + step + ": " + what +
                             (total > bars.size() ? " (top 25 of " + std::to_string(total) + ")" : ""),
                         axis, bars);
      }
    };
    charts(by_step, "gain", "average gain of the splits on the feature");
    charts(by_evaluate, "mean |contribution|", "mean |contribution| to the margin, by input column (what reason codes rank)");
  }
  if (out.empty()) return "<p class=\"note\">No feature importance recorded (XGBoost train steps record it).</p>";
  return "<div class=\"charts\">" + out + "</div>";
}

// Drift steps: PSI (and KS) per model input and on the score, against the reference's training data.
std::string drift_section(Db& db, const std::vector<int64_t>& runs) {
  std::string out;
  for (int64_t run : runs) {
    for (const std::string& step : steps_of_type(db, run, "drift")) {
      std::string title = (runs.size() > 1 ? run_label(run) + " " : std::string()) + step;
      std::vector<std::pair<std::string, double>> bars;
      QueryResult table;
      table.columns = {"feature", "PSI", "KS"};
      for (const DriftRow& d : drift_rows(db, run, step)) {
        bars.emplace_back(d.feature, d.psi);
        table.rows.push_back({d.feature, d.psi, d.ks ? json(*d.ks) : json()});
      }
      std::optional<double> ref = latest_value(db, run, step, "reference_version");
      out += "<h3>" + html_escape(title) + (ref ? " (against reference version " + std::to_string(int64_t(*ref)) + ")" : "") + "</h3>";
      if (bars.empty()) {
        out += "<p class=\"note\">Nothing measured: there was no reference yet.</p>";
        continue;
      }
      if (bars.size() > 25) bars.resize(25);
      out += "<div class=\"charts\">" + bar_chart(title + ": PSI", "population stability index (0.1 moderate, 0.25 large)", bars) +
             "</div>" + table_html(table);
    }
  }
  return out;
}

// Each gate next to what it compared: condition, value, the champion's value, the result.
std::string gates_section(Db& db, const std::vector<int64_t>& runs) {
  QueryResult t;
  t.columns = {"run", "step", "gate", "condition", "value", "champion", "result"};
  for (int64_t run : runs) {
    Stmt s = db.prepare(
        "SELECT p.step, substr(p.key, 6), p.value, (SELECT value FROM latest_metrics m WHERE m.run_id = p.run_id AND m.step = p.step"
        " AND m.key = substr(p.key, 6)), (SELECT value FROM latest_metrics m WHERE m.run_id = p.run_id AND m.step = p.step"
        " AND m.key = 'champion.' || substr(p.key, 6)), (SELECT value FROM latest_metrics m WHERE m.run_id = p.run_id"
        " AND m.step = p.step AND m.key = p.key) FROM params p JOIN steps st ON st.run_id = p.run_id AND st.step = p.step"
        " WHERE p.run_id = ? AND st.type = 'evaluate' AND p.key GLOB 'gate.*' ORDER BY p.step, p.key");
    s.bind(1, run);
    while (s.step()) {
      json cond = json::parse(s.text(2), nullptr, false);
      std::string result = s.is_null(5) ? "not checked" : s.real(5) > 0.5 ? "passed" : "FAILED";
      t.rows.push_back({run, s.text(0), s.text(1), cond.is_string() ? cond : json(s.text(2)), s.is_null(3) ? json() : json(s.real(3)),
                        s.is_null(4) ? json() : json(s.real(4)), result});
    }
  }
  return t.rows.empty() ? "" : table_html(t, runs.size() > 1 ? SIZE_MAX : 0);
}

// Where each run's model came from: its inputs' hashes, the model and bundle hashes, the
// registered version, the code.
std::string lineage_section(Db& db, const std::vector<int64_t>& runs) {
  std::string out;
  for (int64_t run : runs) {
    if (runs.size() > 1) out += "<h3>" + run_label(run) + "</h3>";
    QueryResult in = query_for_run(db, "SELECT step, path, rows, content_hash FROM inputs WHERE run_id = ? ORDER BY step, path", run);
    QueryResult files = query_for_run(
        db,
        "SELECT a.step, a.name, a.content_hash FROM artifacts a JOIN steps st ON st.run_id = a.run_id AND st.step = a.step"
        " WHERE a.run_id = ? AND ((st.type = 'train' AND a.name GLOB 'model.*') OR (st.type = 'export' AND a.name = 'manifest.json')"
        " OR st.type = 'calibrate') ORDER BY a.step, a.name",
        run);
    QueryResult reg = query_for_run(db, "SELECT name, version, content_hash FROM models WHERE run_id = ? ORDER BY name, version", run);
    QueryResult code = query_for_run(
        db, "SELECT coalesce(git_commit, 'not in git') || CASE WHEN git_dirty = 1 THEN ' (uncommitted changes)' ELSE '' END AS code, config_hash,"
            " mlpipe_version FROM runs WHERE run_id = ?", run);
    out += table_html(in) + table_html(files) + (reg.rows.empty() ? "" : table_html(reg)) + table_html(code);
  }
  return out;
}

// Segments and fairness of each evaluate step (core/report/segment_tables.h).
std::string segments_section(Db& db, const std::vector<int64_t>& runs) {
  std::string out;
  for (int64_t run : runs)
    for (const SegmentTables& st : segment_tables(db, run)) {
      out += "<h3>" + html_escape((runs.size() > 1 ? run_label(run) + " " : std::string()) + st.title) + "</h3>";
      if (!st.fairness.rows.empty()) out += "<p class=\"note\">" + html_escape(kFairnessNote) + "</p>" + table_html(st.fairness);
      for (const auto& t : st.by_column) out += table_html(t);
    }
  return out;
}

// A backtest parent: its folds, their windows and metrics, with mean and sd.
std::string backtest_section(Db& db, const std::vector<int64_t>& runs) {
  std::string out;
  for (int64_t run : runs) {
    std::optional<std::string> text = backtest_table(db, run);
    if (!text) continue;
    json folds = json::parse(*text);
    std::vector<std::string> keys = backtest_metric_keys(folds);
    QueryResult t;
    t.columns = {"fold", "run", "train", "test"};
    for (const auto& k : keys) t.columns.push_back(k);
    t.columns.push_back("status");
    std::vector<std::vector<double>> vals(keys.size());
    for (const auto& f : folds) {
      std::vector<json> row = {f["fold"], f["run"], f["train"]["from"].get<std::string>() + " .. " + f["train"]["until"].get<std::string>(),
                               f["test"]["from"].get<std::string>() + " .. " + f["test"]["until"].get<std::string>()};
      for (size_t i = 0; i < keys.size(); ++i) {
        bool has = f["metrics"].contains(keys[i]);
        row.push_back(has ? f["metrics"][keys[i]] : json());
        if (has) vals[i].push_back(f["metrics"][keys[i]].get<double>());
      }
      row.push_back(f["status"]);
      t.rows.push_back(row);
    }
    for (int sd = 0; sd < 2; ++sd) {
      std::vector<json> row = {sd ? "sd" : "mean", json(), json(), json()};
      for (const auto& v : vals) {
        MeanSd m = mean_sd(v);
        row.push_back(v.empty() ? json() : json(sd ? m.sd : m.mean));
      }
      row.push_back(json());
      t.rows.push_back(row);
    }
    out += (runs.size() > 1 ? "<h3>" + run_label(run) + "</h3>" : std::string()) + "<p class=\"note\">" +
           std::to_string(folds.size()) + " folds, each a child run up to its evaluate step.</p>" + table_html(t);
  }
  return out;
}

}  // namespace

std::string reliability_chart(Db& db, int64_t run) {
  std::vector<ChartSeries> cal;
  for (const auto& sc : evaluated(db, run)) {
    if (!sc.note.empty() || !sc.classes.empty() || !is_binary(sc.y)) continue;
    std::string name = sc.step + (sc.split.empty() ? "" : " (" + sc.split + ")");
    Curve c = calibration_curve(sc.y, sc.score, 10);
    cal.push_back({name + (sc.uncalibrated.empty() ? "" : " calibrated"), c.x, c.y, "", false});
    if (!sc.uncalibrated.empty()) {
      Curve u = calibration_curve(sc.y, sc.uncalibrated, 10);
      cal.push_back({name + " before calibration", u.x, u.y, "", false});
    }
  }
  if (cal.empty()) return "";
  ChartSpec cs{"calibration (10 bins)", "mean predicted probability", "observed rate", 0.0, 1.0, 0.0, 1.0, true};
  return line_chart(cs, cal);
}

std::string build_report(Db& db, const std::vector<int64_t>& runs) {
  std::string title;
  {
    title = runs.size() == 1 ? "mlpipe report: " + run_pipeline_name(db, runs.front()) + ", run " + std::to_string(runs.front())
                             : "mlpipe report: runs ";
    if (runs.size() > 1)
      for (size_t i = 0; i < runs.size(); ++i) title += (i ? ", " : "") + std::to_string(runs[i]);
  }
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + html_escape(title) +
                    "</title><style>" + std::string(report_style()) + "</style></head><body>\n<h1>" + html_escape(title) + "</h1>\n";

  out += "<h2>Runs</h2>";
  QueryResult summary;
  summary.columns = {""};
  std::vector<std::string> fields = {"pipeline", "status", "started_at", "duration_s", "exit_code", "git", "config_hash",
                                     "seed", "user", "host", "mlpipe_version", "error"};
  for (int64_t run : runs) summary.columns.push_back(run_label(run));
  std::vector<QueryResult> per_run;
  for (int64_t run : runs)
    per_run.push_back(run_overview(db, run));
  for (size_t f = 0; f < fields.size(); ++f) {
    std::vector<json> row = {fields[f]};
    for (const auto& r : per_run) row.push_back(r.rows.empty() ? json() : r.rows[0][f]);
    summary.rows.push_back(row);
  }
  out += table_html(summary);

  out += "<h2>Steps</h2>";
  for (int64_t run : runs) {
    if (runs.size() > 1) out += "<h3>" + run_label(run) + "</h3>";
    out += table_html(run_steps_table(db, run));
  }

  out += std::string("<h2>") + (runs.size() > 1 ? "Config differences and final metrics" : "Final metrics") + "</h2>";
  QueryResult cmp = compare_runs(db, runs, false);
  // Drop the run-description rows (shown above) and importance (charted below).
  QueryResult metrics_only;
  metrics_only.columns = cmp.columns;
  for (auto& row : cmp.rows) {
    std::string key = cell_text(row[0]);
    bool describe = key == "pipeline" || key == "status" || key == "started_at" || key == "duration_s" || key == "git" ||
                    key == "config_hash" || key == "overrides";
    // (segment metrics, METRIC.COLUMN=GROUP, and fairness measures have their own section)
    bool segment = key.find('=') != std::string::npos || key.find(".adverse_impact_ratio.") != std::string::npos ||
                   key.find("_difference.") != std::string::npos;
    if (!describe && !segment && key.find(".importance.gain.") == std::string::npos &&
        key.find(".importance.contribution.") == std::string::npos)
      metrics_only.rows.push_back(row);
  }
  out += table_html(metrics_only, runs.size() == 1 ? 1 : SIZE_MAX);

  if (std::string bt = backtest_section(db, runs); !bt.empty()) out += "<h2>Backtest</h2>" + bt;
  if (std::string g = gates_section(db, runs); !g.empty()) out += "<h2>Gates</h2>" + g;
  if (std::string sg = segments_section(db, runs); !sg.empty()) out += "<h2>Segments and fairness</h2>" + sg;
  out += "<h2>Lineage</h2>" + lineage_section(db, runs);
  out += "<h2>Learning curves</h2>" + learning_curves(db, runs);
  out += "<h2>Evaluation</h2>" + evaluation_charts(db, runs);
  out += "<h2>Feature importance</h2>" + importance_charts(db, runs);
  if (std::string drift = drift_section(db, runs); !drift.empty()) out += "<h2>Drift</h2>" + drift;

  out += "<h2>Config and environment</h2>";
  for (int64_t run : runs) {
    QueryResult cfg = run_config(db, run);
    std::string yaml = cfg.rows.empty() ? "" : cell_text(cfg.rows[0][0]);
    std::string overrides = cfg.rows.empty() ? "[]" : cell_text(cfg.rows[0][1]);
    out += "<details" + std::string(runs.size() == 1 ? " open" : "") + "><summary>" + run_label(run) +
           ": pipeline file as written" + (overrides == "[]" ? "" : ", with --set " + html_escape(overrides)) +
           "</summary><pre>" + html_escape(yaml) + "</pre></details>";
    out += "<details><summary>" + run_label(run) + ": environment</summary>" +
           table_html(run_environment(db, run)) + "</details>";
  }
  out += "<p class=\"note\">Written by mlpipe from the run store " + html_escape(db.path().is_postgres() ? db.path().string() : fs::absolute(db.path().file()).lexically_normal().string()) +
         ". Self-contained: no scripts, no network.</p>\n</body></html>\n";
  return out;
}

}  // namespace mlpipe
