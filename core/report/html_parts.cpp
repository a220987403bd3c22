#include "core/report/html_parts.h"

#include "core/report/svg_chart.h"
#include "core/util/strings.h"

using nlohmann::json;

namespace mlpipe {
namespace {

const char* kStyle = R"css(
body { font-family: sans-serif; margin: 24px; color: #222; max-width: 1500px; }
h1 { font-size: 22px; } h2 { font-size: 18px; border-bottom: 1px solid #ccc; padding-bottom: 4px; margin-top: 28px; }
h3 { font-size: 15px; margin: 14px 0 6px; }
table { border-collapse: collapse; font-size: 12px; margin: 6px 0; display: block; max-width: 100%; overflow-x: auto; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.differs td { background: #fff6db; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
.chart { border: 1px solid #eee; background: #fff; }
.status-ok { color: #1a7f37; } .status-failed, .status-gate_failed, .status-interrupted { color: #c62828; }
pre { background: #f7f7f7; padding: 8px; font-size: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
svg.chart { max-width: 100%; height: auto; }
.note { color: #777; font-size: 12px; }
)css";

}  // namespace

const char* report_style() { return kStyle; }

std::string cell_text(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) return format_for_people(v.get<double>());
  return v.dump();
}

std::string run_label(int64_t run) { return "run " + std::to_string(run); }

std::string table_html(const QueryResult& r, size_t skip_column) {
  std::string out = "<table><tr>";
  for (size_t c = 0; c < r.columns.size(); ++c)
    if (c != skip_column) out += "<th>" + html_escape(r.columns[c]) + "</th>";
  out += "</tr>";
  for (const auto& row : r.rows) {
    bool differs = skip_column == SIZE_MAX && row.size() > 1 && row[1] == "*";
    out += differs ? "<tr class=\"differs\">" : "<tr>";
    for (size_t c = 0; c < row.size(); ++c)
      if (c != skip_column)
        out += std::string(row[c].is_number() ? "<td class=\"num\">" : "<td>") + html_escape(cell_text(row[c])) + "</td>";
    out += "</tr>";
  }
  return out + "</table>";
}

}  // namespace mlpipe
