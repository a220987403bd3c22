#pragma once
// Fault injection for the crash tests: with MLPIPE_CRASH_AT=NAME[@K] in the environment, the
// K-th time (default the first) the process reaches crash_point("NAME") it kills itself with
// SIGKILL, exactly as a power cut or the OOM killer would. Without the variable it costs one
// branch on a cached flag.
namespace mlpipe {

void crash_point(const char* name);

}  // namespace mlpipe
