#include "sw/config/reference_data.h"

#include <fmt/format.h>
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "hw/core/input_error.h"
#include "sw/config/yaml_text.h"

namespace nm::sw {

namespace {

namespace fs = std::filesystem;
using yaml_text::comma_list;
using yaml_text::describe;

const std::vector<std::string> kRowKeys = {"type",     "processor", "tech_node_nm", "citation",
                                           "resnet50", "bert_base", "gcn"};
const std::vector<std::string> kFigureKeys = {"latency_ms", "speedup", "throughput", "power_w",
                                              "throughput_per_watt"};
const std::vector<std::string> kTypes = {"CPU", "GPU", "SoC", "FPGA", "ASIC"};
// The paper's own row, which the simulated row is divided by.
const char* const kNeuralMatrix = "NeuralMatrix";

class RowReader {
 public:
  explicit RowReader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& message, const YAML::Node& n) const {
    const std::string at = n.Mark().is_null() ? "" : fmt::format(" (line {})", n.Mark().line + 1);
    throw InputError(path_, key, message + at);
  }

  // Checks that `map` is a mapping with exactly `keys` (no unknown, repeated or missing key).
  void expect_keys(const YAML::Node& map, const std::string& key,
                   const std::vector<std::string>& keys) const {
    if (!map.IsMap())
      fail(key, "expected a mapping with keys " + comma_list(keys) + ", got " + describe(map), map);
    std::set<std::string> seen;
    for (const auto& kv : map) {
      const std::string name = kv.first.IsScalar() ? kv.first.Scalar() : describe(kv.first);
      const std::string child = key + "." + name;
      if (std::find(keys.begin(), keys.end(), name) == keys.end()) {
        fail(child, "unknown key; expected one of " + comma_list(keys), kv.first);
      }
      // yaml-cpp keeps repeated keys; a repeat is a transcription mistake.
      if (!seen.insert(name).second) fail(child, "duplicate key", kv.first);
    }
    for (const std::string& k : keys) {
      if (!seen.count(k)) fail(key + "." + k, "missing key", map);
    }
  }

  std::string text(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar() || n.Scalar().empty()) fail(key, "expected text, got " + describe(n), n);
    return n.Scalar();
  }

  // A positive finite number; the paper has no zero or negative figure.
  PaperFigure figure(const YAML::Node& n, const std::string& key) const {
    const std::string s = n.IsScalar() ? n.Scalar() : "";
    double value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(value) || value <= 0) {
      fail(key, "expected a positive number as printed in the paper, got " + describe(n), n);
    }
    return {value, s};
  }

  std::optional<PaperFigures> figures(const YAML::Node& n, const std::string& key) const {
    if (n.IsNull()) return std::nullopt;
    expect_keys(n, key, kFigureKeys);
    PaperFigures f;
    f.latency_ms = figure(n["latency_ms"], key + ".latency_ms");
    f.speedup = figure(n["speedup"], key + ".speedup");
    f.throughput = figure(n["throughput"], key + ".throughput");
    f.power_w = figure(n["power_w"], key + ".power_w");
    f.throughput_per_watt = figure(n["throughput_per_watt"], key + ".throughput_per_watt");
    return f;
  }

  ReferenceRow row(const YAML::Node& n, const std::string& key) const {
    expect_keys(n, key, kRowKeys);
    ReferenceRow r;
    r.type = text(n["type"], key + ".type");
    if (std::find(kTypes.begin(), kTypes.end(), r.type) == kTypes.end()) {
      fail(key + ".type", "expected one of " + comma_list(kTypes) + ", got " + describe(n["type"]),
           n["type"]);
    }
    r.processor = text(n["processor"], key + ".processor");
    const PaperFigure node = figure(n["tech_node_nm"], key + ".tech_node_nm");
    if (node.value != std::floor(node.value) || node.value > 1000) {
      fail(key + ".tech_node_nm", "expected a whole number of nanometres, got " + describe(n["tech_node_nm"]),
           n["tech_node_nm"]);
    }
    r.tech_node_nm = static_cast<int>(node.value);
    if (!n["citation"].IsNull()) r.citation = text(n["citation"], key + ".citation");
    for (size_t w = 0; w < kTable3Workloads.size(); ++w) {
      r.figures[w] = figures(n[kTable3Workloads[w]], key + "." + kTable3Workloads[w]);
    }
    return r;
  }

 private:
  std::string path_;
};

// Exactly one row matches `is_it`, and it has every network's figures: speedups are relative to
// the CPU, the headline is over CPU, GPU and SoC, and the ratio row is over the paper's own row.
void expect_complete_row(const ReferenceTable& t, const std::string& what,
                         bool (*is_it)(const ReferenceRow&, const std::string&), const std::string& arg) {
  size_t found = 0;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const ReferenceRow& r = t.rows[i];
    if (!is_it(r, arg)) continue;
    if (++found > 1) throw InputError(t.source, fmt::format("[{}]", i), "expected a single " + what + " row");
    for (size_t w = 0; w < kTable3Workloads.size(); ++w) {
      if (!r.figures[w]) {
        throw InputError(t.source, fmt::format("[{}].{}", i, kTable3Workloads[w]),
                         "expected figures (the " + what + " row is compared on every network), got null");
      }
    }
  }
  if (found == 0) throw InputError(t.source, what, "expected a " + what + " row");
}

bool has_type(const ReferenceRow& r, const std::string& type) {
  return r.type == type;
}
bool has_processor(const ReferenceRow& r, const std::string& p) {
  return r.processor == p;
}

}  // namespace

const ReferenceRow& ReferenceTable::row_of_type(const std::string& type) const {
  for (const ReferenceRow& r : rows) {
    if (r.type == type) return r;
  }
  throw InputError(source, type, "expected a " + type + " row");
}

const ReferenceRow& ReferenceTable::neuralmatrix() const {
  for (const ReferenceRow& r : rows) {
    if (r.processor == kNeuralMatrix) return r;
  }
  throw InputError(source, kNeuralMatrix, "expected a NeuralMatrix row");
}

std::string default_reference_path() {
  return std::string(NM_SOURCE_DIR) + "/data/paper_table3.yaml";
}

ReferenceTable load_reference_table(const std::string& path) {
  const std::string text = yaml_text::read_input_file(path);
  YAML::Node doc;
  try {
    doc = yaml_text::load_single_document(text);
  } catch (const YAML::Exception& e) {
    const std::string key =
        e.mark.is_null() ? "yaml" : fmt::format("line {}, column {}", e.mark.line + 1, e.mark.column + 1);
    throw InputError(path, key, e.msg);
  }
  const RowReader reader(path);
  if (!doc.IsSequence() || doc.size() == 0) {
    reader.fail("top level", "expected a list of Table 3 rows, got " + describe(doc), doc);
  }
  ReferenceTable table;
  table.source = path;
  for (size_t i = 0; i < doc.size(); ++i) table.rows.push_back(reader.row(doc[i], fmt::format("[{}]", i)));
  for (const char* type : {"CPU", "GPU", "SoC"}) expect_complete_row(table, type, has_type, type);
  expect_complete_row(table, kNeuralMatrix, has_processor, kNeuralMatrix);
  return table;
}

}  // namespace nm::sw
