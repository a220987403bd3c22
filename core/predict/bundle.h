#pragma once
// A model bundle on disk: model file + preprocess.json + manifest.json (with content hashes).
// Written to a staging folder and renamed into place, so a crash never leaves half a bundle.
#include <filesystem>
#include <set>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

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
// The CSV reader's options that read data as the bundle's ingest step read its training data.
CsvOptions prediction_csv_options(const nlohmann::json& preprocess);
// The part of prepare_for_prediction after reading: `raw` read with prediction_csv_options (from
// a file, or from rows `mlpipe serve` received); `source` names it in errors.
PreparedData prepare_table(Table raw, const nlohmann::json& preprocess, const std::vector<std::string>* inputs,
                           const std::string& source);
// The training columns a model needs in a file to score: its features that were read as such,
// and every column the fitted transforms and sequences read (the label too, for label_rate).
std::set<std::string> columns_needed(const nlohmann::json& preprocess, const std::vector<std::string>& inputs);

}  // namespace mlpipe
