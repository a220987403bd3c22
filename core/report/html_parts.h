#pragma once
// Pieces the HTML report and the model card share: the style sheet and tables of query results.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/store/query.h"

namespace mlpipe {

const char* report_style();  // inline CSS
// A cell as text: "" for null, numbers with format_double.
std::string cell_text(const nlohmann::json& v);
std::string run_label(int64_t run);  // "run 3"
// An HTML table (escaped); rows whose second cell is "*" are highlighted as differing, unless a
// column is skipped.
std::string table_html(const QueryResult& r, size_t skip_column = SIZE_MAX);

}  // namespace mlpipe
