#pragma once
// mlpipe's own statements are written once, in SQLite's dialect; this turns one into
// PostgreSQL's. It covers what the store's statements use and nothing more: `?`/`?N` parameters
// ($N), GLOB (a regular expression through mlpipe_glob(), defined by the PostgreSQL schema),
// `IS x` between values (IS NOT DISTINCT FROM), group_concat (string_agg), CROSS JOIN with a condition (SQLite's join-order
// hint: JOIN) and the column named
// `user` (quoted: a reserved word there). String literals, quoted names and comments are left
// as they are. A pure function, thread-safe.
#include <string>
#include <string_view>

namespace mlpipe {

std::string to_postgres_sql(std::string_view sqlite_sql);

}  // namespace mlpipe
