#include "hw/core/arch_config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "hw/core/dram_timing.h"

namespace nm::hw {

const char* datatype_name(DataType type) {
  return type == DataType::kInt8 ? "int8" : "fp16";
}
uint32_t operand_bytes(DataType type) {
  return type == DataType::kInt8 ? 1 : 2;
}
uint32_t accumulator_bytes(DataType /*type*/) {
  return 4;
}

uint32_t ArchConfig::pe_rows() const {
  // Smallest divisor of the cluster size that is >= its square root: the squarest grid.
  const uint32_t p = pes_per_cluster();
  if (p == 0) return 1;
  for (auto r = static_cast<uint32_t>(std::ceil(std::sqrt(static_cast<double>(p)))); r <= p; ++r) {
    if (p % r == 0) return r;
  }
  return p;
}

namespace {

// The presets' peak Gbit/s and tRCD + CL in ns, looked up once per standard name.
struct StandardFigures {
  double peak_gbps = 0, miss_latency_ns = 0;
};
StandardFigures standard_figures(const std::string& name) {
  static const auto table = [] {
    std::vector<std::pair<std::string, StandardFigures>> t;
    for (const std::string& n : dram_preset_names()) {
      const DramSpec s = *dram_preset(n);
      t.push_back({n, {s.peak_gbps(), (s.t.tRCD + s.t.CL) * s.tck_ns}});
    }
    return t;
  }();
  for (const auto& [n, f] : table) {
    if (n == name) return f;
  }
  throw std::invalid_argument("dram.standard: unknown standard " + name);
}

}  // namespace

double ArchConfig::dram_peak_gbps() const {
  if (!dram_timed()) return dram_bandwidth_gbps;
  return standard_figures(dram_standard).peak_gbps * dram_channels;
}

uint64_t ArchConfig::dram_latency_cycles() const {
  const double cycles =
      (dram_timed() ? standard_figures(dram_standard).miss_latency_ns : dram_latency_ns) * clock_ghz;
  // validate() keeps this at most 1e8; an unvalidated config must not wrap llround (2^63 is exact).
  if (!(cycles >= 0 && cycles < 9223372036854775808.0)) {
    throw std::overflow_error(
        fmt::format("dram.latency_ns {} at clock_ghz {} is {} cycles, outside 0 .. 2^63", dram_latency_ns,
                    clock_ghz, cycles));
  }
  return static_cast<uint64_t>(std::llround(cycles));
}

uint64_t ArchConfig::l2_activation_bytes() const {
  return static_cast<uint64_t>(static_cast<double>(l2_bytes) * l2_activation_fraction);
}

uint32_t ArchConfig::noc_mesh_cols() const {
  return static_cast<uint32_t>(std::ceil(std::sqrt(static_cast<double>(clusters))));
}

std::vector<std::string> validate(const ArchConfig& c) {
  std::vector<std::string> problems;
  auto require = [&problems](bool ok, const std::string& message) {
    if (!ok) problems.push_back(message);
  };
  require(c.pe_count > 0, "pe.count: expected a positive integer");
  require(c.clusters > 0, "pe.clusters: expected a positive integer");
  if (c.pe_count > 0 && c.clusters > 0) {
    require(c.pe_count % c.clusters == 0,
            fmt::format("pe.clusters: expected a divisor of pe.count ({}), got {}", c.pe_count, c.clusters));
  }
  // Bounds written so that NaN fails them too.
  auto within = [](double v, double lo, double hi) { return v >= lo && v <= hi; };
  require(within(c.clock_ghz, kMinClockGhz, kMaxClockGhz),
          fmt::format("clock_ghz: expected a frequency between {} and {} GHz, got {}", kMinClockGhz,
                      kMaxClockGhz, c.clock_ghz));
  require(c.l1_bytes_per_pe > 0, "l1.bytes_per_pe: expected a positive size in bytes");
  require(c.l1_port_bits >= 8 && c.l1_port_bits <= 1024 && c.l1_port_bits % 8 == 0,
          fmt::format("l1.port_bits: expected a whole number of bytes in bits, 8 to 1024, got {}",
                      c.l1_port_bits));
  require(c.l2_bytes > 0, "l2.bytes: expected a positive size in bytes");
  require(c.l2_banks > 0, "l2.banks: expected a positive integer");
  require(c.l2_bank_bytes_per_cycle > 0, "l2.bank_bytes_per_cycle: expected a positive integer");
  require(c.l2_activation_fraction >= 0 && c.l2_activation_fraction < 1,
          "l2.activation_fraction: expected a fraction in [0, 1)");
  for (const auto& [key, gbps] : {std::pair{"noc.bandwidth_gbps", c.noc_bandwidth_gbps},
                                  std::pair{"dram.bandwidth_gbps", c.dram_bandwidth_gbps}}) {
    require(within(gbps, kMinBandwidthGbps, kMaxBandwidthGbps),
            fmt::format("{}: expected a bandwidth between {} and {} Gbit/s, got {}", key, kMinBandwidthGbps,
                        kMaxBandwidthGbps, gbps));
  }
  require(c.dram_channels > 0 && c.dram_channels <= kMaxDramChannels,
          fmt::format("dram.channels: expected a whole number between 1 and {}, got {}", kMaxDramChannels,
                      c.dram_channels));
  require(within(c.dram_latency_ns, 0, kMaxDramLatencyNs),
          fmt::format("dram.latency_ns: expected a time between 0 and {} ns, got {}", kMaxDramLatencyNs,
                      c.dram_latency_ns));
  require(c.dram_burst_bytes > 0, "dram.burst_bytes: expected a positive size in bytes");
  {
    const std::vector<std::string> presets = dram_preset_names();
    const bool known =
        !c.dram_timed() || std::find(presets.begin(), presets.end(), c.dram_standard) != presets.end();
    require(known, fmt::format("dram.standard: expected bandwidth, {}, got {}", fmt::join(presets, ", "),
                               c.dram_standard));
  }
  require(!c.dram_row_major || c.dram_timed(),
          "dram.layout: row_major needs a dram.standard (the bandwidth pipe has no addresses); expected "
          "tile_major with dram.standard: bandwidth");
  require(within(c.pwl_granularity, kMinPwlGranularity, kMaxPwlGranularity),
          fmt::format("pwl.granularity: expected a segment width between {} and {}, got {}",
                      kMinPwlGranularity, kMaxPwlGranularity, c.pwl_granularity));
  return problems;
}

}  // namespace nm::hw
