#pragma once
// Feature transforms: each is fitted on the fit rows of the table as it stands after the previous
// transforms, then applied to every row. The fitted list is plain JSON, so `mlpipe predict`
// replays exactly the same arithmetic on new data.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/config/schema.h"
#include "core/data/table.h"

namespace mlpipe {

// Ops: standardize, min_max, log1p, clip, fill_missing, one_hot, ratio, drop.
const std::vector<std::string>& transform_ops();

// Checks `transforms:` (a list of maps) at config time; `path` locates it in the source.
void check_transforms(const nlohmann::json& specs, const std::string& path,
                      const ConfigChecker& check);

// Fits the specs in order on `fit_rows`, transforming `t` as it goes; returns the fitted list.
// `protected_cols` (label, id) are never matched by a glob and may not be transformed.
nlohmann::json fit_transforms(const nlohmann::json& specs, Table& t,
                              const std::vector<uint32_t>& fit_rows,
                              const std::vector<std::string>& protected_cols);

// Applies an already-fitted list to a table (prediction time).
void apply_transforms(const nlohmann::json& fitted, Table& t);

}  // namespace mlpipe
