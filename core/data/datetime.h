#pragma once
// Times for event data, as seconds since 1970-01-01 UTC in a double (exact to the microsecond
// for the years 1970-2250), and window lengths such as "30m", "12h", "7d".
//
// Why a double and not int64: every consumer (windows, label delays, splits, sequences) works in
// seconds with durations as doubles; one numeric storage keeps the table's column code (take,
// cache, matrix building) the same for numbers and times, and the values stay exact.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/data/table.h"

namespace mlpipe {

// How a datetime column's text is read. `strptime` empty: ISO 8601 text or epoch numbers in
// units of `unit` seconds (1: seconds, 0.001: milliseconds).
struct TimeFormat {
  std::string strptime;  // e.g. "%y%m%d", "%d/%m/%Y %H:%M"
  double unit = 1;
};

// ISO 8601: "2018-04-01", "2018-04-01 00:00:31", "2018-04-01T00:00:31.250Z",
// "2018-04-01T02:00:31+02:00" (also +0200, +02). nullopt when it is not one.
std::optional<double> parse_datetime(std::string_view text);

// One value under a format: ISO text or a number (strptime empty), or the strptime pattern
// (%Y %y %m %d %H %M %S %f %j %b %z %% and literal characters; %y: 69-99 -> 19xx, else 20xx).
std::optional<double> parse_time(std::string_view text, const TimeFormat& format);

// Checks a strptime pattern; returns what is wrong, or "" when it is usable.
std::string check_time_format(const std::string& strptime);

// "2018-04-01 00:00:31", with ".250" style fractions (down to microseconds) when there are some.
std::string format_datetime(double seconds);

// "45s", "30m", "12h", "7d", "2w", or a plain number of seconds. nullopt when malformed.
std::optional<double> parse_duration(std::string_view text);

// A column as seconds: datetime and numeric columns as they are (numbers are epoch seconds, or
// any increasing unit); text is parsed as ISO datetimes (once per distinct value). Missing stays
// NaN. Throws StepError naming the column and the first value that is not a time.
std::vector<double> time_values(const Column& c);

// A bound in a config (split bounds, filters): ISO text, or a number of epoch seconds.
std::optional<double> time_bound(const std::string& text);

}  // namespace mlpipe
