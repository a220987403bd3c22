#include "core/serve/flat_request.h"

#include <charconv>
#include <cmath>

namespace mlpipe {

namespace {

// A cursor over the body; every reader returns false on what it does not take.
struct Reader {
  const char* p;
  const char* end;

  void ws() {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) ++p;
  }
  bool eat(char c) {
    ws();
    if (p == end || *p != c) return false;
    ++p;
    return true;
  }
  bool peek(char c) {
    ws();
    return p < end && *p == c;
  }
  bool literal(std::string_view word) {
    if (size_t(end - p) < word.size() || std::string_view(p, word.size()) != word) return false;
    p += word.size();
    return true;
  }

  // The length of a well-formed UTF-8 sequence at `s` (Unicode's table 3-7, which nlohmann
  // checks too: no overlong forms, no surrogates, nothing past U+10FFFF); 0 when ill-formed.
  static size_t utf8_length(const unsigned char* s, const unsigned char* e) {
    auto in = [&](size_t k, unsigned lo, unsigned hi) { return s + k < e && s[k] >= lo && s[k] <= hi; };
    unsigned c = s[0];
    if (c >= 0xC2 && c <= 0xDF) return in(1, 0x80, 0xBF) ? 2 : 0;
    if (c == 0xE0) return in(1, 0xA0, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
    if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
    if (c == 0xED) return in(1, 0x80, 0x9F) && in(2, 0x80, 0xBF) ? 3 : 0;
    if (c == 0xF0) return in(1, 0x90, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
    if (c >= 0xF1 && c <= 0xF3) return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
    if (c == 0xF4) return in(1, 0x80, 0x8F) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
    return 0;
  }

  // A string without escapes: its bytes between the quotes.
  bool string(std::string_view& out) {
    if (!eat('"')) return false;
    const char* b = p;
    while (p < end && *p != '"') {
      unsigned char c = static_cast<unsigned char>(*p);
      if (c == '\\' || c < 0x20) return false;
      if (c < 0x80) {
        ++p;
        continue;
      }
      size_t n = utf8_length(reinterpret_cast<const unsigned char*>(p), reinterpret_cast<const unsigned char*>(end));
      if (n == 0) return false;
      p += n;
    }
    if (p == end) return false;
    out = std::string_view(b, size_t(p - b));
    ++p;
    return true;
  }

  // A JSON number (RFC 8259's grammar), read as nlohmann reads it.
  bool number(FlatValue& v) {
    const char* b = p;
    if (p < end && *p == '-') ++p;
    if (p == end) return false;
    if (*p == '0') {
      ++p;
    } else if (*p >= '1' && *p <= '9') {
      while (p < end && *p >= '0' && *p <= '9') ++p;
    } else {
      return false;
    }
    bool integral = true;
    if (p < end && *p == '.') {
      integral = false;
      ++p;
      const char* digits = p;
      while (p < end && *p >= '0' && *p <= '9') ++p;
      if (p == digits) return false;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
      integral = false;
      ++p;
      if (p < end && (*p == '+' || *p == '-')) ++p;
      const char* digits = p;
      while (p < end && *p >= '0' && *p <= '9') ++p;
      if (p == digits) return false;
    }
    if (integral) {  // an integer that fits is one; one that does not is read as a double
      if (*b == '-') {
        auto r = std::from_chars(b, p, v.i);
        if (r.ec == std::errc() && r.ptr == p) {
          v.kind = FlatValue::Kind::kInt;
          return true;
        }
      } else {
        auto r = std::from_chars(b, p, v.u);
        if (r.ec == std::errc() && r.ptr == p) {
          v.kind = FlatValue::Kind::kUint;
          return true;
        }
      }
    }
    // Correctly rounded, as strtod is. Out of range either way (overflow, which nlohmann
    // refuses, or underflow, which it reads as 0 or a subnormal): the general path.
    auto r = std::from_chars(b, p, v.d);
    if (r.ec != std::errc() || r.ptr != p || !std::isfinite(v.d)) return false;
    v.kind = FlatValue::Kind::kFloat;
    return true;
  }

  bool value(FlatValue& v) {
    ws();
    if (p == end) return false;
    if (*p == '"') {
      v.kind = FlatValue::Kind::kText;
      return string(v.text);
    }
    if (*p == 'n') {
      v.kind = FlatValue::Kind::kNull;
      return literal("null");
    }
    return number(v);
  }

  bool object(std::vector<FlatField>& out) {
    if (!eat('{')) return false;
    if (eat('}')) return true;
    do {
      FlatField f;
      if (!string(f.key) || !eat(':') || !value(f.value)) return false;
      out.push_back(f);
    } while (eat(','));
    return eat('}');
  }
};

}  // namespace

bool read_flat_row(std::string_view body, std::vector<FlatField>& out) {
  out.clear();
  Reader r{body.data(), body.data() + body.size()};
  std::string_view key;
  if (!r.eat('{') || !r.string(key) || !r.eat(':')) return false;
  if (key == "row") {
    if (!r.object(out)) return false;
  } else if (key == "rows") {
    if (!r.eat('[') || !r.peek('{') || !r.object(out) || !r.eat(']')) return false;
  } else {
    return false;
  }
  if (!r.eat('}')) return false;
  r.ws();
  return r.p == r.end;
}

}  // namespace mlpipe
