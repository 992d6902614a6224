#include "sw/sweep/sweep_spec.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <set>
#include <stdexcept>

#include "hw/core/input_error.h"
#include "sw/config/config_loader.h"
#include "sw/config/yaml_text.h"

namespace nm::sw {

size_t SweepSpec::point_count() const {
  size_t n = 1;
  for (const SweepAxis& a : axes) {
    // load_sweep_spec caps the product at kMaxSweepPoints; a spec built otherwise must not wrap.
    if (!a.values.empty() && n > std::numeric_limits<size_t>::max() / a.values.size())
      throw std::overflow_error("sweep point count overflows size_t");
    n *= a.values.size();
  }
  return axes.empty() ? 0 : n;
}

bool SweepSpec::has_config_axis() const {
  for (const SweepAxis& a : axes) {
    if (a.key == kConfigAxis) return true;
  }
  return false;
}

std::vector<std::pair<std::string, std::string>> SweepSpec::point(size_t index) const {
  std::vector<std::pair<std::string, std::string>> assignments(axes.size());
  for (size_t i = axes.size(); i-- > 0;) {  // last axis fastest
    const SweepAxis& a = axes[i];
    assignments[i] = {a.key, a.values[index % a.values.size()]};
    index /= a.values.size();
  }
  return assignments;
}

namespace {

// Workload options an axis may set, with the nm_sim flag that sets them.
enum class AxisValue { kMultiplier, kInteger, kPhase };
struct WorkloadAxis {
  const char* key;
  const char* flag;
  AxisValue value;
};
constexpr WorkloadAxis kWorkloadAxes[] = {{"workload.width", "--width", AxisValue::kMultiplier},
                                          {"workload.depth", "--depth", AxisValue::kMultiplier},
                                          {"workload.seq_len", "--seq-len", AxisValue::kInteger},
                                          {"workload.batch", "--batch", AxisValue::kInteger},
                                          {"workload.phase", "--phase", AxisValue::kPhase},
                                          {"workload.gen_tokens", "--gen-tokens", AxisValue::kInteger}};

const WorkloadAxis* workload_axis(const std::string& key) {
  for (const WorkloadAxis& a : kWorkloadAxes) {
    if (key == a.key) return &a;
  }
  return nullptr;
}

// The same rules as nm_sim's --seq-len (a base-10 integer) and --width/--depth (cli_options.cpp).
bool valid_workload_value(const WorkloadAxis& axis, const std::string& v) {
  if (axis.value == AxisValue::kPhase) return v == "prefill" || v == "decode" || v == "generate";
  errno = 0;
  char* end = nullptr;
  if (axis.value == AxisValue::kInteger) {
    const long long n = std::strtoll(v.c_str(), &end, 10);
    return errno == 0 && end != v.c_str() && *end == '\0' && n > 0;
  }
  const double x = std::strtod(v.c_str(), &end);
  return errno == 0 && end != v.c_str() && *end == '\0' && x > 0 && x <= 64;
}

}  // namespace

std::vector<std::string> sweep_axis_arguments(const std::string& key, const std::string& value) {
  if (const WorkloadAxis* a = workload_axis(key)) return {a->flag, value};
  if (key == kConfigAxis) return {"--config", value};
  return {"--set", key + "=" + value};
}

SweepSpec load_sweep_spec(const std::string& path, const std::optional<std::string>& base_config_override) {
  namespace fs = std::filesystem;
  if (!fs::is_regular_file(path)) throw InputError(path, "file", "cannot open: no such file");
  YAML::Node root;
  try {
    root = yaml_text::load_single_document(yaml_text::read_input_file(path));
  } catch (const YAML::Exception& e) {
    throw InputError(
        path, "line " + std::to_string(e.mark.line + 1) + ", column " + std::to_string(e.mark.column + 1),
        e.msg);
  }
  if (!root.IsMap()) throw InputError(path, "top level", "expected a mapping with keys base_config, axes");
  SweepSpec spec;
  spec.file = path;
  std::set<std::string> keys;  // yaml-cpp keeps duplicate keys; a repeat is a mistake
  for (const auto& kv : root) {
    if (!kv.first.IsScalar()) {
      throw InputError(path, "top level",
                       "expected plain key names (base_config, axes), got " + yaml_text::describe(kv.first));
    }
    const std::string key = kv.first.Scalar();
    if (!keys.insert(key).second) throw InputError(path, key, "duplicate key");
    if (key == "base_config") {
      if (!kv.second.IsScalar()) throw InputError(path, key, "expected a path to a config file");
      // Relative to the sweep file, like a config's energy_table.
      fs::path p = kv.second.Scalar();
      if (p.is_relative()) p = fs::path(path).parent_path() / p;
      spec.base_config = p.lexically_normal().string();
    } else if (key == "axes") {
      if (!kv.second.IsMap() || kv.second.size() == 0) {
        throw InputError(
            path, key,
            "expected a mapping of config keys to lists of values, got " + yaml_text::describe(kv.second));
      }
      for (const auto& axis : kv.second) {
        if (!axis.first.IsScalar()) {
          throw InputError(path, key,
                           "expected config keys as plain names, got " + yaml_text::describe(axis.first));
        }
        SweepAxis a;
        a.key = axis.first.Scalar();
        const std::string where = yaml_text::join_key("axes", a.key);
        for (const SweepAxis& earlier : spec.axes) {
          if (earlier.key == a.key) throw InputError(path, where, "duplicate key");
        }
        if (!axis.second.IsSequence() || axis.second.size() == 0) {
          throw InputError(path, where,
                           "expected a non-empty list of values, got " + yaml_text::describe(axis.second));
        }
        for (const auto& v : axis.second) {
          if (!v.IsScalar())
            throw InputError(path, where, "expected scalar values, got " + yaml_text::describe(v));
          a.values.push_back(v.Scalar());
          if (a.key == kConfigAxis) {  // a config file, relative to the sweep file like base_config
            fs::path p = a.values.back();
            if (p.is_relative()) p = fs::path(path).parent_path() / p;
            a.values.back() = p.lexically_normal().string();
          }
        }
        spec.axes.push_back(std::move(a));
      }
    } else {
      throw InputError(path, key, "unknown key; expected one of base_config, axes");
    }
  }
  if (spec.axes.empty()) throw InputError(path, "axes", "expected at least one axis");
  // Before anything else is built: axes multiply (10 axes of 100 values are 10^20 points).
  double points = 1;  // exact far beyond the cap; only compared and printed
  for (const SweepAxis& a : spec.axes) points *= static_cast<double>(a.values.size());
  if (points > static_cast<double>(kMaxSweepPoints)) {
    throw InputError(
        path, "axes",
        fmt::format("expected at most {} points (the product of the axes' value counts), got {:.6g}",
                    kMaxSweepPoints, points));
  }
  if (base_config_override) spec.base_config = *base_config_override;

  // Check every value against the config's own rules now, not one failed point at a time.
  const SimConfig base = spec.base_config ? load_config_file(*spec.base_config) : builtin_default_config();
  for (const SweepAxis& a : spec.axes) {
    for (const std::string& v : a.values) {
      if (a.key == kConfigAxis) {
        try {
          validate_or_throw(load_config_file(v));
        } catch (const InputError& e) {
          throw InputError(path, yaml_text::join_key("axes", a.key),
                           std::string("invalid config: ") + e.what());
        }
        continue;
      }
      if (const WorkloadAxis* w = workload_axis(a.key)) {
        if (!valid_workload_value(*w, v)) {
          throw InputError(path, yaml_text::join_key("axes", a.key),
                           std::string("invalid value '") + v + "': expected " +
                               (w->value == AxisValue::kInteger ? "a positive integer"
                                : w->value == AxisValue::kPhase ? "prefill, decode or generate"
                                                                : "a multiplier in (0, 64]"));
        }
        continue;
      }
      SimConfig probe = base;
      try {
        apply_override(probe, a.key + "=" + v);
      } catch (const InputError& e) {
        throw InputError(path, yaml_text::join_key("axes", a.key),
                         std::string("invalid value '") + v + "': " + e.what());
      }
    }
  }
  return spec;
}

}  // namespace nm::sw
