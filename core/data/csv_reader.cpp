#include "core/data/csv_reader.h"

#include "core/data/decompress.h"

#include <fcntl.h>

#include <fstream>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <map>
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

// Numbers like -1234.5678: up to 19 digits whose value fits in 53 bits and at most 22 decimals
// convert exactly as m / 10^k (Clinger's fast path: both are exact doubles and one division
// rounds correctly). Anything else (exponents, long mantissas, inf, nan) goes to from_chars.
// Returns the end of the number, or null when it is not one.
inline const char* parse_double(const char* p, const char* end, double& out) {
  static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  const char* q = p;
  bool neg = q < end && *q == '-';
  q += neg;
  uint64_t m = 0;
  int digits = 0, decimals = 0;
  while (q < end && unsigned(*q - '0') < 10) {
    m = m * 10 + unsigned(*q++ - '0');
    ++digits;
  }
  bool simple = digits > 0;
  if (q < end && *q == '.') {
    const char* f = ++q;
    while (q < end && unsigned(*q - '0') < 10) {
      m = m * 10 + unsigned(*q++ - '0');
      ++digits;
    }
    decimals = int(q - f);
    simple = simple && decimals > 0;
  }
  if (simple && digits <= 19 && m <= (uint64_t(1) << 53) && decimals <= 22 &&
      !(q < end && (*q == 'e' || *q == 'E'))) {
    double v = double(m);
    if (decimals) v /= kPow10[decimals];
    out = neg ? -v : v;
    return q;
  }
  auto r = std::from_chars(p, end, out);
  if (r.ec == std::errc::result_out_of_range && r.ptr != p) {  // underflow is (nearly) 0; overflow is no number
    std::string text(p, r.ptr);
    double v = std::strtod(text.c_str(), nullptr);
    if (std::isinf(v)) return nullptr;
    out = v;
    return r.ptr;
  }
  return r.ec == std::errc() && r.ptr != p ? r.ptr : nullptr;
}

inline bool parse_number(const char* b, const char* e, double& out) {
  while (b < e && (*b == ' ' || *b == '\t')) ++b;
  while (e > b && (e[-1] == ' ' || e[-1] == '\t')) --e;
  if (b < e && *b == '+') ++b;
  if (b == e) return false;
  return parse_double(b, e, out) == e;
}

}  // namespace

// One loop for both notations: the thousands separator must sit between two digits before the
// decimal point; the decimal point (`decimal`) becomes '.'; with a decimal comma a '.' that is no
// separator makes the field text. The result is read by parse_number.
bool parse_field_number(const char* b, const char* e, const CsvOptions& opt, double& out) {
  if (opt.decimal != ',' && parse_number(b, e, out)) return true;  // the usual field
  if (opt.decimal != ',' && !opt.thousands) return false;
  while (b < e && (*b == ' ' || *b == '\t')) ++b;  // around the number, not a separator
  while (e > b && (e[-1] == ' ' || e[-1] == '\t')) --e;
  std::string t;
  t.reserve(size_t(e - b));
  bool point = false;
  for (const char* p = b; p < e; ++p) {
    char ch = *p;
    if (opt.thousands && ch == opt.thousands) {
      if (point || p == b || p + 1 == e || unsigned(p[-1] - '0') >= 10 || unsigned(p[1] - '0') >= 10) return false;
    } else if (ch == opt.decimal) {
      if (point) return false;
      point = true;
      t.push_back('.');
    } else if (ch == '.') {
      return false;  // a decimal comma's file: not its decimal point
    } else {
      t.push_back(ch);
    }
  }
  return parse_number(t.data(), t.data() + t.size(), out);
}

