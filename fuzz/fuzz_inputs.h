#pragma once
// What the fuzz targets (and their regression test) feed hostile bytes to. Each returns
// normally or throws mlpipe::Error (a clear message for the user); anything else (another
// exception, a crash, a sanitizer report) is a bug.
#include <cstddef>
#include <cstdint>

namespace mlpipe::fuzz {

// A pipeline file: YAML parsing, keys and kinds, ${...} references, step checks, the DAG.
void load_config(const uint8_t* data, size_t size);
// A CSV/TSV file: header, delimiters, quotes, types, missing values, one and several threads.
void read_csv_bytes(const uint8_t* data, size_t size);
// A bundle's manifest.json beside a real model and its preprocessing (fuzz/bundle/): file lists,
// names, hashes (@SHA:NAME@ stands for the file's SHA-256), field types, the model behind them.
void load_manifest(const uint8_t* data, size_t size);
// A body sent to mlpipe serve's POST /v1/score and /v1/events (the fuzz bundle served): JSON
// shapes, values of every type, columns known and not, explain options.
void serve_request(const uint8_t* data, size_t size);

}  // namespace mlpipe::fuzz
