#include "core/data/decompress.h"

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <fstream>
#include <vector>

#include "core/util/error.h"

namespace fs = std::filesystem;

namespace mlpipe {
namespace {

constexpr size_t kChunk = 1 << 20;

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw StepError(path.string() + ": cannot open");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string gunzip(const fs::path& path, const std::string& in) {
  std::string out;
  size_t pos = 0;
  while (pos < in.size()) {  // one member after another (cat a.gz b.gz)
    z_stream z{};
    if (inflateInit2(&z, 15 + 32) != Z_OK) throw StepError(path.string() + ": cannot start the gzip decoder");
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + pos));
    z.avail_in = uInt(std::min<size_t>(in.size() - pos, UINT32_MAX));
    int rc = Z_OK;
    std::vector<char> buf(kChunk);
    while (rc != Z_STREAM_END) {
      z.next_out = reinterpret_cast<Bytef*>(buf.data());
      z.avail_out = uInt(buf.size());
      rc = inflate(&z, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END) {
        std::string why = z.msg ? z.msg : rc == Z_BUF_ERROR ? "unexpected end of data" : "corrupt data";
        inflateEnd(&z);
        throw StepError(path.string() + ": bad gzip data at byte " + std::to_string(pos + z.total_in) + " (" + why +
                        "); the file is damaged or truncated");
      }
      out.append(buf.data(), buf.size() - z.avail_out);
    }
    pos += z.total_in;
    inflateEnd(&z);
    while (pos < in.size() && in[pos] == '\0') ++pos;  // padding some tools leave between members
  }
  return out;
}

std::string unxz(const fs::path& path, const std::string& in) {
  lzma_stream z = LZMA_STREAM_INIT;
  if (lzma_stream_decoder(&z, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
    throw StepError(path.string() + ": cannot start the xz decoder");
  z.next_in = reinterpret_cast<const uint8_t*>(in.data());
  z.avail_in = in.size();
  std::string out;
  std::vector<char> buf(kChunk);
  for (lzma_action action = LZMA_FINISH;;) {
    z.next_out = reinterpret_cast<uint8_t*>(buf.data());
    z.avail_out = buf.size();
    lzma_ret rc = lzma_code(&z, action);
    out.append(buf.data(), buf.size() - z.avail_out);
    if (rc == LZMA_STREAM_END) break;
    if (rc != LZMA_OK) {
      lzma_end(&z);
      throw StepError(path.string() + ": bad xz data at byte " + std::to_string(z.total_in) + " (" +
                      (rc == LZMA_BUF_ERROR ? "unexpected end of data" : "corrupt data") +
                      "); the file is damaged or truncated");
    }
  }
  lzma_end(&z);
  return out;
}

std::string unzstd(const fs::path& path, const std::string& in) {
  ZSTD_DStream* z = ZSTD_createDStream();
  if (!z) throw StepError(path.string() + ": cannot start the zstd decoder");
  std::string out;
  std::vector<char> buf(ZSTD_DStreamOutSize());
  ZSTD_inBuffer src{in.data(), in.size(), 0};
  size_t last = 0;
  bool full = false;  // the output buffer was filled: the decoder may hold more
  while (src.pos < src.size || full) {
    ZSTD_outBuffer dst{buf.data(), buf.size(), 0};
    last = ZSTD_decompressStream(z, &dst, &src);
    if (ZSTD_isError(last)) {
      std::string why = ZSTD_getErrorName(last);
      ZSTD_freeDStream(z);
      throw StepError(path.string() + ": bad zstd data at byte " + std::to_string(src.pos) + " (" + why +
                      "); the file is damaged or truncated");
    }
    out.append(buf.data(), dst.pos);
    full = dst.pos == dst.size;
  }
  ZSTD_freeDStream(z);  // last == 0: the final frame is complete
  if (last != 0)
    throw StepError(path.string() + ": bad zstd data (unexpected end of data); the file is damaged or truncated");
  return out;
}

}  // namespace

std::optional<std::string> compression_of(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char m[6] = {0};
  in.read(reinterpret_cast<char*>(m), 6);
  size_t n = size_t(in.gcount());
  if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b) return "gzip";
  if (n >= 6 && std::memcmp(m, "\xfd" "7zXZ\0", 6) == 0) return "xz";
  if (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) return "zstd";
  return std::nullopt;
}

std::optional<std::string> read_decompressed(const fs::path& path) {
  std::optional<std::string> kind = compression_of(path);
  if (!kind) return std::nullopt;
  std::string in = slurp(path);
  if (*kind == "gzip") return gunzip(path, in);
  if (*kind == "xz") return unxz(path, in);
  return unzstd(path, in);
}

}  // namespace mlpipe
