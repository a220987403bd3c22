// serve's one-row fast path against the general path it stands in for: RowProgram's features
// against read_request_rows + prepare_table + build_matrix (every transform op it compiles, on
// random rows), and ScoringService::score_text's answer against score()'s, byte for byte.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <set>

#include "core/flow/flow.h"
#include "core/predict/bundle.h"
#include "core/serve/request_rows.h"
#include "core/serve/row_program.h"
#include "core/serve/scoring_service.h"
#include "core/util/error.h"
#include "tests/unit/fuzz_bundle.h"
#include "trainers/builtin.h"

using namespace mlpipe;
using nlohmann::json;

namespace {

const json kPreprocess = json::parse(R"({
  "ingest": {
    "columns": [
      {"name": "id", "type": "numeric"},
      {"name": "grade", "type": "categorical", "categories": ["A", "B", "C"]},
      {"name": "seg", "type": "categorical", "categories": ["1", "2", "2.5", "-3"]},
      {"name": "x", "type": "numeric"},
      {"name": "y", "type": "numeric"},
      {"name": "z", "type": "numeric"},
      {"name": "w", "type": "numeric"},
      {"name": "unused", "type": "numeric"},
      {"name": "target", "type": "numeric"}
    ],
    "id": "id", "label": "target", "na_values": ["", "NA", "null"]
  },
  "transforms": [
    {"op": "ratio", "numerator": "x", "denominator": "y", "name": "r", "store": "float32"},
    {"op": "clip", "columns": ["r"], "lower": [-1], "upper": [10]},
    {"op": "standardize", "columns": ["r"], "mean": [0.3], "std": [1.7]},
    {"op": "clip", "columns": ["w"], "lower": [null], "upper": [3.25]},
    {"op": "standardize", "columns": ["x"], "mean": [3.1], "std": [2.7]},
    {"op": "min_max", "columns": ["w"], "min": [-5], "range": [20.5]},
    {"op": "log1p", "columns": ["z"], "signed": true},
    {"op": "log1p", "columns": ["w"], "signed": false},
    {"op": "fill_missing", "columns": ["z", "w"], "fill": [0.5, -1]},
    {"op": "fill_missing", "columns": ["grade"], "fill": ["D"]},
    {"op": "one_hot", "columns": [{"column": "grade", "categories": ["B", "A", "D"]}]},
    {"op": "drop", "columns": ["y", "grade=A"]}
  ]
})");
const std::vector<std::string> kFeatures = {"x", "r", "z", "w", "grade=B", "grade=D", "seg"};

json manifest_of(const std::vector<std::string>& features) { return json{{"features", features}, {"id", "id"}, {"label", "target"}}; }

// The general path's features of `row`, its id text (when the prepared table has the id) and
// unseen count; throws what it throws.
std::vector<float> general_features(const json& pre, const json& row, std::string* id, bool* has_id, size_t* unseen,
                                    const std::vector<std::string>& features = kFeatures) {
  IngestPlan plan = ingest_plan(pre, &features);
  PreparedData p = prepare_table(read_request_rows(json::array({row}), prediction_csv_options(pre)), plan, "request");
  *unseen = p.unseen_categories;
  *has_id = p.table.find("id") >= 0;
  if (*has_id) *id = p.table.at("id").text(0);
  Frame f;
  f.table = std::move(p.table);
  return build_matrix(f, features, {0}).values;
}

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b)); }

json random_number(std::mt19937_64& rng) {
  switch (rng() % 8) {
    case 0: return 0;
    case 1: return -0.0;
    case 2: return int64_t(rng() % 2001) - 1000;
    case 3: return double(int64_t(rng() % 200001) - 100000) / 64.0;
    case 4: return std::ldexp(double(rng() % 1000000), -int(rng() % 40));
    case 5: return -std::ldexp(double(rng() % 1000000), int(rng() % 40));
    case 6: return uint64_t(rng());
    default: {
      double v;
      uint64_t bits = rng();
      std::memcpy(&v, &bits, sizeof v);
      return std::isfinite(v) ? json(v) : json(1.5);
    }
  }
}

// A value for `column`: absent (nullopt), null, a number, or text.
std::optional<json> random_value(std::mt19937_64& rng, const std::string& column, bool categorical) {
  unsigned k = unsigned(rng() % 20);
  if (k == 0) return std::nullopt;
  if (k == 1) return json();
  if (categorical) {
    static const std::vector<json> texts = {"A", "B", "C", "Q", "NA", "", "1", "2", "2.5", "-3", "Zürich", " B", "B,C", 1, 2, 2.5, -3, 7};
    return texts[rng() % texts.size()];
  }
  if (k == 2) return json("12");  // text in a numeric column: the general path's inference
  return random_number(rng);
}

}  // namespace

