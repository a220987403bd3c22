#include "core/data/table_join.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

#include "core/data/datetime.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace mlpipe {
namespace {

// One text per row from the key columns; nullopt when any key is missing (matches nothing).
std::vector<std::optional<std::string>> keys_of(const Table& t, const std::vector<std::string>& cols,
                                                const std::string& side) {
  std::vector<const Column*> c;
  for (const auto& name : cols) c.push_back(&t.at(name, "join: " + side + " key"));
  std::vector<std::optional<std::string>> out(t.rows());
  for (size_t r = 0; r < t.rows(); ++r) {
    std::string k;
    bool missing = false;
    for (size_t i = 0; i < c.size() && !missing; ++i) {
      missing = c[i]->missing(r);
      if (i) k += '\x1f';
      k += c[i]->text(r);
    }
    if (!missing) out[r] = std::move(k);
  }
  return out;
}

Column gather(const Column& src, const std::vector<int64_t>& from, const std::string& name) {
  Column c;
  c.name = name;
  c.type = src.type;
  c.dict = src.dict;
  if (src.coded()) {
    c.codes.resize(from.size());
    for (size_t i = 0; i < from.size(); ++i) c.codes[i] = from[i] < 0 ? -1 : src.codes[size_t(from[i])];
  } else {
    c.num.resize(from.size());
    for (size_t i = 0; i < from.size(); ++i)
      c.num[i] = from[i] < 0 ? std::numeric_limits<double>::quiet_NaN() : src.value(size_t(from[i]));
    if (src.f32) c.narrow();  // lossless: the values are floats
  }
  return c;
}

}  // namespace

JoinResult join_tables(const Table& left, const Table& right, const JoinSpec& spec) {
  for (const auto& col : spec.columns) {
    right.at(col, "join: right column");
    if (left.find(spec.prefix + col) >= 0)
      throw StepError("join: both tables have a column '" + spec.prefix + col + "'; give the right table's columns a prefix (prefix: r_) or choose them with columns: [...]");
  }
  auto lk = keys_of(left, spec.left_keys, "left");
  auto rk = keys_of(right, spec.right_keys, "right");
  bool as_of = !spec.left_time.empty();
  std::vector<int64_t> from(left.rows(), -1);
  if (!as_of) {
    std::unordered_map<std::string, int64_t> index;
    for (size_t r = 0; r < right.rows(); ++r) {
      if (!rk[r]) continue;
      auto [it, added] = index.emplace(*rk[r], int64_t(r));
      if (!added) {
        std::string shown = *rk[r];
        std::replace(shown.begin(), shown.end(), '\x1f', ',');
        throw StepError("join: the right table has more than one row for key " + join(spec.right_keys, ",") + " = " +
                        shown + " (rows " + std::to_string(it->second + 2) + " and " + std::to_string(r + 2) +
                        " of its file); a key join takes one row per key; for events use as_of: {time: ..., right_time: ...}");
      }
    }
    for (size_t r = 0; r < left.rows(); ++r)
      if (lk[r])
        if (auto it = index.find(*lk[r]); it != index.end()) from[r] = it->second;
  } else {
    std::vector<double> lt = time_values(left.at(spec.left_time, "join: as_of time"));
    std::vector<double> rt = time_values(right.at(spec.right_time, "join: as_of right_time"));
    // Each entity's right rows in time order (ties keep file order: the later row wins).
    std::unordered_map<std::string, std::vector<uint32_t>> events;
    for (size_t r = 0; r < right.rows(); ++r)
      if (rk[r] && !std::isnan(rt[r])) events[*rk[r]].push_back(uint32_t(r));
    for (auto& [k, rows] : events)
      std::stable_sort(rows.begin(), rows.end(), [&](uint32_t a, uint32_t b) { return rt[a] < rt[b]; });
    for (size_t r = 0; r < left.rows(); ++r) {
      if (!lk[r] || std::isnan(lt[r])) continue;
      auto it = events.find(*lk[r]);
      if (it == events.end()) continue;
      double cutoff = lt[r] - spec.delay;
      const auto& rows = it->second;
      auto after = std::upper_bound(rows.begin(), rows.end(), cutoff, [&](double t, uint32_t e) { return t < rt[e]; });
      if (after == rows.begin()) continue;
      uint32_t e = *(after - 1);
      if (spec.max_age && rt[e] < cutoff - *spec.max_age) continue;
      from[r] = e;
    }
  }
  JoinResult out;
  std::vector<uint32_t> keep;
  for (size_t r = 0; r < left.rows(); ++r) {
    out.matched += from[r] >= 0;
    if (!spec.inner || from[r] >= 0) keep.push_back(uint32_t(r));
  }
  bool all = keep.size() == left.rows();
  out.table = all ? left : left.take(keep);
  std::vector<int64_t> picked(keep.size());
  for (size_t i = 0; i < keep.size(); ++i) picked[i] = from[keep[i]];
  for (const auto& col : spec.columns) out.table.add(gather(right.at(col), picked, spec.prefix + col));
  out.left_rows = std::move(keep);
  return out;
}

}  // namespace mlpipe
