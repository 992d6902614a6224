#pragma once
// A design-space sweep: a base configuration and axes of config keys, crossed into points.
//
// Contract: an axis is a config key (as --set takes it) or a workload option: workload.width,
// workload.depth (multipliers in (0, 64]), workload.seq_len, workload.batch, workload.gen_tokens
// (positive integers) or workload.phase (prefill, decode, generate), passed to nm_sim as --width,
// --depth, --seq-len, --batch, --gen-tokens, --phase. Axes keep the file's order; points enumerate the
// cartesian product with the first axis slowest. Every axis key and value is checked up front by applying it
// to the base config (same keys and checks as --set), so a bad sweep file fails before any point runs, with
// an InputError naming the sweep file and the key. Keys must be distinct, and the point count is capped
// (kMaxSweepPoints).
//
// The axis `config` takes config files (paths relative to the sweep file, like base_config; held
// resolved in values) and compares them side by side: each point runs with that file instead of
// the base config, so the other axes apply on top of each. Every file is loaded and validated up
// front; the other axes' values are checked against the base config.
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nm::sw {

// The most points a sweep file may define (the product of its axes' value counts), and the most
// tasks (points x workloads) nm_sweep runs: a million nm_sim runs is days of cluster time, far
// beyond any study, while a typo (an extra axis, a long list) can multiply into 10^20 points
// that would exhaust memory before the first run. Checked before any task is built.
inline constexpr size_t kMaxSweepPoints = 1000000;
inline constexpr size_t kMaxSweepTasks = 1000000;
inline constexpr const char* kConfigAxis = "config";

struct SweepAxis {
  std::string key;                  // config key path, e.g. "l2.bytes"
  std::vector<std::string> values;  // YAML scalars as written
};

struct SweepSpec {
  std::string file;
  std::optional<std::string> base_config;  // resolved path, or none for the built-in default
  std::vector<SweepAxis> axes;

  size_t point_count() const;
  bool has_config_axis() const;
  // The (key, value) assignments of point `index` (0-based).
  std::vector<std::pair<std::string, std::string>> point(size_t index) const;
};

// `base_config_override` (from the command line) replaces the file's base_config.
// The nm_sim arguments that set `key` to `value` (--set key=value, a workload option's flag, or
// --config FILE for the axis `config`).
std::vector<std::string> sweep_axis_arguments(const std::string& key, const std::string& value);

SweepSpec load_sweep_spec(const std::string& path, const std::optional<std::string>& base_config_override);

}  // namespace nm::sw
