#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "core/data/csv_reader.h"
#include "core/data/datetime.h"
#include "core/features/transforms.h"
#include "core/features/window_features.h"

using namespace mlpipe;
using nlohmann::json;

TEST_CASE("datetimes and durations") {
  CHECK(*parse_datetime("1970-01-02") == 86400);
  CHECK(*parse_datetime("2018-04-01 00:00:31") == 1522540831);
  CHECK(*parse_datetime("2018-04-01T00:00:31.5Z") == 1522540831.5);
  CHECK(*parse_datetime("2000-03-01") - *parse_datetime("2000-02-28") == 2 * 86400);  // leap year
  CHECK_FALSE(parse_datetime("2018-13-01"));
  CHECK_FALSE(parse_datetime("01/04/2018"));
  CHECK_FALSE(parse_datetime("2018-04-01 noon"));
  CHECK(*parse_duration("7d") == 7 * 86400);
  CHECK(*parse_duration("30m") == 1800);
  CHECK(*parse_duration("90") == 90);
  CHECK_FALSE(parse_duration("7 days"));
}

TEST_CASE("trailing windows by hand: the event itself counts, the window's far edge does not") {
  // Entity a: day 0, 1, 1.5, 3 with amounts 10, 20, 30, 40; entity b interleaved.
  Table t = parse_csv("id,who,day,amount\n1,a,0,10\n2,b,0.5,100\n3,a,1,20\n4,a,1.5,30\n5,b,5,200\n6,a,3,40\n", "t.csv", {});
  for (auto& v : t.edit("day").num) v *= 86400;
  json spec = {{"op", "window"}, {"entity", "who"}, {"time", "day"}, {"columns", {"amount"}},
               {"windows", {"2d"}}, {"aggs", {"count", "sum", "mean", "max", "min"}}};
  apply_window(spec, t);
  CHECK(t.at("who_count_2d").values() == std::vector<double>{1, 1, 2, 3, 1, 2});
  CHECK(t.at("who_amount_sum_2d").values() == std::vector<double>{10, 100, 30, 60, 200, 70});
  CHECK(t.at("who_amount_mean_2d").value(3) == 20);
  CHECK(t.at("who_amount_max_2d").values() == std::vector<double>{10, 100, 20, 30, 200, 40});
  CHECK(t.at("who_amount_min_2d").values() == std::vector<double>{10, 100, 10, 10, 200, 30});
}

TEST_CASE("delayed label rates use only labels known `delay` before the event, never its own") {
  Table t = parse_csv("who,day,y\nx,0,1\nx,1,0\nx,2,1\nx,9,0\nx,9,1\n", "t.csv", {});
  for (auto& v : t.edit("day").num) v *= 86400;
  apply_label_rate({{"entity", "who"}, {"time", "day"}, {"label", "y"}, {"windows", {"7d"}}, {"delay", "7d"}}, t);
  CHECK(t.at("who_y_rate_7d").values() == std::vector<double>{0, 0, 0, 2.0 / 3, 2.0 / 3});
  CHECK(t.at("who_labelled_7d").values() == std::vector<double>{0, 0, 0, 3, 3});
  Table u = parse_csv("who,day,y\nx,0,1\nx,1,0\nx,2,1\n", "t.csv", {});
  apply_label_rate({{"entity", "who"}, {"time", "day"}, {"label", "y"}, {"windows", {"30d"}}}, u);
  CHECK(u.at("who_y_rate_30d").values() == std::vector<double>{0, 1, 0.5});  // no delay: earlier events only
}

namespace {
Table random_events(unsigned seed, int n) {
  std::mt19937 g(seed);
  std::string text = "who,t,v,y\n";
  for (int i = 0; i < n; ++i)
    text += "e" + std::to_string(g() % 7) + "," + std::to_string(g() % 5000) + "," + std::to_string(g() % 100) +
            "," + std::to_string(g() % 2) + "\n";
  return parse_csv(text, "r.csv", {});
}
}  // namespace

TEST_CASE("windows match a brute-force computation on random events") {
  Table t = random_events(1, 400);
  json spec = {{"entity", "who"}, {"time", "t"}, {"columns", {"v"}}, {"windows", {"700s"}}, {"aggs", {"count", "sum", "max"}}};
  Table w = t;
  apply_window(spec, w);
  const auto& who = t.at("who");
  const auto& tm = t.at("t").num;
  const auto& v = t.at("v").num;
  for (size_t i = 0; i < t.rows(); ++i) {
    double count = 0, sum = 0, mx = -1;
    for (size_t j = 0; j < t.rows(); ++j) {
      bool earlier = tm[j] < tm[i] || (tm[j] == tm[i] && j <= i);  // file order breaks ties
      if (who.codes[j] == who.codes[i] && earlier && tm[j] > tm[i] - 700) {
        count += 1;
        sum += v[j];
        mx = std::max(mx, v[j]);
      }
    }
    CAPTURE(i);
    CHECK(w.at("who_count_700s").value(i) == count);
    CHECK(w.at("who_v_sum_700s").value(i) == sum);
    CHECK(w.at("who_v_max_700s").value(i) == mx);
  }
}

TEST_CASE("no leakage: rewriting the future changes nothing at or before the cut") {
  Table a = random_events(2, 500), b = a;
  double cut = 2500;
  for (size_t i = 0; i < b.rows(); ++i)
    if (b.at("t").num[i] > cut) {
      b.edit("v").num[i] = 1e6;
      b.edit("y").num[i] = 1 - b.at("y").num[i];
    }
  json specs = json::parse(R"([
    {"op": "window", "entity": "who", "time": "t", "columns": ["v"], "windows": ["300s", "2000s"], "aggs": ["count", "sum", "mean", "max"]},
    {"op": "label_rate", "entity": "who", "time": "t", "label": "y", "windows": ["1000s"], "delay": "100s"}
  ])");
  fit_transforms(specs, a, {0}, {});
  fit_transforms(specs, b, {0}, {});
  size_t checked = 0;
  for (size_t i = 0; i < a.rows(); ++i) {
    if (a.at("t").num[i] > cut) continue;
    ++checked;
    for (size_t c = 4; c < a.cols(); ++c) {
      CAPTURE(a.col(c).name);
      CHECK(a.col(c).value(i) == b.col(c).value(i));
    }
  }
  CHECK(checked > 200);
}

TEST_CASE("time_parts: hour, weekday, weekend, night") {
  Table t = parse_csv("ts\n2018-04-01 00:00:31\n2018-04-02 13:05:00\n", "t.csv", {});  // a Sunday, a Monday
  fit_transforms(json::parse(R"([{"op": "time_parts", "time": "ts", "parts": ["hour", "weekday", "weekend", "night"]}])"),
                 t, {0}, {});
  CHECK(t.at("ts_hour").values() == std::vector<double>{0, 13});
  CHECK(t.at("ts_weekday").values() == std::vector<double>{6, 0});
  CHECK(t.at("ts_weekend").values() == std::vector<double>{1, 0});
  CHECK(t.at("ts_night").values() == std::vector<double>{1, 0});
}
