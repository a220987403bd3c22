#include "core/data/sources.h"

#include <glob.h>

#include <map>
#include <set>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace mlpipe {

std::vector<SourceFile> expand_sources(const json& source, const fs::path& base_dir) {
  std::vector<std::string> patterns;
  if (source.is_string()) patterns.push_back(source.get<std::string>());
  else if (source.is_array())
    for (const auto& s : source)
      if (s.is_string()) patterns.push_back(s.get<std::string>());
  std::vector<SourceFile> out;
  for (const std::string& pattern : patterns) {
    fs::path p(pattern);
    fs::path abs = p.is_absolute() ? p : base_dir / p;
    if (pattern.find_first_of("*?[") == std::string::npos) {
      out.push_back({pattern, fs::absolute(abs).lexically_normal()});
      continue;
    }
    glob_t g{};
    int rc = ::glob(abs.c_str(), GLOB_ERR, nullptr, &g);
    std::vector<std::string> matches;
    for (size_t i = 0; rc == 0 && i < g.gl_pathc; ++i) matches.push_back(g.gl_pathv[i]);
    ::globfree(&g);
    std::sort(matches.begin(), matches.end());
    size_t files = 0;
    for (const auto& m : matches) {
      std::error_code ec;
      if (!fs::is_regular_file(m, ec)) continue;
      fs::path match(m);
      std::string written = p.is_absolute() ? match.string() : match.lexically_relative(base_dir).string();
      out.push_back({written, fs::absolute(match).lexically_normal()});
      ++files;
    }
    if (files == 0) throw ConfigError("source: no file matches '" + pattern + "' (in " + base_dir.string() + ")");
  }
  return out;
}

std::string header_difference(const std::vector<std::string>& a, const fs::path& first_file,
                              const std::vector<std::string>& b, const fs::path& file) {
  for (size_t c = 0; c < std::max(a.size(), b.size()); ++c) {
    if (c < a.size() && c < b.size() && a[c] == b[c]) continue;
    std::string here = c < b.size() ? "'" + b[c] + "'" : "nothing";
    std::string there = c < a.size() ? "'" + a[c] + "'" : "nothing";
    return file.string() + ": column " + std::to_string(c + 1) + " is " + here + ", but in " +
           first_file.filename().string() + " (the first source file) it is " + there +
           "; every source file needs the same header";
  }
  return "";
}

namespace {

void check_same_header(const Table& first, const fs::path& first_file, const Table& t, const fs::path& file) {
  std::string why = header_difference(first.names(), first_file, t.names(), file);
  if (!why.empty()) throw StepError(why);
}

}  // namespace

Table read_tables(const std::vector<fs::path>& files, const CsvOptions& opt) {
  if (files.size() == 1) return read_csv(files[0], opt);
  std::vector<Table> parts;
  for (const auto& f : files) {
    parts.push_back(read_csv(f, opt));
    check_same_header(parts[0], files[0], parts.back(), f);
  }
  // A column that is text in some file and numbers in another is text everywhere: those files
  // are read again with the column as text, so "007" stays "007" and nothing is lost.
  // Likewise a column of datetimes in some files and numbers in others (often a file where it is
  // empty) is a datetime column: numbers are then epoch seconds.
  CsvOptions text = opt;
  std::map<std::string, ColumnType> mixed;
  for (size_t c = 0; c < parts[0].cols(); ++c) {
    bool cat = false, num = false, time = false;
    for (const auto& t : parts) {
      ColumnType ty = t.col(c).type;
      (ty == ColumnType::kCategorical ? cat : ty == ColumnType::kDatetime ? time : num) = true;
    }
    const std::string& name = parts[0].col(c).name;
    if (cat && (num || time)) mixed[name] = ColumnType::kCategorical;
    else if (time && num) mixed[name] = ColumnType::kDatetime;
    else continue;
    text.types[name] = mixed[name];
  }
  if (!mixed.empty())
    for (size_t i = 0; i < parts.size(); ++i)
      for (const auto& [name, type] : mixed)
        if (parts[i].at(name).type != type) {
          parts[i] = read_csv(files[i], text);
          break;
        }
  Table out;
  for (size_t c = 0; c < parts[0].cols(); ++c) {
    Column col;
    col.name = parts[0].col(c).name;
    col.type = parts[0].col(c).type;
    std::map<std::string, int32_t> index;
    for (auto& t : parts) {
      Column& part = t.edit_col(c);
      if (!col.coded()) {
        col.num.insert(col.num.end(), part.num.begin(), part.num.end());
        std::vector<double>().swap(part.num);
        continue;
      }
      std::vector<int32_t> remap(part.dict.size());
      for (size_t k = 0; k < part.dict.size(); ++k) {
        auto [it, added] = index.emplace(part.dict[k], int32_t(col.dict.size()));
        if (added) col.dict.push_back(part.dict[k]);
        remap[k] = it->second;
      }
      for (int32_t code : part.codes) col.codes.push_back(code < 0 ? -1 : remap[size_t(code)]);
      std::vector<int32_t>().swap(part.codes);
    }
    out.add(std::move(col));
  }
  return out;
}

}  // namespace mlpipe
