#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "core/serve/event_history.h"
#include "core/serve/history_log.h"
#include "core/serve/request_rows.h"
#include "core/util/error.h"

using nlohmann::json;
using namespace mlpipe;

namespace {
const double kDay = 86400;
json preprocess() {
  return {{"ingest", {{"label", "fraud"}}},
          {"transforms",
           {{{"op", "window"}, {"entity", "card"}, {"time", "t"}, {"windows", {"1d", "7d"}}},
            {{"op", "label_rate"}, {"entity", "terminal"}, {"time", "t"}, {"windows", {"7d"}}, {"delay", "7d"}},
            {{"op", "ratio"}, {"numerator", "a"}, {"denominator", "b"}, {"name", "r"}}}}};
}
json ev(int id, int card, int terminal) { return {{"id", id}, {"card", card}, {"terminal", terminal}}; }
}  // namespace

TEST_CASE("the history keeps, per entity column, the longest window plus the label delay") {
  HistorySpec s = history_spec(preprocess(), {{"id", "id"}});
  CHECK(s.time == "t");
  CHECK(s.keep_s.at("card") == 7 * kDay);
  CHECK(s.keep_s.at("terminal") == 14 * kDay);
  CHECK(s.id == "id");
  CHECK(s.label == "fraud");
  CHECK_FALSE(history_spec({{"transforms", json::array()}}, json::object()).needed());
}

TEST_CASE("an event is scored on its entities' kept events, each once, and old ones are forgotten") {
  EventHistory h(history_spec(preprocess(), {{"id", "id"}}));
  h.add(ev(1, 10, 100), 0);
  h.add(ev(2, 10, 200), 1 * kDay);
  h.add(ev(3, 11, 100), 2 * kDay);
  json c = h.context(ev(4, 10, 100));
  // card 10: events 1 and 2; terminal 100: events 1 and 3; event 1 once; then the new one.
  REQUIRE(c.size() == 4);
  CHECK(c[0]["id"] == 1);
  CHECK(c[1]["id"] == 2);
  CHECK(c[2]["id"] == 3);
  CHECK(c[3]["id"] == 4);
  // Day 10 for card 10: events of days 0 and 1 are past its 7 days (but 1 stays for terminal 100
  // until day 14).
  h.add(ev(5, 10, 300), 10 * kDay);
  json later = h.context(ev(6, 10, 999));
  REQUIRE(later.size() == 2);
  CHECK(later[0]["id"] == 5);
  CHECK(h.context(ev(7, 99, 100)).size() == 3);  // terminal 100 still has events 1 and 3
  // A label arrives for a kept event (the id as a number or as text is the same id).
  CHECK(h.set_label("3", 1));
  CHECK(h.context(ev(8, 99, 100))[1]["fraud"] == 1);
  CHECK_FALSE(h.set_label("12345", 1));
}

TEST_CASE("the history log takes back what it wrote, drops a torn last line and refuses a foreign one") {
  std::filesystem::path p = std::filesystem::temp_directory_path() / "mlpipe-history-log-test.jsonl";
  std::filesystem::remove(p);
  {
    HistoryLog log(p);
    CHECK(log.entries().empty());
    log.append({json{{"event", ev(1, 10, 100)}}, json{{"label", {{"id", 1}, {"label", 1}}}}});
  }
  { std::ofstream(p, std::ios::app) << "{\"event\": {\"id\": 2, \"ca"; }  // a crash mid-append
  {
    HistoryLog log(p);
    REQUIRE(log.entries().size() == 2);
    CHECK(log.entries()[0]["event"]["id"] == 1);
    CHECK(log.entries()[1]["label"]["label"] == 1);
    log.compact({ev(1, 10, 100)});
    CHECK(log.lines() == 1);
  }
  {
    HistoryLog log(p);
    CHECK(log.entries().size() == 1);  // the torn line is gone for good, and the compaction stayed
  }
  { std::ofstream(p, std::ios::app) << "not json\n{\"event\": {}}\n"; }
  CHECK_THROWS_WITH_AS(HistoryLog{p}, doctest::Contains(":2: not a line of an mlpipe serve history"), ConfigError);
  std::filesystem::remove(p);
}
