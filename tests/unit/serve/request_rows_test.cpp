#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "core/serve/request_rows.h"

using nlohmann::json;
using namespace mlpipe;

namespace {
// Same columns, types, dictionaries and values, bit for bit (NaN equal to NaN).
void require_same(const Table& a, const Table& b) {
  REQUIRE(a.names() == b.names());
  REQUIRE(a.rows() == b.rows());
  for (size_t c = 0; c < a.cols(); ++c) {
    const Column& x = a.col(c);
    const Column& y = b.col(c);
    INFO("column " << x.name);
    REQUIRE(x.type == y.type);
    REQUIRE(x.codes == y.codes);
    REQUIRE(x.dict == y.dict);
    REQUIRE(x.num.size() == y.num.size());
    for (size_t r = 0; r < x.num.size(); ++r) {
      INFO("row " << r << ": " << x.num[r] << " vs " << y.num[r]);
      CHECK(std::memcmp(&x.num[r], &y.num[r], sizeof(double)) == 0);
    }
  }
}

double random_finite(std::mt19937_64& rng) {
  for (;;) {
    uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    if (std::isfinite(v)) return v;
  }
}
}  // namespace

TEST_CASE("rows of numbers read directly give the table the CSV reader gives them") {
  CHECK(numeric_request_rows(json::parse(R"([{"a": 1, "b": null}])"), CsvOptions()).has_value());
  std::mt19937_64 rng(7);
  json rows = json::array();
  for (int r = 0; r < 300; ++r) {
    json row = json::object();
    // Any bit pattern, integers (beyond 2^53 too), nulls, absent keys and keys in any order.
    row["any"] = random_finite(rng);
    if (r % 3) row["int"] = int64_t(rng()) >> (r % 64);
    row["uint"] = uint64_t(rng());
    row["small"] = std::ldexp(double(rng() % 1000), -1070);  // subnormal
    row["zero"] = r % 2 ? -0.0 : 0.0;
    if (r % 5 == 0) row["late"] = json();
    if (r % 7 == 0) row["late"] = r * 0.1;
    // Categories sent as numbers (SEX: 2): texts "2", "2.5", "-0", in order of first appearance.
    if (r % 4) row["category"] = r % 11 == 0 ? json() : r % 3 == 0 ? json(2.5) : r % 5 ? json(r % 6) : json(-0.0);
    rows.push_back(row);
  }
  CsvOptions opt;
  opt.types["category"] = ColumnType::kCategorical;
  std::optional<Table> direct = numeric_request_rows(rows, opt);
  REQUIRE(direct.has_value());
  require_same(*direct, read_request_rows_as_csv(rows, opt));
}

TEST_CASE("rows that need the reader's rules take the CSV route") {
  CsvOptions opt;
  SUBCASE("text") {
    json rows = json::parse(R"([{"a": 1, "b": "x"}, {"a": 2.5, "b": "y"}])");
    CHECK_FALSE(numeric_request_rows(rows, opt).has_value());
    Table t = read_request_rows(rows, opt);
    CHECK(t.col(1).type == ColumnType::kCategorical);
    require_same(t, read_request_rows_as_csv(rows, opt));
  }
  SUBCASE("a declared datetime column holding numbers") {
    opt.types["a"] = ColumnType::kDatetime;
    opt.time_formats["a"].unit = 0.001;
    json rows = json::parse(R"([{"a": 1700000000000, "b": 2}])");
    CHECK_FALSE(numeric_request_rows(rows, opt).has_value());
    Table t = read_request_rows(rows, opt);
    CHECK(t.at("a", "").type == ColumnType::kDatetime);
    CHECK(t.at("a", "").num[0] == 1700000000.0);
    require_same(t, read_request_rows_as_csv(rows, opt));
  }
  SUBCASE("a number that is an NA value") {
    opt.na_values.push_back("-999");
    json rows = json::parse(R"([{"a": -999, "b": 2}])");
    CHECK_FALSE(numeric_request_rows(rows, opt).has_value());
    Table t = read_request_rows(rows, opt);
    CHECK(std::isnan(t.at("a", "").num[0]));
    require_same(t, read_request_rows_as_csv(rows, opt));
  }
}