namespace {

bool is_blank_line(const char* p, const char* end) {
  return p < end && (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n'));
}

// kDatetime columns land in the numeric arrays (seconds since 1970).
enum class Mode { kNumeric, kCategorical, kDatetime, kSkip };
bool in_num(Mode m) { return m == Mode::kNumeric || m == Mode::kDatetime; }

// Where the text lives. A mapped file's pages count in the resident set once touched, so
// parsing straight from the mapping makes the peak the whole file plus the table, and faulting
// the pages in costs more than copying them. So a mapped file is read with pread into a small
// buffer per thread (the page cache is copied; the mapping stays untouched). The mapping is only
// read for the rare record the fast path cannot take and for error messages, and what the parse
// has passed is dropped again (the page cache keeps it). The peak is the table plus a few MB.
class TextSource {
 public:
  static constexpr size_t kWindow = size_t(512) << 10;  // fits in L2
  static constexpr size_t kReleaseStep = size_t(16) << 20;
  TextSource() = default;  // text in memory: read directly, nothing to release
  TextSource(const char* mapping, int fd) : mapping_(mapping), fd_(fd) {}
  bool mapped() const { return fd_ >= 0; }

  // Copies up to n bytes of the mapping from `at` on into buf; 0 when it cannot (then read the
  // mapping). A pointer, not an offset: the text may start after a BOM, not at the file's start.
  size_t read(char* buf, size_t n, const char* at) const {
    ssize_t got = ::pread(fd_, buf, n, off_t(at - mapping_));
    return got > 0 ? size_t(got) : 0;
  }

  // Drops the whole pages inside [from, to): neighbours' bytes are never touched. Only for a
  // read-only file mapping: on heap memory MADV_DONTNEED would zero the bytes.
  void release(const char* from, const char* to) const {
    if (!mapped() || to <= from) return;
    const uintptr_t page = uintptr_t(::sysconf(_SC_PAGESIZE));
    uintptr_t b = (uintptr_t(from) + page - 1) & ~(page - 1), e = uintptr_t(to) & ~(page - 1);
    if (e > b) ::madvise(reinterpret_cast<void*>(b), e - b, MADV_DONTNEED);
  }

  // Calls f(begin, end) on the bytes of [b, e) in pieces; a mapped file's through a buffer.
  template <class F>
  void scan(const char* b, const char* e, F&& f) const {
    if (!mapped()) return f(b, e);
    std::vector<char> buf(std::min(kWindow, size_t(e - b)));
    while (b < e) {
      size_t got = read(buf.data(), std::min(buf.size(), size_t(e - b)), b);
      if (got == 0) return f(b, e);  // the file shrank or failed under us: read the mapping
      f(buf.data(), buf.data() + got);
      b += got;
    }
  }

 private:
  const char* mapping_ = nullptr;
  int fd_ = -1;
};

// One chunk's results. Numbers go straight into the table's columns at the chunk's place (room
// for `capacity` rows, at least its record count); categorical codes stay per chunk until their
// dictionaries are merged.
struct ChunkOut {
  size_t capacity = 0, rows = 0;
  std::vector<double*> num;  // per column: where the chunk's first row goes; null unless numeric
  std::vector<std::vector<int32_t>> codes;
  std::vector<std::unordered_map<std::string, int32_t>> index;
  std::vector<std::vector<std::string>> dict;
  std::vector<char> saw_text;              // a numeric column held text, or an inferred datetime non-dates
  std::vector<std::string> first_text;     // the first such text per column
  bool failed = false;
  ParseFailure failure{0, ""};
};

class Parser {
 public:
  // `formats`: per column, the format of a kDatetime column declared in `types` (strict: a value
  // that does not parse is an error); null for an inferred one (ISO text only; others are noted).
  Parser(std::string_view data, const CsvOptions& opt, char delim, size_t ncols,
         std::vector<Mode> modes, TextSource source = {}, std::vector<const TimeFormat*> formats = {})
      : data_(data), opt_(opt), delim_(delim), ncols_(ncols), modes_(std::move(modes)), source_(source),
        formats_(std::move(formats)) {
    formats_.resize(ncols_, nullptr);
    // Missing-value texts that are numbers (sentinels such as -999): a number field with that
    // value is missing, whatever its spelling (-999, -999.0).
    for (const auto& na : opt.na_values) {
      double v;
      std::string_view t = trim(na);
      if (!t.empty() && parse_number(t.data(), t.data() + t.size(), v) && !std::isnan(v)) numeric_na_.push_back(v);
    }
  }

  bool is_numeric_na(double v) const {
    for (double na : numeric_na_)
      if (v == na) return true;
    return false;
  }

  // A number whose magnitude no double holds (1e400; 1e-400 is 0 and fine).
  static bool out_of_range(const std::string& text) {
    std::string t(trim(text));
    if (t.empty()) return false;
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(t.c_str(), &end);
    return errno == ERANGE && std::isinf(v) && end == t.c_str() + t.size();
  }

  void parse_chunk(size_t from, size_t to, ChunkOut& out) const {
    out.codes.assign(ncols_, {});
    out.index.assign(ncols_, {});
    out.dict.assign(ncols_, {});
    out.saw_text.assign(ncols_, 0);
    out.first_text.assign(ncols_, {});
    const char* base = data_.data();
    std::vector<char> buf(source_.mapped() ? TextSource::kWindow : 0);
    size_t pos = from, released = from;
    while (pos < to && !out.failed) {
      // The window holds the file's bytes from `pos` on, cut after its last newline so that it
      // ends on a record boundary (the chunk's end always is one).
      const char* wb = base + pos;
      const char* we = base + to;
      if (size_t got = source_.mapped() ? source_.read(buf.data(), std::min(buf.size(), to - pos), base + pos) : 0) {
        const char* nl = pos + got < to ? static_cast<const char*>(::memrchr(buf.data(), '\n', got)) : nullptr;
        if (pos + got == to || nl) {  // else a record longer than the window: read the mapping
          wb = buf.data();
          we = nl ? nl + 1 : wb + got;
        }
      }
      pos = parse_window(wb, we, pos, out);
      if (pos - released >= TextSource::kReleaseStep) {
        source_.release(base + released, base + pos);
        released = pos;
      }
    }
    source_.release(base + released, base + std::min(pos, to));
  }

  bool is_na(const std::string& s) const {
    std::string_view t = trim(s);
    for (const auto& na : opt_.na_values)
      if (t == na) return true;
    return false;
  }

 private:
  // Parses the records in the window [wb, we), which holds the file's bytes from offset `pos`.
  // Returns the offset of the next record: past `we` when a quoted newline carried the last
  // record beyond the window's end.
  size_t parse_window(const char* wb, const char* we, size_t pos, ChunkOut& out) const {
    const char* base = data_.data();
    thread_local std::vector<Field> fields;
    const char* p = wb;
    while (p < we) {
      if (is_blank_line(p, we)) {
        p += (*p == '\n') ? 1 : 2;
        continue;
      }
      size_t at = pos + size_t(p - wb);  // the record's offset in the file
      if (out.rows == out.capacity) {     // cannot happen: capacity counts newlines
        fail(out, at, "internal error: more records than lines");
        return at;
      }
      if (const char* next = fast_record(p, we, out)) {
        p = next;
        ++out.rows;
        continue;
      }
      // Quotes, NA texts, errors: the general parser, on the file itself (a quoted field may
      // run past the window), which also reports precisely.
      const char* after;
      try {
        after = parse_record(base + at, base + data_.size(), delim_, fields);
      } catch (ParseFailure& f) {
        fail(out, at, f.reason);
        return at;
      }
      if (fields.size() != ncols_) {
        fail(out, at, "expected " + std::to_string(ncols_) + " fields (as in the header), found " +
                          std::to_string(fields.size()));
        return at;
      }
      if (std::string err = store_fields(fields, out); !err.empty()) {
        fail(out, at, err);
        return at;
      }
      ++out.rows;
      size_t next_at = size_t(after - base);
      if (next_at >= pos + size_t(we - wb)) return next_at;
      p = wb + (next_at - pos);
    }
    return pos + size_t(p - wb);
  }

  static void fail(ChunkOut& out, size_t offset, std::string reason) {
    out.failed = true;
    out.failure = {offset, std::move(reason)};
  }

  // The common case in one pass: no quotes, every numeric field a plain number. Returns the
  // next record's start, or null to let the general parser take the record (quotes, blanks,
  // NA texts, a wrong field count: it reports errors precisely).
  // `file_end` is the window's end: records never cross it on this path.
  const char* fast_record(const char* p, const char* file_end, ChunkOut& out) const {
    size_t stored = 0;  // categorical codes pushed so far: taken back when the record falls back
    auto fallback = [&](size_t upto) -> const char* {
      for (size_t k = 0; k < upto && stored > 0; ++k)
        if (modes_[k] == Mode::kCategorical) {
          out.codes[k].pop_back();
          --stored;
        }
      return nullptr;
    };
    for (size_t c = 0; c < ncols_; ++c) {
      const char* b = p;
      if (modes_[c] == Mode::kNumeric) {
        double v;
        if (opt_.decimal == ',') {  // no fast number parse: the field's end first, then its text
          while (p < file_end && *p != delim_ && *p != '\n') {
            if (*p == '"') return fallback(c);
            ++p;
          }
          const char* e = (p > b && p[-1] == '\r' && (p == file_end || *p == '\n')) ? p - 1 : p;
          if (e == b || !parse_field_number(b, e, opt_, v)) return fallback(c);
        } else {
          const char* r = parse_double(p, file_end, v);
          if (!r) return fallback(c);
          p = r;
        }
        if (!numeric_na_.empty() && is_numeric_na(v)) v = kNaN;
        out.num[c][out.rows] = v;
      } else if (modes_[c] == Mode::kDatetime) {
        while (p < file_end && *p != delim_ && *p != '\n') {
          if (*p == '"') return fallback(c);
          ++p;
        }
        const char* e = (p > b && p[-1] == '\r' && (p == file_end || *p == '\n')) ? p - 1 : p;
        if (e == b) return fallback(c);  // empty: missing, on the general path
        std::string_view text(b, size_t(e - b));
        std::optional<double> t = formats_[c] ? parse_time(text, *formats_[c]) : parse_datetime(text);
        if (!t) return fallback(c);
        out.num[c][out.rows] = *t;
      } else {
        while (p < file_end && *p != delim_ && *p != '\n') {
          if (*p == '"') return fallback(c);
          ++p;
        }
        if (modes_[c] == Mode::kCategorical) {
          const char* e = (p > b && p[-1] == '\r' && (p == file_end || *p == '\n')) ? p - 1 : p;
          Field f{b, e, false};
          store_categorical(c, f, out);
          ++stored;
        }
      }
      if (c + 1 < ncols_) {
        if (p >= file_end || *p != delim_) return fallback(c + 1);
        ++p;
      }
    }
    if (p == file_end) return p;
    if (*p == '\n') return p + 1;
    if (*p == '\r' && p + 1 < file_end && p[1] == '\n') return p + 2;
    return fallback(ncols_);
  }

  void store_categorical(size_t c, const Field& f, ChunkOut& out) const {
    if (!f.escaped && f.e - f.b < 64) {  // the usual short text: no allocation when seen before
      std::string_view sv(f.b, size_t(f.e - f.b));
      if (!sv.empty() && sv.front() != ' ' && sv.back() != ' ') {
        thread_local std::string key;
        key.assign(sv);
        auto it = out.index[c].find(key);
        if (it != out.index[c].end()) {
          out.codes[c].push_back(it->second);
          return;
        }
      }
    }
    std::string s = field_text(f);
    if (is_na(s)) {
      out.codes[c].push_back(-1);
      return;
    }
    auto [it, inserted] = out.index[c].try_emplace(s, int32_t(out.dict[c].size()));
    if (inserted) out.dict[c].push_back(s);
    out.codes[c].push_back(it->second);
  }

  // Returns what is wrong with the record ("" when nothing).
  std::string store_fields(const std::vector<Field>& fields, ChunkOut& out) const {
    for (size_t c = 0; c < ncols_; ++c) {
      const Field& f = fields[c];
      switch (modes_[c]) {
        case Mode::kSkip:
          break;
        case Mode::kNumeric: {
          double v;
          if (f.b == f.e) {
            v = kNaN;
          } else if (!f.escaped && parse_field_number(f.b, f.e, opt_, v)) {
            if (!numeric_na_.empty() && is_numeric_na(v)) v = kNaN;
          } else {
            v = kNaN;
            std::string text = field_text(f);
            if (out_of_range(text))
              return "column " + std::to_string(c + 1) + ": '" + std::string(trim(text)) +
                     "' is beyond the range of numbers (about 1.8e308); fix the value or declare the column categorical";
            if (!is_na(text)) note_text(c, text, out);
          }
          out.num[c][out.rows] = v;
          break;
        }
        case Mode::kDatetime: {
          double v = kNaN;
          std::string text = field_text(f);
          if (!is_na(text)) {
            std::optional<double> t = formats_[c] ? parse_time(text, *formats_[c]) : parse_datetime(text);
            if (t) v = *t;
            else if (formats_[c])
              return "column " + std::to_string(c + 1) + ": '" + text + "' is not a datetime" +
                     (formats_[c]->strptime.empty() ? " (expected ISO 8601 such as 2018-04-01 00:00:31, or epoch seconds)"
                                                    : " in the format \"" + formats_[c]->strptime + "\"");
            else note_text(c, text, out);
          }
          out.num[c][out.rows] = v;
          break;
        }
        case Mode::kCategorical:
          store_categorical(c, f, out);
          break;
      }
    }
    return "";
  }

  static void note_text(size_t c, const std::string& text, ChunkOut& out) {
    if (!out.saw_text[c]) out.first_text[c] = text;
    out.saw_text[c] = 1;
  }

  std::string_view data_;
  const CsvOptions& opt_;
  char delim_;
  size_t ncols_;
  std::vector<Mode> modes_;
  TextSource source_;
  std::vector<const TimeFormat*> formats_;
  std::vector<double> numeric_na_;
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

// Counts quotes and newlines in [b, e), a block at a time (the second count hits the cache).
// memchr (vectorized in glibc) rather than std::count, which GCC does not vectorize at -O2.
size_t count_byte(const char* p, const char* e, char c) {
  size_t n = 0;
  while (p < e && (p = static_cast<const char*>(std::memchr(p, c, size_t(e - p))))) {
    ++n;
    ++p;
  }
  return n;
}

void count_bytes(const char* b, const char* e, size_t& quotes, size_t& newlines, const TextSource& source) {
  source.scan(b, e, [&](const char* from, const char* to) {
    quotes += count_byte(from, to, '"');
    newlines += count_byte(from, to, '\n');
  });
}

// Asks for transparent huge pages for a big array: 512x fewer page faults while it fills.
void advise_huge(std::vector<double>& v, size_t n) {
  v.reserve(n);
  constexpr uintptr_t kHuge = 2 << 20;
  uintptr_t b = (uintptr_t(v.data()) + kHuge - 1) & ~(kHuge - 1), e = (uintptr_t(v.data() + n)) & ~(kHuge - 1);
  if (e > b) ::madvise(reinterpret_cast<void*>(b), e - b, MADV_HUGEPAGE);
}

struct Chunks {
  std::vector<size_t> bounds;    // chunk k is [bounds[k], bounds[k+1])
  std::vector<size_t> capacity;  // at least its number of records
};

// Splits [begin, end) into up to n chunks that start at record boundaries.
Chunks chunk_bounds(std::string_view data, size_t begin, size_t n, const TextSource& source) {
  size_t size = data.size() - begin;
  std::vector<size_t> raw(n + 1);
  for (size_t k = 0; k <= n; ++k) raw[k] = begin + size * k / n;
  std::vector<size_t> quotes(n, 0), lines(n, 0), tail_lines(n + 1, 0);
  auto count = [&](size_t k) { count_bytes(data.data() + raw[k], data.data() + raw[k + 1], quotes[k], lines[k], source); };
  std::vector<std::thread> pool;  // chunk 0 on this thread: one chunk (a small input) starts none
  for (size_t k = 1; k < n; ++k) pool.emplace_back(count, k);
  count(0);
  for (auto& t : pool) t.join();
  Chunks out;
  out.bounds = {begin};
  size_t parity = 0;
  for (size_t k = 1; k < n; ++k) {
    parity += quotes[k - 1];
    bool in_quote = parity % 2 == 1;
    size_t p = raw[k];
    // Scan to the first newline outside quotes; the next record starts after it.
    while (p < data.size()) {
      char c = data[p++];
      if (c == '"') in_quote = !in_quote;
      else if (c == '\n') {
        ++tail_lines[k];
        if (!in_quote) break;
      }
    }
    out.bounds.push_back(std::max(p, out.bounds.back()));
  }
  out.bounds.push_back(data.size());
  // Chunk k lies within raw range k plus the scan past its end: its lines are at most those.
  for (size_t k = 0; k + 1 < out.bounds.size(); ++k) out.capacity.push_back(lines[k] + tail_lines[k + 1] + 1);
  return out;
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
    if (c < fields.size() && !parse_field_number(fields[c].b, fields[c].e, opt, v) &&
        !p.is_na(field_text(fields[c])))
      return line_of(data, rec - base);
  }
  return 0;
}

// Offset of the first byte that breaks UTF-8 in `s`, or npos.
size_t invalid_utf8_at(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size() || (n == 2 && c < 0xC2)) return i;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return i;
    i += n;
  }
  return std::string_view::npos;
}

