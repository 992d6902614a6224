#pragma once
// The figures of one simulated run, per kernel and in total (plain C++, no SystemC).
//
// Contract: SI units (seconds, joules, watts); one run is one inference.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hw/core/action_counts.h"
#include "hw/core/area_model.h"
#include "hw/core/energy.h"
#include "hw/core/kernel_desc.h"
#include "hw/core/pipeline_model.h"
#include "sw/config/config_loader.h"
#include "sw/functional/functional_run.h"

namespace nm::sw {

struct KernelRecord {
  hw::KernelDesc desc;
  hw::Mapping mapping;
  hw::KernelTiming estimate;   // analytical pipeline model
  hw::KernelTiming simulated;  // SystemC: cycles = end - start, busy figures measured
  uint64_t start_cycle = 0;
  hw::ActionCounts counts;  // counted by the modules while the kernel ran
  hw::EnergyBreakdown energy;
  hw::AreaBreakdown area;
  std::optional<hw::SramPricing> sram;  // the SRAM model's figures (absent for a fixed table)      // counts
                                        // priced + leakage over the kernel's duration
  std::vector<std::string> fused;       // kernels the compiler fused into this one's epilogue
  std::string mapping_reason;           // why the mapper chose this mapping
};

struct RunResult {
  // Set by a functional run (--functional): errors against the fp32 reference.
  std::optional<FunctionalReport> functional;
  std::string workload;
  int64_t batch = 1;  // inferences in the run (--batch)
  SimConfig config;
  std::vector<KernelRecord> kernels;
  uint64_t cycles = 0;
  uint64_t network_macs = 0;  // MACs of the network's own linear ops
  hw::ActionCounts totals;
  hw::EnergyBreakdown energy;
  hw::AreaBreakdown area;
  std::optional<hw::SramPricing> sram;  // the SRAM model's figures (absent for a fixed table)
  uint64_t peak_l2_staging_bytes = 0;
  // DRAM bytes moved / (peak bytes per cycle x cycles each channel was busy), summed over
  // channels: the pipe's occupancy (about 1 but for burst rounding), a standard's time with a
  // request in flight (row misses, refresh and turnarounds lower it).
  double dram_efficiency = 0;
  // Each module's counters over the whole run, under its SystemC hierarchical name.
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, uint64_t>>>> module_counters;
  size_t mapping_searches = 0;

  double latency_s() const;
  double throughput_per_s() const;  // inferences per second: batch inferences per run
  double power_w() const;
  double throughput_per_watt() const;
  double pe_utilization() const;  // MACs executed / (PEs x cycles)
};

}  // namespace nm::sw
