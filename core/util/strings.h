#pragma once
// Small string helpers shared across mlpipe: did-you-mean suggestions, trimming, joining.
#include <string>
#include <string_view>
#include <vector>

namespace mlpipe {

// Edit distance: insert, delete, substitute or swap two neighbours, each costing 1.
size_t edit_distance(std::string_view a, std::string_view b);

// The closest candidate if it is close enough to be a plausible typo, else "".
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "" when nothing is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string_view trim(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);
// '*' matches any run of characters, '?' one character.
bool glob_match(std::string_view pattern, std::string_view text);
// Shortest decimal text that reads back to exactly the same double.
std::string format_double(double v);
// Shortest decimal text that reads back to exactly the same float (a float32 column's values).
std::string format_float(float v);
// Fixed-point with `digits` decimals, for human-facing output.
std::string format_fixed(double v, int digits);
// A number for people (tables, reports): as format_double when that is at most 8 characters,
// else 4 decimals, or 3 significant digits in e-notation below 0.001.
std::string format_for_people(double v);
// Quotes a string for messages: 'abc'.
std::string quoted(std::string_view s);
// A word for a shell command line: as it is when it is safe, else in single quotes.
std::string shell_quote(std::string_view s);

}  // namespace mlpipe
