#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "core/data/csv_reader.h"
#include "core/data/row_filter.h"
#include "core/data/table_join.h"
#include "core/util/error.h"

using namespace mlpipe;

namespace {
Table csv(const std::string& text) { return parse_csv(text, "t.csv", CsvOptions{}); }

const std::string kLoans =
    "loan,account,loan_date,y\n"
    "1,a,2018-01-10,0\n"
    "2,b,2018-01-10 12:00:00,1\n"
    "3,a,2018-02-01,1\n"
    "4,c,2018-01-05,0\n";
const std::string kBalances =
    "account,date,balance\n"
    "a,2018-01-01,100\n"
    "a,2018-01-10,150\n"   // the same instant as loan 1: known at its time
    "a,2018-01-20,900\n"
    "b,2018-01-10 12:00:01,5\n"  // one second after loan 2: not known then
    "c,2018-01-06,7\n";

JoinSpec as_of(double delay = 0) {
  JoinSpec s;
  s.left_keys = s.right_keys = {"account"};
  s.columns = {"balance"};
  s.left_time = "loan_date";
  s.right_time = "date";
  s.delay = delay;
  return s;
}
}  // namespace

TEST_CASE("an as-of join takes each entity's latest row at or before the row's time") {
  JoinResult j = join_tables(csv(kLoans), csv(kBalances), as_of());
  const Column& b = j.table.at("balance");
  CHECK(b.num[0] == 150);
  CHECK(std::isnan(b.num[1]));  // b's only row comes a second later
  CHECK(b.num[2] == 900);
  CHECK(std::isnan(b.num[3]));
  CHECK(j.matched == 2);
  // A delay of a day: loan 1 sees only the row of 2018-01-01.
  CHECK(join_tables(csv(kLoans), csv(kBalances), as_of(86400)).table.at("balance").num[0] == 100);
  // max_age: a match older than that counts as none.
  JoinSpec old = as_of();
  old.max_age = 86400.0 * 5;
  CHECK(std::isnan(join_tables(csv(kLoans), csv(kBalances), old).table.at("balance").num[2]));
  // inner: rows without a match are dropped, in order.
  JoinSpec inner = as_of();
  inner.inner = true;
  JoinResult ji = join_tables(csv(kLoans), csv(kBalances), inner);
  CHECK(ji.left_rows == std::vector<uint32_t>{0, 2});
  CHECK(ji.table.at("loan").num == std::vector<double>{1, 3});
}

TEST_CASE("an as-of join is leak-free: rewriting the future changes nothing") {
  Table loans = csv(kLoans);
  JoinResult before = join_tables(loans, csv(kBalances), as_of());
  // Every balance after its loan rewritten, and new future rows added, for every account.
  std::string future =
      "account,date,balance\n"
      "a,2018-01-01,100\n"
      "a,2018-01-10,150\n"
      "a,2018-01-10 00:00:01,-1\n"
      "a,2018-01-20,900\n"
      "a,2018-02-01 00:00:01,-2\n"
      "b,2018-01-10 12:00:01,-3\n"
      "c,2018-01-06,-4\n"
      "c,2030-01-01,-5\n";
  JoinResult after = join_tables(loans, csv(future), as_of());
  const Column& x = before.table.at("balance");
  const Column& y = after.table.at("balance");
  for (size_t r = 0; r < loans.rows(); ++r) {
    INFO("row " << r);
    if (r == 3) continue;  // c's only earlier row is after loan 4's date either way
    CHECK(x.missing(r) == y.missing(r));
    if (!x.missing(r)) CHECK(x.num[r] == y.num[r]);
  }
}

TEST_CASE("a key join takes one row per key and says when a key repeats") {
  Table left = csv("id,acct,v\n1,7,x\n2,8,y\n3,,z\n");
  Table right = csv("account,region,score\n7,east,0.5\n9,west,0.1\n");
  JoinSpec s;
  s.left_keys = {"acct"};
  s.right_keys = {"account"};
  s.columns = {"region", "score"};
  JoinResult j = join_tables(left, right, s);
  CHECK(j.table.at("region").text(0) == "east");
  CHECK(j.table.at("region").missing(1));
  CHECK(j.table.at("region").missing(2));  // a missing key matches nothing
  CHECK(j.table.at("score").num[0] == 0.5);
  CHECK(j.matched == 1);
  Table dup = csv("account,region,score\n7,east,0.5\n7,west,0.1\n");
  CHECK_THROWS_WITH_AS(join_tables(left, dup, s),
                       doctest::Contains("more than one row for key account = 7 (rows 2 and 3 of its file)"), StepError);
  s.columns = {"v"};
  Table clash = csv("account,v\n7,1\n");
  CHECK_THROWS_WITH_AS(join_tables(left, clash, s), doctest::Contains("give the right table's columns a prefix"), StepError);
  s.prefix = "r_";
  CHECK(join_tables(left, clash, s).table.find("r_v") >= 0);
  s.left_keys = {"acount"};
  CHECK_THROWS_WITH_AS(join_tables(left, clash, s), doctest::Contains("join: left key: no column 'acount'"), StepError);
}

TEST_CASE("where: conditions on numbers, datetimes, text and missing values") {
  Table t = csv("amount,when,region,y\n5,2018-08-01,north,1\n-1,2018-07-31 23:59:59,south,\n12.5,,north,0\n,2018-08-02,,1\n");
  CHECK(rows_where(t, parse_where("amount > 0")) == std::vector<uint32_t>{0, 2});
  CHECK(rows_where(t, parse_where("when >= 2018-08-01")) == std::vector<uint32_t>{0, 3});
  CHECK(rows_where(t, parse_where("y is not null and region == 'north'")) == std::vector<uint32_t>{0, 2});
  CHECK(rows_where(t, parse_where("region != north")) == std::vector<uint32_t>{1});  // missing is neither
  CHECK(rows_where(t, parse_where("amount is null")) == std::vector<uint32_t>{3});
  CHECK(rows_where(t, parse_where("region = 'a and b'")).empty());  // "and" inside quotes is text
  CHECK_THROWS_WITH_AS(parse_where("amount >"), doctest::Contains("has no value after >"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_where("amount"), doctest::Contains("is not a condition"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_where("amount => 3"), doctest::Contains("write <= or >="), std::invalid_argument);
  CHECK_THROWS_WITH_AS(rows_where(t, parse_where("amout > 0")), doctest::Contains("did you mean 'amount'"), StepError);
  CHECK_THROWS_WITH_AS(rows_where(t, parse_where("region > a")), doctest::Contains("only == and != compare text"), StepError);
  CHECK_THROWS_WITH_AS(rows_where(t, parse_where("when > soon")), doctest::Contains("is not a date"), StepError);
  CHECK_THROWS_WITH_AS(rows_where(t, parse_where("amount > x1")), doctest::Contains("is not a number"), StepError);
}
