#pragma once
#include <chrono>
#include <string>

namespace mlpipe {

// UTC time as ISO 8601 with milliseconds: 2026-11-23T10:15:02.123Z (sorts as text).
std::string now_iso();

// Seconds since `start` on the monotonic clock.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace mlpipe
