#pragma once
// The in-memory columnar table passed between steps. Numeric columns hold doubles (NaN =
// missing), or floats when narrow (f32); datetime columns hold seconds since 1970 UTC in
// doubles; categorical columns hold int32 codes (-1 = missing) into a dictionary of texts.
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace mlpipe {

enum class ColumnType { kNumeric, kCategorical, kDatetime };
const char* column_type_name(ColumnType t);

struct Column {
  std::string name;
  ColumnType type = ColumnType::kNumeric;
  std::vector<double> num;        // kNumeric (unless f32), kDatetime
  // kNumeric with f32: the values rounded to float32. Features the feature ops derive (window,
  // label_rate, ratio, time_parts) are kept so: every trainer reads float32, and they were half
  // of the card-fraud frame's memory. Code that reads `num` directly must check f32 first, or
  // read through value()/values().
  std::vector<float> num32;
  bool f32 = false;
  std::vector<int32_t> codes;     // kCategorical
  std::vector<std::string> dict;  // kCategorical: code -> text

  bool coded() const { return type == ColumnType::kCategorical; }
  size_t size() const { return coded() ? codes.size() : f32 ? num32.size() : num.size(); }
  bool missing(size_t row) const;
  // Numeric value, or the category code as a number; NaN when missing.
  double as_double(size_t row) const;
  // A numeric or datetime column's value (a narrow one widened exactly).
  double value(size_t row) const { return f32 ? double(num32[row]) : num[row]; }
  // All of a numeric or datetime column's values as doubles (a copy when narrow).
  std::vector<double> values() const;
  // Rounds a numeric column's doubles to float32 (to nearest) and frees them; widen() undoes the
  // storage (exactly: every float is a double), not the rounding.
  void narrow();
  void widen();
  // Text as read (numbers in shortest form, datetimes as "YYYY-MM-DD HH:MM:SS"); "" when missing.
  std::string text(size_t row) const;
};

// Columns are shared between copies of a table and copied on first write: a step that copies
// its input frame to change a few columns (split, features) holds only those columns twice.
// Thread safety: copies may be read and written from different threads (each write to a shared
// column copies it first); one table is not safe to change from two threads at once. A reference
// from a mutable col()/at() must not be kept across a copy of the table (it would write into
// the copy too). Reading never copies: at()/col() are const even on a mutable table, and only
// edit()/edit_col() (for a write) copy a shared column; a mutable at() used for reads had copied
// three shared 12 MB columns in the card-fraud features step.
class Table {
 public:
  size_t rows() const { return rows_; }
  size_t cols() const { return columns_.size(); }
  std::vector<std::string> names() const;
  // The columns in order, read-only: for (const Column& c : table.columns()).
  class ColumnRange {
   public:
    using Inner = std::vector<std::shared_ptr<Column>>::const_iterator;
    struct iterator {
      Inner at;
      const Column& operator*() const { return **at; }
      const Column* operator->() const { return at->get(); }
      iterator& operator++() {
        ++at;
        return *this;
      }
      bool operator!=(const iterator& o) const { return at != o.at; }
    };
    ColumnRange(Inner b, Inner e) : b_(b), e_(e) {}
    iterator begin() const { return {b_}; }
    iterator end() const { return {e_}; }

   private:
    Inner b_, e_;
  };
  ColumnRange columns() const { return {columns_.begin(), columns_.end()}; }

  // -1 when absent.
  int find(const std::string& name) const;
  // Throws StepError "no column 'x' (did you mean 'y'?)" when absent; `context` prefixes it.
  const Column& at(const std::string& name, const std::string& context = "") const;
  const Column& col(size_t i) const { return *columns_[i]; }
  // Mutable access to a column's values, for a write (copied first when another table shares
  // it): never rename it through this (find() keeps an index by name; renaming is a remove and
  // an add).
  Column& edit(const std::string& name, const std::string& context = "");
  Column& edit_col(size_t i);

  // Appends a column; its size must equal rows() unless the table is empty.
  void add(Column c);
  void remove(const std::string& name);
  // A new table holding the given rows, in the given order.
  Table take(const std::vector<uint32_t>& rows) const;

 private:
  void reindex();
  std::vector<std::shared_ptr<Column>> columns_;
  std::unordered_map<std::string, size_t> index_;  // name -> position (a 200,000-column header: no linear search)
  size_t rows_ = 0;
};

}  // namespace mlpipe
