#pragma once
// The in-memory columnar table passed between steps. Numeric columns hold doubles (NaN =
// missing); datetime columns hold seconds since 1970 UTC in the same doubles; categorical
// columns hold int32 codes (-1 = missing) into a dictionary of texts.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace mlpipe {

enum class ColumnType { kNumeric, kCategorical, kDatetime };
const char* column_type_name(ColumnType t);

struct Column {
  std::string name;
  ColumnType type = ColumnType::kNumeric;
  std::vector<double> num;        // kNumeric, kDatetime
  std::vector<int32_t> codes;     // kCategorical
  std::vector<std::string> dict;  // kCategorical: code -> text

  bool coded() const { return type == ColumnType::kCategorical; }
  size_t size() const { return coded() ? codes.size() : num.size(); }
  bool missing(size_t row) const;
  // Numeric value, or the category code as a number; NaN when missing.
  double as_double(size_t row) const;
  // Text as read (numbers in shortest form, datetimes as "YYYY-MM-DD HH:MM:SS"); "" when missing.
  std::string text(size_t row) const;
};

class Table {
 public:
  size_t rows() const { return rows_; }
  size_t cols() const { return columns_.size(); }
  const std::vector<Column>& columns() const { return columns_; }
  std::vector<std::string> names() const;

  // -1 when absent.
  int find(const std::string& name) const;
  // Throws StepError "no column 'x' (did you mean 'y'?)" when absent; `context` prefixes it.
  const Column& at(const std::string& name, const std::string& context = "") const;
  Column& at(const std::string& name, const std::string& context = "");
  const Column& col(size_t i) const { return columns_[i]; }
  // Mutable access to a column's values: never rename it through this (find() keeps an index
  // by name; renaming is a remove and an add).
  Column& col(size_t i) { return columns_[i]; }

  // Appends a column; its size must equal rows() unless the table is empty.
  void add(Column c);
  void remove(const std::string& name);
  // A new table holding the given rows, in the given order.
  Table take(const std::vector<uint32_t>& rows) const;

 private:
  void reindex();
  std::vector<Column> columns_;
  std::unordered_map<std::string, size_t> index_;  // name -> position (a 200,000-column header: no linear search)
  size_t rows_ = 0;
};

}  // namespace mlpipe
