#pragma once
// Text helpers shared by the YAML loaders (config, energy table, workloads) for error messages
// that name the dotted key path and describe what was found.
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace nm::sw::yaml_text {

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
