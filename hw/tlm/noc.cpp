#include "hw/tlm/noc.h"

#include <algorithm>

#include "hw/tlm/kernel_extension.h"

namespace nm::hw {

Noc::Noc(sc_core::sc_module_name name, const ArchConfig& arch, ClockDomain clock)
    : sc_module(name),
      l2_socket("l2_socket"),
      cluster_socket("cluster_socket"),
      writeback_socket("writeback_socket"),
      link_(arch.noc_bytes_per_cycle(), 0),
      topology_(arch.clusters, arch.noc_mesh_cols()),
      router_latency_cycles_(arch.noc_router_latency_cycles),
      clock_(clock) {
  writeback_socket.register_b_transport(this, &Noc::writeback_transport);
  SC_THREAD(distribution_thread);
}

sc_core::sc_time Noc::traverse(uint64_t bytes, uint32_t hops, sc_core::sc_time delay) {
  const uint64_t request = clock_.to_cycles(sc_core::sc_time_stamp() + delay);
  link_.retire_before(clock_.now_cycles());  // nothing can arrive in the past
  const uint64_t link_done = link_.serve(request, bytes);
  if (trace_ != nullptr) trace_->record(track_, link_done - link_.occupancy_cycles(bytes), link_done, bytes);
  const uint64_t done = link_done + uint64_t{hops} * router_latency_cycles_;
  return clock_.to_time(done) - sc_core::sc_time_stamp();
}

void Noc::distribution_thread() {
  tlm::tlm_generic_payload& payload = distribution_payload_;
  for (;;) {
    const StagedStep staged = staged_queue.pop();
    if (staged.ready > sc_core::sc_time_stamp()) wait(staged.ready - sc_core::sc_time_stamp());
    const PlanStep* step = staged.step;
    for (const ClusterWork& w : step->work) l1_slots_.at(w.cluster)->wait();

    // The step's streamed (non-resident) bytes leave staging once it is distributed.
    const uint64_t release = step->dram_read_bytes - step->resident_bytes;
    for (size_t i = 0; i < step->multicasts.size(); ++i) {
      const Multicast& m = step->multicasts[i];
      TransferExtension ext;
      ext.release_bytes = i + 1 == step->multicasts.size() ? release : 0;
      init_transfer(payload, tlm::TLM_READ_COMMAND, 0, m.bytes);
      payload.set_extension(&ext);
      // The L2 read streams into the link (cut-through): the two overlap.
      sc_core::sc_time l2_delay = sc_core::SC_ZERO_TIME;
      l2_socket->b_transport(payload, l2_delay);
      payload.clear_extension(&ext);
      wait(std::max(l2_delay, traverse(m.bytes, topology_.max_hops(m.cluster_mask), sc_core::SC_ZERO_TIME)));
      bytes_ += m.bytes;
      byte_hops_ += m.bytes * topology_.tree_links(m.cluster_mask);
      // Deliver into every destination cluster's L1 (the multicast tree's leaves).
      for (uint32_t c = 0; c < topology_.clusters(); ++c) {
        if (!(m.cluster_mask >> c & 1u)) continue;
        init_transfer(payload, tlm::TLM_WRITE_COMMAND, 0, m.bytes);
        sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
        cluster_socket[static_cast<int>(c)]->b_transport(payload, zero);
      }
    }
    staging_slots_->post();
    for (const ClusterWork& w : step->work) {
      WorkExtension work;
      work.work = &w;
      init_transfer(payload, tlm::TLM_WRITE_COMMAND, 0, 0);
      payload.set_extension(&work);
      sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
      cluster_socket[static_cast<int>(w.cluster)]->b_transport(payload, zero);
      payload.clear_extension(&work);
    }
    progress_->release_step(step);  // the clusters hold copies of their work
  }
}

void Noc::writeback_transport(int cluster, tlm::tlm_generic_payload& payload, sc_core::sc_time& delay) {
  const uint64_t bytes = payload.get_data_length();
  const uint32_t hops = topology_.max_hops(uint64_t{1} << cluster);
  const sc_core::sc_time link_delay = traverse(bytes, hops, delay);
  bytes_ += bytes;
  byte_hops_ += bytes * hops;
  l2_socket->b_transport(payload, delay);  // the outputs stream into L2 as they arrive
  delay = std::max(delay, link_delay);
}

}  // namespace nm::hw
