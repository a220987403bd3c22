#include "core/data/datetime.h"

#include <charconv>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace mlpipe {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

inline bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    unsigned d = unsigned(s[i] - '0');
    if (d > 9) return false;
    v = v * 10 + int(d);
  }
  out = v;
  return true;
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

void civil_from_days(long long z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  long long era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = unsigned(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long long yy = (long long)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = int(yy + (m <= 2));
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int month_days(int y, int m) {
  static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : n[m - 1];
}

std::optional<double> compose(int y, int mo, int d, int h, int mi, int sec, double frac, int offset_s) {
  if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  return double(days_from_civil(y, unsigned(mo), unsigned(d))) * 86400.0 + h * 3600.0 + mi * 60.0 + sec + frac -
         offset_s;
}

// Digits after a decimal point at s[pos..]: the fraction and where it ends.
double fraction(std::string_view s, size_t& pos) {
  uint64_t m = 0;
  double scale = 1;
  while (pos < s.size() && unsigned(s[pos] - '0') < 10) {
    if (scale < 1e18) {
      m = m * 10 + unsigned(s[pos] - '0');
      scale *= 10;
    }
    ++pos;
  }
  return double(m) / scale;
}

// "Z", "+hh:mm", "+hhmm", "+hh" (or '-') at s[pos..] to the end; seconds east of UTC.
bool offset(std::string_view s, size_t pos, int& out) {
  out = 0;
  if (pos == s.size()) return true;
  if (s[pos] == 'Z' || s[pos] == 'z') return pos + 1 == s.size();
  if (s[pos] != '+' && s[pos] != '-') return false;
  int sign = s[pos] == '-' ? -1 : 1, hh, mm = 0;
  size_t p = pos + 1;
  if (!digits(s, p, 2, hh)) return false;
  p += 2;
  if (p < s.size() && s[p] == ':') ++p;
  if (p < s.size()) {
    if (!digits(s, p, 2, mm)) return false;
    p += 2;
  }
  if (p != s.size() || hh > 23 || mm > 59) return false;
  out = sign * (hh * 3600 + mm * 60);
  return true;
}

const char* const kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};

}  // namespace

std::optional<double> parse_datetime(std::string_view s) {
  s = trim(s);
  int y, mo, d, h = 0, mi = 0, sec = 0, off = 0;
  if (s.size() < 10 || s[4] != '-' || s[7] != '-' || !digits(s, 0, 4, y) || !digits(s, 5, 2, mo) ||
      !digits(s, 8, 2, d))
    return std::nullopt;
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
      if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        size_t start = pos;
        frac = fraction(s, pos);
        if (pos == start) return std::nullopt;
      }
    }
    if (!offset(s, pos, off)) return std::nullopt;
  }
  return compose(y, mo, d, h, mi, sec, frac, off);
}

