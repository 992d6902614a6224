#pragma once
// Text helpers shared by the YAML loaders (config, energy table, reference data, workloads):
// reading an input file, and error messages that name the dotted key path and what was found.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "hw/core/input_error.h"

namespace nm::sw::yaml_text {

// The whole text of an input file; a missing or unreadable one is an InputError naming it.
inline std::string read_input_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw InputError(path, "file", "cannot open: no such file");
  if (std::filesystem::is_directory(path, ec)) throw InputError(path, "file", "cannot open: is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "file", std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::string join_key(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

inline std::string comma_list(const std::vector<std::string>& items) {
  std::string s;
  for (const std::string& item : items) s += (s.empty() ? "" : ", ") + item;
  return s;
}

// What a node holds, for "expected ..., got <describe>" messages.
inline std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Scalar:
      return "'" + n.Scalar() + "'";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    default:
      return "nothing";
  }
}

}  // namespace nm::sw::yaml_text
