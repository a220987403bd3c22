#include "trainers/sequence/ddp_worker.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <iostream>

#include "core/sequences/sequence_io.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

extern char** environ;
namespace fs = std::filesystem;
using nlohmann::json;

namespace mlpipe {
namespace {

pid_t spawn_worker(const fs::path& dir, int rank) {
  std::string exe = fs::read_symlink("/proc/self/exe").string(), r = std::to_string(rank);
  std::string log = (dir / ("rank" + r + ".log")).string();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
  std::string d = dir.string();
  std::vector<char*> argv = {exe.data(), const_cast<char*>("_ddp-worker"), d.data(), r.data(), nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw StepError("cannot start data-parallel worker " + r + ": " + std::strerror(rc));
  return pid;
}

std::string tail_of(const fs::path& p) {
  std::string s = fs::exists(p) ? read_file(p) : "";
  return s.size() > 800 ? s.substr(s.size() - 800) : s;
}

}  // namespace

std::unique_ptr<Model> train_data_parallel(const json& step, const SequenceSet& data,
                                           const std::vector<uint32_t>& train, const std::vector<uint32_t>& valid,
                                           TrainContext& ctx, int processes, const Trainer& impl) {
  fs::path dir = (ctx.checkpoint_dir.empty() ? fs::temp_directory_path() : ctx.checkpoint_dir.parent_path()) / "ddp";
  fs::remove_all(dir);
  fs::create_directories(dir);
  save_sequences(data, dir / "data");
  json job = {{"step", step}, {"seed", ctx.seed}, {"nthread", ctx.nthread}, {"world", processes},
              {"key", ctx.rendezvous_key}, {"parent_pid", ::getpid()}};
  write_file_atomic(dir / "job.json", job.dump() + "\n");
  std::vector<pid_t> pids;
  for (int r = 1; r < processes; ++r) pids.push_back(spawn_worker(dir, r));

  ctx.rank = 0;
  ctx.local_rank = 0;
  ctx.world = processes;
  ctx.rendezvous = dir / "store";
  std::unique_ptr<Model> model;
  std::string failure;
  try {
    model = impl.fit_sequences(step, data, train, valid, ctx);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  std::string worker_errors;
  for (size_t i = 0; i < pids.size(); ++i) {
    int status = 0;
    if (!failure.empty()) ::kill(pids[i], SIGTERM);  // do not leave them waiting for rank 0
    ::waitpid(pids[i], &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      worker_errors += "\n  rank " + std::to_string(i + 1) + " failed: " + tail_of(dir / ("rank" + std::to_string(i + 1) + ".log"));
  }
  if (!failure.empty()) throw StepError("data-parallel training failed on rank 0: " + failure + worker_errors);
  if (!worker_errors.empty()) throw StepError("data-parallel training failed:" + worker_errors);
  return model;
}

int run_ddp_worker(const fs::path& dir, int rank) {
  try {
    json job = json::parse(read_file(dir / "job.json"));
    // A worker dies with rank 0 (kill -9 included) instead of waiting in a collective.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != pid_t(job.value("parent_pid", 0))) return 1;  // rank 0 is already gone
    std::shared_ptr<SequenceSet> data = load_sequences(dir / "data");
    TrainContext ctx;
    ctx.seed = job["seed"];
    ctx.nthread = job["nthread"];
    ctx.rank = rank;
    ctx.local_rank = rank;
    ctx.world = job["world"];
    ctx.rendezvous = dir / "store";
    ctx.rendezvous_key = job.value("key", "");
    const Trainer& t = trainer_registry().get("sequence");
    t.fit_sequences(job["step"], *data, data->samples_of(0), data->samples_of(1), ctx);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "mlpipe: data-parallel worker " << rank << ": " << e.what() << "\n";
    return 1;
  }
}

}  // namespace mlpipe
