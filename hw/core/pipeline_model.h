#pragma once
// Analytical timing of a tile plan: a step-level recurrence over the double-buffered
// DMA -> NoC -> compute pipeline with the same resource models the SystemC model uses, but no
// event scheduling. It is the cost model's estimate of what the simulation will measure.
//
// Contract: cycles is the kernel's latency from its first DMA request to its last writeback;
// busy figures are the occupancy of each resource; bound names the resource with the largest
// occupancy (compute is the busiest cluster).
#include <cstdint>

#include "hw/core/arch_config.h"
#include "hw/core/noc_topology.h"
#include "hw/core/tile_plan.h"

namespace nm::hw {

enum class Bound { kCompute, kNoc, kL2, kDram };
const char* bound_name(Bound bound);

struct KernelTiming {
  uint64_t cycles = 0;
  uint64_t compute_busy_cycles = 0;  // busiest cluster
  uint64_t noc_busy_cycles = 0;
  uint64_t l2_busy_cycles = 0;
  uint64_t dram_busy_cycles = 0;  // busiest channel
  Bound bound = Bound::kCompute;
};

Bound dominant_bound(const KernelTiming& timing);

// Double-buffer depth between DMA and NoC (L2 staging) and between NoC and each cluster (L1).
constexpr uint32_t kStagingSlots = 2;
constexpr uint32_t kL1Slots = 2;

KernelTiming estimate_plan_timing(const TilePlan& plan, const ArchConfig& arch, const NocTopology& noc);

}  // namespace nm::hw
