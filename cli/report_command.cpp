#include <iostream>

#include "cli/commands.h"
#include "core/report/html_report.h"
#include "core/report/model_card.h"
#include "core/util/error.h"
#include "core/store/run_views.h"
#include "core/util/atomic_file.h"

namespace mlpipe::cli {

void add_report(CLI::App& app, int& exit_code) {
  struct Opts {
    std::vector<std::string> runs;
    std::string store, out;
    bool card = false, json = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand(
      "report", "One self-contained HTML file about a run (or runs side by side): curves, ROC/PR, calibration, importance");
  cmd->add_option("runs", o->runs, "Run id(s), or 'latest'; several runs are compared")->required()->expected(1, -1);
  cmd->add_option("-o,--output", o->out, "HTML file to write (default: report-RUN.html; - for standard output)");
  cmd->add_flag("--card", o->card,
                "The model card (validation pack) of one run: intended use, lineage, performance by segment, fairness, calibration, "
                "stability, reason-code importance, limitations, approvals; -o NAME.md writes Markdown");
  cmd->footer("Examples:\n  mlpipe report latest\n  mlpipe report 3 4 -o compare.html\n  mlpipe report 3 --card -o card.html   (and -o card.md)");
  add_store_option(cmd, o->store);
  cmd->add_flag("--json", o->json, "Print {output, bytes, runs} on stdout");
  cmd->callback([o, &exit_code] {
    Db db = open_store_readonly(existing_store(o->store).db());
    std::vector<int64_t> ids;
    for (const auto& r : o->runs) ids.push_back(resolve_run_id(db, r));
    std::string out = o->out;
    if (o->card && ids.size() != 1) throw ConfigError("--card describes one run; got " + std::to_string(ids.size()));
    if (out.empty()) {
      out = o->card ? "card" : "report";
      for (int64_t id : ids) out += "-" + std::to_string(id);
      out += ".html";
    }
    bool markdown = out.size() > 3 && out.compare(out.size() - 3, 3, ".md") == 0;
    if (markdown && !o->card) throw ConfigError("-o " + out + ": Markdown is for the model card (--card); the report is HTML");
    std::string text;
    if (o->card) {
      ModelCard card = build_model_card(db, ids.front());
      text = markdown ? card_markdown(card) : card_html(card);
    } else {
      text = build_report(db, ids);
    }
    write_output(out, text);
    if (o->json) std::cout << nlohmann::ordered_json{{"output", out}, {"bytes", text.size()}, {"runs", ids}}.dump(2) << "\n";
    std::cerr << "mlpipe: wrote " << out << " (" << text.size() / 1024 << " KiB)\n";
    exit_code = 0;
  });
}

}  // namespace mlpipe::cli
