#include "core/util/sha256.h"

#include <openssl/evp.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "core/util/error.h"

namespace mlpipe {
namespace {

using Ctx = std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)>;

Ctx new_ctx() {
  Ctx c(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!c || EVP_DigestInit_ex(c.get(), EVP_sha256(), nullptr) != 1) throw StepError("OpenSSL: cannot start SHA-256");
  return c;
}

std::string finish(EVP_MD_CTX* c) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(c, md, &n) != 1) throw StepError("OpenSSL: SHA-256 failed");
  static const char* digits = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (unsigned i = 0; i < n; ++i) {
    out[2 * i] = digits[md[i] >> 4];
    out[2 * i + 1] = digits[md[i] & 15];
  }
  return out;
}

}  // namespace

std::string sha256_bytes(std::string_view bytes) {
  Ctx c = new_ctx();
  EVP_DigestUpdate(c.get(), bytes.data(), bytes.size());
  return finish(c.get());
}

std::string sha256_file(const std::filesystem::path& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw StepError("cannot read " + path.string() + " to hash it");
  Ctx c = new_ctx();
  std::vector<char> buf(1 << 20);
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0) EVP_DigestUpdate(c.get(), buf.data(), n);
  if (std::ferror(f.get())) throw StepError("read error while hashing " + path.string());
  return finish(c.get());
}

}  // namespace mlpipe
