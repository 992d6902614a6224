#pragma once
// Reading a whole input text file (config, energy table, workload, sweep file, sweep CSV, weight
// index) with a size cap.
//
// Contract: returns the file's bytes; throws nm::InputError(path, "file", ...) when it does not
// exist, is a directory, cannot be read, or holds more than `max_bytes`. The cap is what keeps
// `--config /dev/zero` (or a FIFO that never ends) an error instead of reading until memory runs
// out; FIFOs and process substitution (`--config <(...)`) still work within it.
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "hw/core/input_error.h"

namespace nm::sw {

// Far above any real config, workload, sweep file or weight index (each is at most a few hundred KB).
inline constexpr size_t kMaxInputFileBytes = size_t{16} << 20;
// A sweep CSV holds up to kMaxSweepTasks rows of a few hundred bytes each.
inline constexpr size_t kMaxSweepCsvBytes = size_t{1} << 30;

inline std::string read_text_file(const std::string& path, size_t max_bytes = kMaxInputFileBytes) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw InputError(path, "file", "cannot open: no such file");
  if (std::filesystem::is_directory(path, ec)) throw InputError(path, "file", "cannot open: is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "file", std::string("cannot open: ") + std::strerror(errno));
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > max_bytes) {
      throw InputError(
          path, "file",
          "larger than " + std::to_string(max_bytes >> 20) + " MiB, the most an input file may hold");
    }
  }
  if (in.bad()) throw InputError(path, "file", "read failed");
  return text;
}

}  // namespace nm::sw
