#pragma once
// A model bundle on disk: model file + preprocess.json + manifest.json (with content hashes).
// Written to a staging folder and renamed into place, so a crash never leaves half a bundle.
#include <filesystem>
#include <set>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/data/csv_reader.h"
#include "core/data/table.h"
#include "core/model/model.h"

namespace mlpipe {

inline constexpr const char* kBundleFormat = "mlpipe-bundle/1";

struct BundleContents {
  const Model* model = nullptr;
  nlohmann::json preprocess;  // ingest schema + fitted transforms
  nlohmann::json manifest;    // everything but "files", which write_bundle fills in
  // More JSON files, e.g. reference.json (the training data's profile for drift checks).
  std::map<std::string, nlohmann::json> extra_files;
};

// Writes the bundle into `dir` atomically; returns the final manifest.
nlohmann::json write_bundle(const std::filesystem::path& dir, const BundleContents& c);
// Puts a copy of the bundle folder `from` (written by write_bundle) at `dir`, replacing what is
// there the same way: staged beside it, then swapped in, so a reader never sees half of one
// and two runs publishing at once leave one whole bundle, the last one's.
void publish_bundle(const std::filesystem::path& from, const std::filesystem::path& dir);

struct LoadedBundle {
  nlohmann::json manifest;
  nlohmann::json preprocess;
  std::unique_ptr<Model> model;
};

// Reads a bundle and checks every file against its manifest hash; a mismatch is refused.
LoadedBundle load_bundle(const std::filesystem::path& dir);

struct PreparedData {
  Table table;                   // ready for build_matrix
  size_t unseen_categories = 0;  // values of categorical columns not seen in training
};

// Reads a CSV as the bundle's ingest step read its training data (types, categories, missing
// values) and applies the fitted transforms. With `inputs` (the model's features), a training
// column that neither they nor a transform or the sequences use may be absent from the file;
// without, every training column but the label, id and weight must be there.
PreparedData prepare_for_prediction(const std::filesystem::path& csv, const nlohmann::json& preprocess,
                                    const std::vector<std::string>* inputs = nullptr);
// The same for several files read as one table (an ingest step's list or glob of sources).
PreparedData prepare_for_prediction(const std::vector<std::filesystem::path>& files, const nlohmann::json& preprocess,
                                    const std::vector<std::string>* inputs = nullptr);
// What prepare_table reads from a bundle's ingest schema, looked up once: `mlpipe serve` keeps one
// per loaded bundle rather than walking preprocess.json for every request. Immutable once made,
// so requests share it across threads.
struct IngestPlan {
  enum class Type { kNumeric, kCategorical, kOther };
  struct Col {
    std::string name;
    Type type = Type::kOther;
    bool required = false;  // absent from the data: an error (the label, id and weight never are)
    bool label = false;
    // Values kept as text even when training never saw them: the id (written beside each score)
    // and the entity of a history transform or of the sequences (a new customer is still
    // itself). The model's inputs among them read such values as missing once the transforms ran.
    bool keeps_text = false;
    bool id = false;
    bool input = true;  // its values reach the model, not only its grouping (every column when the inputs are not known)
    // Read at all: by the model, its transforms or sequences, or written beside the scores (id,
    // label, weight). Others are left out whatever they hold (a column the split alone read).
    bool used = true;
    std::vector<std::string> categories;                 // kCategorical: the training dictionary
    std::unordered_map<std::string, int32_t> code_of;    // kCategorical: category -> its code
  };
  std::vector<Col> columns;  // in the training data's order
  nlohmann::json label_positive, label_classes;  // null when training had none
  nlohmann::json transforms;                     // the fitted transforms, applied after
};
// `inputs` as for prepare_for_prediction.
IngestPlan ingest_plan(const nlohmann::json& preprocess, const std::vector<std::string>* inputs);
// The CSV reader's options that read data as the bundle's ingest step read its training data;
// with `plan`, the columns it does not use get no declared type (they are left out unread).
CsvOptions prediction_csv_options(const nlohmann::json& preprocess, const IngestPlan* plan = nullptr);
// The part of prepare_for_prediction after reading: `raw` read with prediction_csv_options (from
// a file, or from rows `mlpipe serve` received); `source` names it in errors.
PreparedData prepare_table(Table raw, const nlohmann::json& preprocess, const std::vector<std::string>* inputs,
                           const std::string& source);
PreparedData prepare_table(Table raw, const IngestPlan& plan, const std::string& source);
// The training columns a model needs in a file to score: its features that were read as such,
// and every column the fitted transforms and sequences read (the label too, for label_rate).
std::set<std::string> columns_needed(const nlohmann::json& preprocess, const std::vector<std::string>& inputs);

}  // namespace mlpipe