namespace {
// Random rows of `columns` (those in `categorical` drawn as categories) through both routes.
void check_routes_agree(const json& pre, const std::vector<std::string>& features, const std::vector<std::string>& columns,
                        const std::set<std::string>& categorical, uint64_t seed) {
  std::unique_ptr<const RowProgram> program =
      RowProgram::compile(ingest_plan(pre, &features), prediction_csv_options(pre), manifest_of(features));
  REQUIRE(program);
  std::mt19937_64 rng(seed);
  size_t taken = 0, refused_by_both = 0;
  for (int i = 0; i < 4000; ++i) {
    json row = json::object();
    for (const std::string& c : columns)
      if (std::optional<json> v = random_value(rng, c, categorical.count(c) > 0)) row[c] = *v;
    if (i % 50 == 0) row["target"] = 1;  // the label: the general path's
    std::string body = json{{"row", row}}.dump();
    std::vector<FlatField> fields;
    RowProgram::Row fast;
    bool ran = read_flat_row(body, fields) && program->run(fields, fast);
    std::string id;
    bool has_id = false;
    size_t unseen = 0;
    std::vector<float> want;
    try {
      want = general_features(pre, row, &id, &has_id, &unseen, features);
    } catch (const Error&) {
      CHECK_MESSAGE(!ran, "the fast path scored a row the table path refuses: " << body);
      ++refused_by_both;
      continue;
    }
    if (!ran) continue;
    ++taken;
    INFO(body);
    REQUIRE(fast.features.size() == want.size());
    for (size_t j = 0; j < want.size(); ++j) CHECK_MESSAGE(same_bits(fast.features[j], want[j]), features[j] << ": " << fast.features[j] << " vs " << want[j]);
    CHECK(fast.has_id == has_id);
    CHECK(fast.id == id);
    CHECK(fast.unseen_categories == unseen);
  }
  CHECK(taken > 1000);  // most rows: the fast path is not a path nobody takes
  CHECK(refused_by_both > 100);
}

}  // namespace

TEST_CASE("the row program gives the features the table path gives, for every op it compiles") {
  check_routes_agree(kPreprocess, kFeatures, {"id", "grade", "seg", "x", "y", "z", "w", "unused"}, {"grade", "seg"}, 2026);
}

TEST_CASE("a text id is answered as sent, seen in training or not, and a null is missing without \"\" among the NA values") {
  // Training read "" as a category here (na_values: NA only): a null must still be missing.
  json pre = kPreprocess;
  pre["ingest"]["columns"][0] = json{{"name", "id"}, {"type", "categorical"}, {"categories", {"A", "Q"}}};
  pre["ingest"]["columns"][1]["categories"] = {"A", "B", "C", ""};
  pre["ingest"]["na_values"] = {"NA"};
  check_routes_agree(pre, kFeatures, {"id", "grade", "seg", "x", "y", "z", "w", "unused"}, {"id", "grade", "seg"}, 7);

  std::unique_ptr<const RowProgram> program =
      RowProgram::compile(ingest_plan(pre, &kFeatures), prediction_csv_options(pre), manifest_of(kFeatures));
  REQUIRE(program);
  std::string id;
  bool has_id = false;
  size_t unseen = 0;
  general_features(pre, json{{"id", "app-77"}, {"grade", "B"}, {"seg", "1"}, {"x", 1}, {"y", 2}, {"z", 3}, {"w", 4}}, &id, &has_id, &unseen);
  CHECK(id == "app-77");  // a new application keeps its id
  CHECK(unseen == 0);     // and is no unseen category
  std::vector<FlatField> fields;
  RowProgram::Row fast;
  REQUIRE(read_flat_row(R"({"row": {"id": "app-77", "grade": "B", "seg": "1", "x": 1, "y": 2, "z": 3, "w": 4}})", fields));
  REQUIRE(program->run(fields, fast));
  CHECK(fast.id == "app-77");
  CHECK(fast.unseen_categories == 0);
  // null and "NA" are missing (filled with D by the transforms); "" is the category "" (unseen by one_hot: none set)
  auto grade_d = [&](const json& grade) {
    json row = {{"id", "a"}, {"grade", grade}, {"seg", "1"}, {"x", 1}, {"y", 2}, {"z", 3}, {"w", 4}};
    return general_features(pre, row, &id, &has_id, &unseen)[5];
  };
  CHECK(grade_d(json()) == 1.0f);
  CHECK(grade_d("NA") == 1.0f);
  CHECK(grade_d("") == 0.0f);
}

