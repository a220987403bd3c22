#pragma once
// A one-row /v1/score body of plain values, read without building a JSON tree: the first half of
// serve's fast path (core/serve/row_program.h is the second). It takes exactly {"row": {...}} or
// {"rows": [{...}]} (whitespace wherever JSON allows it) whose values are numbers, null, or text
// without escapes. Anything else (other keys, explain, escapes, nested values, a BOM, invalid
// JSON or UTF-8, a number out of range) is refused, and the request takes the general path,
// which answers it or says what is wrong. Numbers read as nlohmann::json reads them: an integer
// token as a signed or unsigned 64-bit integer when it fits, else as a double. Duplicate keys
// are not checked here (the row program refuses them). Stateless; thread-safe.
#include <cstdint>
#include <string_view>
#include <vector>

namespace mlpipe {

struct FlatValue {
  enum class Kind { kNull, kInt, kUint, kFloat, kText };
  Kind kind = Kind::kNull;
  int64_t i = 0;          // kInt (a negative integer token, or 0 written "-0")
  uint64_t u = 0;         // kUint (a non-negative integer token)
  double d = 0;           // kFloat
  std::string_view text;  // kText: the bytes between the quotes (no escapes in them)
  // The value as numeric_request_rows reads a JSON number into a numeric column.
  double number() const { return kind == Kind::kFloat ? d : kind == Kind::kUint ? double(u) : double(i); }
};

struct FlatField {
  std::string_view key;
  FlatValue value;
};

// The fields of the body's one row, in body order, into `out` (cleared first); the views point
// into `body`. False: not such a body (take the general path).
bool read_flat_row(std::string_view body, std::vector<FlatField>& out);

}  // namespace mlpipe
