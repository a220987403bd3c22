#pragma once
// Compressed data files: gzip (.gz), xz (.xz) and Zstandard (.zst), told apart by their first
// bytes (not the name), read through zlib, liblzma and libzstd. Concatenated streams (daily
// files joined with cat) are read whole.
#include <filesystem>
#include <optional>
#include <string>

namespace mlpipe {

// "gzip", "xz" or "zstd" when the file starts with that format's magic bytes, else nullopt.
std::optional<std::string> compression_of(const std::filesystem::path& path);

// The decompressed bytes of a compressed file; nullopt when the file is not compressed. Throws
// StepError naming the file and the format when the data is corrupt or truncated.
std::optional<std::string> read_decompressed(const std::filesystem::path& path);

}  // namespace mlpipe
