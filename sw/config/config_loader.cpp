// Config and energy-table YAML loaders.
//
// Config files (configs/pe1024.yaml is the reference) use the keys pe.{count, clusters, dataflow,
// operand_reuse},
// clock_ghz, l1.{bytes_per_pe, port_bits}, l2.{bytes, banks, bank_bytes_per_cycle, activation_fraction},
// noc.{bandwidth_gbps, router_latency_cycles}, dram.{standard, bandwidth_gbps, channels, latency_ns,
// burst_bytes}, datatype, pwl.granularity, compiler.{fusion, softmax_layernorm, pooling, schedule},
// mapper.{objective, latency_tolerance} and energy_table.
// - A file is an overlay on the built-in default: every key except energy_table may be left out
//   and then keeps the built-in default's value (which is configs/pe1024.yaml's), not the
//   ArchConfig member default. energy_table is required, so a file always names its technology.
// - energy_table is "45nm" (the embedded configs/energy/45nm.yaml; the name wins over a file of
//   that name) or a path to an energy table file. Relative paths are looked up in the config
//   file's directory, then the current directory (for --set: the current directory first).
// - Energy table files have no defaults: every key of configs/energy/45nm.yaml is required.
// - Integer keys take whole numbers (1048576, 1e6, 0x100000); sizes, counts, bandwidths and
//   frequencies must be positive; latencies and energy figures may be zero but not negative.
// - clock_ghz, the bandwidths, dram.latency_ns, dram.channels and pwl.granularity have physical
//   bounds (hw/core/arch_config.h, which says why each), checked key by key.
// Every problem throws nm::InputError(file or "--set", "dotted.key", "expected ..., got '...'").
#include "sw/config/config_loader.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "hw/core/dram_timing.h"
#include "sw/config/yaml_text.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>

#include "builtin_configs.h"
#include "hw/core/input_error.h"

namespace nm::sw {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kBuiltinConfigSource = "built-in default (configs/pe1024.yaml)";
constexpr const char* kBuiltinEnergyName = "45nm";
constexpr const char* kBuiltinEnergySource = "built-in 45nm";  // SimConfig's default energy_source
constexpr const char* kBuiltinEnergyWhere = "built-in 45nm (configs/energy/45nm.yaml)";
constexpr const char* kOverrideWhere = "--set";
constexpr const char* kTopLevel = "top level";
constexpr const char* kDataflow = "output_stationary";
// The NoC multicasts to a set of clusters given as a 64-bit mask.
constexpr uint32_t kMaxClusters = 64;

using yaml_text::comma_list;
using yaml_text::describe;
using yaml_text::join_key;

std::string trim(const std::string& s) {
  const size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
}

// A directory to look for relative energy_table paths in ("" = the current directory).
struct SearchDir {
  fs::path dir;
  std::string label;
};

// Where values come from (a file or "--set"); every failure becomes InputError(where, key, ...).
class Reader {
 public:
  Reader(std::string where, std::vector<SearchDir> search_dirs)
      : where_(std::move(where)), search_dirs_(std::move(search_dirs)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& message) const {
    throw InputError(where_, key, message);
  }
  const std::vector<SearchDir>& search_dirs() const { return search_dirs_; }

