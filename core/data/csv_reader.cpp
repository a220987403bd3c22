#include "core/data/csv_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <thread>
#include <unordered_map>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace mlpipe {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct ParseFailure {
  size_t offset;  // byte offset in the data where the bad record starts
  std::string reason;
};

struct Field {
  const char* b;
  const char* e;
  bool escaped;  // contains "" pairs to collapse
};

// Parses one record at p; returns the start of the next record.
// Failures carry offset 0: the caller knows where the record began.
const char* parse_record(const char* p, const char* end, char delim, std::vector<Field>& fields) {
  fields.clear();
  for (;;) {
    if (p < end && *p == '"') {
      Field f{++p, nullptr, false};
      for (;;) {
        const char* q = static_cast<const char*>(std::memchr(p, '"', end - p));
        if (!q) throw ParseFailure{0, "unterminated quoted field"};
        if (q + 1 < end && q[1] == '"') {
          f.escaped = true;
          p = q + 2;
          continue;
        }
        f.e = q;
        p = q + 1;
        break;
      }
      fields.push_back(f);
      if (p < end && *p == delim) {
        ++p;
        continue;
      }
      if (p == end) return end;
      if (*p == '\n') return p + 1;
      if (*p == '\r' && (p + 1 == end || p[1] == '\n')) return p + 1 == end ? end : p + 2;
      throw ParseFailure{0, "unexpected character after a closing quote (field " +
                                std::to_string(fields.size()) + ")"};
    }
    Field f{p, nullptr, false};
    while (p < end && *p != delim && *p != '\n') {
      if (*p == '"')
        throw ParseFailure{0, "unexpected quote inside an unquoted field (field " +
                                  std::to_string(fields.size() + 1) + ")"};
      ++p;
    }
    f.e = p;
    if (p < end && *p == delim) {
      fields.push_back(f);
      ++p;
      continue;
    }
    if (f.e > f.b && f.e[-1] == '\r') --f.e;
    fields.push_back(f);
    return p < end ? p + 1 : end;
  }
}

std::string field_text(const Field& f) {
  if (!f.escaped) return std::string(f.b, f.e);
  std::string s;
  s.reserve(f.e - f.b);
  for (const char* p = f.b; p < f.e; ++p) {
    s += *p;
    if (*p == '"') ++p;  // skip the second quote of a "" pair
  }
  return s;
}

inline bool parse_number(const char* b, const char* e, double& out) {
  while (b < e && (*b == ' ' || *b == '\t')) ++b;
  while (e > b && (e[-1] == ' ' || e[-1] == '\t')) --e;
  if (b < e && *b == '+') ++b;
  if (b == e) return false;
  auto r = std::from_chars(b, e, out);
  return r.ec == std::errc() && r.ptr == e;
}

