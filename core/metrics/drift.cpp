#include "core/metrics/drift.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/util/error.h"

using nlohmann::json;

namespace mlpipe {
namespace {

constexpr size_t kCdfPoints = 1000;

std::vector<double> present_sorted(const std::vector<double>& values, size_t& missing) {
  std::vector<double> v;
  v.reserve(values.size());
  missing = 0;
  for (double x : values)
    if (std::isnan(x)) ++missing;
    else v.push_back(x);
  std::sort(v.begin(), v.end());
  return v;
}

double share(size_t k, size_t n) { return n ? double(k) / double(n) : 0.0; }

// Shares per bin: missing first, then x <= e[0], e[0] < x <= e[1], ..., x > e.back().
std::vector<double> bin_shares(const std::vector<double>& sorted, size_t missing, const std::vector<double>& edges) {
  size_t n = sorted.size() + missing;
  std::vector<double> out = {share(missing, n)};
  size_t prev = 0;
  for (double e : edges) {
    size_t upto = size_t(std::upper_bound(sorted.begin(), sorted.end(), e) - sorted.begin());
    out.push_back(share(upto - prev, n));
    prev = upto;
  }
  out.push_back(share(sorted.size() - prev, n));
  return out;
}

}  // namespace

double psi(const std::vector<double>& expected, const std::vector<double>& actual) {
  // Empty bins are floored so that a category seen on one side only counts, finitely.
  constexpr double eps = 1e-4;
  double s = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    double e = std::max(expected[i], eps), a = std::max(actual[i], eps);
    if (expected[i] == 0 && actual[i] == 0) continue;
    s += (a - e) * std::log(a / e);
  }
  return s;
}

json profile_numeric(const std::vector<double>& values) {
  size_t missing = 0;
  std::vector<double> v = present_sorted(values, missing);
  json p = {{"kind", "numeric"}, {"rows", values.size()}};
  std::vector<double> edges;
  if (!v.empty())
    for (int d = 1; d <= 9; ++d) {
      double e = v[size_t(std::floor(d / 10.0 * double(v.size() - 1)))];
      if (edges.empty() || e > edges.back()) edges.push_back(e);
    }
  p["edges"] = edges;
  p["shares"] = bin_shares(v, missing, edges);
  // Empirical CDF at up to kCdfPoints values: F(x) = share of present values <= x.
  std::vector<double> xs, fs;
  size_t i = 0;
  while (i < v.size()) {
    size_t target = v.size() <= kCdfPoints ? i : std::max(i, (fs.size() + 1) * v.size() / kCdfPoints - 1);
    double x = v[std::min(target, v.size() - 1)];
    size_t upto = size_t(std::upper_bound(v.begin(), v.end(), x) - v.begin());
    xs.push_back(x);
    fs.push_back(share(upto, v.size()));
    i = upto;
  }
  p["cdf_x"] = xs;
  p["cdf_f"] = fs;
  return p;
}

json profile_categorical(const std::vector<std::string>& values) {
  std::map<std::string, size_t> counts;
  size_t missing = 0;
  for (const auto& s : values)
    if (s.empty()) ++missing;
    else ++counts[s];
  json shares = json::object();
  for (const auto& [k, c] : counts) shares[k] = share(c, values.size());
  return {{"kind", "categorical"}, {"rows", values.size()}, {"missing", share(missing, values.size())}, {"shares", shares}};
}

json profile_column(const Column& c, const std::vector<uint32_t>& rows) {
  if (!c.coded()) {
    std::vector<double> v;
    v.reserve(rows.size());
    for (uint32_t r : rows) v.push_back(c.value(r));
    return profile_numeric(v);
  }
  std::vector<std::string> v;
  v.reserve(rows.size());
  for (uint32_t r : rows) v.push_back(c.text(r));
  return profile_categorical(v);
}

Drift compare_numeric(const json& p, const std::vector<double>& values) {
  size_t missing = 0;
  std::vector<double> v = present_sorted(values, missing);
  std::vector<double> edges = p.at("edges").get<std::vector<double>>();
  Drift d;
  d.psi = psi(p.at("shares").get<std::vector<double>>(), bin_shares(v, missing, edges));
  std::vector<double> xs = p.at("cdf_x").get<std::vector<double>>(), fs = p.at("cdf_f").get<std::vector<double>>();
  if (xs.empty() || v.empty()) return d;
  auto f_ref = [&](double x) {
    size_t k = size_t(std::upper_bound(xs.begin(), xs.end(), x) - xs.begin());
    return k == 0 ? 0.0 : fs[k - 1];
  };
  auto f_new = [&](double x) { return share(size_t(std::upper_bound(v.begin(), v.end(), x) - v.begin()), v.size()); };
  double ks = 0;
  // The sup of |F_new - F_ref| over step functions is reached at a jump of either.
  for (double x : xs) ks = std::max(ks, std::fabs(f_new(x) - f_ref(x)));
  for (size_t i = 0; i < v.size(); ++i)
    if (i + 1 == v.size() || v[i + 1] != v[i]) ks = std::max(ks, std::fabs(f_new(v[i]) - f_ref(v[i])));
  d.ks = ks;
  return d;
}

Drift compare_categorical(const json& p, const std::vector<std::string>& values) {
  std::map<std::string, size_t> counts;
  size_t missing = 0;
  for (const auto& s : values)
    if (s.empty()) ++missing;
    else ++counts[s];
  std::vector<double> expected = {p.at("missing").get<double>()}, actual = {share(missing, values.size())};
  const json& shares = p.at("shares");
  for (const auto& [k, e] : shares.items()) {
    expected.push_back(e.get<double>());
    auto it = counts.find(k);
    actual.push_back(it == counts.end() ? 0.0 : share(it->second, values.size()));
  }
  size_t unseen = 0;  // categories the reference never had share one bin
  for (const auto& [k, c] : counts)
    if (!shares.contains(k)) unseen += c;
  expected.push_back(0.0);
  actual.push_back(share(unseen, values.size()));
  return {psi(expected, actual), std::nullopt};
}

Drift compare_column(const json& p, const Column& c) {
  std::string kind = p.at("kind").get<std::string>();
  if ((kind == "numeric") != !c.coded())
    throw StepError("column '" + c.name + "' is " + column_type_name(c.type) + " here but " + kind + " in the reference");
  if (c.f32) return compare_numeric(p, c.values());
  if (!c.coded()) return compare_numeric(p, c.num);
  std::vector<std::string> v;
  v.reserve(c.size());
  for (size_t r = 0; r < c.size(); ++r) v.push_back(c.text(r));
  return compare_categorical(p, v);
}

}  // namespace mlpipe