TEST_CASE("bundles the row program does not reproduce exactly are left to the table path") {
  auto compiled = [](json pre, json manifest = manifest_of(kFeatures)) {
    return RowProgram::compile(ingest_plan(pre, &kFeatures), prediction_csv_options(pre), manifest) != nullptr;
  };
  CHECK(compiled(kPreprocess));
  json pre = kPreprocess;
  pre["transforms"].push_back(json::parse(R"({"op": "window", "entity": "seg", "time": "x", "windows": ["1d"], "store": "float32"})"));
  CHECK_FALSE(compiled(pre));  // history: the events route
  pre = kPreprocess;
  pre["transforms"].push_back(json::parse(R"({"op": "time_parts", "time": "x", "parts": ["hour"], "store": "float32"})"));
  CHECK_FALSE(compiled(pre));
  pre = kPreprocess;
  pre["transforms"].push_back(json::parse(R"({"op": "one_hot", "columns": [{"column": "x", "categories": ["1"]}]})"));
  CHECK_FALSE(compiled(pre));  // a number's category text
  pre = kPreprocess;
  pre["ingest"]["na_values"].push_back("-999");
  CHECK_FALSE(compiled(pre));  // a number that reads as missing
  pre = kPreprocess;
  pre["ingest"]["na_values"] = json::array();
  CHECK_FALSE(compiled(pre));  // nothing reads as missing: a null is the table path's error
  pre = kPreprocess;
  pre["ingest"]["na_values"] = {"NA"};
  CHECK(compiled(pre));  // a null is written as NA on the CSV route: missing on both
  pre = kPreprocess;
  pre["transforms"][0]["numerator"] = "grade";
  CHECK_FALSE(compiled(pre));  // the table path's error
  pre = kPreprocess;
  pre["transforms"][0]["name"] = "id";
  CHECK_FALSE(compiled(pre));  // the id replaced
  json m = manifest_of(kFeatures);
  m["sequence"] = true;
  CHECK_FALSE(compiled(kPreprocess, m));
  m = manifest_of(kFeatures);
  m["classes"] = {"a", "b", "c"};
  CHECK_FALSE(compiled(kPreprocess, m));
  CHECK_FALSE(compiled(kPreprocess, manifest_of({"x", "nope"})));
}

TEST_CASE("score_text answers exactly what score() answers, or leaves the request to it") {
  register_builtin_trainers();
  ServedModel m;
  m.dir = fuzz_bundle_copy("row-program");
  ScoringService service(m);
  std::mt19937_64 rng(7);
  size_t taken = 0;
  for (int i = 0; i < 1500; ++i) {
    json row = json::object();
    for (const char* c : {"loan_id", "region", "income", "debt", "age"})
      if (std::optional<json> v = random_value(rng, c, std::string(c) == "region")) row[c] = *v;
    if (i % 3 == 0) row["region"] = std::vector<std::string>{"east", "south", "west, coast", "north"}[rng() % 4];
    std::string body = (i % 2 ? json{{"row", row}} : json{{"rows", json::array({row})}}).dump(i % 4 == 0 ? 1 : -1);
    std::optional<std::string> fast = service.score_text(body);
    std::string general;
    try {
      general = service.score(json::parse(body)).dump();
    } catch (const Error& e) {
      CHECK_MESSAGE(!fast, "the fast path answered a request the general path refuses (" << e.what() << "): " << body);
      continue;
    }
    if (!fast) continue;
    ++taken;
    CHECK_MESSAGE(*fast == general, body);
  }
  CHECK(taken > 500);
  for (const char* declined : {R"({"row": {"income": 1, "debt": 1, "age": 3, "region": "east"}, "explain": 2})",
                               R"({"row": {"incme": 1, "debt": 1, "age": 3, "region": "east"}})",
                               R"({"row": {"income": 1}})", R"({"row": {"income": "lots", "debt": 1, "age": 3, "region": "east"}})",
                               R"({"row": {"income": 1, "income": 2, "debt": 1, "age": 3, "region": "east"}})",
                               R"({"row": {"income": 1, "debt": 1, "age": 3, "region": "east", "defaulted": 1}})"})
    CHECK_MESSAGE(!service.score_text(declined), declined);
  CHECK(service.score_text(R"({"row": {"income": 1, "debt": 1, "age": 3, "region": "west, coast"}})").has_value());
}
