#pragma once
// Times for event data: ISO dates/datetimes or epoch numbers, as seconds since 1970 (UTC), and
// window lengths such as "30m", "12h", "7d".
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/data/table.h"

namespace mlpipe {

// "2018-04-01", "2018-04-01 00:00:31", "2018-04-01T00:00:31.250Z"; no time zones besides Z.
std::optional<double> parse_datetime(std::string_view text);

// "45s", "30m", "12h", "7d", "2w", or a plain number of seconds. nullopt when malformed.
std::optional<double> parse_duration(std::string_view text);

// A column as seconds: numbers are taken as they are (epoch seconds, or any increasing unit);
// text is parsed as datetimes (once per distinct value). Missing stays NaN. Throws StepError
// naming the column and the first value that is not a time.
std::vector<double> time_values(const Column& c);

}  // namespace mlpipe
