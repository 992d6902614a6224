#pragma once
// NumPy .npy files (format versions 1.0-3.0): the array files every Python user can write with
// numpy.save, for --inputs, --labels and --outputs.
//
// Contract: read_npy accepts little-endian float32, float64, int64, int32, int8, uint8 and bool,
// C order only; values come back as double (int64 exactly up to 2^53). write_npy writes float32
// in C order, format 1.0. Errors are nm::InputError(path, "npy", ...).
#include <cstdint>
#include <string>
#include <vector>

namespace nm::sw {

struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<double> values;  // row-major
  bool integer = false;        // an integer or bool dtype
};

NpyArray read_npy(const std::string& path);
// Writes `values` (row-major, element_count(shape) of them) as float32, through a temporary file.
void write_npy(const std::string& path, const std::vector<int64_t>& shape, const std::vector<float>& values);

}  // namespace nm::sw
