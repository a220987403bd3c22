#include "core/report/model_card.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/report/html_parts.h"
#include "core/report/html_report.h"
#include "core/report/segment_tables.h"
#include "core/report/svg_chart.h"
#include "core/store/card_queries.h"
#include "core/store/report_queries.h"
#include "core/util/strings.h"

using nlohmann::json;

namespace mlpipe {
namespace {

constexpr double kSmallGroup = 30;  // rows below which a group's metrics are flagged as unreliable

CardBlock text(const std::string& t) { return CardBlock{t, false, {}, "", {}}; }
CardBlock table(QueryResult t) {
  CardBlock b;
  b.is_table = true;
  b.table = std::move(t);
  return b;
}
CardBlock chart(const std::string& svg) {
  CardBlock b;
  b.html = svg;
  return b;
}
CardBlock list(std::vector<std::string> items) {
  CardBlock b;
  b.items = std::move(items);
  return b;
}

// Floats as format_for_people (a reviewer compares values, not 16 digits); counts as integers.
QueryResult rounded(QueryResult t) {
  for (auto& row : t.rows)
    for (auto& c : row)
      if (c.is_number_float()) {
        double v = c.get<double>();
        c = v > 1 && v < 1e15 && v == std::floor(v) ? json(int64_t(v)) : json(format_for_people(v));
      }
  return t;
}

std::vector<std::string> fairness_columns_of(const json& config) {
  std::vector<std::string> out;
  if (!config.contains("steps") || !config["steps"].is_object()) return out;
  for (const auto& [name, step] : config["steps"].items()) {
    if (!step.is_object() || step.value("type", "") != "evaluate" || !step.contains("fairness")) continue;
    const json& f = step["fairness"];
    if (f.is_string()) out.push_back(f);
    else if (f.is_array())
      for (const auto& c : f)
        if (c.is_string()) out.push_back(c);
  }
  return out;
}

}  // namespace

ModelCard build_model_card(Db& db, int64_t run) {
  RunFacts facts = run_facts(db, run);
  json config = json::parse(facts.config_json, nullptr, false);
  ModelCard card;
  card.title = "Model card: " + facts.pipeline + ", run " + std::to_string(run);
  QueryResult registered = registered_by_run(db, run);

  {  // Intended use
    CardSection s{"Intended use", {}};
    s.blocks.push_back(text(facts.description.empty()
                                ? "No intended use stated: add `description:` to the pipeline (what the model decides, for whom, and where it must not be used)."
                                : facts.description));
    QueryResult t;
    t.columns = {"pipeline", "run", "status", "started", "by", "registered as"};
    std::string as;
    for (const auto& r : registered.rows) as += (as.empty() ? "" : ", ") + r[0].get<std::string>() + " v" + std::to_string(r[1].get<int64_t>());
    t.rows.push_back({facts.pipeline, run, facts.status, facts.started_at,
                      facts.user + (facts.host.empty() ? "" : "@" + facts.host), as.empty() ? json("not registered") : json(as)});
    s.blocks.push_back(table(t));
    card.sections.push_back(s);
  }
  {  // Data lineage
    CardSection s{"Data lineage", {}};
    QueryResult inputs = run_inputs(db, run);
    s.blocks.push_back(inputs.rows.empty() ? text("No input files recorded.") : table(inputs));
    std::string code = !facts.git_known ? "the pipeline is not in a git repository: the code version is mlpipe " + facts.mlpipe_version + " only"
                       : facts.git_dirty ? "git commit " + facts.git_commit + " WITH UNCOMMITTED CHANGES (the code that ran is not in any commit)"
                                         : "git commit " + facts.git_commit + " (clean working tree)";
    s.blocks.push_back(list({"Code: " + code, "Config hash: " + facts.config_hash + " (the resolved pipeline, overrides included)",
                             "mlpipe " + facts.mlpipe_version + "; `mlpipe reproduce " + std::to_string(run) + "` re-runs it and compares every hash"}));
    card.sections.push_back(s);
  }
  std::vector<SegmentTables> segments = segment_tables(db, run);
  {  // Performance
    CardSection s{"Performance", {}};
    QueryResult m = evaluation_metrics(db, run);
    s.blocks.push_back(m.rows.empty() ? text("No evaluate step recorded metrics in this run.") : table(rounded(m)));
    for (const auto& st : segments)
      for (const auto& t : st.by_column) {
        s.blocks.push_back(text("By " + t.columns[0] + " (" + st.title + "):"));
        s.blocks.push_back(table(t));
      }
    card.sections.push_back(s);
  }
  {  // Fairness
    CardSection s{"Fairness", {}};
    bool any = false;
    for (const auto& st : segments)
      if (!st.fairness.rows.empty()) {
        any = true;
        s.blocks.push_back(text(st.title + ". " + kFairnessNote));
        s.blocks.push_back(table(st.fairness));
      }
    if (!any) s.blocks.push_back(text("No fairness measures recorded: add `segments:` and `fairness:` (the protected columns) to the evaluate step."));
    card.sections.push_back(s);
  }
  {  // Calibration
    CardSection s{"Calibration", {}};
    QueryResult all = evaluation_metrics(db, run), cal;
    cal.columns = all.columns;
    for (const auto& r : all.rows) {
      std::string k = r[2].get<std::string>();
      if (k == "brier" || k == "ece" || k == "uncalibrated.brier" || k == "uncalibrated.ece") cal.rows.push_back(r);
    }
    if (steps_of_type(db, run, "calibrate").empty())
      s.blocks.push_back(text("No calibrate step: the scores are the model's own. The curve shows how far they are from observed rates."));
    else
      s.blocks.push_back(text("Calibrated (`uncalibrated.*` are the values before calibration)."));
    if (!cal.rows.empty()) s.blocks.push_back(table(rounded(cal)));
    std::string svg = reliability_chart(db, run);
    if (!svg.empty()) s.blocks.push_back(chart(svg));
    card.sections.push_back(s);
  }
  {  // Stability
    CardSection s{"Stability", {}};
    std::vector<std::string> drift = steps_of_type(db, run, "drift");
    if (drift.empty())
      s.blocks.push_back(text("No drift step in this run: a monitoring pipeline with `type: drift, reference: NAME@champion` measures the PSI of "
                              "each input and of the score against this model's training data."));
    for (const auto& step : drift) {
      QueryResult t;
      t.columns = {"feature", "PSI", "KS"};
      for (const DriftRow& d : drift_rows(db, run, step)) t.rows.push_back({d.feature, d.psi, d.ks ? json(*d.ks) : json()});
      s.blocks.push_back(text("Drift step " + step + ":"));
      s.blocks.push_back(table(rounded(t)));
    }
    card.sections.push_back(s);
  }
  std::vector<Importance> importance = contribution_importances(db, run);
  {  // Reason codes
    CardSection s{"Reason codes: global importance", {}};
    if (importance.empty()) {
      s.blocks.push_back(text("No contribution importance recorded (evaluate records it for XGBoost and sequence models unless importance_rows: 0)."));
    } else {
      QueryResult t;
      t.columns = {"step", "column", "mean |contribution|"};
      for (size_t i = 0; i < importance.size() && i < 25; ++i)
        t.rows.push_back({importance[i].step, importance[i].feature, format_fixed(importance[i].gain, 4)});
      s.blocks.push_back(text("The mean absolute contribution of each input column to the model's margin over the evaluated rows: what "
                              "`mlpipe predict --explain K` ranks as each decision's reasons."));
      s.blocks.push_back(table(t));
    }
    card.sections.push_back(s);
  }
  {  // Limitations
    CardSection s{"Limitations", {}};
    std::vector<std::string> items = facts.limitations;
    std::set<std::string> inputs;
    for (const auto& i : importance) inputs.insert(i.feature);
    for (const auto& c : fairness_columns_of(config))
      if (inputs.count(c))
        items.push_back("The protected column " + c + " is a model input: decisions may depend on it directly (leave it out with `exclude:` on the train step and keep it in `segments:`).");
    for (const auto& m : segment_metrics(db, run))
      if (m.metric == "rows" && m.value < kSmallGroup)
        items.push_back("Group " + m.column + "=" + m.group + " has " + std::to_string(int64_t(m.value)) + " row(s) in " + m.step +
                        ": its metrics and rates are not reliable.");
    if (facts.git_known && facts.git_dirty) items.push_back("The code had uncommitted changes when the model was trained.");
    if (!facts.git_known) items.push_back("The pipeline's folder is not a git repository: the code is identified by the mlpipe version only.");
    if (facts.status != "ok") items.push_back("The run ended " + facts.status + ".");
    if (segments.empty()) items.push_back("No performance by segment was measured.");
    if (items.empty()) items.push_back("None recorded: add `limitations:` to the pipeline for what the data cannot show.");
    s.blocks.push_back(list(items));
    card.sections.push_back(s);
  }
  {  // Registry
    CardSection s{"Registry and approvals", {}};
    QueryResult h = registry_history(db, run);
    if (registered.rows.empty()) {
      s.blocks.push_back(text("This run registered no model (add `register: NAME` to its export step)."));
    } else {
      s.blocks.push_back(text("Every registration and promotion of the model names this run registered, with who did it and when:"));
      s.blocks.push_back(table(h));
    }
    card.sections.push_back(s);
  }
  return card;
}

namespace {
// Escaped text with `code` spans set as <code>.
std::string html_text(const std::string& t) {
  std::string e = html_escape(t), out;
  bool open = false;
  for (char c : e) {
    if (c == '`') {
      out += open ? "</code>" : "<code>";
      open = !open;
    } else {
      out += c;
    }
  }
  if (open) out += "</code>";
  return out;
}
}  // namespace

std::string card_html(const ModelCard& card) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + html_escape(card.title) +
                    "</title><style>" + std::string(report_style()) + "</style></head><body>\n<h1>" + html_escape(card.title) + "</h1>\n";
  for (const auto& s : card.sections) {
    out += "<h2>" + html_escape(s.title) + "</h2>\n";
    for (const auto& b : s.blocks) {
      if (b.is_table) out += table_html(b.table) + "\n";
      else if (!b.html.empty()) out += "<div class=\"charts\">" + b.html + "</div>\n";
      else if (!b.items.empty()) {
        out += "<ul>";
        for (const auto& i : b.items) out += "<li>" + html_text(i) + "</li>";
        out += "</ul>\n";
      } else out += "<p>" + html_text(b.text) + "</p>\n";
    }
  }
  return out + "<p class=\"note\">Written by mlpipe from the run store. Self-contained: no scripts, no network.</p>\n</body></html>\n";
}

namespace {
std::string md_cell(const json& v) {
  std::string s = cell_text(v);
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += " ";
    else out += c;
  }
  return out;
}
}  // namespace

std::string card_markdown(const ModelCard& card) {
  std::string out = "# " + card.title + "\n";
  for (const auto& s : card.sections) {
    out += "\n## " + s.title + "\n\n";
    for (const auto& b : s.blocks) {
      if (b.is_table) {
        out += "|";
        for (const auto& c : b.table.columns) out += " " + md_cell(c) + " |";
        out += "\n|";
        for (size_t i = 0; i < b.table.columns.size(); ++i) out += "---|";
        out += "\n";
        for (const auto& row : b.table.rows) {
          out += "|";
          for (const auto& c : row) out += " " + md_cell(c) + " |";
          out += "\n";
        }
        out += "\n";
      } else if (!b.html.empty()) {
        out += "(The reliability chart is in the HTML card.)\n\n";
      } else if (!b.items.empty()) {
        for (const auto& i : b.items) out += "- " + i + "\n";
        out += "\n";
      } else {
        out += b.text + "\n\n";
      }
    }
  }
  return out;
}

}  // namespace mlpipe
