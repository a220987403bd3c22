#pragma once
// Inline SVG charts for the HTML report: lines (curves), horizontal bars (importance) and
// histograms. Plain SVG text, no scripts, fonts or links: the report works offline.
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mlpipe {

struct ChartSeries {
  std::string name;
  std::vector<double> x, y;
  std::string color;  // "" picks from the palette by position
  bool dashed = false;
  bool scatter = false;  // points only, no line
};

struct ChartSpec {
  std::string title, x_label, y_label;
  std::optional<double> x_min{}, x_max{}, y_min{}, y_max{};  // default: the data's range
  bool diagonal = false;                             // a dotted y = x reference line
  std::optional<double> marker_x{};                  // a dashed vertical line (the best iteration)
  std::string marker_label;
  int width = 460, height = 300;
};

std::string line_chart(const ChartSpec& spec, const std::vector<ChartSeries>& series);
// Shares per bin (series[i].y[b] for edges[b]..edges[b+1]), drawn as translucent bars.
std::string histogram_chart(const ChartSpec& spec, const std::vector<double>& edges,
                            const std::vector<ChartSeries>& series);
// One horizontal bar per (label, value), in the given order.
std::string bar_chart(const std::string& title, const std::string& value_label,
                      const std::vector<std::pair<std::string, double>>& bars);

// "a&amp;b" for text placed in HTML or SVG.
std::string html_escape(const std::string& text);
// Evenly spaced round values covering [lo, hi] (steps of 1, 2 or 5 times a power of ten).
std::vector<double> nice_ticks(double lo, double hi, int target);

}  // namespace mlpipe
