#pragma once
// `mlpipe report`: one self-contained HTML file (inline CSS and SVG, no scripts, no network) about
// one run, or several side by side: summary, final metrics, learning curves, ROC/PR/calibration
// and score histograms of each evaluated split, XGBoost feature importance, config, environment.
#include <cstdint>
#include <string>
#include <vector>

#include "core/store/sqlite.h"

namespace mlpipe {

std::string build_report(Db& db, const std::vector<int64_t>& runs);

}  // namespace mlpipe
