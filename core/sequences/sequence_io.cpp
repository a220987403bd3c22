#include "core/sequences/sequence_io.h"

#include <nlohmann/json.hpp>

#include "core/data/npy.h"
#include "core/util/atomic_file.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace mlpipe {

// Arrays are flat .npy files; shapes and names go to sequences.json.
void save_sequences(const SequenceSet& s, const fs::path& dir) {
  fs::create_directories(dir);
  write_npy(dir / "x.npy", s.x);
  write_npy(dir / "cat.npy", s.cat);
  write_npy(dir / "mask.npy", s.mask);
  write_npy(dir / "split.npy", s.split);
  write_npy(dir / "rows.npy", s.rows);
  for (size_t t = 0; t < s.targets.size(); ++t) write_npy(dir / ("target_" + std::to_string(t) + ".npy"), s.targets[t]);
  json meta = {{"n", s.n}, {"max_len", s.max_len}, {"numeric", s.numeric_names},
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
  s->x = read_npy_f4(file("x.npy"));
  s->cat = read_npy_i4(file("cat.npy"));
  s->mask = read_npy_u1(file("mask.npy"));
  s->split = read_npy_u1(file("split.npy"));
  s->rows = read_npy_i4(file("rows.npy"));
  for (size_t t = 0; t < s->target_names.size(); ++t)
    s->targets.push_back(read_npy_f4(file("target_" + std::to_string(t) + ".npy")));
  return s;
}

}  // namespace mlpipe
