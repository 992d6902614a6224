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

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "hw/core/input_error.h"
#include "sw/proc/input_file.h"

namespace nm::sw::yaml_text {

// The whole text of an input file; a missing, unreadable or oversized one is an InputError naming it.
inline std::string read_input_file(const std::string& path) {
  return read_text_file(path);
}

// The one YAML document of `text`. Throws YAML::ParserException (with the mark, as yaml-cpp's own
// errors) when the text holds a second document, or a token the parser cannot place. The second
// case is a workaround: Debian 12's yaml-cpp 0.7 never consumes a stray flow indicator outside
// [ ] or { } (a lone ',', jbeder/yaml-cpp#1040): LoadAll then loops forever appending null
// documents, and Load silently returns what precedes it and ignores the rest of the file.
// Such a token makes the next document start where the previous one did, which is checked here.
// (Found by the fuzz_config harness: a config file holding "  ,\n" hung nm_sim.)
inline YAML::Node load_single_document(const std::string& text) {
  struct DocumentStarts : YAML::EventHandler {
    YAML::Mark start = YAML::Mark::null_mark();
    void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
  };
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts handler;
  std::vector<YAML::Mark> starts;  // up to 3: enough to tell a stray token from a second document
  while (starts.size() < 3 && parser.HandleNextDocument(handler)) {
    if (!starts.empty() && handler.start.pos == starts.back().pos) {
      throw YAML::ParserException(handler.start, "unexpected character (a ',' outside [ ] or { }?)");
    }
    starts.push_back(handler.start);
  }
  if (starts.size() > 1) throw YAML::ParserException(starts[1], "expected a single YAML document");
  return YAML::Load(text);
}

inline std::string join_key(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

inline std::string comma_list(const std::vector<std::string>& items) {
  std::string s;
  for (const std::string& item : items) s += (s.empty() ? "" : ", ") + item;
  return s;
}

// A scalar as echoed in a message: quoted, control bytes escaped (InputError would escape them
// too; a caller may print the text elsewhere), and cut after kMaxShown characters.
inline std::string quote_value(const std::string& value) {
  constexpr size_t kMaxShown = 80;
  if (value.size() <= kMaxShown) return "'" + escape_control(value) + "'";
  return "'" + escape_control(value.substr(0, kMaxShown)) + "...' (" + std::to_string(value.size()) +
         " characters)";
}

// What a node holds, for "expected ..., got <describe>" messages.
inline std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Scalar:
      return quote_value(n.Scalar());
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    default:
      return "nothing";
  }
}

}  // namespace nm::sw::yaml_text
