#pragma once
// Error kinds and the exit codes they map to. Code throws inside; cli/main.cpp prints once.
#include <stdexcept>
#include <string>

namespace mlpipe {

enum class ExitCode : int {
  kOk = 0,
  kStepFailed = 1,   // a step failed at run time (includes data errors found mid-run)
  kBadConfig = 2,    // bad config, bad usage, bad input detected before running
  kGateFailed = 3,   // an evaluate gate was not met
  kInterrupted = 130,
};

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& what) : std::runtime_error(what), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

// Bad pipeline file, bad --set, bad command-line usage: exit 2.
class ConfigError : public Error {
 public:
  explicit ConfigError(const std::string& what) : Error(ExitCode::kBadConfig, what) {}
};

// Bad data or a failure while a step runs: exit 1.
class StepError : public Error {
 public:
  explicit StepError(const std::string& what) : Error(ExitCode::kStepFailed, what) {}
};

// An evaluate gate condition was not met: exit 3.
class GateError : public Error {
 public:
  explicit GateError(const std::string& what) : Error(ExitCode::kGateFailed, what) {}
};

}  // namespace mlpipe
