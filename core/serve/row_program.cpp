#include "core/serve/row_program.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <map>

#include "core/features/transform_kernels.h"
#include "core/features/window_features.h"
#include "core/serve/request_rows.h"
#include "core/util/strings.h"

using nlohmann::json;

namespace mlpipe {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A column name the CSV route would read otherwise than as sent (trimmed, split at a delimiter
// the header sniffing might pick, quoted): requests naming it take the general path.
bool plain_name(const std::string& n) {
  return !n.empty() && trim(n).size() == n.size() && n.find_first_of(",;\t|\"\r\n") == std::string::npos;
}

// Text the CSV route reads back exactly as sent: rows_to_csv writes it (quoted when it holds a
// comma), and the reader stores a categorical field as it is, comparing its trimmed form with the
// NA values. Edge blanks are left to that route. (Quotes and control characters never get here:
// they are escapes in JSON, which read_flat_row leaves to the general path.)
bool plain_text(std::string_view t) { return trim(t).size() == t.size(); }

// A number sent for a categorical column: the category its CSV field names (request_cell).
void number_text(const FlatValue& v, std::string& out) {
  if (v.kind == FlatValue::Kind::kInt) out = std::to_string(v.i);
  else if (v.kind == FlatValue::Kind::kUint) out = std::to_string(v.u);
  else out = format_double(v.d);
}

struct SlotInfo {
  bool categorical = false;
  bool sure = false;    // present whenever the fast path runs (a required column, or made by an op)
  bool narrow = false;  // kept as float32
  std::vector<std::string> dict;
};

}  // namespace

std::unique_ptr<const RowProgram> RowProgram::compile(const IngestPlan& plan, const CsvOptions& csv, const json& manifest) try {
  if (manifest.value("sequence", false) || manifest.contains("classes")) return nullptr;
  if (!reads_numbers_directly(csv) || csv.decimal != '.') return nullptr;  // a decimal comma: the CSV route's
  // A null is missing on both routes (the CSV route writes it as an NA value); without NA values
  // it is an error, which the CSV route words.
  if (csv.na_values.empty()) return nullptr;
  std::unique_ptr<RowProgram> p(new RowProgram());
  p->na_values_ = csv.na_values;
  std::vector<std::string> dropped;
  if (manifest.contains("dropped_columns"))
    for (const auto& d : manifest["dropped_columns"]) dropped.push_back(d.get<std::string>());
  p->names_.reserve(plan.columns.size() + dropped.size());  // inputs_ views them: never reallocated
  std::vector<SlotInfo> slots;
  std::map<std::string, int> slot_of;  // a column of the table as the transforms leave it -> its slot
  for (const IngestPlan::Col& c : plan.columns) {
    p->names_.push_back(c.name);
    Input in;
    in.index = p->inputs_.size();
    bool usable = !c.label && plain_name(c.name) && c.type != IngestPlan::Type::kOther;
    if (!usable && c.required) return nullptr;  // every request would take the general path
    if (!c.used && !c.label && plain_name(c.name)) {
      in.use = Input::Use::kAny;
    } else if (usable) {
      in.use = Input::Use::kSlot;
      in.slot = int(slots.size());
      in.categorical = c.type == IngestPlan::Type::kCategorical;
      in.required = c.required;
      in.counts_unseen = c.input;
      if (in.categorical) {
        in.codes = p->codes_.size();
        p->codes_.push_back(c.code_of);
      }
      slot_of[c.name] = in.slot;
      slots.push_back(SlotInfo{in.categorical, c.required, false, in.categorical ? c.categories : std::vector<std::string>{}});
      if (in.required) ++p->inputs_required_;
    }
    if (!p->inputs_.emplace(p->names_.back(), in).second) return nullptr;  // a name twice: the table path says so
  }
  for (const std::string& d : dropped) {  // known to the model's data, read by nothing
    if (p->inputs_.count(d)) continue;
    p->names_.push_back(d);
    Input in;
    in.index = p->inputs_.size();
    in.use = plain_name(d) ? Input::Use::kIgnore : Input::Use::kRefuse;
    p->inputs_.emplace(p->names_.back(), in);
  }

  // The transforms, as apply_transforms runs them, on slots. A column an op reads must be one
  // every request that gets this far has.
  auto sure_slot = [&](const std::string& name, bool categorical) -> int {
    auto it = slot_of.find(name);
    if (it == slot_of.end() || !slots[size_t(it->second)].sure || slots[size_t(it->second)].categorical != categorical) return -1;
    return it->second;
  };
  auto new_slot = [&](bool narrow) {
    slots.push_back(SlotInfo{false, true, narrow, {}});
    return int(slots.size() - 1);
  };
  const json& transforms = plan.transforms;
  if (!transforms.is_null())
    for (const json& f : transforms) {
      std::string op = f.at("op").get<std::string>();
      if (op == "drop") {
        for (const auto& c : f.at("columns")) slot_of.erase(c.get<std::string>());
        continue;
      }
      if (op == "ratio") {
        Op o;
        o.kind = Op::Kind::kRatio;
        o.in = sure_slot(f.at("numerator").get<std::string>(), false);
        o.in2 = sure_slot(f.at("denominator").get<std::string>(), false);
        if (o.in < 0 || o.in2 < 0) return nullptr;
        o.narrow = stores_float32(f);
        o.out = new_slot(o.narrow);
        slot_of[f.at("name").get<std::string>()] = o.out;  // replaces a column of that name
        p->ops_.push_back(std::move(o));
        continue;
      }
      if (op == "one_hot") {
        for (const auto& spec : f.at("columns")) {
          std::string name = spec.at("column").get<std::string>();
          Op o;
          o.kind = Op::Kind::kOneHot;
          o.in = sure_slot(name, true);
          if (o.in < 0) return nullptr;  // a number one-hot: its text is format_double's; not here
          std::vector<std::string> cats = spec.at("categories").get<std::vector<std::string>>();
          std::map<std::string, size_t> index;
          for (size_t k = 0; k < cats.size(); ++k) index[cats[k]] = k;
          std::vector<std::string> dict = slots[size_t(o.in)].dict;
          slot_of.erase(name);
          for (const std::string& cat : cats) {
            std::string out = name + "=" + cat;
            if (slot_of.count(out)) return nullptr;  // Table::add refuses it
            o.outs.push_back(new_slot(false));
            slot_of[out] = o.outs.back();
          }
          for (const std::string& text : dict) {
            auto it = index.find(text);
            o.hot.push_back(it == index.end() ? -1 : o.outs[it->second]);
          }
          p->ops_.push_back(std::move(o));
        }
        continue;
      }
      static const std::map<std::string, Op::Kind> elementwise = {{"standardize", Op::Kind::kStandardize},
                                                                   {"min_max", Op::Kind::kMinMax},
                                                                   {"log1p", Op::Kind::kLog1p},
                                                                   {"clip", Op::Kind::kClip},
                                                                   {"fill_missing", Op::Kind::kFill}};
      auto kind = elementwise.find(op);
      if (kind == elementwise.end()) return nullptr;  // window, label_rate, time_parts: the table path
      const json& cols = f.at("columns");
      for (size_t k = 0; k < cols.size(); ++k) {
        std::string name = cols[k].get<std::string>();
        Op o;
        o.kind = kind->second;
        auto it = slot_of.find(name);
        if (it == slot_of.end() || !slots[size_t(it->second)].sure) return nullptr;
        o.in = it->second;
        SlotInfo& s = slots[size_t(o.in)];
        if (s.categorical) {
          if (o.kind != Op::Kind::kFill) return nullptr;  // the table path refuses it
          std::string fill = f.at("fill").at(k).get<std::string>();
          auto at = std::find(s.dict.begin(), s.dict.end(), fill);
          o.kind = Op::Kind::kFillCode;
          o.code = int32_t(at - s.dict.begin());
          if (at == s.dict.end()) s.dict.push_back(fill);
          p->ops_.push_back(std::move(o));
          continue;
        }
        o.narrow = s.narrow;
        switch (o.kind) {
          case Op::Kind::kStandardize:
            o.a = f.at("mean").at(k).get<double>();
            o.b = f.at("std").at(k).get<double>();
            break;
          case Op::Kind::kMinMax:
            o.a = f.at("min").at(k).get<double>();
            o.b = f.at("range").at(k).get<double>();
            break;
          case Op::Kind::kLog1p:
            o.sign = f.value("signed", false);
            break;
          case Op::Kind::kClip:
            o.a = f.at("lower").at(k).is_null() ? -INFINITY : f.at("lower").at(k).get<double>();
            o.b = f.at("upper").at(k).is_null() ? INFINITY : f.at("upper").at(k).get<double>();
            break;
          default:
            o.a = f.at("fill").at(k).get<double>();
        }
        p->ops_.push_back(std::move(o));
      }
    }

  for (const auto& name : manifest.at("features")) {
    auto it = slot_of.find(name.get<std::string>());
    if (it == slot_of.end() || !slots[size_t(it->second)].sure) return nullptr;  // the table path names it
    p->features_.emplace_back(it->second, slots[size_t(it->second)].categorical);
    p->feature_names_.push_back(name.get<std::string>());
  }
  std::string id = manifest.value("id", "");
  if (!id.empty()) {
    auto in = p->inputs_.find(id);
    auto now = slot_of.find(id);
    if (in != p->inputs_.end() && in->second.use == Input::Use::kSlot) {
      if (now == slot_of.end() || now->second != in->second.slot) return nullptr;  // an op replaced or dropped it
      p->id_slot_ = in->second.slot;
      p->id_input_ = in->second.index;
      p->id_categorical_ = in->second.categorical;
      // A text id is written as sent (training never saw it); an op reading it: the table path.
      if (p->id_categorical_)
        for (const Op& o : p->ops_)
          if (o.in == p->id_slot_ || o.in2 == p->id_slot_) return nullptr;
    } else if (now != slot_of.end()) {
      return nullptr;  // made by an op: the table path gives it
    }
  }
  p->slots_ = slots.size();
  return p;
} catch (const std::exception&) {
  return nullptr;  // preprocess.json not as mlpipe writes it: the table path words it (a bundle is never refused for this)
}

bool RowProgram::run(const std::vector<FlatField>& fields, Row& out) const {
  thread_local std::vector<double> num;
  thread_local std::vector<int32_t> code;
  thread_local std::vector<uint8_t> seen;
  thread_local std::string text;
  num.assign(slots_, kNaN);
  code.assign(slots_, -1);
  seen.assign(inputs_.size(), 0);
  out.unseen_categories = 0;
  out.id.clear();
  size_t required = 0;
  for (const FlatField& f : fields) {
    auto it = inputs_.find(f.key);
    if (it == inputs_.end()) return false;  // no such column: the general path names the closest
    const Input& in = it->second;
    if (in.use == Input::Use::kRefuse || seen[in.index]++) return false;
    if (in.use == Input::Use::kAny) continue;  // the table path leaves it out too
    const FlatValue& v = f.value;
    if (in.use == Input::Use::kIgnore) {
      if (v.kind == FlatValue::Kind::kText) return false;
      continue;
    }
    if (in.required) ++required;
    if (!in.categorical) {
      if (v.kind == FlatValue::Kind::kText) return false;  // "12" or "lots": the reader's inference
      num[size_t(in.slot)] = v.kind == FlatValue::Kind::kNull ? kNaN : v.number();
      continue;
    }
    if (v.kind == FlatValue::Kind::kNull) continue;  // missing: -1
    if (v.kind == FlatValue::Kind::kText) {
      if (!plain_text(v.text)) return false;
      text.assign(v.text);
      if (std::find(na_values_.begin(), na_values_.end(), text) != na_values_.end()) continue;
    } else {
      number_text(v, text);
    }
    if (id_categorical_ && in.slot == id_slot_) {  // the id: its text, whether training saw it or not
      out.id = text;
      continue;
    }
    const auto& codes = codes_[in.codes];
    auto c = codes.find(text);
    if (c != codes.end()) code[size_t(in.slot)] = c->second;
    else if (in.counts_unseen) ++out.unseen_categories;
  }
  if (required != inputs_required_) return false;  // the general path lists what is missing

  for (const Op& o : ops_) {
    double* x = &num[size_t(o.in)];
    switch (o.kind) {
      case Op::Kind::kRatio:
        num[size_t(o.out)] = kernels::ratio(*x, num[size_t(o.in2)]);
        x = &num[size_t(o.out)];
        break;
      case Op::Kind::kStandardize: *x = kernels::standardize(*x, o.a, o.b); break;
      case Op::Kind::kMinMax: *x = kernels::min_max(*x, o.a, o.b); break;
      case Op::Kind::kLog1p: *x = kernels::log1p(*x, o.sign); break;
      case Op::Kind::kClip: *x = kernels::clip(*x, o.a, o.b); break;
      case Op::Kind::kFill: *x = kernels::fill_missing(*x, o.a); break;
      case Op::Kind::kFillCode:
        if (code[size_t(o.in)] < 0) code[size_t(o.in)] = o.code;
        continue;
      case Op::Kind::kOneHot: {
        for (int s : o.outs) num[size_t(s)] = 0.0;
        int32_t c = code[size_t(o.in)];
        if (c >= 0 && size_t(c) < o.hot.size() && o.hot[size_t(c)] >= 0) num[size_t(o.hot[size_t(c)])] = 1.0;
        continue;
      }
    }
    if (o.narrow) *x = kernels::as_float32(*x);
  }

  out.features.resize(features_.size());
  for (size_t j = 0; j < features_.size(); ++j) {
    auto [slot, categorical] = features_[j];
    double v = categorical ? (code[size_t(slot)] < 0 ? kNaN : double(code[size_t(slot)])) : num[size_t(slot)];  // as_double
    out.features[j] = static_cast<float>(v);
  }
  out.has_id = id_slot_ >= 0 && seen[id_input_];
  // Column::text of the prepared id column: a number after the ops, text as sent ("" when missing).
  if (out.has_id && !id_categorical_ && !std::isnan(num[size_t(id_slot_)])) out.id = format_double(num[size_t(id_slot_)]);
  return true;
}

}  // namespace mlpipe
