#include "sw/functional/npy.h"

#include <cstring>
#include <fstream>
#include <iterator>

#include "hw/core/input_error.h"
#include "sw/proc/output_file.h"

namespace nm::sw {

namespace {

constexpr char kMagic[] = "\x93NUMPY";

// The value of `key` in the header dict text ("{'descr': '<f4', 'fortran_order': False, ...}").
std::string header_field(const std::string& header, const std::string& key, const std::string& path) {
  const size_t k = header.find("'" + key + "'");
  if (k == std::string::npos) throw InputError(path, "npy", "header has no '" + key + "'");
  size_t v = header.find(':', k);
  if (v == std::string::npos) throw InputError(path, "npy", "malformed header");
  ++v;
  while (v < header.size() && header[v] == ' ') ++v;
  size_t end = v;
  if (header[v] == '(') {
    end = header.find(')', v);
    if (end == std::string::npos) throw InputError(path, "npy", "malformed shape");
    return header.substr(v, end - v + 1);
  }
  if (header[v] == '\'') {
    end = header.find('\'', v + 1);
    if (end == std::string::npos) throw InputError(path, "npy", "malformed descr");
    return header.substr(v + 1, end - v - 1);
  }
  while (end < header.size() && header[end] != ',' && header[end] != '}') ++end;
  return header.substr(v, end - v);
}

std::vector<int64_t> parse_shape(const std::string& text, const std::string& path) {
  std::vector<int64_t> shape;
  std::string number;
  if (text.size() < 2 || text.front() != '(' || text.back() != ')')
    throw InputError(path, "npy", "malformed shape '" + text + "': expected a tuple such as (2, 3)");
  for (char c : text.substr(1)) {
    if (c >= '0' && c <= '9') {
      number += c;
    } else if (c == ',' || c == ')') {
      if (!number.empty()) {
        if (number.size() > 15) throw InputError(path, "npy", "dimension " + number + " is too large");
        shape.push_back(std::stoll(number));
      }
      number.clear();
    } else if (c != ' ') {
      throw InputError(path, "npy", "malformed shape " + text);
    }
  }
  return shape;
}

}  // namespace

NpyArray read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "file", "cannot be opened");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || bytes.compare(0, 6, kMagic, 6) != 0)
    throw InputError(path, "npy", "not a NumPy .npy file (no \\x93NUMPY magic)");
  const auto major = static_cast<uint8_t>(bytes[6]);
  size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = static_cast<uint8_t>(bytes[8]) | (static_cast<size_t>(static_cast<uint8_t>(bytes[9])) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw InputError(path, "npy", "truncated header");
    for (int b = 0; b < 4; ++b)
      header_len |= static_cast<size_t>(static_cast<uint8_t>(bytes[8 + b])) << (8 * b);
    offset = 12;
  } else {
    throw InputError(path, "npy",
                     "format version " + std::to_string(major) + " is not supported (1 to 3 are)");
  }
  if (offset + header_len > bytes.size()) throw InputError(path, "npy", "truncated header");
  const std::string header = bytes.substr(offset, header_len);
  const std::string descr = header_field(header, "descr", path);
  if (header_field(header, "fortran_order", path).find("True") != std::string::npos)
    throw InputError(path, "npy",
                     "Fortran-ordered arrays are not supported (save with np.ascontiguousarray)");
  NpyArray a;
  a.shape = parse_shape(header_field(header, "shape", path), path);
  size_t count = 1;
  for (int64_t d : a.shape) {
    if (d < 0 || (d > 0 && count > (size_t{1} << 40) / static_cast<size_t>(d)))
      throw InputError(path, "npy", "shape is too large");
    count *= static_cast<size_t>(d);
  }
  size_t width = 0;
  if (descr == "<f4" || descr == "<i4") width = 4;
  if (descr == "<f8" || descr == "<i8") width = 8;
  if (descr == "|i1" || descr == "|u1" || descr == "|b1") width = 1;
  if (width == 0)
    throw InputError(path, "npy",
                     "dtype '" + descr +
                         "' is not supported (little-endian float32, float64, int64, int32, int8, "
                         "uint8 or bool are)");
  const size_t data = offset + header_len;
  if (bytes.size() - data != count * width)
    throw InputError(path, "npy",
                     "holds " + std::to_string(bytes.size() - data) + " data bytes, its shape needs " +
                         std::to_string(count * width) + " (truncated?)");
  a.integer = descr[1] != 'f';
  a.values.resize(count);
  const char* p = bytes.data() + data;
  for (size_t k = 0; k < count; ++k, p += width) {
    if (descr == "<f4") {
      float v;
      std::memcpy(&v, p, 4);
      a.values[k] = v;
    } else if (descr == "<f8") {
      std::memcpy(&a.values[k], p, 8);
    } else if (descr == "<i8") {
      int64_t v;
      std::memcpy(&v, p, 8);
      a.values[k] = static_cast<double>(v);
    } else if (descr == "<i4") {
      int32_t v;
      std::memcpy(&v, p, 4);
      a.values[k] = v;
    } else if (descr == "|i1") {
      a.values[k] = static_cast<int8_t>(*p);
    } else {
      a.values[k] = static_cast<uint8_t>(*p);
    }
  }
  return a;
}

void write_npy(const std::string& path, const std::vector<int64_t>& shape, const std::vector<float>& values) {
  std::string dims;  // "2, 3"; a 1-D shape is "5," (a Python tuple)
  for (size_t k = 0; k < shape.size(); ++k) dims += (k ? ", " : "") + std::to_string(shape[k]);
  if (shape.size() == 1) dims += ",";
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Pad with spaces so the data starts on a 64-byte boundary; the header ends with a newline.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string out(kMagic, 6);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  out += header;
  const size_t at = out.size();
  out.resize(at + values.size() * 4);
  std::memcpy(out.data() + at, values.data(), values.size() * 4);
  write_file_atomically(path, out);
}

}  // namespace nm::sw
