#pragma once
// Usage mistakes found before CLI11 parses, so that they read like every other mlpipe error:
// "mlpipe: error: unknown option '--jsno' for 'mlpipe run' (did you mean '--json'?)".
#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace mlpipe::cli {

// The first unknown command, subcommand or --option on the command line, described with a
// suggestion; nullopt when there is none (CLI11 then reports anything else).
std::optional<std::string> usage_problem(CLI::App& app, int argc, char** argv);

}  // namespace mlpipe::cli
