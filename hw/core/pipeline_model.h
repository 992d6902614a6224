#pragma once
// Analytical timing of a tile plan: a step-level recurrence over the double-buffered
// DMA -> NoC -> compute pipeline with the same resource models the SystemC model uses, but no
// event scheduling. It is the cost model's estimate of what the simulation will measure.
//
// Contract: cycles is the kernel's latency from its first DMA request to its last writeback;
// busy figures are the occupancy of each resource; bound names the resource with the largest
// occupancy (compute is the busiest cluster).
#include <cstdint>
#include <deque>
#include <vector>

#include "hw/core/arch_config.h"
#include "hw/core/bandwidth_resource.h"
#include "hw/core/dram_model.h"
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

// The recurrence fed one step at a time (a streamed plan: for_each_plan_step), in plan order;
// finish() once after the last step. State is bounded by the buffers' slots and the requests in
// flight, not by the plan's length.
class PlanTimer {
 public:
  PlanTimer(const ArchConfig& arch, const NocTopology& noc);
  void add(const PlanStep& step);
  KernelTiming finish();

 private:
  // A request waiting for a shared resource: served once no earlier-arriving request is left,
  // so the recurrence arbitrates in arrival order like the simulation, not in step order.
  struct PendingTransfer {
    uint64_t ready = 0;
    uint64_t bytes = 0;
    uint32_t cluster = 0;
  };
  uint64_t accepted(uint64_t done) const;
  void drain_front();
  void drain_dram_until(uint64_t t);
  void serve_writeback(const PendingTransfer& w);
  void writebacks_until(uint64_t t, bool all);
  void retire_history();

  const ArchConfig* arch_;
  const NocTopology* noc_;
  DramModel dram_;
  BandwidthResource l2_, link_;
  uint64_t hop_cycles_, dram_latency_;
  uint64_t dma_free_ = 0, noc_free_ = 0, dma_out_free_ = 0, end_ = 0;
  std::deque<uint64_t> staging_freed_;                 // NoC-done times of the latest steps
  std::vector<std::deque<uint64_t>> l1_freed_;         // compute-done times, latest per cluster
  std::vector<uint64_t> cluster_free_, cluster_busy_;  // per cluster
  std::deque<PendingTransfer> dram_writes_;            // finished tiles waiting for the DMA drain
  std::vector<PendingTransfer> writebacks_;            // finished tiles waiting for the NoC
  std::vector<bool> writeback_pending_;
  std::vector<uint64_t> writeback_ready_;
  // Output tiles bound for DRAM wait in L2 for the drain; at most `clusters` of them at a time
  // (the DMA's writeback slots): a cluster with another such tile waits for a slot to free.
  uint64_t dram_tiles_ = 0;          // tiles bound for DRAM so far, in the order they claim slots
  std::deque<uint64_t> slot_freed_;  // when each drained tile left L2, in drain order...
  uint64_t slot_freed_base_ = 0;     // ...from this drain index on (earlier ones never matter again)
  uint64_t steps_ = 0;
};

KernelTiming estimate_plan_timing(const TilePlan& plan, const ArchConfig& arch, const NocTopology& noc);

}  // namespace nm::hw