bool is_blank_line(const char* p, const char* end) {
  return p < end && (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n'));
}

enum class Mode { kNumeric, kCategorical, kSkip };

struct ChunkOut {
  size_t rows = 0;
  std::vector<std::vector<double>> num;
  std::vector<std::vector<int32_t>> codes;
  std::vector<std::unordered_map<std::string, int32_t>> index;
  std::vector<std::vector<std::string>> dict;
  std::vector<char> saw_text;
  bool failed = false;
  ParseFailure failure{0, ""};
};

class Parser {
 public:
  Parser(std::string_view data, const CsvOptions& opt, char delim, size_t ncols,
         std::vector<Mode> modes)
      : data_(data), opt_(opt), delim_(delim), ncols_(ncols), modes_(std::move(modes)) {}

  void parse_chunk(size_t from, size_t to, ChunkOut& out) const {
    out.num.assign(ncols_, {});
    out.codes.assign(ncols_, {});
    out.index.assign(ncols_, {});
    out.dict.assign(ncols_, {});
    out.saw_text.assign(ncols_, 0);
    const char* base = data_.data();
    const char* p = base + from;
    const char* end = base + to;
    std::vector<Field> fields;
    fields.reserve(ncols_ + 1);
    size_t estimate = (to - from) / (ncols_ * 4 + 1);
    for (size_t c = 0; c < ncols_; ++c)
      if (modes_[c] == Mode::kNumeric) out.num[c].reserve(estimate);
    while (p < end) {
      if (is_blank_line(p, end)) {
        p += (*p == '\n') ? 1 : 2;
        continue;
      }
      const char* rec = p;
      try {
        p = parse_record(p, base + data_.size(), delim_, fields);
      } catch (ParseFailure& f) {
        out.failed = true;
        out.failure = {size_t(rec - base), f.reason};
        return;
      }
      if (fields.size() != ncols_) {
        out.failed = true;
        out.failure = {size_t(rec - base), "expected " + std::to_string(ncols_) +
                                               " fields (as in the header), found " +
                                               std::to_string(fields.size())};
        return;
      }
      for (size_t c = 0; c < ncols_; ++c) {
        const Field& f = fields[c];
        switch (modes_[c]) {
          case Mode::kSkip:
            break;
          case Mode::kNumeric: {
            double v;
            if (f.b == f.e) {
              v = kNaN;
            } else if (!f.escaped && parse_number(f.b, f.e, v)) {
            } else {
              v = kNaN;
              if (!is_na(field_text(f))) out.saw_text[c] = 1;
            }
            out.num[c].push_back(v);
            break;
          }
          case Mode::kCategorical: {
            std::string s = field_text(f);
            if (is_na(s)) {
              out.codes[c].push_back(-1);
              break;
            }
            auto [it, inserted] = out.index[c].try_emplace(s, int32_t(out.dict[c].size()));
            if (inserted) out.dict[c].push_back(s);
            out.codes[c].push_back(it->second);
            break;
          }
        }
      }
      ++out.rows;
    }
  }

  bool is_na(const std::string& s) const {
    std::string_view t = trim(s);
    for (const auto& na : opt_.na_values)
      if (t == na) return true;
    return false;
  }

 private:
  std::string_view data_;
  const CsvOptions& opt_;
  char delim_;
  size_t ncols_;
  std::vector<Mode> modes_;
};

char guess_delimiter(std::string_view header_line, const std::string& label) {
  if (ends_with(label, ".tsv") || ends_with(label, ".tab")) return '\t';
  char best = ',';
  size_t best_n = 0;
  for (char d : {',', '\t', ';', '|'}) {
    size_t n = std::count(header_line.begin(), header_line.end(), d);
    if (n > best_n) {
      best = d;
      best_n = n;
    }
  }
  return best;
}

size_t line_of(std::string_view data, size_t offset) {
  return 1 + std::count(data.begin(), data.begin() + std::min(offset, data.size()), '\n');
}

// Splits [begin, end) into up to n chunks that start at record boundaries.
std::vector<size_t> chunk_bounds(std::string_view data, size_t begin, size_t n) {
  size_t size = data.size() - begin;
  std::vector<size_t> raw(n + 1);
  for (size_t k = 0; k <= n; ++k) raw[k] = begin + size * k / n;
  std::vector<size_t> quotes(n);
  std::vector<std::thread> pool;
  for (size_t k = 0; k < n; ++k)
    pool.emplace_back([&, k] {
      quotes[k] = std::count(data.begin() + raw[k], data.begin() + raw[k + 1], '"');
    });
  for (auto& t : pool) t.join();
  std::vector<size_t> bounds{begin};
  size_t parity = 0;
  for (size_t k = 1; k < n; ++k) {
    parity += quotes[k - 1];
    bool in_quote = parity % 2 == 1;
    size_t p = raw[k];
    // Scan to the first newline outside quotes; the next record starts after it.
    while (p < data.size()) {
      char c = data[p++];
      if (c == '"') in_quote = !in_quote;
      else if (c == '\n' && !in_quote) break;
    }
    bounds.push_back(std::max(p, bounds.back()));
  }
  bounds.push_back(data.size());
  return bounds;
}

// Error path only: the line of the first record whose column c is neither a number nor missing.
size_t first_text_line(std::string_view data, size_t body_off, char delim, size_t c,
                       const CsvOptions& opt) {
  Parser p(data, opt, delim, 0, {});
  const char* base = data.data();
  const char* end = base + data.size();
  const char* cur = base + body_off;
  std::vector<Field> fields;
  while (cur < end) {
    if (is_blank_line(cur, end)) {
      cur += (*cur == '\n') ? 1 : 2;
      continue;
    }
    const char* rec = cur;
    cur = parse_record(cur, end, delim, fields);
    double v;
    if (c < fields.size() && !parse_number(fields[c].b, fields[c].e, v) &&
        !p.is_na(field_text(fields[c])))
      return line_of(data, rec - base);
  }
  return 0;
}

}  // namespace

