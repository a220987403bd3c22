#pragma once
// Per-entity event windows for sequence models: for each sample (a labelled event, or an entity),
// the entity's last `max_len` events at or before it, left-padded, with a mask.
#include <cstdint>
#include <string>
#include <vector>

namespace mlpipe {

struct SequenceSet {
  size_t n = 0;        // samples
  size_t max_len = 0;  // T
  std::vector<std::string> numeric_names;      // F features per event (standardized), dt last
  std::vector<std::string> categorical_names;  // C categorical features per event
  std::vector<int32_t> vocab_sizes;            // per categorical: 0 = padding, 1 = unseen/missing
  std::vector<float> x;                        // [n, T, F]
  std::vector<int32_t> cat;                    // [n, T, C]
  std::vector<uint8_t> mask;                   // [n, T]: 1 where an event is
  std::vector<std::string> target_names;
  std::vector<std::vector<float>> targets;     // per target, [n]; NaN = unknown
  std::vector<uint8_t> split;                  // per sample: 0 train, 1 valid, 2 test
  std::vector<int32_t> rows;                   // per sample: the table row of its event

  size_t features() const { return numeric_names.size(); }
  size_t categoricals() const { return categorical_names.size(); }
  std::vector<uint32_t> samples_of(uint8_t split_value) const;
};

}  // namespace mlpipe
