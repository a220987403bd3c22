// mlpipe: a command-line ML pipeline orchestrator and training runner.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <new>

#include "cli/commands.h"
#include "cli/error_output.h"
#include "cli/usage_errors.h"
#include "core/util/error.h"
#include "core/util/strings.h"
#include "trainers/builtin.h"

int main(int argc, char** argv) {
  // `mlpipe run ... 2>&1 | head` must not kill the run when the reader goes away: a write to a
  // closed pipe then fails (the output is lost) instead of ending the process mid-run.
  std::signal(SIGPIPE, SIG_IGN);
  mlpipe::register_builtin_trainers();
  CLI::App app{"mlpipe: run ML pipelines from YAML and record every run in SQLite"};
  app.set_version_flag("--version", mlpipe::cli::version_text());
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 ok, 1 a step failed, 2 bad config or usage, 3 a gate or drift check failed.\n"
      "Run 'mlpipe COMMAND --help' for the options of one command.");
  int exit_code = 0;
  mlpipe::cli::add_run(app, exit_code);
  mlpipe::cli::add_validate(app, exit_code);
  mlpipe::cli::add_graph(app, exit_code);
  mlpipe::cli::add_runs(app, exit_code);
  mlpipe::cli::add_query(app, exit_code);
  mlpipe::cli::add_metrics(app, exit_code);
  mlpipe::cli::add_report(app, exit_code);
  mlpipe::cli::add_predict(app, exit_code);
  mlpipe::cli::add_serve(app, exit_code);
  mlpipe::cli::add_models(app, exit_code);
  mlpipe::cli::add_steps(app, exit_code);
  mlpipe::cli::add_resume(app, exit_code);
  mlpipe::cli::add_reproduce(app, exit_code);
  mlpipe::cli::add_store(app, exit_code);
  mlpipe::cli::add_gc(app, exit_code);
  mlpipe::cli::add_completion(app, exit_code);  // last: its script lists the commands above
  mlpipe::cli::add_ddp_worker(app, exit_code);
  // Unknown commands and options get a suggestion, not CLI11's "The following argument was not expected".
  bool json = mlpipe::cli::wants_json(argc, argv);
  // Every error, also as JSON on stdout when the command was asked for JSON.
  auto fail = [&](const std::string& message, int code, bool usage, const char* prefix = "mlpipe: error: ") {
    std::fflush(stdout);
    if (json) std::cout << mlpipe::cli::error_json(message, code, usage).dump(2) << "\n" << std::flush;
    std::cerr << prefix << message << "\n";
    return code;
  };
  if (std::optional<std::string> problem = mlpipe::cli::usage_problem(app, argc, argv))
    return fail(*problem, int(mlpipe::ExitCode::kBadConfig), true);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail(std::string(e.what()) + " (mlpipe --help, or mlpipe COMMAND --help)", int(mlpipe::ExitCode::kBadConfig), true);
  } catch (const mlpipe::Error& e) {
    return fail(e.what(), int(e.code()), false);
  } catch (const std::bad_alloc&) {
    return fail("out of memory (an input far larger than this machine's memory, or a runaway config)", int(mlpipe::ExitCode::kStepFailed), false);
  } catch (const std::exception& e) {
    return fail(e.what(), int(mlpipe::ExitCode::kStepFailed), false, "mlpipe: internal error: ");
  }
  return exit_code;
}
