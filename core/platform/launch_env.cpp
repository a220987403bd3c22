#include "core/platform/launch_env.h"

#include <charconv>
#include <cstdlib>

#include "core/util/error.h"

namespace mlpipe {
namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

int env_int(const char* name, int lo, int hi, std::optional<int> fallback) {
  std::optional<std::string> v = env(name);
  if (!v) {
    if (fallback) return *fallback;
    throw ConfigError(std::string("launched with WORLD_SIZE > 1 but ") + name + " is not set (torchrun sets RANK, "
                      "WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT)");
  }
  int x = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
  if (ec != std::errc() || end != v->data() + v->size() || x < lo || x > hi)
    throw ConfigError(std::string("environment variable ") + name + "='" + *v + "': expected a whole number from " +
                      std::to_string(lo) + " to " + std::to_string(hi));
  return x;
}

}  // namespace

std::optional<OutsideLaunch> outside_launch() {
  if (!env("WORLD_SIZE")) return std::nullopt;
  OutsideLaunch l;
  l.world = env_int("WORLD_SIZE", 1, 4096, std::nullopt);
  if (l.world == 1) return std::nullopt;
  l.rank = env_int("RANK", 0, l.world - 1, std::nullopt);
  l.local_rank = env_int("LOCAL_RANK", 0, l.world - 1, l.rank);
  l.master_addr = env("MASTER_ADDR").value_or("127.0.0.1");
  l.master_port = env_int("MASTER_PORT", 1, 65535, std::nullopt);
  return l;
}

}  // namespace mlpipe
