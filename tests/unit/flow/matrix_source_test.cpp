#include <doctest/doctest.h>

#include <cmath>
#include <cstring>

#include "core/flow/flow.h"

using namespace mlpipe;

// matrix_source's batches hold each cell's as_double rounded to float32, for every storage
// (float64, narrowed float32, categorical codes with missing ones) and any rows, over ranges that
// start and end inside its blocks of rows.
TEST_CASE("matrix_source fills any range of rows with each column's values as float32") {
  const size_t n = 3000;
  Frame f;
  Column wide{"wide"}, narrow{"narrow"}, cat{"cat"};
  cat.type = ColumnType::kCategorical;
  cat.dict = {"a", "b", "c"};
  for (size_t i = 0; i < n; ++i) {
    wide.num.push_back(i % 17 == 0 ? std::nan("") : std::sin(double(i)) * 1e3 + 1.0 / 3.0);
    narrow.num.push_back(i % 13 == 0 ? std::nan("") : double(i) / 7.0);
    cat.codes.push_back(i % 11 == 0 ? -1 : int32_t(i % 3));
  }
  narrow.narrow();
  f.table.add(std::move(wide));
  f.table.add(std::move(narrow));
  f.table.add(std::move(cat));
  std::vector<uint32_t> rows;
  for (size_t i = 0; i < n; ++i) rows.push_back(uint32_t((i * 7919) % n));  // every row, shuffled
  std::vector<std::string> names = {"cat", "wide", "narrow"};
  FeatureMatrix m = matrix_source(f, names, rows);
  REQUIRE(m.fill);
  CHECK(m.rows == n);
  CHECK(m.cols == 3);
  for (auto [begin, end] : {std::pair<size_t, size_t>{0, n}, {5, 1030}, {1023, 2049}, {2999, 3000}}) {
    std::vector<float> out((end - begin) * 3, -1.0f);
    m.fill(begin, end, out.data());
    size_t bad = 0;
    for (size_t r = begin; r < end; ++r)
      for (size_t c = 0; c < 3; ++c) {
        float want = static_cast<float>(f.table.at(names[c], "t").as_double(rows[r]));
        float got = out[(r - begin) * 3 + c];
        if (std::memcmp(&want, &got, sizeof want) != 0) ++bad;
      }
    CHECK_MESSAGE(bad == 0, "range ", begin, "..", end);
  }
}
