#include "core/report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/util/strings.h"

namespace mlpipe {
namespace {

const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};

std::string color_of(const ChartSeries& s, size_t i) { return s.color.empty() ? kPalette[i % 8] : s.color; }

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string tick_label(double v) {
  if (v == 0) return "0";
  char buf[32];
  double a = std::fabs(v);
  std::snprintf(buf, sizeof buf, a >= 1e5 || a < 1e-3 ? "%.2g" : "%.6g", v);
  return buf;
}

struct Frame {
  double x0, x1, y0, y1;  // data range
  int left = 56, right = 12, top = 28, bottom = 42, w = 0, h = 0;
  double px(double x) const { return left + (x - x0) / (x1 - x0) * (w - left - right); }
  double py(double y) const { return h - bottom - (y - y0) / (y1 - y0) * (h - top - bottom); }
};

void widen(double& lo, double& hi) {
  if (!(lo < hi)) {
    double pad = std::fabs(lo) > 0 ? std::fabs(lo) * 0.05 : 0.5;
    lo -= pad;
    hi += pad;
  }
}

// Axes, ticks, grid, title and labels.
std::string axes(const ChartSpec& spec, const Frame& f) {
  std::string out = "<svg class=\"chart\" role=\"img\" width=\"" + std::to_string(f.w) + "\" height=\"" +
                    std::to_string(f.h) + "\" viewBox=\"0 0 " + std::to_string(f.w) + " " + std::to_string(f.h) +
                    "\" font-family=\"sans-serif\" font-size=\"11\">";
  out += "<title>" + html_escape(spec.title) + "</title>";
  out += "<text x=\"" + std::to_string(f.w / 2) + "\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">" +
         html_escape(spec.title) + "</text>";
  for (double t : nice_ticks(f.x0, f.x1, 6)) {
    out += "<line x1=\"" + num(f.px(t)) + "\" x2=\"" + num(f.px(t)) + "\" y1=\"" + num(f.top) + "\" y2=\"" +
           num(f.h - f.bottom) + "\" stroke=\"#eee\"/>";
    out += "<text x=\"" + num(f.px(t)) + "\" y=\"" + num(f.h - f.bottom + 14) + "\" text-anchor=\"middle\">" +
           tick_label(t) + "</text>";
  }
  for (double t : nice_ticks(f.y0, f.y1, 5)) {
    out += "<line x1=\"" + num(f.left) + "\" x2=\"" + num(f.w - f.right) + "\" y1=\"" + num(f.py(t)) + "\" y2=\"" +
           num(f.py(t)) + "\" stroke=\"#eee\"/>";
    out += "<text x=\"" + num(f.left - 4) + "\" y=\"" + num(f.py(t) + 4) + "\" text-anchor=\"end\">" + tick_label(t) + "</text>";
  }
  out += "<rect x=\"" + num(f.left) + "\" y=\"" + num(f.top) + "\" width=\"" + num(f.w - f.left - f.right) + "\" height=\"" +
         num(f.h - f.top - f.bottom) + "\" fill=\"none\" stroke=\"#888\"/>";
  out += "<text x=\"" + num((f.left + f.w - f.right) / 2.0) + "\" y=\"" + num(f.h - 6) + "\" text-anchor=\"middle\">" +
         html_escape(spec.x_label) + "</text>";
  out += "<text transform=\"translate(12," + num((f.top + f.h - f.bottom) / 2.0) + ") rotate(-90)\" text-anchor=\"middle\">" +
         html_escape(spec.y_label) + "</text>";
  return out;
}

// Legend entries in rows under the title, wrapped to the chart's width; returns the rows used.
struct LegendItem {
  size_t series;
  double x, y;
};
std::vector<LegendItem> legend_layout(const std::vector<ChartSeries>& series, int width, int& rows) {
  std::vector<LegendItem> items;
  double x = 56, y = 32;
  rows = 0;
  for (size_t i = 0; i < series.size(); ++i) {
    if (series[i].name.empty()) continue;
    double w = 30 + 6.2 * double(series[i].name.size());
    if (rows == 0) rows = 1;
    if (x + w > width - 8 && x > 56) {
      x = 56;
      y += 14;
      ++rows;
    }
    items.push_back({i, x, y});
    x += w;
  }
  return items;
}

std::string legend(const Frame& f, const std::vector<ChartSeries>& series) {
  int rows = 0;
  std::string out;
  for (const auto& it : legend_layout(series, f.w, rows)) {
    const ChartSeries& s = series[it.series];
    out += "<line x1=\"" + num(it.x) + "\" x2=\"" + num(it.x + 18) + "\" y1=\"" + num(it.y - 4) + "\" y2=\"" + num(it.y - 4) +
           "\" stroke=\"" + color_of(s, it.series) + "\" stroke-width=\"" + (s.scatter ? "4" : "2") + "\"" +
           (s.dashed ? " stroke-dasharray=\"5,3\"" : "") + "/>";
    out += "<text x=\"" + num(it.x + 22) + "\" y=\"" + num(it.y) + "\">" + html_escape(s.name) + "</text>";
  }
  return out;
}

Frame frame_for(const ChartSpec& spec, const std::vector<ChartSeries>& series, const std::vector<double>* edges) {
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (const auto& s : series) {
    for (double v : s.x)
      if (std::isfinite(v)) x0 = std::min(x0, v), x1 = std::max(x1, v);
    for (double v : s.y)
      if (std::isfinite(v)) y0 = std::min(y0, v), y1 = std::max(y1, v);
  }
  if (edges && !edges->empty()) x0 = edges->front(), x1 = edges->back();
  if (!std::isfinite(x0)) x0 = 0, x1 = 1;
  if (!std::isfinite(y0)) y0 = 0, y1 = 1;
  Frame f{spec.x_min.value_or(x0), spec.x_max.value_or(x1), spec.y_min.value_or(y0), spec.y_max.value_or(y1)};
  widen(f.x0, f.x1);
  widen(f.y0, f.y1);
  f.w = spec.width;
  int rows = 0;
  legend_layout(series, f.w, rows);
  f.top = 28 + 14 * rows;
  f.h = spec.height + 14 * rows;
  return f;
}

}  // namespace

