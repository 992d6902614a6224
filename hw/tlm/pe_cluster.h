#pragma once
// One cluster of PEs (pe_rows x pe_cols, output stationary) with their L1s. One module per
// cluster, never one per PE: a step's compute time comes from hw/core's closed form.
// Receives operand tiles and compute commands from the NoC; computes; writes finished output
// tiles back to L2 through the NoC and asks the DMA to drain them to DRAM.
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "hw/core/activity_trace.h"
#include "hw/core/tile_plan.h"
#include "hw/tlm/dma_engine.h"
#include "hw/tlm/kernel_progress.h"
#include "hw/tlm/sim_time.h"
#include "hw/tlm/work_queue.h"

namespace nm::hw {

class PeCluster : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(PeCluster);
  tlm_utils::simple_target_socket<PeCluster> socket;               // from the NoC
  tlm_utils::simple_initiator_socket<PeCluster> writeback_socket;  // to the NoC

  sc_core::sc_semaphore l1_slots;  // operand double buffer; the NoC waits on it

  PeCluster(sc_core::sc_module_name name, uint32_t index, ClockDomain clock);

  void connect(DmaEngine* dma, KernelProgress* progress) {
    dma_ = dma;
    progress_ = progress;
  }

  uint64_t macs() const { return macs_; }
  uint64_t l1_read_bytes() const { return l1_read_bytes_; }
  uint64_t l1_write_bytes() const { return l1_write_bytes_; }
  uint64_t busy_cycles() const { return busy_cycles_; }
  uint64_t received_bytes() const { return received_bytes_; }
  // Records every compute step on its own track (before sc_start()).
  void set_trace(ActivityTrace* trace) {
    trace_ = trace;
    track_ = trace->add_track(name(), "macs", "the PEs computing a step (epilogue included)");
  }

 private:
  void b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);
  void compute_thread();

  uint32_t index_;
  ClockDomain clock_;
  WorkQueue<ClusterWork> work_queue_;  // copies: the plan step they came from is short-lived
  // The write-back payload is a member, not a local of compute_thread: the thread never returns,
  // and SystemC discards a blocked thread's stack at the end of simulation without destroying its
  // locals (the payload's extension array would leak).
  tlm::tlm_generic_payload writeback_payload_;
  DmaEngine* dma_ = nullptr;
  KernelProgress* progress_ = nullptr;
  uint64_t macs_ = 0;
  uint64_t l1_read_bytes_ = 0;
  uint64_t l1_write_bytes_ = 0;
  uint64_t busy_cycles_ = 0;
  uint64_t received_bytes_ = 0;
  ActivityTrace* trace_ = nullptr;
  uint32_t track_ = 0;
};

}  // namespace nm::hw
