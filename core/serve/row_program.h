#pragma once
// A bundle's reading of one request row and its fitted transforms, compiled once per loaded
// bundle: the second half of serve's fast path for a one-row /v1/score (core/serve/flat_request.h
// reads the body). It gives the model the features that read_request_rows, prepare_table and
// build_matrix give the same row, bit for bit: values are read by the same rules, the transforms'
// arithmetic is core/features/transform_kernels.h (which apply_transforms runs too), and a value
// kept as float32 there is rounded here. Whatever it does not reproduce exactly it refuses: at
// compile time (nullptr: a sequence model, history or time transforms, a one-hot of a number,
// NA values written as numbers, ...) or per request (false: an unknown, duplicate or missing
// column, text in a numeric column, the label sent, ...), and the request takes the general path,
// which also words every error. tests/unit/serve/row_program_test.cpp compares the two.
// Immutable once compiled; run() is thread-safe (its scratch space is per thread).
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/data/csv_reader.h"
#include "core/predict/bundle.h"
#include "core/serve/flat_request.h"

namespace mlpipe {

class RowProgram {
 public:
  // `plan` and `csv` as ScoringService keeps them for the bundle (ingest_plan with the model's
  // features, prediction_csv_options); `manifest` the bundle's. Copies what it needs.
  static std::unique_ptr<const RowProgram> compile(const IngestPlan& plan, const CsvOptions& csv,
                                                   const nlohmann::json& manifest);

  struct Row {
    std::vector<float> features;  // the model's inputs, in the manifest's order
    bool has_id = false;          // the request sent the id column
    std::string id;               // its text, as predict writes it, seen in training or not ("" when null)
    size_t unseen_categories = 0;
  };
  // The row of `fields` (read_flat_row's); false when the general path must take it.
  bool run(const std::vector<FlatField>& fields, Row& out) const;

  const std::vector<std::string>& features() const { return feature_names_; }

 private:
  RowProgram() = default;

  struct Input {
    enum class Use { kSlot, kIgnore, kAny, kRefuse };  // kAny: a training column nothing reads, any value
    Use use = Use::kRefuse;
    size_t index = 0;  // its place among the inputs (a key sent twice is refused)
    int slot = -1;
    bool categorical = false;
    bool required = false;
    bool counts_unseen = true;  // categorical: an unseen value reaches the model (IngestPlan::Col::input)
    size_t codes = 0;  // categorical: its entry in codes_
  };
  struct Op {
    enum class Kind { kRatio, kStandardize, kMinMax, kLog1p, kClip, kFill, kFillCode, kOneHot };
    Kind kind = Kind::kRatio;
    int in = -1, in2 = -1, out = -1;  // slots (kRatio: in / in2 into out; element-wise ops: in place on in)
    double a = 0, b = 0;              // the fitted parameters (mean and sd, min and range, bounds, fill)
    bool sign = false;                // kLog1p: signed
    bool narrow = false;              // the result is kept as float32
    int32_t code = -1;                // kFillCode: the fill category's code
    std::vector<int> hot;             // kOneHot: per code of `in`, the slot set to 1 (-1: none)
    std::vector<int> outs;            // kOneHot: every output slot
  };

  std::vector<std::string> names_;  // the keys inputs_ views (never resized once built)
  std::unordered_map<std::string_view, Input> inputs_;
  std::vector<std::unordered_map<std::string, int32_t>> codes_;  // per categorical input: text -> training code
  size_t inputs_required_ = 0;
  std::vector<std::string> na_values_;
  size_t slots_ = 0;
  std::vector<Op> ops_;
  std::vector<std::pair<int, bool>> features_;  // slot, categorical
  std::vector<std::string> feature_names_;
  int id_slot_ = -1;  // the id column's slot (-1: none, or never sent as itself)
  bool id_categorical_ = false;
  size_t id_input_ = 0;
};

}  // namespace mlpipe
