#include "core/sequences/sequence_io.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/data/npy.h"
#include "core/util/atomic_file.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace mlpipe {

// Arrays are flat .npy files; shapes and names go to sequences.json. Format 2 holds each event
// once (event_x, event_cat) and the windows as ranges; format 1 (no "format" key, mlpipe before
// 2026-12) held every window's copy (x [n, T, F], cat, mask) and is still read.
void save_sequences(const SequenceSet& s, const fs::path& dir) {
  fs::create_directories(dir);
  write_npy(dir / "event_x.npy", s.event_x);
  write_npy(dir / "event_cat.npy", s.event_cat);
  write_npy(dir / "window_events.npy", s.window_events);
  write_npy(dir / "window_end.npy", s.window_end);
  write_npy(dir / "window_len.npy", s.window_len);
  write_npy(dir / "split.npy", s.split);
  write_npy(dir / "rows.npy", s.rows);
  for (size_t t = 0; t < s.targets.size(); ++t) write_npy(dir / ("target_" + std::to_string(t) + ".npy"), s.targets[t]);
  json meta = {{"format", 2}, {"n", s.n}, {"max_len", s.max_len}, {"numeric", s.numeric_names},
               {"categorical", s.categorical_names}, {"vocab_sizes", s.vocab_sizes}, {"targets", s.target_names}};
  write_file_atomic(dir / "sequences.json", meta.dump(2) + "\n");
}

std::shared_ptr<SequenceSet> load_sequences(const fs::path& dir) {
  return load_sequences([&](const std::string& name) { return dir / name; });
}

std::shared_ptr<SequenceSet> load_sequences(const std::function<fs::path(const std::string&)>& file) {
  json meta = json::parse(read_file(file("sequences.json")));
  auto s = std::make_shared<SequenceSet>();
  s->n = meta["n"];
  s->max_len = meta["max_len"];
  s->numeric_names = meta["numeric"].get<std::vector<std::string>>();
  s->categorical_names = meta["categorical"].get<std::vector<std::string>>();
  s->vocab_sizes = meta["vocab_sizes"].get<std::vector<int32_t>>();
  s->target_names = meta["targets"].get<std::vector<std::string>>();
  if (meta.value("format", 1) >= 2) {
    s->event_x = read_npy_f4(file("event_x.npy"));
    s->event_cat = read_npy_i4(file("event_cat.npy"));
    s->window_events = read_npy_i4(file("window_events.npy"));
    s->window_end = read_npy_i4(file("window_end.npy"));
    s->window_len = read_npy_i4(file("window_len.npy"));
  } else {
    // Format 1: each window slot becomes an event of its own; a window's events are its slots
    // where the mask is set, which are its last ones (left padding): the same windows.
    s->event_x = read_npy_f4(file("x.npy"));
    s->event_cat = read_npy_i4(file("cat.npy"));
    std::vector<uint8_t> mask = read_npy_u1(file("mask.npy"));
    size_t T = s->max_len;
    s->window_events.resize(s->n * T);
    for (size_t i = 0; i < s->n * T; ++i) s->window_events[i] = int32_t(i);
    for (size_t i = 0; i < s->n; ++i) {
      s->window_end.push_back(int32_t((i + 1) * T));
      s->window_len.push_back(int32_t(std::count(mask.begin() + long(i * T), mask.begin() + long((i + 1) * T), uint8_t(1))));
    }
  }
  s->split = read_npy_u1(file("split.npy"));
  s->rows = read_npy_i4(file("rows.npy"));
  for (size_t t = 0; t < s->target_names.size(); ++t)
    s->targets.push_back(read_npy_f4(file("target_" + std::to_string(t) + ".npy")));
  return s;
}

}  // namespace mlpipe
