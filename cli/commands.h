#pragma once
// One function per subcommand: each adds itself to the app and sets `exit_code` when it runs.
// Only argument wiring lives in cli/; the work is done by core/.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>

#include "core/store/query.h"
#include "core/store/store_layout.h"

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
void add_store(CLI::App& app, int& exit_code);
void add_gc(CLI::App& app, int& exit_code);
void add_completion(CLI::App& app, int& exit_code);
void add_serve(CLI::App& app, int& exit_code);
// A bundle folder, or NAME@VERSION / NAME@ALIAS from the registry (checked against it).
std::filesystem::path resolve_model_ref(const std::string& ref, const std::string& store_flag);
// `--verify`: the folder's manifest.json must have a SHA-256 the store recorded (an export of one
// of its runs, or a registered version); returns who wrote it. Throws ConfigError otherwise.
std::string verify_bundle_folder(const std::filesystem::path& dir, const std::string& store_flag);
void add_runs_compare(CLI::App& runs, int& exit_code);

// Adds --store DIR to a command, and the retired --db (an error that says what replaced it).
void add_store_option(CLI::App* cmd, std::string& store);
// The store a reading command uses: --store, else $MLPIPE_STORE, else .mlpipe/ in the current
// folder. It must exist (a store of the layout before stores is upgraded first); else ConfigError.
StoreLayout existing_store(const std::string& flag);
std::string version_text();
// Floats as format_for_people, for the table and markdown formats (csv and json keep every digit).
void round_for_people(QueryResult& r);
// A query result as text: table, csv, json or markdown.
std::string format_result(const QueryResult& r, const std::string& format);

}  // namespace mlpipe::cli
