#pragma once
// The NeuralMatrix accelerator: command processor, DMA engine, banked L2, NoC, PE clusters and
// DRAM channels, bound together with TLM-2.0 sockets. counts() sums what every module counted.
// The host reads and writes memory contents through the DMA's ports with debug transport
// (debug_dram / debug_l2: no simulated time, no timing state or counter touched).
#include <memory>
#include <string>
#include <systemc>
#include <utility>
#include <vector>

#include "hw/core/action_counts.h"
#include "hw/core/activity_trace.h"
#include "hw/core/arch_config.h"
#include "hw/core/pipeline_model.h"
#include "hw/tlm/command_processor.h"
#include "hw/tlm/dma_engine.h"
#include "hw/tlm/dram_channel.h"
#include "hw/tlm/l2_buffer.h"
#include "hw/tlm/noc.h"
#include "hw/tlm/pe_cluster.h"

namespace nm::hw {

class Accelerator : public sc_core::sc_module {
 public:
  Accelerator(sc_core::sc_module_name name, const ArchConfig& arch);

  CommandProcessor& command_processor() { return command_processor_; }

  // Every module's counters under its SystemC hierarchical name, in module-tree order.
  struct ModuleStats {
    std::string name;
    std::vector<std::pair<std::string, uint64_t>> counters;
  };
  std::vector<ModuleStats> module_stats() const;
  ActionCounts counts() const;
  // Occupancy of every resource so far; busy_between() turns two snapshots into one kernel's.
  struct BusySnapshot {
    std::vector<uint64_t> cluster_cycles;
    uint64_t noc_cycles = 0;
    uint64_t l2_cycles = 0;
    std::vector<uint64_t> dram_channel_cycles;
  };
  BusySnapshot busy() const;
  static KernelTiming busy_between(const BusySnapshot& before, const BusySnapshot& after);
  // Every module records its activity into `trace` (call before sc_start(); never, for an
  // untraced run). Tracks in module-tree order: DMA fill and drain, NoC, L2, clusters, DRAM channels.
  void set_trace(ActivityTrace* trace);
  const L2Buffer& l2() const { return l2_; }
  const DramChannel& dram_channel(uint32_t channel) const { return *dram_channels_.at(channel); }

  // See DmaEngine::debug_dram / debug_l2: bytes moved, std::runtime_error on a bad range.
  uint64_t debug_dram(tlm::tlm_command command, uint64_t global_address, uint8_t* data, uint64_t length) {
    return dma_.debug_dram(command, global_address, data, length);
  }
  uint64_t debug_l2(tlm::tlm_command command, uint64_t address, uint8_t* data, uint64_t length) {
    return dma_.debug_l2(command, address, data, length);
  }

 private:
  ArchConfig arch_;
  ClockDomain clock_;
  CommandProcessor command_processor_;
  DmaEngine dma_;
  L2Buffer l2_;
  Noc noc_;
  std::vector<std::unique_ptr<PeCluster>> clusters_;
  std::vector<std::unique_ptr<DramChannel>> dram_channels_;
};

}  // namespace nm::hw
