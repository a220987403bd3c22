#include "core/store/postgres_dialect.h"

#include <cctype>
#include <vector>

namespace mlpipe {
namespace {

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool same_word(std::string_view a, const char* b) {
  size_t n = 0;
  for (; b[n]; ++n)
    if (n >= a.size() || std::toupper(static_cast<unsigned char>(a[n])) != std::toupper(static_cast<unsigned char>(b[n])))
      return false;
  return n == a.size();
}

class Translator {
 public:
  explicit Translator(std::string_view in) : in_(in) {}

  std::string run() {
    while (i_ < in_.size()) {
      char c = in_[i_];
      if (c == '\'' || c == '"') {
        out_ += quoted(c);
        last_word_ = {};
      } else if (c == '-' && i_ + 1 < in_.size() && in_[i_ + 1] == '-') {
        size_t end = in_.find('\n', i_);
        end = end == std::string_view::npos ? in_.size() : end;
        out_ += in_.substr(i_, end - i_);
        i_ = end;
      } else if (c == '?') {
        out_ += parameter();
        last_word_ = {};
      } else if (c == '(') {
        // A subquery in FROM or JOIN needs a name in PostgreSQL 15 (SQLite makes one up).
        parens_.push_back(same_word(last_word_, "FROM") || same_word(last_word_, "JOIN"));
        out_ += c;
        ++i_;
        last_word_ = {};
      } else if (c == ')') {
        bool from_subquery = !parens_.empty() && parens_.back();
        if (!parens_.empty()) parens_.pop_back();
        out_ += c;
        ++i_;
        size_t after = 0;
        if (from_subquery && !names_it(peek_word(after))) out_ += " AS _subquery" + std::to_string(++subqueries_);
        last_word_ = {};
      } else if (word_char(c) && (i_ == 0 || !word_char(in_[i_ - 1]))) {
        word();
      } else {
        if (!std::isspace(static_cast<unsigned char>(c))) last_word_ = {};
        out_ += c;
        ++i_;
      }
    }
    return out_;
  }

  // Whether the word after a subquery is its name (AS x, or a bare name) rather than the next clause.
  static bool names_it(std::string_view w) {
    if (w.empty()) return false;
    for (const char* k : {"WHERE", "GROUP", "ORDER", "LIMIT", "UNION", "EXCEPT", "INTERSECT", "JOIN", "LEFT", "INNER",
                          "CROSS", "ON", "USING", "HAVING", "WINDOW", "OFFSET", "NATURAL", "FULL", "RIGHT"})
      if (same_word(w, k)) return false;
    return true;
  }

 private:
  // A literal or quoted name, from its opening quote to its closing one (doubled quotes inside).
  std::string quoted(char q) {
    size_t start = i_++;
    while (i_ < in_.size()) {
      if (in_[i_] == q) {
        if (i_ + 1 < in_.size() && in_[i_ + 1] == q) {
          i_ += 2;
          continue;
        }
        ++i_;
        break;
      }
      ++i_;
    }
    return std::string(in_.substr(start, i_ - start));
  }

  std::string parameter() {
    ++i_;
    size_t start = i_;
    while (i_ < in_.size() && std::isdigit(static_cast<unsigned char>(in_[i_]))) ++i_;
    int n = start == i_ ? ++last_ : std::stoi(std::string(in_.substr(start, i_ - start)));
    if (n > last_) last_ = n;
    return "$" + std::to_string(n);
  }

  std::string_view peek_word(size_t& at) const {
    at = i_;
    while (at < in_.size() && std::isspace(static_cast<unsigned char>(in_[at]))) ++at;
    size_t start = at;
    while (at < in_.size() && word_char(in_[at])) ++at;
    return in_.substr(start, at - start);
  }

  void skip_space() {
    while (i_ < in_.size() && std::isspace(static_cast<unsigned char>(in_[i_]))) ++i_;
  }

  // The right side of GLOB, wrapped: a literal, a parameter or a name.
  void glob_operand() {
    skip_space();
    out_ += "mlpipe_glob(";
    if (i_ < in_.size() && in_[i_] == '\'') {
      out_ += quoted('\'');
    } else if (i_ < in_.size() && in_[i_] == '?') {
      out_ += parameter();
    } else {
      size_t start = i_;
      while (i_ < in_.size() && (word_char(in_[i_]) || in_[i_] == '.')) ++i_;
      out_ += in_.substr(start, i_ - start);
    }
    out_ += ")";
  }

  void word() {
    size_t start = i_;
    while (i_ < in_.size() && word_char(in_[i_])) ++i_;
    std::string_view w = in_.substr(start, i_ - start);
    last_word_ = w;
    size_t after = 0;
    if (same_word(w, "USER")) {
      out_ += "\"user\"";
    } else if (same_word(w, "GROUP_CONCAT")) {
      out_ += "string_agg";
    } else if (same_word(w, "CROSS") && same_word(peek_word(after), "JOIN")) {
      // SQLite's join-order hint; mlpipe's CROSS JOINs always carry their condition.
      i_ = after;
      out_ += "JOIN";
    } else if (same_word(w, "GLOB")) {
      out_ += "~ ";
      glob_operand();
    } else if (same_word(w, "NOT") && same_word(peek_word(after), "GLOB")) {
      i_ = after;
      out_ += "!~ ";
      glob_operand();
    } else if (same_word(w, "IS")) {
      std::string_view next = peek_word(after);
      bool is_not = same_word(next, "NOT");
      if (is_not) {
        size_t save = i_;
        i_ = after;
        next = peek_word(after);
        i_ = save;
      }
      if (same_word(next, "NULL") || same_word(next, "TRUE") || same_word(next, "FALSE") ||
          same_word(next, "DISTINCT")) {
        out_ += w;
      } else {
        // IS between two values: true when both are NULL or both are equal.
        if (is_not) {
          size_t past_not = 0;
          peek_word(past_not);
          i_ = past_not;
        }
        out_ += is_not ? "IS DISTINCT FROM" : "IS NOT DISTINCT FROM";
      }
    } else {
      out_ += w;
    }
  }

  std::string_view in_;
  size_t i_ = 0;
  int last_ = 0;
  std::string out_;
  std::string_view last_word_;     // the word just before, when only spaces followed it
  std::vector<bool> parens_;       // open parentheses: whether each opened a subquery in FROM/JOIN
  int subqueries_ = 0;
};

}  // namespace

std::string to_postgres_sql(std::string_view sqlite_sql) { return Translator(sqlite_sql).run(); }

}  // namespace mlpipe
