#include "core/data/table.h"

#include <cmath>
#include <limits>

#include "core/data/datetime.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace mlpipe {

const char* column_type_name(ColumnType t) {
  switch (t) {
    case ColumnType::kNumeric: return "numeric";
    case ColumnType::kCategorical: return "categorical";
    case ColumnType::kDatetime: return "datetime";
  }
  return "?";
}

bool Column::missing(size_t r) const {
  return coded() ? codes[r] < 0 : std::isnan(value(r));
}

double Column::as_double(size_t r) const {
  if (!coded()) return value(r);
  return codes[r] < 0 ? std::numeric_limits<double>::quiet_NaN() : double(codes[r]);
}

std::vector<double> Column::values() const {
  if (!f32) return num;
  return std::vector<double>(num32.begin(), num32.end());
}

void Column::narrow() {
  if (f32 || type != ColumnType::kNumeric) return;
  num32.assign(num.begin(), num.end());
  std::vector<double>().swap(num);
  f32 = true;
}

void Column::widen() {
  if (!f32) return;
  num.assign(num32.begin(), num32.end());
  std::vector<float>().swap(num32);
  f32 = false;
}

std::string Column::text(size_t r) const {
  if (missing(r)) return "";
  if (type == ColumnType::kDatetime) return format_datetime(num[r]);
  if (f32) return format_float(num32[r]);
  return coded() ? dict[codes[r]] : format_double(num[r]);
}

std::vector<std::string> Table::names() const {
  std::vector<std::string> out;
  for (const auto& c : columns_) out.push_back(c->name);
  return out;
}

Column& Table::edit_col(size_t i) {
  std::shared_ptr<Column>& c = columns_[i];
  if (c.use_count() > 1) c = std::make_shared<Column>(*c);  // shared with a copy: write to our own
  return *c;
}

int Table::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? -1 : static_cast<int>(it->second);
}

void Table::reindex() {
  index_.clear();
  index_.reserve(columns_.size());
  for (size_t i = 0; i < columns_.size(); ++i) index_.emplace(columns_[i]->name, i);
}

const Column& Table::at(const std::string& name, const std::string& context) const {
  int i = find(name);
  if (i < 0)
    throw StepError((context.empty() ? "" : context + ": ") + "no column '" + name + "'" +
                    did_you_mean(name, names()));
  return *columns_[i];
}

Column& Table::edit(const std::string& name, const std::string& context) {
  int i = find(name);
  if (i < 0) static_cast<const Table*>(this)->at(name, context);  // throws, naming the column
  return edit_col(size_t(i));
}

void Table::add(Column c) {
  if (find(c.name) >= 0) throw StepError("column '" + c.name + "' already exists");
  if (columns_.empty() && rows_ == 0) rows_ = c.size();
  if (c.size() != rows_)
    throw StepError("column '" + c.name + "' has " + std::to_string(c.size()) + " rows, table has " +
                    std::to_string(rows_));
  index_.emplace(c.name, columns_.size());
  columns_.push_back(std::make_shared<Column>(std::move(c)));
}

void Table::remove(const std::string& name) {
  int i = find(name);
  if (i < 0) return;
  columns_.erase(columns_.begin() + i);
  if (size_t(i) == columns_.size()) index_.erase(name);  // the last one: nothing moved
  else reindex();
}

Table Table::take(const std::vector<uint32_t>& rows) const {
  Table t;
  t.rows_ = rows.size();
  for (const auto& p : columns_) {
    const Column& c = *p;
    Column n;
    n.name = c.name;
    n.type = c.type;
    n.dict = c.dict;
    n.f32 = c.f32;
    if (c.f32) {
      n.num32.resize(rows.size());
      for (size_t i = 0; i < rows.size(); ++i) n.num32[i] = c.num32[rows[i]];
    } else if (!c.coded()) {
      n.num.resize(rows.size());
      for (size_t i = 0; i < rows.size(); ++i) n.num[i] = c.num[rows[i]];
    } else {
      n.codes.resize(rows.size());
      for (size_t i = 0; i < rows.size(); ++i) n.codes[i] = c.codes[rows[i]];
    }
    t.columns_.push_back(std::make_shared<Column>(std::move(n)));
  }
  t.index_ = index_;
  return t;
}

}  // namespace mlpipe
