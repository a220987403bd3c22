#pragma once
// Fitting and building sequence windows from a table. The fitted preprocessing (numeric means
// and standard deviations, categorical vocabularies, the time-gap scaling) is plain JSON, so
// prediction rebuilds exactly the same inputs.
#include <nlohmann/json.hpp>
#include <vector>

#include "core/flow/sequence_set.h"
#include "core/flow/flow.h"

namespace mlpipe {

// `cfg`: entity, time, max_len, features, categorical, targets, label_level, max_vocab.
// Statistics come from the events of `fit_rows` only.
nlohmann::json fit_sequence_preprocess(const Frame& f, const nlohmann::json& cfg,
                                       const std::vector<uint32_t>& fit_rows);

// Builds samples: one per event whose first target is known (label_level event), or one per
// entity (label_level entity, its last event's targets). Without targets (prediction), every event
// is a sample.
SequenceSet build_sequences(const Frame& f, const nlohmann::json& fitted, bool need_targets);

}  // namespace mlpipe
