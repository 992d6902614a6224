#pragma once
// The one exception type for bad user input (config, workload, command line).
//
// Contract: what() is a single line "<where>: <key>: <expected>", where `where` names the file
// (or "command line" / "built-in default"), `key` is the dotted key path, and `expected` says
// what was expected and what was found. The CLI prints it as "error: <what()>" and exits 2.
#include <stdexcept>
#include <string>

namespace nm {

class InputError : public std::runtime_error {
 public:
  InputError(const std::string& where, const std::string& key, const std::string& expected)
      : std::runtime_error(where + ": " + key + ": " + expected) {}
};

}  // namespace nm
