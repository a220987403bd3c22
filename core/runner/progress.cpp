#include "core/runner/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "core/util/strings.h"

namespace mlpipe {
namespace {

using Clock = std::chrono::steady_clock;

std::string duration_text(double s) {
  if (s < 60) return std::to_string(int(std::ceil(s))) + "s";
  if (s < 3600) return std::to_string(int(s / 60)) + "m" + std::to_string(int(s) % 60) + "s";
  return std::to_string(int(s / 3600)) + "h" + std::to_string(int(s / 60) % 60) + "m";
}

}  // namespace

ProgressStyle detect_progress_style(int fd) {
  ProgressStyle s;
  const char* term = std::getenv("TERM");
  bool tty = ::isatty(fd) == 1 && !(term && std::strcmp(term, "dumb") == 0);
  s.live = tty;
  const char* no_color = std::getenv("NO_COLOR");
  s.color = tty && !(no_color && *no_color);
  winsize ws{};
  if (tty && ::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) s.width = ws.ws_col;
  return s;
}

ProgressDisplay::~ProgressDisplay() {
  std::lock_guard<std::mutex> lock(mu_);
  clear_locked();
  out_ << std::flush;
}

std::string ProgressDisplay::paint(const std::string& status) const {
  if (!style_.color) return status;
  const char* code = status == "ok" ? "32" : status == "reused" ? "36" : status == "skipped" ? "33"
                   : status == "failed" || status == "gate_failed" || status == "interrupted" ? "31" : nullptr;
  return code ? std::string("\x1b[") + code + "m" + status + "\x1b[0m" : status;
}

void ProgressDisplay::clear_locked() {
  if (style_.live && drawn_ > 0) out_ << "\x1b[" << drawn_ << "F\x1b[J";  // up to the first live line, clear below
  drawn_ = 0;
}

std::string ProgressDisplay::live_line(const std::string& step, const Live& s) const {
  double elapsed = std::chrono::duration<double>(Clock::now() - s.started).count();
  std::string text = "  " + step + std::string(step.size() < 12 ? 12 - step.size() : 1, ' ');
  if (s.total > 0) {
    double frac = std::min(1.0, std::max(0.0, s.done / s.total));
    int filled = int(frac * 20);
    text += "[" + std::string(filled, '#') + std::string(20 - filled, '-') + "] " +
            std::to_string(int(frac * 100)) + "%  " + s.unit + " " + std::to_string(int64_t(s.done)) + "/" +
            std::to_string(int64_t(s.total));
    if (!s.note.empty()) text += "  " + s.note;
    if (s.done > 0 && s.done < s.total) text += "  ETA " + duration_text(elapsed / s.done * (s.total - s.done));
  } else {
    text += elapsed < 1 ? std::string("starting") : "running " + std::to_string(int(elapsed)) + "s";
  }
  if (int(text.size()) >= style_.width) text = text.substr(0, size_t(style_.width - 1));
  return text;
}

void ProgressDisplay::redraw_locked() {
  clear_locked();
  for (const auto& [step, s] : running_) {
    out_ << live_line(step, s) << "\n";
    ++drawn_;
  }
  out_ << std::flush;
  last_draw_ = Clock::now();
}

void ProgressDisplay::line(const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  clear_locked();
  out_ << text << "\n";
  if (style_.live) redraw_locked();
  else out_ << std::flush;
}

void ProgressDisplay::started(const std::string& step) {
  std::lock_guard<std::mutex> lock(mu_);
  Live s;
  s.started = s.last_plain = Clock::now();
  running_[step] = s;
  if (style_.live) redraw_locked();
}

void ProgressDisplay::update(const std::string& step, double done, double total, const std::string& unit,
                             const std::string& note) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = running_.find(step);
  if (it == running_.end()) return;
  Live& s = it->second;
  s.done = done;
  s.total = total;
  s.unit = unit;
  s.note = note;
  auto now = Clock::now();
  if (style_.live) {
    // At most 10 redraws a second, but always the first progress of a step.
    if (!s.drawn_progress || now - last_draw_ >= std::chrono::milliseconds(100)) {
      s.drawn_progress = true;
      redraw_locked();
    }
  } else if (now - s.last_plain >= std::chrono::seconds(10)) {
    s.last_plain = now;
    out_ << "      " << step << ": " << unit << " " << int64_t(done) << "/" << int64_t(total)
         << (note.empty() ? "" : ", " + note) << "\n" << std::flush;
  }
}

void ProgressDisplay::stopped(const std::string& step) {
  std::lock_guard<std::mutex> lock(mu_);
  running_.erase(step);
  if (style_.live) redraw_locked();
}

}  // namespace mlpipe