TEST_CASE("a request's keys are not renamed by the header positions of the training file") {
  // header_names name a file's unnamed first column; a request's first key is no such column.
  CsvOptions opt;
  opt.header_names[1] = "row_number";
  for (const char* body : {R"([{"LIMIT_BAL": 20000, "AGE": 24}])", R"([{"LIMIT_BAL": 20000, "AGE": "24"}])"}) {
    Table t = read_request_rows(json::parse(body), opt);
    CHECK(t.find("LIMIT_BAL") >= 0);
    CHECK(t.find("AGE") >= 0);
    CHECK(t.find("row_number") < 0);
  }
}

TEST_CASE("null and a key a row lacks are missing on both routes, whatever the NA values are") {
  CsvOptions opt;
  opt.na_values = {"NA"};  // training read "" as a value (text), and NA as missing
  opt.types["city"] = ColumnType::kCategorical;
  json rows = json::parse(R"([{"income": null, "city": null}, {"income": 2000, "city": ""}, {"city": "lyon"}])");
  CHECK(null_field(opt) == std::optional<std::string>("NA"));
  Table csv = read_request_rows_as_csv(rows, opt);  // the text "city" forces the CSV route
  const Column& income = csv.at("income", "");
  CHECK(income.type == ColumnType::kNumeric);  // a null is no text in a numeric column
  CHECK(std::isnan(income.num[0]));
  CHECK(income.num[1] == 2000.0);
  CHECK(std::isnan(income.num[2]));  // lacking: missing too
  const Column& city = csv.at("city", "");
  CHECK(city.missing(0));
  CHECK_FALSE(city.missing(1));  // "" is a category here
  CHECK(city.text(1) == "");
  CHECK(city.text(2) == "lyon");
  // Numbers and nulls only: the direct route gives the same table.
  json numbers = json::parse(R"([{"income": null, "age": 3}, {"income": 2000}])");
  opt.types.clear();
  require_same(*numeric_request_rows(numbers, opt), read_request_rows_as_csv(numbers, opt));

  SUBCASE("\"\" among the NA values: an empty field") {
    opt.na_values = {"NA", ""};
    CHECK(null_field(opt) == std::optional<std::string>(""));
  }
  SUBCASE("no NA values: a null is an error naming its row and key, on every route") {
    opt.na_values.clear();
    CHECK_FALSE(null_field(opt).has_value());
    CHECK_FALSE(numeric_request_rows(numbers, opt).has_value());
    CHECK_THROWS_WITH_AS(read_request_rows(numbers, opt), doctest::Contains("rows[0].income: null"), std::exception);
    CHECK_THROWS_WITH_AS(read_request_rows(json::parse(R"([{"a": 1, "b": 2}, {"a": 3}])"), opt),
                         doctest::Contains("rows[1] has no `b`"), std::exception);
  }
}

TEST_CASE("with a decimal comma a request's numbers are written as the training file wrote them") {
  CsvOptions opt;
  opt.decimal = ',';
  opt.types["grade"] = ColumnType::kCategorical;
  json rows = json::parse(R"([{"x": 3.5, "n": 12, "grade": 2.5, "t": "1,25"}])");
  CHECK_FALSE(numeric_request_rows(rows, opt).has_value());  // the CSV route, which knows the notation
  Table t = read_request_rows(rows, opt);
  CHECK(t.at("x", "").num[0] == 3.5);
  CHECK(t.at("n", "").num[0] == 12.0);
  CHECK(t.at("t", "").num[0] == 1.25);      // text as the file writes it is a number
  CHECK(t.at("grade", "").text(0) == "2,5");  // the category's text in the training file
  CHECK(request_cell(json(0.1), 0, "x", ',') == "0,1");
  CHECK(request_cell(json(1e-7), 0, "x", ',') == "1e-07");
}
