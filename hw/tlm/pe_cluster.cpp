#include "hw/tlm/pe_cluster.h"

#include "hw/tlm/kernel_extension.h"

namespace nm::hw {

PeCluster::PeCluster(sc_core::sc_module_name name, uint32_t index, ClockDomain clock)
    : sc_module(name),
      socket("socket"),
      writeback_socket("writeback_socket"),
      l1_slots("l1_slots", 2),
      index_(index),
      clock_(clock) {
  socket.register_b_transport(this, &PeCluster::b_transport);
  SC_THREAD(compute_thread);
}

void PeCluster::b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& /*delay*/) {
  if (const auto* work = payload.get_extension<WorkExtension>()) {
    work_queue_.push(*work->work);
  } else {
    received_bytes_ += payload.get_data_length();
  }
  payload.set_response_status(tlm::TLM_OK_RESPONSE);
}

void PeCluster::compute_thread() {
  tlm::tlm_generic_payload& payload = writeback_payload_;
  for (;;) {
    const ClusterWork work = work_queue_.pop();
    const ClusterWork* w = &work;
    const uint64_t start = trace_ != nullptr ? clock_.now_cycles() : 0;
    wait(clock_.to_time(w->compute_cycles));
    if (trace_ != nullptr) trace_->record(track_, start, start + w->compute_cycles, w->macs);
    macs_ += w->macs;
    l1_read_bytes_ += w->l1_read_bytes;
    l1_write_bytes_ += w->l1_write_bytes;
    busy_cycles_ += w->compute_cycles;
    l1_slots.post();
    if (w->writeback_bytes > 0) {
      // An output tile bound for DRAM waits in L2 staging until the DMA drains it.
      const bool to_dram = w->writeback_dram_bytes > 0;
      if (to_dram) dma_->writeback_slots.wait();
      TransferExtension ext;
      ext.cluster_mask = uint64_t{1} << index_;
      ext.stage_bytes = to_dram ? w->writeback_dram_bytes : 0;
      init_transfer(payload, tlm::TLM_WRITE_COMMAND, 0, w->writeback_bytes);
      payload.set_extension(&ext);
      sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
      writeback_socket->b_transport(payload, delay);
      payload.clear_extension(&ext);
      wait(delay);
      if (to_dram) dma_->drain_queue.push({w->writeback_dram_bytes});
    }
    progress_->done_one();
  }
}

}  // namespace nm::hw
