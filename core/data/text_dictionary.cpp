#include "core/data/text_dictionary.h"

#include <cstdint>

#include "core/util/error.h"

namespace mlpipe {
namespace {

constexpr std::string_view kHeader = "mlpipe-dictionary 1\n";

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(char(uint8_t(v) | 0x80));
    v >>= 7;
  }
  out.push_back(char(v));
}

// Reads a varint at `at`; false at a truncated or over-long one.
bool get_varint(std::string_view in, size_t& at, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (at >= in.size()) return false;
    uint8_t b = uint8_t(in[at++]);
    v |= uint64_t(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

}  // namespace

std::string encode_dictionary(const std::vector<std::string>& texts) {
  size_t size = kHeader.size() + 10;
  for (const auto& t : texts) size += t.size() + 2;
  std::string out;
  out.reserve(size);
  out.append(kHeader);
  put_varint(out, texts.size());
  for (const auto& t : texts) {
    put_varint(out, t.size());
    out.append(t);
  }
  return out;
}

std::vector<std::string> decode_dictionary(std::string_view bytes, const std::string& label) {
  auto bad = [&](const std::string& why) {
    return StepError(label + ": not a dictionary of mlpipe's step cache (" + why + "); delete the cache entry "
                     "(mlpipe gc) and run again");
  };
  if (bytes.substr(0, kHeader.size()) != kHeader) throw bad("no 'mlpipe-dictionary 1' header");
  size_t at = kHeader.size();
  uint64_t n = 0;
  if (!get_varint(bytes, at, n)) throw bad("truncated count");
  if (n > bytes.size()) throw bad("a count of " + std::to_string(n) + " in " + std::to_string(bytes.size()) + " bytes");
  std::vector<std::string> out;
  out.reserve(size_t(n));
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t len = 0;
    if (!get_varint(bytes, at, len) || len > bytes.size() - at)
      throw bad("text " + std::to_string(i + 1) + " of " + std::to_string(n) + " is cut off");
    out.emplace_back(bytes.substr(at, size_t(len)));
    at += size_t(len);
  }
  if (at != bytes.size()) throw bad(std::to_string(bytes.size() - at) + " bytes after the last text");
  return out;
}

}  // namespace mlpipe
