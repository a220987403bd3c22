#pragma once
// Ctrl-C (SIGINT) and SIGTERM during a run. The first signal asks the run to stop at the next
// safe point: trainers check between iterations, the runner starts no new step, and the run is
// recorded `interrupted` with exit code 130 (resume continues it). A second signal, or 30 s
// without reaching a safe point, exits at once; the next mlpipe command then finds the run's
// process gone and marks it interrupted.
#include <string>

#include "core/util/error.h"

namespace mlpipe {

class InterruptedError : public Error {
 public:
  explicit InterruptedError(const std::string& what) : Error(ExitCode::kInterrupted, what) {}
};

// For commands that run pipelines; others keep the default (die at once).
void install_interrupt_handlers();
bool interrupt_requested();
// "SIGINT" / "SIGTERM", or "" when none arrived.
std::string interrupt_name();
// Throws InterruptedError naming the signal when one arrived.
void throw_if_interrupted();

}  // namespace mlpipe
