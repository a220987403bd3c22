#pragma once
// One-dimensional NumPy .npy files (format 1.0, little-endian): what cached step outputs are
// made of, so an analyst can numpy.load() any column.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mlpipe {

void write_npy(const std::filesystem::path& path, const std::vector<double>& v);
void write_npy(const std::filesystem::path& path, const std::vector<int32_t>& v);
void write_npy(const std::filesystem::path& path, const std::vector<uint8_t>& v);
void write_npy(const std::filesystem::path& path, const std::vector<float>& v);

// Throw StepError when the file is not a 1-D .npy of the expected dtype.
std::vector<double> read_npy_f8(const std::filesystem::path& path);
std::vector<int32_t> read_npy_i4(const std::filesystem::path& path);
std::vector<uint8_t> read_npy_u1(const std::filesystem::path& path);
std::vector<float> read_npy_f4(const std::filesystem::path& path);

}  // namespace mlpipe
