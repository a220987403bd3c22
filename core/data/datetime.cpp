#include "core/data/datetime.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace mlpipe {
namespace {

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  auto r = std::from_chars(s.data() + pos, s.data() + pos + n, out);
  return r.ec == std::errc() && r.ptr == s.data() + pos + n;
}

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's algorithm).
long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  long long era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = unsigned(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (long long)doe - 719468;
}

}  // namespace

std::optional<double> parse_datetime(std::string_view s) {
  s = trim(s);
  int y, mo, d, h = 0, mi = 0, sec = 0;
  if (s.size() < 10 || s[4] != '-' || s[7] != '-' || !digits(s, 0, 4, y) || !digits(s, 5, 2, mo) ||
      !digits(s, 8, 2, d))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  double frac = 0;
  size_t pos = 10;
  if (pos < s.size()) {
    if (s[pos] != ' ' && s[pos] != 'T') return std::nullopt;
    if (!digits(s, pos + 1, 2, h) || s.size() < pos + 6 || s[pos + 3] != ':' || !digits(s, pos + 4, 2, mi))
      return std::nullopt;
    pos += 6;
    if (pos < s.size() && s[pos] == ':') {
      if (!digits(s, pos + 1, 2, sec)) return std::nullopt;
      pos += 3;
      if (pos < s.size() && s[pos] == '.') {
        size_t start = pos;
        ++pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
        std::string f = "0" + std::string(s.substr(start, pos - start));
        frac = std::stod(f);
      }
    }
    if (pos < s.size() && s[pos] == 'Z') ++pos;
    if (pos != s.size()) return std::nullopt;
    if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
  }
  return double(days_from_civil(y, unsigned(mo), unsigned(d))) * 86400.0 + h * 3600.0 + mi * 60.0 + sec + frac;
}

std::optional<double> parse_duration(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  double unit = 1;
  switch (s.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'w': unit = 7 * 86400; break;
    default: unit = 0;
  }
  std::string_view num = unit ? s.substr(0, s.size() - 1) : s;
  if (!unit) unit = 1;
  double v;
  auto r = std::from_chars(num.data(), num.data() + num.size(), v);
  if (r.ec != std::errc() || r.ptr != num.data() + num.size() || v < 0) return std::nullopt;
  return v * unit;
}

std::vector<double> time_values(const Column& c) {
  if (c.type == ColumnType::kNumeric) return c.num;
  std::vector<double> per_code(c.dict.size());
  for (size_t k = 0; k < c.dict.size(); ++k) {
    auto t = parse_datetime(c.dict[k]);
    if (!t)
      throw StepError("column '" + c.name + "': '" + c.dict[k] +
                      "' is not a date/time (expected YYYY-MM-DD[ HH:MM[:SS[.fff]]] or epoch seconds)");
    per_code[k] = *t;
  }
  std::vector<double> out(c.codes.size());
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = c.codes[i] < 0 ? std::numeric_limits<double>::quiet_NaN() : per_code[c.codes[i]];
  return out;
}

}  // namespace mlpipe
