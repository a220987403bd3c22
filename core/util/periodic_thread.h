#pragma once
// A background thread that calls `tick` every `every` seconds until the object is destroyed
// (the destructor wakes it and joins; a tick in progress finishes first). `tick` runs on that
// thread only and must not throw (wrap what may). Used for a run's heartbeat and serve's alias
// watch.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace mlpipe {

class PeriodicThread {
 public:
  PeriodicThread(double every_s, std::function<void()> tick)
      : every_(every_s), tick_(std::move(tick)), thread_([this] { loop(); }) {}
  ~PeriodicThread() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;

 private:
  void loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::duration<double>(every_), [this] { return stop_; })) {
      lock.unlock();
      tick_();
      lock.lock();
    }
  }
  double every_;
  std::function<void()> tick_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;  // last: started once the rest is built
};

}  // namespace mlpipe