std::optional<double> parse_time(std::string_view text, const TimeFormat& f) {
  std::string_view s = trim(text);
  if (f.strptime.empty()) {
    if (auto t = parse_datetime(s)) return t;
    double v;
    std::string_view num = !s.empty() && s[0] == '+' ? s.substr(1) : s;
    auto r = std::from_chars(num.data(), num.data() + num.size(), v);
    if (r.ec != std::errc() || r.ptr != num.data() + num.size() || !std::isfinite(v)) return std::nullopt;
    return v * f.unit;
  }
  int y = 1970, mo = 1, d = 1, h = 0, mi = 0, sec = 0, off = 0, yday = 0;
  double frac = 0;
  size_t p = 0;
  const std::string& fmt = f.strptime;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%' || i + 1 == fmt.size()) {
      if (p >= s.size() || s[p] != fmt[i]) return std::nullopt;
      ++p;
      continue;
    }
    char c = fmt[++i];
    // Numbers take up to their width, fewer when the text has fewer digits ("1/4/2018").
    auto number = [&](size_t width, int& out) {
      size_t n = 0;
      int v = 0;
      while (n < width && p + n < s.size() && unsigned(s[p + n] - '0') < 10) v = v * 10 + (s[p + n++] - '0');
      if (n == 0) return false;
      p += n;
      out = v;
      return true;
    };
    switch (c) {
      case 'Y': if (!number(4, y)) return std::nullopt; break;
      case 'y': if (!number(2, y)) return std::nullopt; y += y < 69 ? 2000 : 1900; break;
      case 'm': if (!number(2, mo)) return std::nullopt; break;
      case 'd': if (!number(2, d)) return std::nullopt; break;
      case 'H': if (!number(2, h)) return std::nullopt; break;
      case 'M': if (!number(2, mi)) return std::nullopt; break;
      case 'S': if (!number(2, sec)) return std::nullopt; break;
      case 'j': if (!number(3, yday) || yday < 1 || yday > 366) return std::nullopt; break;
      case 'f': {
        size_t start = p;
        frac = fraction(s, p);
        if (p == start) return std::nullopt;
        break;
      }
      case 'b': {
        if (p + 3 > s.size()) return std::nullopt;
        std::string m(s.substr(p, 3));
        for (char& ch : m) ch = char(std::tolower(static_cast<unsigned char>(ch)));
        int k = 0;
        while (k < 12 && m != kMonths[k]) ++k;
        if (k == 12) return std::nullopt;
        mo = k + 1;
        p += 3;
        break;
      }
      case 'z': {
        size_t e = p;
        while (e < s.size() && s[e] != ' ') ++e;
        if (!offset(s.substr(0, e), p, off)) return std::nullopt;
        p = e;
        break;
      }
      case '%': if (p >= s.size() || s[p] != '%') return std::nullopt; ++p; break;
      default: return std::nullopt;
    }
  }
  if (p != s.size()) return std::nullopt;
  if (yday) {
    if (yday > (leap(y) ? 366 : 365)) return std::nullopt;
    mo = 1;
    d = 1;
    auto t = compose(y, mo, d, h, mi, sec, frac, off);
    return t ? std::optional<double>(*t + (yday - 1) * 86400.0) : std::nullopt;
  }
  return compose(y, mo, d, h, mi, sec, frac, off);
}

std::string check_time_format(const std::string& fmt) {
  bool any = false;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') continue;
    if (i + 1 == fmt.size()) return "a '%' at the end of the format";
    char c = fmt[++i];
    if (std::string_view("YymdHMSjfbz%").find(c) == std::string_view::npos)
      return std::string("unknown directive %") + c + " (known: %Y %y %m %d %H %M %S %f %j %b %z %%)";
    any = any || c != '%';
  }
  if (!any) return "the format has no directive such as %Y or %d";
  return "";
}

std::string format_datetime(double t) {
  if (!std::isfinite(t)) return "";
  double day_s = std::floor(t / 86400.0);
  long long days = (long long)day_s;
  double rest = t - day_s * 86400.0;
  long long micros = std::llround(rest * 1e6);
  if (micros >= 86400LL * 1000000) {
    ++days;
    micros -= 86400LL * 1000000;
  }
  int y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  long long secs = micros / 1000000, us = micros % 1000000;
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02lld:%02lld:%02lld", y, m, d, secs / 3600, secs / 60 % 60,
                        secs % 60);
  std::string out(buf, size_t(n));
  if (us) {
    char f[8];
    std::snprintf(f, sizeof f, "%06lld", us);
    std::string frac(f);
    while (frac.back() == '0') frac.pop_back();
    out += "." + frac;
  }
  return out;
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
  if (c.type != ColumnType::kCategorical) return c.values();
  std::vector<double> per_code(c.dict.size());
  for (size_t k = 0; k < c.dict.size(); ++k) {
    auto t = parse_datetime(c.dict[k]);
    if (!t)
      throw StepError("column '" + c.name + "': '" + c.dict[k] +
                      "' is not a date/time (expected YYYY-MM-DD[ HH:MM[:SS[.fff]]][Z|+hh:mm] or epoch seconds; "
                      "for another layout declare it on the ingest step: types: {" + c.name +
                      ": {type: datetime, format: \"%d/%m/%Y\"}})");
    per_code[k] = *t;
  }
  std::vector<double> out(c.codes.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = c.codes[i] < 0 ? kNaN : per_code[c.codes[i]];
  return out;
}

std::optional<double> time_bound(const std::string& text) { return parse_time(text, TimeFormat{}); }

}  // namespace mlpipe
