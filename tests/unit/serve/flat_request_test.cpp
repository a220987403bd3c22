// read_flat_row, serve's tree-free reading of a one-row body: which bodies it takes, and that
// every number it takes is the double nlohmann::json (the general path) reads, bit for bit.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <nlohmann/json.hpp>

#include "core/serve/flat_request.h"
#include "core/util/strings.h"

using namespace mlpipe;
using nlohmann::json;

namespace {
bool takes(const std::string& body) {
  std::vector<FlatField> f;
  return read_flat_row(body, f);
}

// numeric_request_rows's reading of a JSON number.
double as_general_path_reads(const json& v) {
  return v.is_number_float() ? v.get<double>() : v.is_number_unsigned() ? double(v.get<uint64_t>()) : double(v.get<int64_t>());
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }
}  // namespace

TEST_CASE("a one-row body of plain values is read field by field, in body order") {
  std::vector<FlatField> f;
  REQUIRE(read_flat_row(" {\"row\" :\n{\"a\": 1, \"b\":-2.5e3,\"c\" : null, \"d\": \"east\", \"e\": -0, \"f\": \"Zürich\"}\t} ", f));
  REQUIRE(f.size() == 6);
  CHECK(f[0].key == "a");
  CHECK(f[0].value.kind == FlatValue::Kind::kUint);
  CHECK(f[0].value.number() == 1.0);
  CHECK(f[1].value.kind == FlatValue::Kind::kFloat);
  CHECK(f[1].value.number() == -2500.0);
  CHECK(f[2].value.kind == FlatValue::Kind::kNull);
  CHECK(f[3].value.kind == FlatValue::Kind::kText);
  CHECK(f[3].value.text == "east");
  CHECK(f[4].value.kind == FlatValue::Kind::kInt);  // as nlohmann reads "-0": the integer 0
  CHECK_FALSE(std::signbit(f[4].value.number()));
  CHECK(f[5].value.text == "Zürich");
  REQUIRE(read_flat_row(R"({"rows": [ {"x": 18446744073709551615, "y": -9223372036854775808, "z": 18446744073709551616} ]})", f));
  CHECK(f[0].value.kind == FlatValue::Kind::kUint);
  CHECK(f[1].value.kind == FlatValue::Kind::kInt);
  CHECK(f[2].value.kind == FlatValue::Kind::kFloat);  // past uint64: a double, as nlohmann reads it
  REQUIRE(read_flat_row(R"({"row": {}})", f));
  CHECK(f.empty());
}

TEST_CASE("any other body is left to the general path") {
  for (const char* body : {
           "",                                           // nothing
           "{bad",                                       // not JSON
           R"({"row": {"a": 1}} x)",                     // trailing text
           R"({"row": {"a": 1}, "explain": 3})",         // reasons asked
           R"({"explain": 3, "row": {"a": 1}})",
           R"({"rows": [{"a": 1}, {"a": 2}]})",          // a batch
           R"({"rows": []})",
           R"({"rowz": {"a": 1}})",                      // a misspelt key: the general path names it
           R"({"row": [1]})",
           R"({"row": {"a": [1]}})",                     // nested
           R"({"row": {"a": {"b": 1}}})",
           R"({"row": {"a": true}})",                    // booleans are read as text by the CSV route
           R"({"row": {"a": "x\"y"}})",                  // an escape
           R"({"row": {"a\u0041": 1}})",
           "{\"row\": {\"a\": \"x\ty\"}}",               // a raw control character: invalid JSON
           "{\"row\": {\"a\": \"\xC3\"}}",               // invalid UTF-8
           "{\"row\": {\"a\": \"\xED\xA0\x80\"}}",       // a surrogate
           "{\"row\": {\"a\": \"\xC0\xAF\"}}",           // an overlong form
           "\xEF\xBB\xBF{\"row\": {\"a\": 1}}",          // a byte order mark
           R"({"row": {"a": 01}})",                      // numbers JSON does not allow
           R"({"row": {"a": 1.}})",
           R"({"row": {"a": .5}})",
           R"({"row": {"a": +1}})",
           R"({"row": {"a": -}})",
           R"({"row": {"a": 1e}})",
           R"({"row": {"a": NaN}})",
           R"({"row": {"a": Infinity}})",
           R"({"row": {"a": 1e400}})",                   // overflow: nlohmann refuses it
           R"({"row": {"a": 1e-400}})",                  // underflow: the general path reads it
           R"({"row": {"a": 1,}})",
           R"({"row": {"a" 1}})",
           R"({"row": {"a": nul}})",
       })
    CHECK_MESSAGE(!takes(body), body);
}

TEST_CASE("every number read is the double the general path reads") {
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int> pick(0, 5);
  for (int i = 0; i < 20000; ++i) {
    std::string token;
    switch (pick(rng)) {
      case 0: {  // any finite double, shortest and long forms
        double v;
        uint64_t bits = rng();
        std::memcpy(&v, &bits, sizeof v);
        if (!std::isfinite(v)) continue;
        char buf[64];
        std::snprintf(buf, sizeof buf, i % 2 ? "%.17g" : "%.6e", v);
        token = i % 3 ? format_double(v) : buf;
        break;
      }
      case 1: token = std::to_string(int64_t(rng())); break;
      case 2: token = std::to_string(rng()); break;
      case 3: token = std::to_string(rng()) + std::to_string(rng() % 1000); break;  // past 64 bits
      case 4: token = "-" + std::to_string(rng() % 100000) + "." + std::to_string(rng() % 1000000) + "e-" + std::to_string(rng() % 300); break;
      default: token = std::to_string(rng() % 1000) + "E+" + std::to_string(rng() % 20); break;
    }
    if (token.find("inf") != std::string::npos || token.find("nan") != std::string::npos) continue;
    std::string body = "{\"row\": {\"v\": " + token + "}}";
    std::vector<FlatField> f;
    json general;
    try {
      general = json::parse(body);
    } catch (const json::exception&) {
      CHECK_MESSAGE(!read_flat_row(body, f), body);
      continue;
    }
    if (!read_flat_row(body, f)) continue;  // left to the general path: always allowed
    REQUIRE(f.size() == 1);
    INFO(body);
    CHECK(same_bits(f[0].value.number(), as_general_path_reads(general["row"]["v"])));
    CHECK((f[0].value.kind == FlatValue::Kind::kFloat) == general["row"]["v"].is_number_float());
  }
}