// Texts end up in JSON (bundles, the run store): they must be UTF-8. Names the line of the
// first offending value and what to do.
void check_utf8(std::string_view data, const std::string& label, const std::string& column, const std::string& value) {
  size_t bad = invalid_utf8_at(value);
  if (bad == std::string_view::npos) return;
  size_t at = data.find(value);
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(value[bad]));
  throw StepError(label + (at == std::string_view::npos ? std::string() : ":" + std::to_string(line_of(data, at))) +
                  ": column '" + column + "' holds text that is not UTF-8 (byte " + hex +
                  "); convert the file, e.g. iconv -f latin1 -t utf-8");
}

}  // namespace

namespace {
Table parse_csv_text(std::string_view data, const std::string& label, const CsvOptions& opt, TextSource source) {
  if (data.size() >= 3 && std::memcmp(data.data(), "\xEF\xBB\xBF", 3) == 0) data.remove_prefix(3);
  if (data.empty() || std::all_of(data.begin(), data.end(), [](char c) {
        return c == '\n' || c == '\r' || c == ' ';
      }))
    throw StepError(label + ": the file is empty (expected a header line)");
  // Binary files (images, archives, sparse files) show a NUL byte early; say so at once.
  if (const void* nul = std::memchr(data.data(), '\0', std::min<size_t>(data.size(), 1 << 16)))
    throw StepError(label + ":" + std::to_string(line_of(data, size_t(static_cast<const char*>(nul) - data.data()))) +
                    ": binary data (a NUL byte), expected CSV or TSV text");

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
  for (const auto& [pos, name] : opt.header_names)
    if (pos < 1 || pos > header_fields.size())
      throw StepError(label + ": header_names: the header has " + std::to_string(header_fields.size()) +
                      " columns, there is no column " + std::to_string(pos));
  std::unordered_map<std::string, size_t> position;  // name -> its column
  for (size_t i = 0; i < header_fields.size(); ++i) {
    std::string n(trim(field_text(header_fields[i])));
    if (auto it = opt.header_names.find(i + 1); it != opt.header_names.end()) n = it->second;
    if (n.empty())
      throw StepError(label + ":1: column " + std::to_string(i + 1) + " has no name in the header (" +
                      (i == 0 ? "often a row number written by pandas" : "an empty header cell") +
                      "); name it on the ingest step, e.g. header_names: {" + std::to_string(i + 1) +
                      ": row_number}, then leave it out with drop: [row_number] or use it as id: row_number");
    if (size_t bad = invalid_utf8_at(n); bad != std::string_view::npos)
      throw StepError(label + ":1: column name " + std::to_string(i + 1) + " is not UTF-8 text; convert the file, e.g. iconv -f latin1 -t utf-8");
    if (auto [it, added] = position.emplace(n, i); !added)  // a hash: a 200,000-column header is not quadratic
      throw StepError(label + ":1: duplicate column name '" + n + "' (columns " +
                      std::to_string(it->second + 1) + " and " + std::to_string(i + 1) + ")");
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
  Chunks chunks = chunk_bounds(data, body_off, nchunks, source);
  const std::vector<size_t>& bounds = chunks.bounds;
  nchunks = bounds.size() - 1;

  // Declared types, and a first guess for the others from the first record: a number or a
  // missing value starts numeric, an ISO datetime datetime, other text categorical. A later value
  // that does not fit sends the column to another pass (numeric -> datetime or categorical,
  // datetime -> categorical); most columns are read once, text ones without a wasted pass.
  std::vector<Mode> modes(ncols, Mode::kNumeric);
  std::vector<char> declared(ncols, 0);
  std::vector<const TimeFormat*> formats(ncols, nullptr);
  static const TimeFormat kIsoOrEpoch;
  for (size_t c = 0; c < ncols; ++c) {
    auto it = opt.types.find(names[c]);
    if (it == opt.types.end()) continue;
    declared[c] = 1;
    if (it->second == ColumnType::kCategorical) modes[c] = Mode::kCategorical;
    if (it->second == ColumnType::kDatetime) {
      modes[c] = Mode::kDatetime;
      auto f = opt.time_formats.find(names[c]);
      formats[c] = f == opt.time_formats.end() ? &kIsoOrEpoch : &f->second;
    }
  }
  {
    Parser probe(data, opt, delim, 0, {});
    std::vector<Field> first;
    const char* p = body;
    while (p < end && is_blank_line(p, end)) p += (*p == '\n') ? 1 : 2;
    bool ok = p < end;
    try {
      if (ok) parse_record(p, end, delim, first);
    } catch (const ParseFailure&) {
      ok = false;  // the pass reports it with its line
    }
    if (ok && first.size() == ncols)
      for (size_t c = 0; c < ncols; ++c) {
        if (declared[c]) continue;
        std::string text = field_text(first[c]);
        double v;
        if (probe.is_na(text) || parse_field_number(first[c].b, first[c].e, opt, v) || Parser::out_of_range(text)) continue;
        modes[c] = parse_datetime(text) ? Mode::kDatetime : Mode::kCategorical;
      }
  }

  // Room for each chunk's rows (records never outnumber lines).
  const std::vector<size_t>& capacity = chunks.capacity;
  std::vector<size_t> first_row(nchunks + 1, 0);
  for (size_t k = 0; k < nchunks; ++k) first_row[k + 1] = first_row[k] + capacity[k];
  std::vector<std::vector<double>> num(ncols);

  auto run = [&](const std::vector<Mode>& m) {
    Parser parser(data, opt, delim, ncols, m, source, formats);
    std::vector<ChunkOut> outs(nchunks);
    for (size_t k = 0; k < nchunks; ++k) {
      outs[k].capacity = capacity[k];
      outs[k].num.assign(ncols, nullptr);
      for (size_t c = 0; c < ncols; ++c)
        if (in_num(m[c])) outs[k].num[c] = num[c].data() + first_row[k];
    }
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

  // One pass over the file for the columns not marked kSkip.
  size_t rows = 0;
  auto pass = [&](const std::vector<Mode>& m) {
    {  // the number columns at full size, allocated (and zeroed) by all threads at once; small
       // inputs (a served request) inline: a thread start costs more than their zeroing
      size_t workers = first_row[nchunks] < (1u << 16) ? 1 : std::min<size_t>(hw, ncols);
      auto allocate = [&](size_t w) {
        for (size_t c = w; c < ncols; c += workers)
          if (in_num(m[c])) {
            advise_huge(num[c], first_row[nchunks]);
            num[c].resize(first_row[nchunks]);
          }
      };
      std::vector<std::thread> pool;
      for (size_t w = 1; w < workers; ++w) pool.emplace_back(allocate, w);
      allocate(0);
      for (auto& t : pool) t.join();
    }
    std::vector<ChunkOut> outs = run(m);
    // Close the gaps left by blank lines and newlines inside quotes: chunks move down in place.
    rows = 0;
    for (size_t k = 0; k < nchunks; ++k) {
      for (size_t c = 0; c < ncols; ++c)
        if (in_num(m[c]) && rows != first_row[k])
          std::memmove(num[c].data() + rows, num[c].data() + first_row[k], outs[k].rows * sizeof(double));
      rows += outs[k].rows;
    }
    for (size_t c = 0; c < ncols; ++c)
      if (in_num(m[c])) num[c].resize(rows);
    return outs;
  };

  // Merges per-chunk dictionaries in file order: codes follow first appearance in the file.
  std::vector<Column> coded(ncols);
  auto merge_categorical = [&](size_t c, std::vector<ChunkOut>& outs) {
    Column& col = coded[c];
    col.codes.reserve(rows);
    std::unordered_map<std::string, int32_t> global;
    for (auto& o : outs) {
      std::vector<int32_t> remap(o.dict[c].size());
      for (size_t k = 0; k < o.dict[c].size(); ++k) {
        auto [it, inserted] = global.try_emplace(o.dict[c][k], int32_t(col.dict.size()));
        if (inserted) {
          check_utf8(data, label, names[c], o.dict[c][k]);
          col.dict.push_back(o.dict[c][k]);
        }
        remap[k] = it->second;
      }
      for (int32_t code : o.codes[c]) col.codes.push_back(code < 0 ? -1 : remap[code]);
      std::vector<int32_t>().swap(o.codes[c]);
    }
  };

  // Passes until no column changes mode: `pending` holds the columns this pass reads.
  std::vector<Mode> pending = modes;
  for (;;) {
    std::vector<ChunkOut> outs = pass(pending);
    std::vector<Mode> again(ncols, Mode::kSkip);
    bool more = false;
    for (size_t c = 0; c < ncols; ++c) {
      if (pending[c] == Mode::kCategorical) merge_categorical(c, outs);
      if (!in_num(pending[c])) continue;
      const std::string* text = nullptr;
      for (const auto& o : outs)
        if (o.saw_text[c]) {
          text = &o.first_text[c];
          break;
        }
      if (!text) continue;
      if (declared[c])  // a declared datetime fails in the pass itself
        throw StepError(label + ":" + std::to_string(first_text_line(data, body_off, delim, c, opt)) +
                        ": column '" + names[c] + "' is declared numeric but holds text ('" + *text +
                        "'); fix the data or declare it categorical");
      // Numbers with some text: text; ISO datetimes with some other text: text too.
      Mode to = pending[c] == Mode::kNumeric && parse_datetime(*text) ? Mode::kDatetime : Mode::kCategorical;
      modes[c] = again[c] = to;
      std::vector<double>().swap(num[c]);
      more = true;
    }
    if (!more) break;
    pending = again;
  }

  Table table;
  for (size_t c = 0; c < ncols; ++c) {
    Column col;
    if (modes[c] == Mode::kCategorical) {
      col = std::move(coded[c]);
      col.type = ColumnType::kCategorical;
    } else {
      col.type = modes[c] == Mode::kDatetime ? ColumnType::kDatetime : ColumnType::kNumeric;
      col.num = std::move(num[c]);
    }
    col.name = names[c];
    table.add(std::move(col));
  }
  return table;
}
}  // namespace

Table parse_csv(std::string_view data, const std::string& label, const CsvOptions& opt) {
  return parse_csv_text(data, label, opt, TextSource());
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
  // gzip, xz or zstd (by their first bytes): decompressed into memory, then parsed in parallel
  // like any text. Errors name the compressed file; lines are those of the decompressed text.
  if (std::optional<std::string> text = read_decompressed(path)) return parse_csv(*text, path.string(), opt);
  Mapping m;
  m.size = size_t(st.st_size);
  m.addr = ::mmap(nullptr, m.size, PROT_READ, MAP_PRIVATE, f.fd, 0);
  if (m.addr == MAP_FAILED) throw StepError(path.string() + ": cannot map: " + std::strerror(errno));
  ::madvise(m.addr, m.size, MADV_SEQUENTIAL);
  const char* text = static_cast<const char*>(m.addr);
  return parse_csv_text(std::string_view(text, m.size), path.string(), opt, TextSource(text, f.fd));
}

namespace {
std::optional<std::vector<std::string>> read_header(const std::filesystem::path& path, const CsvOptions& opt);
}  // namespace

std::optional<std::vector<std::string>> header_of(const std::filesystem::path& path, const CsvOptions& opt) {
  // validate asks for the same file's header once per step that names columns: read it once per
  // version of the file (size and modification time) and the options that shape the names.
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  auto mtime = std::filesystem::last_write_time(path, ec);
  std::string key = path.string() + '\0' + std::string(1, opt.delimiter) + '\0' + std::to_string(size) + '\0' +
                    std::to_string(mtime.time_since_epoch().count());
  for (const auto& [pos, name] : opt.header_names) key += '\0' + std::to_string(pos) + '=' + name;
  static std::mutex mu;
  static std::map<std::string, std::optional<std::vector<std::string>>> seen;
  if (!ec) {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = seen.find(key); it != seen.end()) return it->second;
  }
  std::optional<std::vector<std::string>> names = read_header(path, opt);
  if (!ec) {
    std::lock_guard<std::mutex> lock(mu);
    seen[key] = names;
  }
  return names;
}

namespace {
std::optional<std::vector<std::string>> read_header(const std::filesystem::path& path, const CsvOptions& opt) {
  // Not a file (a folder, /dev/zero, a pipe): the caller says so; reading it could never end.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  if (compression_of(path)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw StepError(path.string() + ": cannot open");
  std::string line;
  std::getline(in, line);  // a header with a newline inside quotes is rare; read_csv handles it at run time
  CsvOptions o = opt;
  o.types.clear();  // only the names are wanted here
  return parse_csv(line + "\n", path.string(), o).names();
}
}  // namespace

}  // namespace mlpipe
