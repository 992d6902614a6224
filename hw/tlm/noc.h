#pragma once
// NoC from L2 to the cluster L1s: one aggregate link of noc.bandwidth_gbps shared by
// multicast distribution and writebacks (busy-until, so overlapping transfers contend), plus
// router_latency_cycles per hop of the longest route. Counts bytes and byte-hops (multicast
// trees count each link once).
//  - distribution thread: takes staged steps from the DMA, waits for a free L1 slot in every
//    destination cluster (double buffer), reads each tile from L2 and multicasts it, frees the
//    step's staging slot, then sends each cluster its compute command;
//  - writeback target: a cluster's finished outputs travel to L2.
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <systemc>
#include <tlm>
#include <vector>

#include "hw/core/activity_trace.h"
#include "hw/core/arch_config.h"
#include "hw/core/bandwidth_resource.h"
#include "hw/core/noc_topology.h"
#include "hw/core/tile_plan.h"
#include "hw/tlm/kernel_progress.h"
#include "hw/tlm/sim_time.h"
#include "hw/tlm/work_queue.h"

namespace nm::hw {

class Noc : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Noc);
  tlm_utils::simple_initiator_socket<Noc> l2_socket;
  tlm_utils::multi_passthrough_initiator_socket<Noc> cluster_socket;  // binding c = cluster c
  tlm_utils::multi_passthrough_target_socket<Noc> writeback_socket;   // binding c = cluster c

  WorkQueue<StagedStep> staged_queue;  // from the DMA

  Noc(sc_core::sc_module_name name, const ArchConfig& arch, ClockDomain clock);

  void connect(sc_core::sc_semaphore* staging_slots, std::vector<sc_core::sc_semaphore*> l1_slots,
               KernelProgress* progress) {
    progress_ = progress;
    staging_slots_ = staging_slots;
    l1_slots_ = std::move(l1_slots);
  }

  uint64_t bytes() const { return bytes_; }
  uint64_t byte_hops() const { return byte_hops_; }
  uint64_t busy_cycles() const { return link_.busy_cycles(); }
  // Records every occupancy of the link on its own track (before sc_start()).
  void set_trace(ActivityTrace* trace) {
    trace_ = trace;
    track_ = trace->add_track(name(), "bytes",
                              "the link carrying a multicast or a write-back (router latency excluded)");
  }

 private:
  void distribution_thread();
  void writeback_transport(int cluster, tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);
  // Occupies the link for `bytes` from (now + delay) and returns the delay until delivery.
  sc_core::sc_time traverse(uint64_t bytes, uint32_t hops, sc_core::sc_time delay);

  BandwidthResource link_;
  NocTopology topology_;
  KernelProgress* progress_ = nullptr;
  uint32_t router_latency_cycles_;
  ClockDomain clock_;
  sc_core::sc_semaphore* staging_slots_ = nullptr;
  std::vector<sc_core::sc_semaphore*> l1_slots_;
  // A member, not a local of distribution_thread: the thread never returns, and SystemC discards a
  // blocked thread's stack at the end of simulation without destroying its locals.
  tlm::tlm_generic_payload distribution_payload_;
  uint64_t bytes_ = 0;
  uint64_t byte_hops_ = 0;
  ActivityTrace* trace_ = nullptr;
  uint32_t track_ = 0;
};

}  // namespace nm::hw
