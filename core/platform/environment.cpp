#include "core/platform/environment.h"

#include <pwd.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/model/model.h"
#include "core/util/build_info.h"
#include "core/util/hash.h"
#include "core/util/strings.h"

extern char** environ;

namespace mlpipe {

std::optional<std::string> capture_output(const std::vector<std::string>& argv) {
  int fds[2];
  if (::pipe(fds) != 0) return std::nullopt;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return std::nullopt;
  }
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, size_t(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return out;
}

std::optional<GitState> git_state(const std::filesystem::path& dir) {
  std::string d = dir.empty() ? "." : dir.string();
  // One git process for the commit and the dirty flag (staged and unstaged changes to tracked
  // files; untracked ones do not count): a second one, for the diff's hash, only when dirty.
  // No optional locks: git must not take index.lock under a user's own git command.
  std::optional<std::string> status = capture_output(
      {"git", "--no-optional-locks", "-C", d, "status", "--porcelain=v2", "--branch", "--untracked-files=no"});
  if (!status) return std::nullopt;
  GitState g;
  for (std::string_view line : split(*status, '\n')) {
    line = trim(line);
    if (starts_with(line, "# branch.oid ")) g.commit = std::string(trim(line.substr(13)));
    else if (!line.empty() && line[0] != '#') g.dirty = true;
  }
  if (g.commit.empty() || g.commit == "(initial)") return std::nullopt;  // no commit yet
  if (g.dirty)
    if (std::optional<std::string> diff = capture_output({"git", "-C", d, "diff", "HEAD"})) g.diff_hash = hash_bytes(*diff);
  return g;
}

std::string host_name() {
  char buf[256] = {0};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}

std::string user_name() {
  if (const char* u = std::getenv("USER")) return u;
  if (const passwd* pw = ::getpwuid(::getuid())) return pw->pw_name;
  return "";
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (starts_with(line, "model name")) {
      auto colon = line.find(':');
      return std::string(trim(line.substr(colon + 1)));
    }
  return "";
}

KeyValues library_versions() {
  KeyValues kv = {
      {"mlpipe", MLPIPE_VERSION},
      {"sqlite", sqlite3_libversion()},
      {"yaml-cpp", MLPIPE_YAMLCPP_VERSION},
      {"nlohmann_json", std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
                            std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
                            std::to_string(NLOHMANN_JSON_VERSION_PATCH)},
  };
  for (const auto& t : trainer_registry().all()) kv.emplace_back(t->name(), t->version());
  return kv;
}

KeyValues collect_environment(unsigned nthread, unsigned jobs) {
  KeyValues kv;
  for (auto& [k, v] : library_versions()) kv.emplace_back("version." + k, v);
  utsname u{};
  ::uname(&u);
  kv.emplace_back("os", std::string(u.sysname) + " " + u.release + " " + u.machine);
  kv.emplace_back("cpu.model", cpu_model());
  kv.emplace_back("cpu.count", std::to_string(std::thread::hardware_concurrency()));
  kv.emplace_back("threads", std::to_string(nthread));
  kv.emplace_back("jobs", std::to_string(jobs));
  kv.emplace_back("compiler", MLPIPE_COMPILER);
  // Which BLAS the dynamic loader picks (Debian's alternatives), since it changes float results.
  std::error_code ec;
  for (const char* link : {"/etc/alternatives/libblas.so.3-x86_64-linux-gnu", "/etc/alternatives/libblas.so.3"}) {
    auto target = std::filesystem::read_symlink(link, ec);
    if (!ec) {
      kv.emplace_back("blas", target.string());
      break;
    }
  }
  // nvidia-smi only where an NVIDIA driver is loaded: looking for it along PATH costs every run.
  bool nvidia = std::filesystem::exists("/proc/driver/nvidia/version", ec) || std::filesystem::exists("/dev/nvidiactl", ec);
  std::optional<std::string> gpus;
  if (nvidia) gpus = capture_output({"nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"});
  int gpu = 0;
  for (const auto& line : split(std::string(trim(gpus.value_or(""))), '\n'))
    if (!trim(line).empty()) kv.emplace_back("gpu." + std::to_string(gpu++), std::string(trim(line)));
  kv.emplace_back("build_type", MLPIPE_BUILD_TYPE);
  return kv;
}

}  // namespace mlpipe
