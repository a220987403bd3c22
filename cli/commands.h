#pragma once
// One function per subcommand: each adds itself to the app and sets `exit_code` when it runs.
// Only argument wiring lives in cli/; the work is done by core/.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>

#include "core/store/query.h"

namespace mlpipe::cli {

void add_run(CLI::App& app, int& exit_code);
void add_validate(CLI::App& app, int& exit_code);
void add_graph(CLI::App& app, int& exit_code);
void add_runs(CLI::App& app, int& exit_code);
void add_query(CLI::App& app, int& exit_code);
void add_predict(CLI::App& app, int& exit_code);
void add_steps(CLI::App& app, int& exit_code);
void add_resume(CLI::App& app, int& exit_code);
void add_reproduce(CLI::App& app, int& exit_code);
void add_runs_diff(CLI::App& runs, int& exit_code);
void add_ddp_worker(CLI::App& app, int& exit_code);
void add_metrics(CLI::App& app, int& exit_code);
void add_models(CLI::App& app, int& exit_code);
void add_report(CLI::App& app, int& exit_code);
// A bundle folder, or NAME@VERSION / NAME@ALIAS from the registry (checked against it).
std::filesystem::path resolve_model_ref(const std::string& ref, const std::string& db_flag);
void add_runs_compare(CLI::App& runs, int& exit_code);

// --db, else $MLPIPE_DB, else .mlpipe/runs.db in the current directory.
std::filesystem::path default_db(const std::string& flag);
std::string version_text();
// A query result as text: table, csv or json.
std::string format_result(const QueryResult& r, const std::string& format);

}  // namespace mlpipe::cli
