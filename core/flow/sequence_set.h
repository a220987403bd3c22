#pragma once
// Per-entity event windows for sequence models: for each sample (a labelled event, or an entity),
// the entity's last `max_len` events at or before it, left-padded, with a mask.
#include <cstdint>
#include <string>
#include <vector>

namespace mlpipe {

// Each event's features are held once, and a sample's window is a range of its entity's events:
// the card-fraud simulator's 1.5M windows of 16 events x 6 features were 576 MB as copies, and
// are 36 MB of events plus 18 MB of ranges. gather() writes the windows of a batch.
struct SequenceSet {
  size_t n = 0;        // samples
  size_t max_len = 0;  // T
  std::vector<std::string> numeric_names;      // F features per event (standardized), dt last
  std::vector<std::string> categorical_names;  // C categorical features per event
  std::vector<int32_t> vocab_sizes;            // per categorical: 0 = padding, 1 = unseen/missing
  std::vector<float> event_x;                  // [E, F]: each event's numeric features
  std::vector<int32_t> event_cat;              // [E, C]: each event's categorical codes
  std::vector<int32_t> window_events;          // events (indices into event_x), entity by entity in time order
  std::vector<int32_t> window_end;             // per sample: one past its window's last event in window_events
  std::vector<int32_t> window_len;             // per sample: its window's events, 1..max_len
  std::vector<std::string> target_names;
  std::vector<std::vector<float>> targets;     // per target, [n]; NaN = unknown
  std::vector<uint8_t> split;                  // per sample: 0 train, 1 valid, 2 test
  std::vector<int32_t> rows;                   // per sample: the table row of its event

  size_t features() const { return numeric_names.size(); }
  size_t categoricals() const { return categorical_names.size(); }
  std::vector<uint32_t> samples_of(uint8_t split_value) const;
  // Writes the windows of samples[0..k) as x [k, T, F], cat [k, T, C] and mask [k, T] (1 where
  // an event is), left-padded with zeros: the sample's events, oldest first, end at slot T-1.
  // Thread safety: const, so any number of threads may gather from one set at once.
  void gather(const uint32_t* samples, size_t k, float* x, int32_t* cat, uint8_t* mask) const;
};

}  // namespace mlpipe
