#pragma once
// A copy of fuzz/bundle/ (a real exported bundle of the tiny loans fixture) in the temp folder,
// with its manifest's @SHA:NAME@ marks filled in, after `edit` (a manifest a test changes).
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/util/sha256.h"

inline std::filesystem::path fuzz_bundle_copy(const std::string& name, void (*edit)(std::string&) = nullptr) {
  namespace fs = std::filesystem;
  fs::path src = fs::path(MLPIPE_SOURCE_DIR) / "fuzz" / "bundle", dir = fs::temp_directory_path() / ("mlpipe-bundle-test-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ifstream in(src / "manifest.template.json");
  std::stringstream text;
  text << in.rdbuf();
  std::string m = text.str();
  for (const char* f : {"model.json", "preprocess.json", "reference.json"}) {
    fs::copy_file(src / f, dir / f);
    std::string mark = std::string("@SHA:") + f + "@";
    m.replace(m.find(mark), mark.size(), mlpipe::sha256_file(dir / f));
  }
  if (edit) edit(m);
  std::ofstream(dir / "manifest.json") << m;
  return dir;
}
