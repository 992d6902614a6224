#pragma once
// DMA engine: moves blocks between DRAM and L2 as a TLM initiator.
//  - fill thread: for each plan step, waits for a free L2 staging slot (double buffer), reads
//    the step's bytes from all DRAM channels in parallel, writes them into L2, and hands the
//    step to the NoC;
//  - drain thread: writes finished output tiles from L2 back to DRAM.
// Requests are pipelined: a thread issues its next request once the channels have accepted the
// current one (their occupancy ends); the access latency stays in flight, so it is paid once
// per dependent chain rather than once per request.
//
// The host reaches memory contents through the DMA's ports with debug transport: debug_dram()
// and debug_l2() copy bytes without simulated time and without touching any timing state or
// counter. They are usable once elaboration is complete (during or after sc_start()).
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <cstdint>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>

#include "hw/core/activity_trace.h"
#include "hw/core/arch_config.h"
#include "hw/core/dram_system.h"
#include "hw/core/tile_plan.h"
#include "hw/tlm/kernel_progress.h"
#include "hw/tlm/sim_time.h"
#include "hw/tlm/work_queue.h"

namespace nm::hw {

struct WritebackJob {
  uint64_t bytes = 0;
};

class DmaEngine : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(DmaEngine);
  tlm_utils::multi_passthrough_initiator_socket<DmaEngine> dram_socket;  // one binding per channel
  tlm_utils::simple_initiator_socket<DmaEngine> l2_socket;

  WorkQueue<const PlanStep*> fill_queue;  // from the command processor
  WorkQueue<WritebackJob> drain_queue;    // from the clusters
  sc_core::sc_semaphore staging_slots;    // freed by the NoC once a step is distributed
  sc_core::sc_semaphore writeback_slots;  // output tiles waiting in L2 for the drain thread

  DmaEngine(sc_core::sc_module_name name, const ArchConfig& arch, ClockDomain clock);

  uint64_t staged_steps() const { return staged_steps_; }
  uint64_t drained_tiles() const { return drained_tiles_; }
  // Records what each thread is busy with on its own track (before sc_start()).
  void set_trace(ActivityTrace* trace) {
    trace_ = trace;
    fill_track_ = trace->add_track(std::string(name()) + ".fill", "bytes",
                                   "the fill thread issuing a step's DRAM->L2 transfers until the channels "
                                   "accepted them (access latency stays in flight)");
    drain_track_ = trace->add_track(std::string(name()) + ".drain", "bytes",
                                    "the drain thread writing an output tile from L2 back to DRAM");
  }

  // When the last DRAM write issued so far completes (the kernel ends no earlier).
  sc_core::sc_time last_write_done() const { return last_write_done_; }

  // Reads or writes `length` bytes at a global DRAM address, split over the channels by the
  // interleave of hw/core/dram_address_map.h. Returns the bytes moved (always `length`); throws
  // std::runtime_error if a channel moves fewer.
  uint64_t debug_dram(tlm::tlm_command command, uint64_t global_address, uint8_t* data, uint64_t length);
  // Reads or writes `length` bytes of the L2 activation region. Returns the bytes moved (always
  // `length`); throws std::runtime_error if the range is not inside the region.
  uint64_t debug_l2(tlm::tlm_command command, uint64_t address, uint8_t* data, uint64_t length);

  void connect(WorkQueue<StagedStep>* noc_queue, KernelProgress* progress) {
    noc_queue_ = noc_queue;
    progress_ = progress;
  }

 private:
  void fill_thread();
  void drain_thread();
  // Both return the delay until their side of the transfer completes, without waiting: a DMA
  // transfer streams, so its DRAM and L2 sides overlap and it ends when the slower one does.
  // dram_access stripes `bytes` over all channels at burst granularity (the slowest decides).
  // Under a DRAM standard the pieces go to the addresses DramStreams gives them.
  sc_core::sc_time dram_access(tlm::tlm_command command, uint64_t bytes);
  // A step's read: under a standard each tensor's part at its own stream's addresses
  // (DramStreams::next_read, with the row-major layout's tile rows); under the pipe the same
  // as dram_access of the total.
  sc_core::sc_time dram_read(const PlanStep& step);
  sc_core::sc_time transport_pieces(tlm::tlm_command command, const std::vector<DramStreamPiece>& pieces);
  // When the channels accepted a transfer whose data completes after `dram`: the access latency
  // before (never below zero: a row hit may finish sooner than a standard's row-miss latency).
  sc_core::sc_time accepted(const sc_core::sc_time& dram) const;
  sc_core::sc_time l2_access(tlm::tlm_command command, uint64_t bytes, uint64_t stage_bytes,
                             uint64_t release_bytes);

  uint32_t burst_bytes_;
  ClockDomain clock_;
  sc_core::sc_time latency_;
  uint64_t next_channel_ = 0;             // DRAM interleaving continues across requests (pipe)
  std::unique_ptr<DramStreams> streams_;  // request addresses under a DRAM standard
  uint64_t staged_steps_ = 0;
  uint64_t drained_tiles_ = 0;
  sc_core::sc_time last_write_done_ = sc_core::SC_ZERO_TIME;
  WorkQueue<StagedStep>* noc_queue_ = nullptr;
  KernelProgress* progress_ = nullptr;
  ActivityTrace* trace_ = nullptr;
  uint32_t fill_track_ = 0;
  uint32_t drain_track_ = 0;
};

}  // namespace nm::hw
