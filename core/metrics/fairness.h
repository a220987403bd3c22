#pragma once
// Fairness by segment: rows grouped by a column's value or band, and for a protected column the
// measures model-risk reviews ask for: the adverse impact ratio (the four-fifths rule), the
// spread of true and false positive rates (equalized odds) and of calibration. Pure functions.
#include <string>
#include <utility>
#include <vector>

namespace mlpipe {

// A segment's label for a value: "1" or "west" for a value, "missing" for none; with bands
// [25, 35, 50]: "<25", "25-35", "35-50", "50+" (each band includes its lower edge).
std::vector<std::string> band_labels(const std::vector<double>& bands);
std::string band_of(double v, const std::vector<double>& bands);

struct GroupOutcome {
  std::string group;
  size_t rows = 0, positives = 0;
  double favorable_rate = 0;  // share of rows with the favourable decision at the threshold
  double tpr = 0, fpr = 0;    // NaN when the group has no positives (negatives)
  double ece = 0;             // expected calibration error within the group
};

struct FairnessSummary {
  std::vector<GroupOutcome> groups;  // in `order`, then the others sorted
  // Over the groups other than "missing": lowest favourable rate / highest (NaN when the highest
  // is 0), and the largest minus the smallest TPR, FPR and ECE (groups where they are defined).
  double adverse_impact_ratio = 0, tpr_difference = 0, fpr_difference = 0, ece_difference = 0;
};

// `group[i]` is row i's segment; a row is predicted positive when score >= threshold, and the
// favourable decision is the negative one (approve, do not block) unless `favorable_high`.
// `order`: the groups' display order (bands low to high); groups not in it follow, sorted.
FairnessSummary fairness_by_group(const std::vector<std::string>& group, const std::vector<double>& y,
                                  const std::vector<double>& score, double threshold, bool favorable_high = false,
                                  const std::vector<std::string>& order = {});

// The segments' labels sorted for display: numbers by value, then text, "missing" last.
std::vector<std::string> display_order(std::vector<std::string> labels);

// Each distinct label of `group` with the positions holding it: labels in `order` first, then
// the others in display_order. fairness_by_group's groups come in this order.
std::vector<std::pair<std::string, std::vector<size_t>>> groups_in_order(const std::vector<std::string>& group,
                                                                         const std::vector<std::string>& order = {});

}  // namespace mlpipe
