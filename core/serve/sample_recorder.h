#pragma once
// What `mlpipe serve --sample RATE` keeps of its traffic: each scored row is taken with
// probability RATE (a seeded generator, so a replay in one order takes the same rows) and written
// to the store's serve_samples table (core/store/schema.cpp v8) by a background thread, in one
// transaction every `flush_every` seconds. A request never waits on the database: offer() only
// queues; past `max_queued` rows waiting (a store that is slow or down), rows are dropped and
// counted, never blocking. Thread-safe: offer() from any request thread.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "core/store/database.h"

namespace mlpipe {

struct SampleSource {
  std::string model;            // served name
  int64_t version = 0;          // 0: a bundle folder
  std::string manifest_sha256;  // of the bundle that answered
};

class SampleRecorder {
 public:
  // Opens (and migrates) the store's database now, so a bad store is an error at start.
  SampleRecorder(const DbLocation& store, double rate, uint64_t seed, double flush_every = 1.0,
                 size_t max_queued = 100000);
  ~SampleRecorder();  // writes what is queued, then stops
  SampleRecorder(const SampleRecorder&) = delete;
  SampleRecorder& operator=(const SampleRecorder&) = delete;

  // A row a request sent and the result it got; queued when the draw takes it.
  void offer(const SampleSource& from, const char* route, const nlohmann::json& row, const nlohmann::ordered_json& result);
  // Writes what is queued now (tests, shutdown).
  void flush();

  double rate() const { return rate_; }
  uint64_t recorded() const { return recorded_; }
  uint64_t dropped() const { return dropped_; }  // queue full
  uint64_t failed() const { return failed_; }    // the database refused a batch (logged once)

 private:
  struct Sample {
    SampleSource from;
    std::string route, at, row, result;
    std::optional<double> score;
  };
  void loop();
  void write(std::deque<Sample>& batch);

  DbLocation where_;
  Db db_;
  double rate_;
  uint64_t state_;  // splitmix64
  double flush_every_;
  size_t max_queued_;
  std::mutex mu_;  // guards queue_, state_, stop_
  std::condition_variable cv_;
  std::deque<Sample> queue_;
  bool stop_ = false;
  std::mutex write_mu_;  // one batch written at a time (loop and flush)
  std::atomic<uint64_t> recorded_{0}, dropped_{0}, failed_{0};
  bool warned_ = false;
  std::thread thread_;  // last: starts once the rest is built
};

}  // namespace mlpipe
