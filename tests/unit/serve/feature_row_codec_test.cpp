#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "core/serve/feature_row_codec.h"
#include "core/util/error.h"

using nlohmann::json;
using namespace mlpipe;

namespace {
uint64_t bits(double v) {
  uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}
}  // namespace

TEST_CASE("a feature row goes to JSON and back bit for bit: NaN, infinities, -0, denormals, codes") {
  const double values[] = {0.1, -0.0, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::denorm_min(), 1e308,
                           1703980800.0};
  Table t;
  for (size_t i = 0; i < std::size(values); ++i) {
    Column c;
    c.name = "x" + std::to_string(i);
    c.type = i + 1 == std::size(values) ? ColumnType::kDatetime : ColumnType::kNumeric;
    c.num = {values[i]};
    t.add(std::move(c));
  }
  Column cat;
  cat.name = "merchant";
  cat.type = ColumnType::kCategorical;
  cat.codes = {-1};
  cat.dict = {"a", "b"};
  t.add(std::move(cat));
  // Through text, as the history log keeps it.
  Table back = decode_feature_row(json::parse(encode_feature_row(t).dump()), "test");
  REQUIRE(back.cols() == t.cols());
  REQUIRE(back.rows() == 1);
  for (size_t c = 0; c + 1 < t.cols(); ++c) {
    CHECK(back.col(c).name == t.col(c).name);
    CHECK(back.col(c).type == t.col(c).type);
    CHECK(bits(back.col(c).num[0]) == bits(t.col(c).num[0]));
  }
  CHECK(back.col(t.cols() - 1).codes == std::vector<int32_t>{-1});
  CHECK(back.col(t.cols() - 1).type == ColumnType::kCategorical);
}

TEST_CASE("a feature row that encode_feature_row did not make is refused with what is wrong") {
  CHECK_THROWS_WITH_AS(decode_feature_row(json::object(), "window of 7"), doctest::Contains("window of 7"), ConfigError);
  auto row = [](const char* type, json value) {
    return json{{"columns", json::array({json::array({"x", type})})}, {"values", json::array({value})}};
  };
  json bad = row("numeric", "12");
  CHECK_THROWS_WITH_AS(decode_feature_row(bad, "w"), doctest::Contains("16 hex digits"), ConfigError);
  bad = row("numeric", "zzzzzzzzzzzzzzzz");
  CHECK_THROWS_AS(decode_feature_row(bad, "w"), ConfigError);
  bad = row("text", "0000000000000000");
  CHECK_THROWS_WITH_AS(decode_feature_row(bad, "w"), doctest::Contains("unknown column type"), ConfigError);
  bad = row("categorical", "0000000000000000");
  CHECK_THROWS_WITH_AS(decode_feature_row(bad, "w"), doctest::Contains("integer"), ConfigError);
}
