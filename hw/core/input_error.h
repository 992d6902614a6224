#pragma once
// The one exception type for bad user input (config, workload, command line).
//
// Contract: what() is a single line "<where>: <key>: <expected>", where `where` names the file
// (or "command line" / "built-in default"), `key` is the dotted key path, and `expected` says
// what was expected and what was found. The CLI prints it as "error: <what()>" and exits 2.
// Values echoed from the input may hold line breaks or control bytes: the constructor escapes
// them (\n, \r, \t, \xNN), so the message is one printable line whatever the input was.
#include <stdexcept>
#include <string>

namespace nm {

// `text` with line breaks, tabs and other control bytes (0x00-0x1f, 0x7f) written as C escapes.
inline std::string escape_control(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) {
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    }
  }
  return out;
}

class InputError : public std::runtime_error {
 public:
  InputError(const std::string& where, const std::string& key, const std::string& expected)
      : std::runtime_error(escape_control(where + ": " + key + ": " + expected)) {}
};

}  // namespace nm
