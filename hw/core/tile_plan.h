#pragma once
// The tile plan: the sequence of steps a kernel with a given mapping performs on the array.
// The analytical pipeline model and the SystemC model both execute this one description, so
// the two differ only in how they schedule it (recurrence vs concurrent processes).
//
// Contract: steps run in order through three stages joined by double buffers:
//   DMA (DRAM -> L2 staging)  ->  NoC (L2 -> cluster L1s, multicast)  ->  cluster compute,
// then a cluster that finished an output tile writes it back over the NoC to L2, and the DMA
// writes it to DRAM unless it stays on chip. Transfers stream (cut-through): the source and
// destination sides of a transfer (DRAM and L2, L2 and the NoC link) overlap, so a transfer
// takes as long as its slower side. All sizes in bytes, times in cycles.
#include <cstdint>
#include <functional>
#include <vector>

#include "hw/core/action_counts.h"
#include "hw/core/arch_config.h"
#include "hw/core/dram_system.h"
#include "hw/core/kernel_desc.h"
#include "hw/core/noc_topology.h"

namespace nm::hw {

struct Multicast {
  uint64_t cluster_mask = 0;  // bit c set: cluster c receives the data
  uint64_t bytes = 0;
};

struct ClusterWork {
  uint32_t cluster = 0;
  uint64_t compute_cycles = 0;
  uint64_t macs = 0;
  uint64_t l1_read_bytes = 0;
  uint64_t l1_write_bytes = 0;
  uint64_t writeback_bytes = 0;       // outputs sent to L2 after this step (0: tile unfinished)
  uint64_t writeback_dram_bytes = 0;  // of those, bytes the DMA then writes to DRAM
};

struct PlanStep {
  uint64_t dram_read_bytes = 0;  // DMA reads into L2 before this step is distributed
  // Of dram_read_bytes, the bytes of operand B (a GEMM's weights, an SpMM's gathered rows) and of
  // other tensors (epilogue operands, PWL tables); the rest is operand A. Each is a tensor of its
  // own in DRAM, so each is read from its own address stream (dram_system.h).
  uint64_t dram_read_b_bytes = 0;
  uint64_t dram_read_other_bytes = 0;
  // Under dram.layout: row_major, where A's and B's tiles lie in their row-major tensors (the
  // DMA reads these instead of A's and B's contiguous stream ranges); empty otherwise.
  std::vector<TensorRows> dram_rows;
  uint64_t resident_bytes = 0;    // of dram_read_bytes, bytes kept in L2 until the kernel ends
  uint64_t dram_write_bytes = 0;  // DMA kernels: bytes copied back to DRAM
  std::vector<Multicast> multicasts;
  std::vector<ClusterWork> work;
};

inline DramReadSplit dram_read_split(const PlanStep& s) {
  return {s.dram_read_bytes - s.dram_read_b_bytes - s.dram_read_other_bytes, s.dram_read_b_bytes,
          s.dram_read_other_bytes};
}

struct TilePlan {
  std::vector<PlanStep> steps;
};

// The plan generated one step at a time, in order: `visit` sees each step once, and the step it
// is given lives only for the call (its storage is reused for the next). Memory stays constant
// however long the plan is (a GEMV of a 7B-parameter LLM layer has ~10^5 steps, a pathological
// layer far more), so every consumer that can works on the stream.
using PlanStepVisitor = std::function<void(const PlanStep&)>;
void for_each_plan_step(const KernelDesc& kernel, const Mapping& mapping, const ArchConfig& arch,
                        const PlanStepVisitor& visit);

// The whole plan in memory: for tests and tools that inspect it; the same steps as the stream.
TilePlan build_tile_plan(const KernelDesc& kernel, const Mapping& mapping, const ArchConfig& arch);

// The actions the plan implies: what an exact execution of it must count. DRAM moves whole
// bursts, so each DRAM request counts its bytes rounded up to dram_burst_bytes.
class PlanActionCounter {
 public:
  PlanActionCounter(const NocTopology& noc, uint32_t dram_burst_bytes)
      : noc_(&noc), dram_burst_bytes_(dram_burst_bytes) {}
  void add(const PlanStep& step);
  const ActionCounts& counts() const { return counts_; }

 private:
  const NocTopology* noc_;
  uint32_t dram_burst_bytes_;
  ActionCounts counts_;
};
ActionCounts plan_action_counts(const TilePlan& plan, const NocTopology& noc, uint32_t dram_burst_bytes);

}  // namespace nm::hw
