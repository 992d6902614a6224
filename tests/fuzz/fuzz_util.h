#pragma once
// Shared by the libFuzzer harnesses: a per-process scratch directory for the files the real
// loaders read, and the rule every harness applies. A loader may accept its input or reject it
// with nm::InputError whose message is one line (no line breaks or other control bytes); any
// other exception, a crash, a sanitizer report, a leak or a hang is a finding.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>

#include "hw/core/input_error.h"

namespace nm::fuzz {

// A directory of this process's own under $TMPDIR, removed at a normal exit (never freed, so it
// outlives the static destructors that run before the atexit handler).
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path* const dir = [] {
    namespace fs = std::filesystem;
    auto* d = new fs::path(fs::temp_directory_path() / ("nm_fuzz_" + std::to_string(::getpid())));
    fs::create_directories(*d);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratch_dir(), ec);
    });
    return d;
  }();
  return *dir;
}

inline std::string write_scratch(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = (scratch_dir() / name).string();
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

inline std::string write_scratch(const std::string& name, const std::string& text) {
  return write_scratch(name, reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

[[noreturn]] inline void finding(const char* what, const std::string& message) {
  std::fprintf(stderr, "FUZZ FINDING: %s: %s\n", what, message.c_str());
  std::abort();
}

// Runs `parse`; InputError with a one-line message is a clean rejection.
template <typename F>
void expect_clean(F&& parse) {
  try {
    parse();
  } catch (const nm::InputError& e) {
    for (const char c : std::string(e.what())) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7f) finding("InputError message is not one printable line", e.what());
    }
  } catch (const std::exception& e) {
    finding("exception other than nm::InputError", e.what());
  } catch (...) {
    finding("non-standard exception", "");
  }
}

}  // namespace nm::fuzz
