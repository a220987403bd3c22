#include "core/data/npy.h"

#include <cstring>
#include <fstream>

#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace mlpipe {
namespace {

std::string header(const char* descr, size_t n) {
  std::string dict = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (" +
                     std::to_string(n) + ",), }";
  // magic(6) + version(2) + header length(2) + dict + padding + '\n', total a multiple of 64.
  size_t total = 10 + dict.size() + 1;
  dict += std::string((64 - total % 64) % 64, ' ') + "\n";
  std::string out = "\x93NUMPY";
  out += char(1);
  out += char(0);
  out += char(dict.size() & 0xff);
  out += char(dict.size() >> 8);
  return out + dict;
}

template <class T>
void write(const std::filesystem::path& path, const char* descr, const std::vector<T>& v) {
  std::string bytes = header(descr, v.size());
  bytes.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  // No fsync: cache folders are renamed into place whole and verified by hash when read.
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  if (!out) throw StepError("cannot write " + path.string());
}

template <class T>
std::vector<T> read(const std::filesystem::path& path, const char* descr) {
  std::string bytes = read_file(path);
  auto bad = [&](const std::string& why) { return StepError(path.string() + ": not a usable .npy file: " + why); };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) throw bad("bad magic");
  size_t hlen = uint8_t(bytes[8]) | (size_t(uint8_t(bytes[9])) << 8);
  if (bytes.size() < 10 + hlen) throw bad("truncated header");
  std::string dict = bytes.substr(10, hlen);
  if (dict.find(std::string("'descr': '") + descr + "'") == std::string::npos) throw bad("expected dtype " + std::string(descr));
  auto open = dict.find("'shape': (");
  if (open == std::string::npos) throw bad("no shape");
  size_t n = std::stoull(dict.substr(open + 10));
  if (bytes.size() != 10 + hlen + n * sizeof(T)) throw bad("size does not match its shape");
  std::vector<T> v(n);
  if (n) std::memcpy(v.data(), bytes.data() + 10 + hlen, n * sizeof(T));
  return v;
}

}  // namespace

void write_npy(const std::filesystem::path& p, const std::vector<double>& v) { write(p, "<f8", v); }
void write_npy(const std::filesystem::path& p, const std::vector<int32_t>& v) { write(p, "<i4", v); }
void write_npy(const std::filesystem::path& p, const std::vector<uint8_t>& v) { write(p, "|u1", v); }
void write_npy(const std::filesystem::path& p, const std::vector<float>& v) { write(p, "<f4", v); }
std::vector<float> read_npy_f4(const std::filesystem::path& p) { return read<float>(p, "<f4"); }
std::vector<double> read_npy_f8(const std::filesystem::path& p) { return read<double>(p, "<f8"); }
std::vector<int32_t> read_npy_i4(const std::filesystem::path& p) { return read<int32_t>(p, "<i4"); }
std::vector<uint8_t> read_npy_u1(const std::filesystem::path& p) { return read<uint8_t>(p, "|u1"); }

}  // namespace mlpipe
