#pragma once
// Content hashes (XXH3-128, hex) for files and byte strings: fingerprints, manifests, inputs.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace mlpipe {

std::string hash_bytes(std::string_view bytes);
// Streams the file; throws StepError naming the path when it cannot be read.
std::string hash_file(const std::filesystem::path& path);

}  // namespace mlpipe
