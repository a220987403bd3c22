#include <iostream>

#include "cli/commands.h"
#include "core/report/html_report.h"
#include "core/store/run_views.h"
#include "core/util/atomic_file.h"

namespace mlpipe::cli {

void add_report(CLI::App& app, int& exit_code) {
  struct Opts {
    std::vector<std::string> runs;
    std::string store, out;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand(
      "report", "One self-contained HTML file about a run (or runs side by side): curves, ROC/PR, calibration, importance");
  cmd->add_option("runs", o->runs, "Run id(s), or 'latest'; several runs are compared")->required()->expected(1, -1);
  cmd->add_option("-o,--output", o->out, "HTML file to write (default: report-RUN.html; - for standard output)");
  add_store_option(cmd, o->store);
  cmd->callback([o, &exit_code] {
    Db db = open_store_readonly(existing_store(o->store).db());
    std::vector<int64_t> ids;
    for (const auto& r : o->runs) ids.push_back(resolve_run_id(db, r));
    std::string out = o->out;
    if (out.empty()) {
      out = "report";
      for (int64_t id : ids) out += "-" + std::to_string(id);
      out += ".html";
    }
    std::string html = build_report(db, ids);
    write_output(out, html);
    std::cerr << "mlpipe: wrote " << out << " (" << html.size() / 1024 << " KiB)\n";
    exit_code = 0;
  });
}

}  // namespace mlpipe::cli
