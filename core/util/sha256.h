#pragma once
// SHA-256 (OpenSSL), hex: the audit hashes of model bundles, which a reviewer or an attacker may
// check or try to forge. The cache and the object store keep XXH3 (core/util/hash.h): fast, and
// only ever compared with values this store wrote itself. Thread-safe (no shared state).
#include <filesystem>
#include <string>
#include <string_view>

namespace mlpipe {

inline constexpr const char* kSha256Name = "sha256";

std::string sha256_bytes(std::string_view bytes);
// Streams the file; throws StepError naming the path when it cannot be read.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace mlpipe
