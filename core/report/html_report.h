#pragma once
// `mlpipe report`: one self-contained HTML file (inline CSS and SVG, no scripts, no network) about
// one run, or several side by side: summary, final metrics, learning curves, ROC/PR/calibration
// and score histograms of each evaluated split, XGBoost feature importance, config, environment.
#include <cstdint>
#include <string>
#include <vector>

#include "core/store/database.h"

namespace mlpipe {

std::string build_report(Db& db, const std::vector<int64_t>& runs);
// The reliability curve of each binary evaluate step of a run (before and after calibration when
// calibrated), as one inline SVG chart; "" when there is none.
std::string reliability_chart(Db& db, int64_t run);

}  // namespace mlpipe
