#include "core/serve/sample_recorder.h"

#include <cmath>
#include <iostream>

#include "core/store/run_store.h"
#include "core/util/clock.h"
#include "core/util/error.h"

using nlohmann::json;
using nlohmann::ordered_json;

namespace mlpipe {

namespace {
uint64_t splitmix64(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double checked_rate(double rate) {
  if (!(rate >= 0 && rate <= 1)) throw ConfigError("serve: --sample is the fraction of rows to record, from 0 to 1; got " + std::to_string(rate));
  return rate;
}

Db opened(const DbLocation& where) {
  { RunStore migrate(where); }  // creates serve_samples in a store from an older mlpipe
  return Db::open(where, /*read_only=*/false);
}
}  // namespace

SampleRecorder::SampleRecorder(const DbLocation& store, double rate, uint64_t seed, double flush_every, size_t max_queued)
    : where_(store), db_(opened(store)), rate_(checked_rate(rate)), state_(seed), flush_every_(flush_every), max_queued_(max_queued),
      thread_([this] { loop(); }) {}

SampleRecorder::~SampleRecorder() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  flush();
}

void SampleRecorder::offer(const SampleSource& from, const char* route, const json& row, const ordered_json& result) {
  if (rate_ <= 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  // The draw comes first, whatever the queue: the rows taken depend only on the order.
  double u = double(splitmix64(state_) >> 11) * 0x1.0p-53;
  if (u >= rate_) return;
  if (queue_.size() >= max_queued_) {
    ++dropped_;
    return;
  }
  Sample s;
  s.from = from;
  s.route = route;
  s.at = now_iso();
  s.row = row.dump();
  s.result = result.dump();
  auto sc = result.find("score");
  if (sc != result.end() && sc->is_number()) s.score = sc->get<double>();
  queue_.push_back(std::move(s));
}

void SampleRecorder::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, std::chrono::duration<double>(flush_every_), [this] { return stop_; });
    if (queue_.empty()) continue;
    lock.unlock();
    flush();
    lock.lock();
  }
}

void SampleRecorder::flush() {
  std::lock_guard<std::mutex> writing(write_mu_);
  std::deque<Sample> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(queue_);
  }
  if (!batch.empty()) write(batch);
}

void SampleRecorder::write(std::deque<Sample>& batch) {
  try {
    Transaction tx(db_);
    Stmt ins = db_.prepare(
        "INSERT INTO serve_samples(model, version, manifest_sha256, route, at, row_json, score, result_json) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    for (const Sample& s : batch) {
      ins.bind(1, s.from.model).bind(2, s.from.version).bind(3, s.from.manifest_sha256).bind(4, s.route).bind(5, s.at);
      ins.bind(6, s.row).bind(7, s.score).bind(8, s.result).run();
    }
    tx.commit();
    recorded_ += batch.size();
  } catch (const std::exception& e) {
    failed_ += batch.size();
    if (!warned_) std::cerr << "mlpipe: serve: cannot record samples in " << where_.string() << ": " << e.what()
                            << " (counted in /metrics; scoring goes on)\n";
    warned_ = true;
  }
}

}  // namespace mlpipe