 private:
  std::string where_;
  std::vector<SearchDir> search_dirs_;
};

// ---------------------------------------------------------------------------------------------
// Numbers

enum class Range { kPositive, kNonNegative, kFraction };

struct Quantity {
  const char* what;  // completes "expected a ...": "number in nanoseconds", "whole number of bytes"
  const char* note;  // unit symbol as in the key name ("ns") or a short explanation, or nullptr
  bool unit_in_key;  // "4KB" for l1.bytes_per_pe gets a hint that the key already fixes the unit
  Range range;
  // Physical bounds (hw/core/arch_config.h says why each): checked key by key here, so a --set
  // or a sweep axis fails at once, and again by hw::validate() for configs built in code.
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool bounded() const { return std::isfinite(lo) || std::isfinite(hi); }
};

enum class Failure { kNotNumber, kNotWhole, kOutOfRange };

[[noreturn]] void fail_quantity(const Reader& r, const std::string& key, const Quantity& q,
                                const YAML::Node& n, Failure failure) {
  std::string expected = "expected a ";
  if (failure == Failure::kOutOfRange && q.range == Range::kPositive) expected += "positive ";
  if (failure == Failure::kOutOfRange && q.range == Range::kNonNegative) expected += "non-negative ";
  expected += q.what;
  std::vector<std::string> notes;
  if (q.note != nullptr) notes.push_back(q.note);
  if (failure == Failure::kNotNumber && q.unit_in_key) notes.push_back("the unit is in the key name");
  if (!notes.empty()) expected += " (" + comma_list(notes) + ")";
  r.fail(key, expected + ", got " + describe(n));
}

[[noreturn]] void fail_bounds(const Reader& r, const std::string& key, const Quantity& q,
                              const YAML::Node& n) {
  std::string expected = fmt::format("expected a {} between {} and {}", q.what, q.lo, q.hi);
  if (q.note != nullptr) expected += std::string(" (") + q.note + ")";
  r.fail(key, expected + ", got " + describe(n));
}

bool within_bounds(double value, const Quantity& q) {
  return value >= q.lo && value <= q.hi;
}

// Strips one leading '+' that precedes a digit or '.', which from_chars does not accept.
std::string_view strip_plus(std::string_view s) {
  if (s.size() > 1 && s[0] == '+' && (std::isdigit(static_cast<unsigned char>(s[1])) || s[1] == '.')) {
    s.remove_prefix(1);
  }
  return s;
}

// A finite decimal number (12, -3, 0.25, 1e6, +5); nullopt for anything else, "inf" and "nan" too.
std::optional<double> parse_real(std::string_view s) {
  s = strip_plus(s);
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

bool in_range(double value, Range range) {
  switch (range) {
    case Range::kPositive:
      return value > 0;
    case Range::kNonNegative:
      return value >= 0;
    case Range::kFraction:
      return value >= 0 && value < 1;
  }
  return false;
}

double read_real(const Reader& r, const YAML::Node& n, const std::string& key, const Quantity& q) {
  if (!n.IsScalar()) fail_quantity(r, key, q, n, Failure::kNotNumber);
  const std::optional<double> value = parse_real(n.Scalar());
  if (!value) fail_quantity(r, key, q, n, Failure::kNotNumber);
  if (!in_range(*value, q.range)) fail_quantity(r, key, q, n, Failure::kOutOfRange);
  if (!within_bounds(*value, q)) fail_bounds(r, key, q, n);
  return *value;
}

uint64_t read_whole(const Reader& r, const YAML::Node& n, const std::string& key, const Quantity& q,
                    uint64_t max) {
  if (!n.IsScalar()) fail_quantity(r, key, q, n, Failure::kNotNumber);
  auto fail_too_large = [&]() {
    if (q.bounded()) fail_bounds(r, key, q, n);
    r.fail(key, fmt::format("expected at most {}, got {}", max, describe(n)));
  };
  // Integer literals (decimal or 0x hex) are converted exactly; doubles lose precision above 2^53.
  std::string_view s = strip_plus(n.Scalar());
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  uint64_t whole = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), whole, base);
  if (!s.empty() && end == s.data() + s.size() && ec == std::errc::result_out_of_range) fail_too_large();
  if (s.empty() || end != s.data() + s.size() || ec != std::errc()) {
    if (base == 16) fail_quantity(r, key, q, n, Failure::kNotNumber);
    const std::optional<double> value = parse_real(n.Scalar());
    if (!value) fail_quantity(r, key, q, n, Failure::kNotNumber);
    if (*value != std::trunc(*value)) fail_quantity(r, key, q, n, Failure::kNotWhole);
    if (!in_range(*value, q.range)) fail_quantity(r, key, q, n, Failure::kOutOfRange);
    // 2^64 is exact as a double; anything at or above it does not fit.
    if (*value >= 18446744073709551616.0) fail_too_large();
    whole = static_cast<uint64_t>(*value);
  }
  if (!in_range(static_cast<double>(whole), q.range)) fail_quantity(r, key, q, n, Failure::kOutOfRange);
  if (whole > max || !within_bounds(static_cast<double>(whole), q)) fail_too_large();
  return whole;
}

std::string read_text(const Reader& r, const YAML::Node& n, const std::string& key,
                      const std::string& expected) {
  if (!n.IsScalar() || n.Scalar().empty()) r.fail(key, expected + ", got " + describe(n));
  return n.Scalar();
}

// ---------------------------------------------------------------------------------------------
// Key schema: one leaf per dotted key; sections are the shared prefixes.

template <typename T>
struct Leaf {
  std::string key;
  std::function<void(T&, const YAML::Node&, const Reader&, const std::string&)> set;
  std::function<json(const T&)> get;
};