Table parse_csv(std::string_view data, const std::string& label, const CsvOptions& opt) {
  if (data.size() >= 3 && std::memcmp(data.data(), "\xEF\xBB\xBF", 3) == 0) data.remove_prefix(3);
  if (data.empty() || std::all_of(data.begin(), data.end(), [](char c) {
        return c == '\n' || c == '\r' || c == ' ';
      }))
    throw StepError(label + ": the file is empty (expected a header line)");

  const char* base = data.data();
  const char* end = base + data.size();
  const char* first_nl = static_cast<const char*>(std::memchr(base, '\n', data.size()));
  char delim = opt.delimiter ? opt.delimiter
                             : guess_delimiter(std::string_view(base, (first_nl ? first_nl : end) - base),
                                               label);
  std::vector<Field> header_fields;
  const char* body;
  try {
    body = parse_record(base, end, delim, header_fields);
  } catch (const ParseFailure& f) {
    throw StepError(label + ":1: bad header: " + f.reason);
  }
  std::vector<std::string> names;
  for (size_t i = 0; i < header_fields.size(); ++i) {
    std::string n(trim(field_text(header_fields[i])));
    if (n.empty()) n = "column_" + std::to_string(i + 1);
    for (size_t j = 0; j < names.size(); ++j)
      if (names[j] == n)
        throw StepError(label + ":1: duplicate column name '" + n + "' (columns " +
                        std::to_string(j + 1) + " and " + std::to_string(i + 1) + ")");
    names.push_back(n);
  }
  for (const auto& [col, type] : opt.types)
    if (opt.types_must_exist && std::find(names.begin(), names.end(), col) == names.end())
      throw StepError(label + ": types: no column '" + col + "' in the header" +
                      did_you_mean(col, names));

  size_t ncols = names.size();
  size_t body_off = body - base;
  unsigned hw = opt.threads ? opt.threads : std::max(1u, std::thread::hardware_concurrency());
  size_t nchunks = std::clamp<size_t>((data.size() - body_off) >> 20, 1, hw);
  std::vector<size_t> bounds = chunk_bounds(data, body_off, nchunks);
  nchunks = bounds.size() - 1;

  std::vector<Mode> modes(ncols, Mode::kNumeric);
  for (size_t c = 0; c < ncols; ++c) {
    auto it = opt.types.find(names[c]);
    if (it != opt.types.end() && it->second == ColumnType::kCategorical) modes[c] = Mode::kCategorical;
  }

  auto run = [&](const std::vector<Mode>& m) {
    Parser parser(data, opt, delim, ncols, m);
    std::vector<ChunkOut> outs(nchunks);
    std::vector<std::thread> pool;
    for (size_t k = 1; k < nchunks; ++k)
      pool.emplace_back([&, k] { parser.parse_chunk(bounds[k], bounds[k + 1], outs[k]); });
    parser.parse_chunk(bounds[0], bounds[1], outs[0]);
    for (auto& t : pool) t.join();
    for (const auto& o : outs)  // chunks are in file order: the first failure is the earliest
      if (o.failed)
        throw StepError(label + ":" + std::to_string(line_of(data, o.failure.offset)) + ": " +
                        o.failure.reason);
    return outs;
  };

  std::vector<ChunkOut> outs = run(modes);
  // Columns that held text in an inferred column become categorical: parse them once more.
  std::vector<Mode> second(ncols, Mode::kSkip);
  bool need_second = false;
  for (size_t c = 0; c < ncols; ++c) {
    if (modes[c] != Mode::kNumeric) continue;
    bool text = false;
    for (const auto& o : outs) text = text || o.saw_text[c];
    if (!text) continue;
    auto it = opt.types.find(names[c]);
    if (it != opt.types.end() && it->second == ColumnType::kNumeric) {
      throw StepError(label + ":" + std::to_string(first_text_line(data, body_off, delim, c, opt)) +
                      ": column '" + names[c] + "' is declared numeric but holds text; " +
                      "fix the data or declare it categorical");
    }
    second[c] = Mode::kCategorical;
    modes[c] = Mode::kCategorical;
    need_second = true;
  }
  std::vector<ChunkOut> outs2;
  if (need_second) outs2 = run(second);

  size_t rows = 0;
  for (const auto& o : outs) rows += o.rows;
  Table table;
  for (size_t c = 0; c < ncols; ++c) {
    Column col;
    col.name = names[c];
    if (modes[c] == Mode::kNumeric) {
      col.type = ColumnType::kNumeric;
      col.num.reserve(rows);
      for (auto& o : outs) col.num.insert(col.num.end(), o.num[c].begin(), o.num[c].end());
    } else {
      // Merge per-chunk dictionaries in file order: codes follow first appearance in the file.
      col.type = ColumnType::kCategorical;
      col.codes.reserve(rows);
      std::unordered_map<std::string, int32_t> global;
      for (auto& o : (need_second && second[c] == Mode::kCategorical) ? outs2 : outs) {
        std::vector<int32_t> remap(o.dict[c].size());
        for (size_t k = 0; k < o.dict[c].size(); ++k) {
          auto [it, inserted] = global.try_emplace(o.dict[c][k], int32_t(col.dict.size()));
          if (inserted) col.dict.push_back(o.dict[c][k]);
          remap[k] = it->second;
        }
        for (int32_t code : o.codes[c]) col.codes.push_back(code < 0 ? -1 : remap[code]);
      }
    }
    table.add(std::move(col));
  }
  return table;
}

namespace {
struct Mapping {
  void* addr = MAP_FAILED;
  size_t size = 0;
  ~Mapping() {
    if (addr != MAP_FAILED) ::munmap(addr, size);
  }
};
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};
}  // namespace

Table read_csv(const std::filesystem::path& path, const CsvOptions& opt) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) throw StepError(path.string() + ": cannot open: " + std::strerror(errno));
  struct stat st;
  if (::fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode))
    throw StepError(path.string() + ": not a regular file");
  if (st.st_size == 0) return parse_csv(std::string_view(), path.string(), opt);
  Mapping m;
  m.size = size_t(st.st_size);
  m.addr = ::mmap(nullptr, m.size, PROT_READ, MAP_PRIVATE, f.fd, 0);
  if (m.addr == MAP_FAILED) throw StepError(path.string() + ": cannot map: " + std::strerror(errno));
  ::madvise(m.addr, m.size, MADV_SEQUENTIAL);
  return parse_csv(std::string_view(static_cast<const char*>(m.addr), m.size), path.string(), opt);
}

}  // namespace mlpipe
