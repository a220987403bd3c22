#include "core/util/hash.h"

#include <xxhash.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "core/util/error.h"

namespace mlpipe {
namespace {
std::string to_hex(XXH128_hash_t h) {
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, h);
  static const char* digits = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 0; i < 16; ++i) {
    out[2 * i] = digits[c.digest[i] >> 4];
    out[2 * i + 1] = digits[c.digest[i] & 15];
  }
  return out;
}
}  // namespace

std::string hash_bytes(std::string_view bytes) {
  return to_hex(XXH3_128bits(bytes.data(), bytes.size()));
}

std::string hash_file(const std::filesystem::path& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw StepError("cannot read " + path.string() + " to hash it");
  std::unique_ptr<XXH3_state_t, XXH_errorcode (*)(XXH3_state_t*)> st(XXH3_createState(),
                                                                      &XXH3_freeState);
  XXH3_128bits_reset(st.get());
  std::vector<char> buf(1 << 20);
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0)
    XXH3_128bits_update(st.get(), buf.data(), n);
  if (std::ferror(f.get())) throw StepError("read error while hashing " + path.string());
  return to_hex(XXH3_128bits_digest(st.get()));
}

}  // namespace mlpipe