template <typename T>
class Schema {
 public:
  explicit Schema(std::vector<Leaf<T>> leaves) : leaves_(std::move(leaves)) {}

  const Leaf<T>* find(const std::string& key) const {
    for (const Leaf<T>& leaf : leaves_) {
      if (leaf.key == key) return &leaf;
    }
    return nullptr;
  }

  bool is_section(const std::string& key) const {
    if (key.empty()) return true;
    for (const Leaf<T>& leaf : leaves_) {
      if (leaf.key.rfind(key + ".", 0) == 0) return true;
    }
    return false;
  }

  // Names directly under `section` ("" = top level), in file order.
  std::vector<std::string> children(const std::string& section) const {
    std::vector<std::string> names;
    const std::string prefix = section.empty() ? "" : section + ".";
    for (const Leaf<T>& leaf : leaves_) {
      if (leaf.key.rfind(prefix, 0) != 0) continue;
      const std::string rest = leaf.key.substr(prefix.size());
      const std::string name = rest.substr(0, rest.find('.'));
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
    return names;
  }

  // Full keys of every leaf under `section` ("" = all).
  std::vector<std::string> keys_under(const std::string& section) const {
    std::vector<std::string> keys;
    for (const Leaf<T>& leaf : leaves_) {
      if (section.empty() || leaf.key.rfind(section + ".", 0) == 0) keys.push_back(leaf.key);
    }
    return keys;
  }

  // Applies the mapping `map` (found at `section`) to `target`; records each leaf key set in `seen`.
  void overlay(T& target, const YAML::Node& map, const std::string& section, const Reader& r,
               std::set<std::string>& seen) const {
    const std::string where = section.empty() ? kTopLevel : section;
    if (!map.IsMap()) {
      r.fail(where,
             "expected a mapping with keys " + comma_list(children(section)) + ", got " + describe(map));
    }
    std::set<std::string> in_this_map;  // yaml-cpp keeps duplicate keys; a repeat is a mistake
    for (const auto& kv : map) {
      if (!kv.first.IsScalar()) r.fail(where, "expected plain key names, got " + describe(kv.first));
      const std::string key = join_key(section, kv.first.Scalar());
      if (!in_this_map.insert(key).second) r.fail(key, "duplicate key");
      if (const Leaf<T>* leaf = find(key)) {
        leaf->set(target, kv.second, r, key);
        seen.insert(key);
      } else if (is_section(key)) {
        overlay(target, kv.second, key, r, seen);
      } else {
        r.fail(key, "unknown key; expected one of " + comma_list(children(section)));
      }
    }
  }

  json to_json(const T& target) const {
    json j = json::object();
    for (const Leaf<T>& leaf : leaves_) {
      std::string pointer = "/" + leaf.key;
      std::replace(pointer.begin(), pointer.end(), '.', '/');
      j[json::json_pointer(pointer)] = leaf.get(target);
    }
    return j;
  }

 private:
  std::vector<Leaf<T>> leaves_;
};

// ---------------------------------------------------------------------------------------------
// Energy table schema

Leaf<hw::EnergyTable> energy_figure(const char* key, double hw::EnergyTable::*member, Quantity q) {
  return {key,
          [member, q](hw::EnergyTable& t, const YAML::Node& n, const Reader& r, const std::string& k) {
            t.*member = read_real(r, n, k, q);
          },
          [member](const hw::EnergyTable& t) { return json(t.*member); }};
}

const Schema<hw::EnergyTable>& energy_schema() {
  using T = hw::EnergyTable;
  static const Quantity kNm{"number in nanometres", "nm", true, Range::kPositive};
  static const Quantity kPerMac{"number in picojoules per MAC", "pJ", true, Range::kNonNegative};
  static const Quantity kPerByte{"number in picojoules per byte", "pJ", true, Range::kNonNegative};
  static const Quantity kPerByteHop{"number in picojoules per byte per hop", "pJ", true, Range::kNonNegative};
  static const Quantity kPe{"number in milliwatts per PE", "mW", true, Range::kNonNegative};
  static const Quantity kPerBit{"number in picojoules per bit", "pJ", true, Range::kNonNegative};
  static const Quantity kPerKib{"number in milliwatts per KiB", "mW", true, Range::kNonNegative};
  static const Quantity kRouter{"number in milliwatts per router", "mW", true, Range::kNonNegative};
  static const Quantity kChannel{"number in milliwatts per channel", "mW", true, Range::kNonNegative};
  static const Quantity kRouterArea{"number in square millimetres per router", "mm^2", true,
                                    Range::kNonNegative};
  static const Quantity kPinArea{"number in square millimetres per data pin", "mm^2", true,
                                 Range::kNonNegative};
  static const Schema<T> schema({
      energy_figure("technology_nm", &T::technology_nm, kNm),
      {"sram",
       [](T& t, const YAML::Node& n, const Reader& r, const std::string& k) {
         const std::string expected =
             "expected cacti7_lop, cacti7_hp (SRAM figures by size from CACTI 7.0) or fixed (the table's "
             "l1/l2 figures)";
         const std::string value = read_text(r, n, k, expected);
         for (hw::SramCells cells :
              {hw::SramCells::kCactiLop, hw::SramCells::kCactiHp, hw::SramCells::kFixed}) {
           if (value == hw::sram_cells_name(cells)) {
             t.sram_cells = cells;
             return;
           }
         }
         r.fail(k, expected + ", got " + describe(n));
       },
       [](const T& t) { return json(hw::sram_cells_name(t.sram_cells)); }},
      energy_figure("mac_pj.int8", &T::mac_int8_pj, kPerMac),
      energy_figure("mac_pj.fp16", &T::mac_fp16_pj, kPerMac),
      energy_figure("l1_pj_per_byte.read", &T::l1_read_pj_per_byte, kPerByte),
      energy_figure("l1_pj_per_byte.write", &T::l1_write_pj_per_byte, kPerByte),
      energy_figure("l2_pj_per_byte.read", &T::l2_read_pj_per_byte, kPerByte),
      energy_figure("l2_pj_per_byte.write", &T::l2_write_pj_per_byte, kPerByte),
      energy_figure("noc_pj_per_byte_hop", &T::noc_pj_per_byte_hop, kPerByteHop),
      energy_figure("dram_pj_per_byte", &T::dram_pj_per_byte, kPerByte),
      energy_figure("register_pj_per_bit", &T::register_pj_per_bit, kPerBit),
      energy_figure("leakage_mw.pe_int8", &T::leakage_pe_int8_mw, kPe),
      energy_figure("leakage_mw.pe_fp16", &T::leakage_pe_fp16_mw, kPe),
      energy_figure("leakage_mw.l1_per_kib", &T::leakage_l1_mw_per_kib, kPerKib),
      energy_figure("leakage_mw.l2_per_kib", &T::leakage_l2_mw_per_kib, kPerKib),
      energy_figure("leakage_mw.noc_per_router", &T::leakage_noc_mw_per_router, kRouter),
      energy_figure("leakage_mw.dram_per_channel", &T::leakage_dram_mw_per_channel, kChannel),
      energy_figure("area_mm2.noc_router", &T::noc_router_mm2, kRouterArea),
      energy_figure("area_mm2.dram_phy_per_dq_board", &T::dram_phy_mm2_per_dq_board, kPinArea),
      energy_figure("area_mm2.dram_phy_per_dq_interposer", &T::dram_phy_mm2_per_dq_interposer, kPinArea),
  });
  return schema;
}

// ---------------------------------------------------------------------------------------------
// Files and YAML text

YAML::Node parse_yaml(const std::string& text, const std::string& where) {
  try {
    return yaml_text::load_single_document(text);
  } catch (const YAML::Exception& e) {
    const std::string key =
        e.mark.is_null() ? "yaml" : fmt::format("line {}, column {}", e.mark.line + 1, e.mark.column + 1);
    throw InputError(where, key, e.msg);
  }
}

hw::EnergyTable parse_energy_table(const std::string& text, const std::string& where,
                                   const std::string& name) {
  const Reader r(where, {});
  hw::EnergyTable table;
  table.name = name;
  std::set<std::string> seen;
  energy_schema().overlay(table, parse_yaml(text, where), "", r, seen);
  // The SRAM figures come from the table (sram: fixed) or from the CACTI model, never both.
  static const std::set<std::string> kSramKeys = {"l1_pj_per_byte.read",   "l1_pj_per_byte.write",
                                                  "l2_pj_per_byte.read",   "l2_pj_per_byte.write",
                                                  "leakage_mw.l1_per_kib", "leakage_mw.l2_per_kib"};
  if (seen.count("sram") == 0) {
    r.fail("sram", "required key is missing; expected cacti7_lop, cacti7_hp or fixed");
  }
  const bool fixed = table.sram_cells == hw::SramCells::kFixed;
  for (const std::string& key : energy_schema().keys_under("")) {
    const bool sram_key = kSramKeys.count(key) > 0;
    if (sram_key && !fixed && seen.count(key) > 0) {
      r.fail(key, std::string("not used with sram: ") + hw::sram_cells_name(table.sram_cells) +
                      " (the SRAM model prices L1 and L2 by size); remove it or set sram: fixed");
    }
    if ((!sram_key || fixed) && seen.count(key) == 0)
      r.fail(key, "required key is missing (energy tables have no defaults)");
  }
  return table;
}

// ---------------------------------------------------------------------------------------------
// Config schema

// "16nm" -> 16; anything else (a path) -> nothing.
std::optional<double> node_name(const std::string& value) {
  if (value.size() < 3 || value.compare(value.size() - 2, 2, "nm") != 0) return std::nullopt;
  const std::string number = value.substr(0, value.size() - 2);
  if (number.find_first_not_of("0123456789.") != std::string::npos) return std::nullopt;
  try {
    size_t used = 0;
    const double v = std::stod(number, &used);
    if (used != number.size()) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void set_energy_table(SimConfig& c, const YAML::Node& n, const Reader& r, const std::string& key) {
  const std::string expected =
      std::string("expected ") + kBuiltinEnergyName +
      " (built-in), another node such as 28nm, 16nm or 7nm (the built-in table scaled, "
      "7 to 130 nm) or a path to an energy table YAML file";
  const std::string value = read_text(r, n, key, expected);
  if (value == kBuiltinEnergyName) {
    c.energy = parse_energy_table(builtin::kDefaultEnergyYaml, kBuiltinEnergyWhere, kBuiltinEnergyName);
    c.energy_source = kBuiltinEnergySource;
  } else if (const std::optional<double> node = node_name(value)) {
    if (*node < hw::kMinNodeNm || *node > hw::kMaxNodeNm) r.fail(key, expected + ", got '" + value + "'");
    const hw::EnergyTable base =
        parse_energy_table(builtin::kDefaultEnergyYaml, kBuiltinEnergyWhere, kBuiltinEnergyName);
    c.energy = hw::scaled_to_node(base, *node);
    c.energy.name = value;
    c.energy_source = std::string(kBuiltinEnergySource) + " scaled to " + value + " (Stillmaker-Baas 2017)";
  } else {
    std::optional<fs::path> found;
    std::vector<std::string> looked_in;
    for (const SearchDir& d : r.search_dirs()) {
      const fs::path candidate = d.dir / value;  // an absolute value replaces d.dir
      std::error_code ec;
      if (fs::is_regular_file(candidate, ec)) {
        found = candidate.lexically_normal();
        break;
      }
      if (std::find(looked_in.begin(), looked_in.end(), d.label) == looked_in.end())
        looked_in.push_back(d.label);
    }
    if (!found && fs::path(value).is_absolute()) r.fail(key, expected + "; cannot open '" + value + "'");
    if (!found) {
      std::string dirs;
      for (size_t i = 0; i < looked_in.size(); ++i) dirs += (i == 0 ? "" : " or ") + looked_in[i];
      r.fail(key, expected + "; '" + value + "' is not in " + dirs);
    }
    c.energy = load_energy_table_file(found->string());
    c.energy_source = found->string();
  }
  c.energy_table = value;
}

template <typename Int>
Leaf<SimConfig> arch_whole(const char* key, Int hw::ArchConfig::*member, Quantity q) {
  return {key,
          [member, q](SimConfig& c, const YAML::Node& n, const Reader& r, const std::string& k) {
            c.arch.*member = static_cast<Int>(read_whole(r, n, k, q, std::numeric_limits<Int>::max()));
          },
          [member](const SimConfig& c) { return json(c.arch.*member); }};
}

Leaf<SimConfig> arch_real(const char* key, double hw::ArchConfig::*member, Quantity q) {
  return {key,
          [member, q](SimConfig& c, const YAML::Node& n, const Reader& r, const std::string& k) {
            c.arch.*member = read_real(r, n, k, q);
          },
          [member](const SimConfig& c) { return json(c.arch.*member); }};
}

// A compiler key that takes one of `values`, spelled as `name` spells them.
template <typename Choice>
Leaf<SimConfig> compiler_choice(const char* key, Choice CompilerConfig::*member, std::vector<Choice> values,
                                const char* (*name)(Choice)) {
  std::string expected = "expected ";
  for (size_t i = 0; i < values.size(); ++i) {
    expected += (i == 0 ? "" : i + 1 == values.size() ? " or " : ", ") + std::string(name(values[i]));
  }
  return {key,
          [member, values, name, expected](SimConfig& c, const YAML::Node& n, const Reader& r,
                                           const std::string& k) {
            const std::string value = read_text(r, n, k, expected);
            for (Choice v : values) {
              if (value == name(v)) {
                c.compiler.*member = v;
                return;
              }
            }
            r.fail(k, expected + ", got " + describe(n));
          },
          [member, name](const SimConfig& c) { return json(name(c.compiler.*member)); }};
}

const Schema<SimConfig>& config_schema() {
  using A = hw::ArchConfig;
  static const Quantity kBytes{"whole number of bytes", nullptr, true, Range::kPositive};
  static const Quantity kGbps{"number in gigabits per second",
                              "Gbit/s",
                              true,
                              Range::kPositive,
                              hw::kMinBandwidthGbps,
                              hw::kMaxBandwidthGbps};
  static const Schema<SimConfig> schema({
      arch_whole("pe.count", &A::pe_count, {"whole number of PEs", nullptr, false, Range::kPositive}),
      arch_whole("pe.clusters", &A::clusters, {"whole number of clusters", nullptr, false, Range::kPositive}),
      {"pe.dataflow",
       [](SimConfig&, const YAML::Node& n, const Reader& r, const std::string& k) {
         const std::string expected = std::string("expected ") + kDataflow + " (the only dataflow modelled)";
         if (read_text(r, n, k, expected) != kDataflow) r.fail(k, expected + ", got " + describe(n));
       },
       [](const SimConfig&) { return json(kDataflow); }},
      {"pe.operand_reuse",
       [](SimConfig& c, const YAML::Node& n, const Reader& r, const std::string& k) {
         const std::string expected =
             "expected registers (operands latched and reused across a PE's outputs) or none (two L1 reads "
             "per MAC)";
         const std::string value = read_text(r, n, k, expected);
         if (value != "registers" && value != "none") r.fail(k, expected + ", got " + describe(n));
         c.arch.pe_operand_registers = value == "registers";
       },
       [](const SimConfig& c) { return json(c.arch.pe_operand_registers ? "registers" : "none"); }},
      arch_real("clock_ghz", &A::clock_ghz,
                {"number in gigahertz", "GHz", true, Range::kPositive, hw::kMinClockGhz, hw::kMaxClockGhz}),
      arch_whole("l1.bytes_per_pe", &A::l1_bytes_per_pe, kBytes),
      arch_whole("l1.port_bits", &A::l1_port_bits,
                 {"whole number of bits per access", "a multiple of 8", true, Range::kPositive, 8, 1024}),
      arch_whole("l2.bytes", &A::l2_bytes, kBytes),
      arch_whole("l2.banks", &A::l2_banks, {"whole number of banks", nullptr, false, Range::kPositive}),
      arch_whole("l2.bank_bytes_per_cycle", &A::l2_bank_bytes_per_cycle,
                 {"whole number of bytes per cycle", nullptr, true, Range::kPositive}),
      arch_real("l2.activation_fraction", &A::l2_activation_fraction,
                {"fraction in [0, 1)", "the share of L2 that keeps activations", false, Range::kFraction}),
      arch_real("noc.bandwidth_gbps", &A::noc_bandwidth_gbps, kGbps),
      arch_whole("noc.router_latency_cycles", &A::noc_router_latency_cycles,
                 {"whole number of cycles", nullptr, true, Range::kNonNegative}),
      {"dram.standard",
       [](SimConfig& c, const YAML::Node& n, const Reader& r, const std::string& k) {
         std::string expected = "expected bandwidth (the bandwidth pipe)";
         for (const std::string& p : hw::dram_preset_names()) expected += ", " + p;
         const std::string value = read_text(r, n, k, expected);
         const std::vector<std::string> presets = hw::dram_preset_names();
         if (value == "ideal" || value == "bandwidth") {
           c.arch.dram_standard = "bandwidth";  // `ideal` (issue 9's name) is the same pipe
         } else if (std::find(presets.begin(), presets.end(), value) != presets.end()) {
           c.arch.dram_standard = value;
         } else {
           r.fail(k, expected + ", got " + describe(n));
         }
       },
       [](const SimConfig& c) { return json(c.arch.dram_standard); }},
      arch_real("dram.bandwidth_gbps", &A::dram_bandwidth_gbps, kGbps),
      arch_whole("dram.channels", &A::dram_channels,
                 {"whole number of channels", nullptr, false, Range::kPositive, 1, hw::kMaxDramChannels}),
      arch_real("dram.latency_ns", &A::dram_latency_ns,
                {"number in nanoseconds", "ns", true, Range::kNonNegative, 0, hw::kMaxDramLatencyNs}),
      arch_whole("dram.burst_bytes", &A::dram_burst_bytes, kBytes),
      {"dram.layout",
       [](SimConfig& c, const YAML::Node& n, const Reader& r, const std::string& k) {
         const std::string expected =
             "expected tile_major (each tile one contiguous range) or row_major (one range per tensor row)";
         const std::string value = read_text(r, n, k, expected);
         if (value != "tile_major" && value != "row_major") r.fail(k, expected + ", got " + describe(n));
         c.arch.dram_row_major = value == "row_major";
       },
       [](const SimConfig& c) { return json(c.arch.dram_row_major ? "row_major" : "tile_major"); }},
      {"datatype",
       [](SimConfig& c, const YAML::Node& n, const Reader& r, const std::string& k) {
         const std::string value = read_text(r, n, k, "expected int8 or fp16");
         if (value == "int8") {
           c.arch.datatype = hw::DataType::kInt8;
         } else if (value == "fp16") {
           c.arch.datatype = hw::DataType::kFp16;
         } else {
           r.fail(k, "expected int8 or fp16, got " + describe(n));
         }
       },
       [](const SimConfig& c) { return json(hw::datatype_name(c.arch.datatype)); }},
      arch_real("pwl.granularity", &A::pwl_granularity,
                {"number", "the width of one PWL segment on the input axis", false, Range::kPositive,
                 hw::kMinPwlGranularity, hw::kMaxPwlGranularity}),
      compiler_choice("compiler.fusion", &CompilerConfig::fusion, {FusionMode::kEpilogue, FusionMode::kNone},
                      fusion_mode_name),
      compiler_choice("compiler.softmax_layernorm", &CompilerConfig::row_blocking,
                      {RowBlocking::kRowBlocked, RowBlocking::kDecomposed}, row_blocking_name),
      compiler_choice("compiler.pooling", &CompilerConfig::pooling,
                      {Pooling::kWindowBlocked, Pooling::kDecomposed}, pooling_name),
      compiler_choice("compiler.schedule", &CompilerConfig::schedule,
                      {Schedule::kMemoryAware, Schedule::kProgramOrder}, schedule_name),
      {"mapper.latency_tolerance",
       [](SimConfig& c, const YAML::Node& n, const Reader& r, const std::string& k) {
         const double v = read_real(
             r, n, k,
             {"fraction in [0, 1)", "mappings this much slower than the fastest count as equally fast", false,
              Range::kFraction});
         c.compiler.latency_tolerance = v;
       },
       [](const SimConfig& c) { return json(c.compiler.latency_tolerance); }},
      compiler_choice("mapper.objective", &CompilerConfig::objective,
                      {MappingObjective::kLatency, MappingObjective::kEnergy, MappingObjective::kEdp},
                      mapping_objective_name),
      {"energy_table", set_energy_table, [](const SimConfig& c) { return json(c.energy_table); }},
  });
  return schema;
}

// The pipe keys among `keys`, set at `layer` (SimConfig::dram_pipe_key_layer).
void note_dram_pipe_keys(SimConfig& config, const std::set<std::string>& keys, int layer) {
  for (const char* key : {"dram.bandwidth_gbps", "dram.latency_ns"}) {
    if (keys.count(key) == 0) continue;
    config.dram_pipe_key_layer = layer;
    config.dram_pipe_key = key;
  }
}

// Overlays one config document on `config` (whose source is already set) and validates it.
void overlay_config(SimConfig& config, const std::string& text, std::vector<SearchDir> search_dirs) {
  const Reader r(config.source, std::move(search_dirs));
  std::set<std::string> seen;
  config_schema().overlay(config, parse_yaml(text, config.source), "", r, seen);
  const int layer = config.source == kBuiltinConfigSource ? 0 : 1;
  if (seen.count("dram.standard") > 0) config.dram_standard_layer = layer;
  note_dram_pipe_keys(config, seen, layer);
  if (seen.count("energy_table") == 0) {
    r.fail("energy_table", std::string("required key is missing; expected ") + kBuiltinEnergyName +
                               " (built-in) or a path to an energy table YAML file");
  }
  validate_or_throw(config);
}

}  // namespace

SimConfig builtin_default_config() {
  SimConfig config;
  config.source = kBuiltinConfigSource;
  overlay_config(config, builtin::kDefaultConfigYaml, {{"", "the current directory"}});
  return config;
}

SimConfig load_config_file(const std::string& path) {
  const std::string text = yaml_text::read_input_file(path);
  SimConfig config = builtin_default_config();
  config.source = path;
  const fs::path dir = fs::path(path).parent_path();
  overlay_config(config, text,
                 {{dir, "'" + (dir.empty() ? "." : dir.string()) + "'"}, {"", "the current directory"}});
  return config;
}

hw::EnergyTable load_energy_table_file(const std::string& path) {
  return parse_energy_table(yaml_text::read_input_file(path), path, fs::path(path).stem().string());
}

void apply_override(SimConfig& config, const std::string& assignment) {
  const size_t eq = assignment.find('=');
  const std::string key = trim(assignment.substr(0, eq));
  if (eq == std::string::npos || key.empty()) {
    throw InputError(kOverrideWhere, assignment, "expected key.path=value");
  }
  // Paths typed on the command line are relative to where nm_sim runs; then the config's directory.
  std::vector<SearchDir> dirs = {{"", "the current directory"}};
  std::error_code ec;
  if (fs::is_regular_file(config.source, ec)) {
    const fs::path dir = fs::path(config.source).parent_path();
    dirs.push_back({dir, "'" + (dir.empty() ? "." : dir.string()) + "'"});
  }
  const Reader r(kOverrideWhere, std::move(dirs));
  const Schema<SimConfig>& schema = config_schema();
  const Leaf<SimConfig>* leaf = schema.find(key);
  if (leaf == nullptr) {
    if (schema.is_section(key))
      r.fail(key, "expected a full key; one of " + comma_list(schema.keys_under(key)));
    // List the keys of the deepest section the path does name ("l2.bytez" -> the l2.* keys).
    std::string section = key;
    while (!schema.is_section(section)) {
      const size_t dot = section.rfind('.');
      section = dot == std::string::npos ? "" : section.substr(0, dot);
    }
    r.fail(key, "unknown key; expected one of " + comma_list(schema.keys_under(section)));
  }
  const std::string value = trim(assignment.substr(eq + 1));
  YAML::Node node;
  try {
    node = yaml_text::load_single_document(value);
  } catch (const YAML::Exception& e) {
    r.fail(key, "expected a YAML scalar value, got '" + value + "' (" + e.msg + ")");
  }
  leaf->set(config, node, r, key);
  constexpr int kOverrideLayer = 2;
  if (key == "dram.standard") config.dram_standard_layer = kOverrideLayer;
  note_dram_pipe_keys(config, {key}, kOverrideLayer);
}

void validate_or_throw(const SimConfig& config) {
  std::vector<std::string> problems = hw::validate(config.arch);
  if (config.arch.clusters > kMaxClusters) {
    problems.push_back(
        fmt::format("pe.clusters: expected at most {} (the NoC multicast mask has 64 bits), got {}",
                    kMaxClusters, config.arch.clusters));
  }
  if (config.arch.dram_timed() && config.dram_pipe_key_layer > 0 &&
      config.dram_pipe_key_layer >= config.dram_standard_layer) {
    problems.push_back(fmt::format(
        "{}: not used with dram.standard {} (its peak, dram.channels x the standard's, replaces "
        "dram.bandwidth_gbps, and its row-miss latency dram.latency_ns); remove it, or set dram.channels",
        config.dram_pipe_key, config.arch.dram_standard));
  }
  if (problems.empty()) return;
  const std::string& first = problems.front();
  const size_t colon = first.find(": ");
  if (colon == std::string::npos) throw InputError(config.source, "config", first);
  throw InputError(config.source, first.substr(0, colon), first.substr(colon + 2));
}

json config_to_json(const SimConfig& config) {
  json j = config_schema().to_json(config);
  j["energy"] = energy_schema().to_json(config.energy);
  if (config.energy.sram_cells != hw::SramCells::kFixed) {
    // The SRAM model prices L1 and L2: the table has no such figures of its own (the run's JSON
    // reports the model's figures under "sram").
    json& e = j["energy"];
    e.erase("l1_pj_per_byte");
    e.erase("l2_pj_per_byte");
    e["leakage_mw"].erase("l1_per_kib");
    e["leakage_mw"].erase("l2_per_kib");
  }
  j["energy_source"] = config.energy_source;
  return j;
}

}  // namespace nm::sw
