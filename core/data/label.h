#pragma once
// A binary target from any label column: `label: {column: Class, positive: Bad}` makes the rows
// whose value equals `positive` 1 and every other value 0 (missing stays missing). The same
// mapping is replayed when scoring new files, so a text label ("Bad"/"Good", "yes"/"no") or a
// numeric code (German credit's 1/2) can be used as it is.
#include <nlohmann/json.hpp>
#include <string>

#include "core/data/table.h"

namespace mlpipe {

struct LabelSpec {
  std::string column;
  nlohmann::json positive;  // null: the column is already 0/1 (or a regression target)
  nlohmann::json classes;   // a multi-class target: a list of the values, or "auto"; null: none
};

// `label: NAME`, `label: {column: NAME, positive: VALUE}` or `label: {column: NAME, classes: [..]
// | auto}` (as checked by the ingest schema).
LabelSpec label_spec(const nlohmann::json& label);

struct LabelCounts {
  size_t positive = 0, negative = 0, missing = 0;
};

// Replaces `col` by its 0/1 version (numeric, NaN where missing). A text positive is compared
// with the text of categorical cells; a numeric one with numeric cells (or with text that reads
// as that number). Throws StepError naming `where` when no row has the positive value (unless
// `require_positive` is false: new data to score may have none).
LabelCounts binarize_label(Column& col, const nlohmann::json& positive, const std::string& where,
                           bool require_positive = true);

// Replaces `col` by class indexes 0..K-1 (numeric, NaN where missing) following `classes` (a
// list of values, or "auto": the distinct values, numbers in numeric order, else text order).
// Returns the class names in index order and, in `counts`, the rows per class. A value not
// among listed classes is an error naming `where` (or missing, with `strict` false: new data).
std::vector<std::string> encode_classes(Column& col, const nlohmann::json& classes, const std::string& where,
                                        std::vector<size_t>* counts = nullptr, bool strict = true);

}  // namespace mlpipe
