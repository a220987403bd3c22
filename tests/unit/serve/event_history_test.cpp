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
    log.compact({json{{"event", ev(1, 10, 100)}}});
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

TEST_CASE("widening the history: a new column and a longer window are complete only after their gap") {
  json only_card = {{"transforms", {{{"op", "window"}, {"entity", "card"}, {"time", "t"}, {"windows", {"2d"}}}}}};
  HistorySpec v1 = history_spec(only_card, {{"id", "id"}});
  HistorySpec v2 = history_spec(preprocess(), {{"id", "id"}});  // card 7d, terminal 14d
  EventHistory h(v1);
  CHECK(h.covers(v1, 0));
  CHECK_FALSE(h.covers(v2, 0));  // terminal is not kept at all
  // Widening before any event loses nothing.
  EventHistory fresh(v1);
  CHECK(fresh.widen(v2, false));
  CHECK(fresh.covers(v2, 0));
  CHECK_FALSE(fresh.widen(v2, false));  // nothing more to keep

  h.add(ev(1, 10, 100), 0);
  h.add(ev(2, 11, 100), 5 * kDay);  // event 1 is past card 10's 2 days now? only when card 10 is seen again
  h.add(ev(3, 10, 200), 5 * kDay);  // card 10 at day 5: event 1 (day 0) is forgotten
  CHECK(h.widen(v2, true));
  // The events kept for cards are the terminals' too: terminal 100 has event 2.
  json c = h.context(ev(9, 99, 100));
  REQUIRE(c.size() == 2);
  CHECK(c[0]["id"] == 2);
  // Terminal: kept from day 5 (the latest event then); its 14 days are whole after day 19.
  CHECK_FALSE(h.covers(v2, 19 * kDay));
  CHECK(h.covers(v2, 19 * kDay + 1));
  // Card: kept for 2 days until day 5 (from day 3 on); its 7 days are whole from day 10.
  HistorySpec card7 = v2;
  card7.keep_s.erase("terminal");
  CHECK_FALSE(h.covers(card7, 10 * kDay - 1));
  CHECK(h.covers(card7, 10 * kDay));
  CHECK(h.covers(v1, 5 * kDay));  // what v1 reads was never cut

  // The retention goes to the log and back: a history set from it judges the same.
  EventHistory back(v1);
  back.set_retention(h.retention(false));
  CHECK_FALSE(back.covers(v2, 19 * kDay));
  CHECK(back.covers(v2, 19 * kDay + 1));
  CHECK_FALSE(back.covers(card7, 10 * kDay - 1));
  CHECK(back.covers(card7, 10 * kDay));
  CHECK_THROWS_AS(back.set_retention(json::object()), ConfigError);  // not a retention

  // A snapshot holds only what is kept: what aged out is a gap too.
  EventHistory g(v2);
  g.add(ev(1, 10, 100), 0);
  g.add(ev(2, 10, 100), 20 * kDay);
  EventHistory whole(v2), snap(v2);
  whole.set_retention(g.retention(false));
  snap.set_retention(g.retention(true));
  CHECK(whole.covers(card7, 7 * kDay));
  CHECK_FALSE(snap.covers(card7, 7 * kDay));  // day 0 aged out: not in the snapshot
  CHECK(snap.covers(card7, 7 * kDay + 1));
  CHECK_THROWS_AS(g.set_retention(g.retention(false)), StepError);  // only before its events

  // Another time column cannot share this history.
  HistorySpec other = v2;
  other.time = "u";
  CHECK_THROWS_WITH_AS(h.widen(other, true), doctest::Contains("time column `u`"), ConfigError);
}

TEST_CASE("an event scored again later is covered only while what its windows read is still kept") {
  HistorySpec v2 = history_spec(preprocess(), {{"id", "id"}});  // card 7d, terminal 14d
  EventHistory h(v2);
  h.add(ev(1, 10, 100), 0);
  CHECK(h.covered_then(v2, 0));
  h.add(ev(3, 11, 101), 20 * kDay);
  CHECK(h.covered_then(v2, 0));  // nothing of card 10 or terminal 100 has aged out yet
  h.add(ev(2, 10, 100), 20 * kDay);
  CHECK_FALSE(h.covered_then(v2, 0));  // day 0's windows read days before it: aged out by day 20
  CHECK(h.covered_then(v2, 20 * kDay));
  CHECK_FALSE(h.whole("card"));  // day 0 aged out of it
  EventHistory fresh(v2);
  fresh.add(ev(1, 10, 100), 0);
  CHECK(fresh.whole("card"));
  CHECK_FALSE(fresh.whole("merchant"));  // not kept at all
  auto cards = fresh.by_entity("card");
  REQUIRE(cards.size() == 1);
  CHECK(cards["10"].size() == 1);
  CHECK((*cards["10"][0].row)["id"] == 1);
}

TEST_CASE("a widening before any event time is known cuts at the next event") {
  json only_card = {{"transforms", {{{"op", "window"}, {"entity", "card"}, {"time", "t"}, {"windows", {"2d"}}}}}};
  EventHistory h(HistorySpec{});  // a model without history features took events
  CHECK(h.widen(history_spec(only_card, json::object()), true));
  h.add(ev(1, 10, 100), 3 * kDay);
  HistorySpec need = history_spec(only_card, json::object());
  CHECK_FALSE(h.covers(need, 5 * kDay));
  CHECK(h.covers(need, 5 * kDay + 1));
}
