#pragma once
// The built-in step types, one file each; registry.cpp lists them in one table.
#include <optional>

#include "core/data/csv_reader.h"
#include "core/data/row_filter.h"
#include "core/steps/step.h"

namespace mlpipe {

StepType ingest_step_type();
StepType split_step_type();
StepType features_step_type();
StepType train_step_type();
StepType evaluate_step_type();
StepType export_step_type();
StepType sequences_step_type();
StepType drift_step_type();
StepType filter_step_type();
StepType join_step_type();
StepType calibrate_step_type();

// `where:` conditions, shared by the filter step and ingest (core/steps/filter_step.cpp).
const char* where_help();
std::vector<Condition> where_conditions(const nlohmann::json& step_config);
// Reports each `where:` text that does not parse at its YAML position.
void check_where(const StepSpec& spec, const ConfigChecker& check);
// The CSV options an ingest step's config asks for (core/steps/ingest_step.cpp).
CsvOptions ingest_csv_options(const nlohmann::json& ingest_config);

// Columns as `validate` can know them without reading data (core/steps/named_columns.cpp): from
// the sources' headers and what the steps on the way add or drop; nullopt when unknown (a
// compressed source, a missing file: reported elsewhere).
std::optional<std::vector<std::string>> columns_after(const Pipeline& p, const std::string& step, int depth = 0);
std::optional<std::vector<std::string>> columns_into(const Pipeline& p, const StepSpec& spec);
// What one transform adds to (or drops from) `cols`: ratio's name, window/label_rate/time_parts
// outputs, one_hot's "COL=*" (its categories come from the data).
void transform_columns(const nlohmann::json& transform, std::vector<std::string>& cols);
// Reports every (YAML path, column) whose column is not available, all in one ConfigError.
void check_columns_exist(const ConfigChecker& check, const std::optional<std::vector<std::string>>& available,
                         const std::vector<std::pair<std::string, std::string>>& named, const std::string& where);

// Keeps only `rows` of the frame's table (and split), in their order.
void keep_rows(Frame& f, const std::vector<uint32_t>& rows);

}  // namespace mlpipe
