#pragma once
// What `mlpipe run` shows while it works. On a terminal: one live line per running step with a
// bar, the iteration or epoch, the latest metric and an ETA, redrawn in place under the lines of
// finished steps. Elsewhere (CI logs, pipes): plain lines only, with a progress line per step at
// most every 10 seconds. Colors only on a terminal, and never when NO_COLOR is set.
#include <chrono>
#include <map>
#include <mutex>
#include <ostream>
#include <string>

namespace mlpipe {

struct ProgressStyle {
  bool live = false;   // redraw lines in place (a terminal)
  bool color = false;  // ANSI colors
  int width = 100;     // terminal columns: live lines are cut to fit, never wrapped
};

// Live and colored when `fd` is a terminal (and TERM is not "dumb"); color also off with NO_COLOR.
ProgressStyle detect_progress_style(int fd);

class ProgressDisplay {
 public:
  ProgressDisplay(std::ostream& out, ProgressStyle style) : out_(out), style_(style) {}
  ~ProgressDisplay();

  // A permanent line (a finished step, a note); printed above the live lines.
  void line(const std::string& text);
  void started(const std::string& step);
  // `done` of `total` `unit`s ("iteration", "epoch"), and the latest metric as text.
  void update(const std::string& step, double done, double total, const std::string& unit, const std::string& note);
  void stopped(const std::string& step);
  // Colors a status word (ok, reused, failed, ...) when colors are on.
  std::string paint(const std::string& status) const;

 private:
  struct Live {
    std::chrono::steady_clock::time_point started, last_plain;
    double done = 0, total = 0;
    std::string unit, note;
    bool drawn_progress = false;
  };
  void redraw_locked();
  void clear_locked();
  std::string live_line(const std::string& step, const Live& s) const;

  std::ostream& out_;
  ProgressStyle style_;
  std::mutex mu_;
  std::map<std::string, Live> running_;
  int drawn_ = 0;  // live lines on screen now
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace mlpipe