std::string html_escape(const std::string& t) {
  std::string out;
  out.reserve(t.size());
  for (char c : t) switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  return out;
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  std::vector<double> out;
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return {lo};
  double raw = (hi - lo) / std::max(1, target);
  double mag = std::pow(10, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    out.push_back(std::fabs(t) < step * 1e-9 ? 0 : t);
  return out;
}

std::string line_chart(const ChartSpec& spec, const std::vector<ChartSeries>& series) {
  Frame f = frame_for(spec, series, nullptr);
  std::string out = axes(spec, f);
  if (spec.diagonal) {
    double a = std::max(f.x0, f.y0), b = std::min(f.x1, f.y1);
    out += "<line x1=\"" + num(f.px(a)) + "\" y1=\"" + num(f.py(a)) + "\" x2=\"" + num(f.px(b)) + "\" y2=\"" +
           num(f.py(b)) + "\" stroke=\"#999\" stroke-dasharray=\"2,3\"/>";
  }
  if (spec.marker_x && *spec.marker_x >= f.x0 && *spec.marker_x <= f.x1) {
    std::string x = num(f.px(*spec.marker_x));
    out += "<line x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + num(f.top) + "\" y2=\"" + num(f.h - f.bottom) +
           "\" stroke=\"#555\" stroke-dasharray=\"4,3\"/><text x=\"" + num(f.px(*spec.marker_x) + 3) + "\" y=\"" + num(f.top + 11) +
           "\" fill=\"#555\">" + html_escape(spec.marker_label) + "</text>";
  }
  // A y-range narrower than the data (learning curves skip the first rounds): points beyond it
  // sit on the frame's edge.
  auto py = [&](double y) { return f.py(std::min(std::max(y, f.y0), f.y1)); };
  for (size_t i = 0; i < series.size(); ++i) {
    const ChartSeries& s = series[i];
    std::string pts;
    for (size_t k = 0; k < s.x.size() && k < s.y.size(); ++k)
      if (std::isfinite(s.x[k]) && std::isfinite(s.y[k])) pts += num(f.px(s.x[k])) + "," + num(py(s.y[k])) + " ";
    if (!s.scatter)
      out += "<polyline fill=\"none\" stroke=\"" + color_of(s, i) + "\" stroke-width=\"1.8\"" +
             (s.dashed ? " stroke-dasharray=\"5,3\"" : "") + " points=\"" + pts + "\"/>";
    if (s.x.size() <= 12 || s.scatter)  // few points (calibration bins): mark them
      for (size_t k = 0; k < s.x.size() && k < s.y.size(); ++k)
        out += "<circle cx=\"" + num(f.px(s.x[k])) + "\" cy=\"" + num(py(s.y[k])) + "\" r=\"" + (s.scatter ? "1.6" : "3") + "\" fill=\"" + color_of(s, i) + "\"" + (s.scatter ? " fill-opacity=\"0.5\"" : "") + "/>";
  }
  return out + legend(f, series) + "</svg>";
}

std::string histogram_chart(const ChartSpec& spec, const std::vector<double>& edges, const std::vector<ChartSeries>& series) {
  ChartSpec s2 = spec;
  if (!s2.y_min) s2.y_min = 0;
  Frame f = frame_for(s2, series, &edges);
  std::string out = axes(s2, f);
  for (size_t i = 0; i < series.size(); ++i)
    for (size_t b = 0; b + 1 < edges.size() && b < series[i].y.size(); ++b) {
      double x = f.px(edges[b]), w = f.px(edges[b + 1]) - x, y = f.py(series[i].y[b]);
      out += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(std::max(0.5, w - 1)) + "\" height=\"" +
             num(std::max(0.0, f.py(f.y0) - y)) + "\" fill=\"" + color_of(series[i], i) + "\" fill-opacity=\"0.45\"/>";
    }
  return out + legend(f, series) + "</svg>";
}

std::string bar_chart(const std::string& title, const std::string& value_label,
                      const std::vector<std::pair<std::string, double>>& bars) {
  int row = 18, left = 170, right = 60, top = 28, w = 560;
  int h = top + row * int(bars.size()) + 30;
  double hi = 0;
  for (const auto& b : bars) hi = std::max(hi, b.second);
  if (hi <= 0) hi = 1;
  std::string out = "<svg class=\"chart\" role=\"img\" width=\"" + std::to_string(w) + "\" height=\"" + std::to_string(h) +
                    "\" viewBox=\"0 0 " + std::to_string(w) + " " + std::to_string(h) +
                    "\" font-family=\"sans-serif\" font-size=\"11\"><title>" + html_escape(title) + "</title>";
  out += "<text x=\"" + std::to_string(w / 2) + "\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">" +
         html_escape(title) + "</text>";
  for (size_t i = 0; i < bars.size(); ++i) {
    double y = top + double(i) * row;
    double len = (w - left - right) * std::max(0.0, bars[i].second) / hi;
    std::string label = bars[i].first.size() > 28 ? bars[i].first.substr(0, 27) + "…" : bars[i].first;
    out += "<text x=\"" + std::to_string(left - 6) + "\" y=\"" + num(y + 12) + "\" text-anchor=\"end\">" + html_escape(label) + "</text>";
    out += "<rect x=\"" + std::to_string(left) + "\" y=\"" + num(y + 2) + "\" width=\"" + num(len) + "\" height=\"" +
           std::to_string(row - 5) + "\" fill=\"" + kPalette[0] + "\"/>";
    out += "<text x=\"" + num(left + len + 4) + "\" y=\"" + num(y + 12) + "\">" + tick_label(bars[i].second) + "</text>";
  }
  out += "<text x=\"" + std::to_string((left + w - right) / 2) + "\" y=\"" + std::to_string(h - 8) +
         "\" text-anchor=\"middle\">" + html_escape(value_label) + "</text>";
  return out + "</svg>";
}

}  // namespace mlpipe
