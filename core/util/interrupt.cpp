#include "core/util/interrupt.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

namespace mlpipe {
namespace {

std::atomic<int> g_signal{0};
std::atomic<int> g_count{0};

extern "C" void on_signal(int sig) {
  if (g_count.fetch_add(1) > 0) {  // the second one: stop now
    const char msg[] = "\nmlpipe: interrupted again: exiting now\n";
    ssize_t ignored = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)ignored;
    ::_exit(130);
  }
  g_signal.store(sig);
}

}  // namespace

void install_interrupt_handlers() {
  static std::atomic<bool> installed{false};
  if (installed.exchange(true)) return;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  // A step that never reaches a safe point must not keep the process alive for long.
  std::thread([] {
    while (g_signal.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::this_thread::sleep_for(std::chrono::seconds(30));
    const char msg[] = "mlpipe: no safe point within 30 s of the interrupt: exiting now\n";
    ssize_t ignored = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)ignored;
    ::_exit(130);
  }).detach();
}

bool interrupt_requested() { return g_signal.load() != 0; }

std::string interrupt_name() {
  int s = g_signal.load();
  return s == SIGINT ? "SIGINT" : s == SIGTERM ? "SIGTERM" : s ? "signal " + std::to_string(s) : "";
}

void throw_if_interrupted() {
  if (interrupt_requested()) throw InterruptedError("interrupted by " + interrupt_name());
}

}  // namespace mlpipe
