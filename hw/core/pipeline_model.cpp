#include "hw/core/pipeline_model.h"

#include <algorithm>
#include <deque>
#include <vector>

#include "hw/core/bandwidth_resource.h"
#include "hw/core/dram_model.h"

namespace nm::hw {

const char* bound_name(Bound bound) {
  switch (bound) {
    case Bound::kCompute:
      return "compute";
    case Bound::kNoc:
      return "noc";
    case Bound::kL2:
      return "l2";
    case Bound::kDram:
      return "dram";
  }
  return "unknown";
}

Bound dominant_bound(const KernelTiming& t) {
  Bound b = Bound::kCompute;
  uint64_t best = t.compute_busy_cycles;
  if (t.noc_busy_cycles > best) best = t.noc_busy_cycles, b = Bound::kNoc;
  if (t.l2_busy_cycles > best) best = t.l2_busy_cycles, b = Bound::kL2;
  if (t.dram_busy_cycles > best) b = Bound::kDram;
  return b;
}

namespace {

// A request waiting for a shared resource: served once no earlier-arriving request is left,
// so the recurrence arbitrates in arrival order like the simulation, not in step order.
struct PendingTransfer {
  uint64_t ready = 0;
  uint64_t bytes = 0;
  uint32_t cluster = 0;
};

}  // namespace

KernelTiming estimate_plan_timing(const TilePlan& plan, const ArchConfig& arch, const NocTopology& noc) {
  DramModel dram(arch);
  BandwidthResource l2(arch.l2_bytes_per_cycle(), 0);
  BandwidthResource link(arch.noc_bytes_per_cycle(), 0);
  const uint64_t hop_cycles = arch.noc_router_latency_cycles;
  // DRAM requests are pipelined: the next request issues once the channels accepted the current
  // one; only the data's arrival waits for the access latency.
  // (Under a DRAM standard a row hit can finish sooner than that latency: never before issue.)
  const uint64_t dram_latency = arch.dram_latency_cycles();
  auto accepted = [dram_latency](uint64_t done) { return done > dram_latency ? done - dram_latency : 0; };

  uint64_t dma_free = 0, noc_free = 0, dma_out_free = 0, end = 0;
  std::deque<uint64_t> staging_freed;                         // NoC-done times of recent steps
  std::vector<std::deque<uint64_t>> l1_freed(arch.clusters);  // compute-done times per cluster
  std::vector<uint64_t> cluster_free(arch.clusters, 0), cluster_busy(arch.clusters, 0);
  std::deque<PendingTransfer> dram_writes;  // finished tiles waiting for the DMA drain
  std::vector<PendingTransfer> writebacks;  // finished tiles waiting for the NoC
  std::vector<bool> writeback_pending(arch.clusters, false);
  std::vector<uint64_t> writeback_ready(arch.clusters, 0);

  // Output tiles bound for DRAM wait in L2 for the drain; at most `clusters` of them at a time
  // (the DMA's writeback slots): a cluster with another such tile waits for a slot to free.
  uint64_t dram_tiles = 0;           // tiles bound for DRAM so far, in the order they claim slots
  std::vector<uint64_t> slot_freed;  // when each drained tile left L2, in drain order
  auto drain_front = [&] {
    // The drain thread issues one tile after another: a write goes out at max(ready, drain free).
    const PendingTransfer w = dram_writes.front();
    dram_writes.pop_front();
    const uint64_t issue = std::max(dma_out_free, w.ready);
    const uint64_t l2_done = l2.serve(issue, w.bytes), dram_done = dram.serve(issue, w.bytes, true);
    dma_out_free = std::max(l2_done, accepted(dram_done));
    slot_freed.push_back(l2_done);
    end = std::max({end, l2_done, dram_done});
  };
  auto drain_dram_until = [&](uint64_t t) {
    while (!dram_writes.empty() && std::max(dram_writes.front().ready, dma_out_free) <= t) drain_front();
  };
  auto serve_writeback = [&](const PendingTransfer& w) {
    const uint64_t hops = noc.max_hops(uint64_t{1} << w.cluster);
    const uint64_t done =
        std::max(link.serve(w.ready, w.bytes) + hop_cycles * hops, l2.serve(w.ready, w.bytes));
    cluster_free[w.cluster] = done;
    writeback_pending[w.cluster] = false;
    end = std::max(end, done);
  };
  // Serves queued writebacks that arrive no later than `t`, earliest first.
  // Kept sorted by ready time (stable for equal times, as a sort of arrival order would be).
  auto writebacks_until = [&](uint64_t t, bool all) {
    if (writebacks.empty() || (!all && writebacks.front().ready > t)) return;
    size_t served = 0;
    for (; served < writebacks.size() && (all || writebacks[served].ready <= t); ++served) {
      serve_writeback(writebacks[served]);
    }
    writebacks.erase(writebacks.begin(), writebacks.begin() + static_cast<long>(served));
  };

  // Every future request arrives at or after the earliest of these (each only moves forward;
  // compute starts, and so new writebacks, are never before noc_free),
  // so busy intervals that end before it can never matter again: forgetting them keeps serve()
  // cheap on long plans.
  auto retire_history = [&] {
    uint64_t horizon = std::min({dma_free, noc_free, dma_out_free});
    for (const PendingTransfer& w : writebacks) horizon = std::min(horizon, w.ready);
    for (const PendingTransfer& w : dram_writes) horizon = std::min(horizon, w.ready);
    l2.retire_before(horizon);
    link.retire_before(horizon);
    dram.retire_before(horizon);
  };
  size_t step_index = 0;
  for (const PlanStep& s : plan.steps) {
    if (++step_index % 64 == 0) retire_history();
    // DMA: waits for a free staging slot, reads DRAM, writes L2; `t` is when the data is in L2.
    uint64_t issue = dma_free;
    if (staging_freed.size() >= kStagingSlots) {
      issue = std::max(issue, staging_freed[staging_freed.size() - kStagingSlots]);
    }
    uint64_t t = issue;
    dma_free = issue;
    if (s.dram_read_bytes > 0) {
      drain_dram_until(issue);
      const uint64_t dram_done = dram.serve(issue, s.dram_read_bytes);
      const uint64_t l2_done = l2.serve(issue, s.dram_read_bytes);
      t = std::max(dram_done, l2_done);
      dma_free = std::max({issue, accepted(dram_done), l2_done});
    }
    if (s.dram_write_bytes > 0) {  // a DMA-kernel copy writes back what it read
      t = std::max(l2.serve(t, s.dram_write_bytes), dram.serve(t, s.dram_write_bytes, true));
      dma_free = t;
    }
    if (s.multicasts.empty() && s.work.empty()) {  // DMA-only: never reaches the NoC
      dma_free = std::max(dma_free, t);
      staging_freed.push_back(t);
      end = std::max(end, t);
      continue;
    }

    // NoC: waits for the step's data and a free L1 slot in every destination cluster.
    uint64_t n = std::max(noc_free, t);
    for (const ClusterWork& w : s.work) {
      const auto& freed = l1_freed[w.cluster];
      if (freed.size() >= kL1Slots) n = std::max(n, freed[freed.size() - kL1Slots]);
    }
    for (const Multicast& m : s.multicasts) {
      writebacks_until(std::max(n, link.busy_until()), false);
      n = std::max(l2.serve(n, m.bytes), link.serve(n, m.bytes) + hop_cycles * noc.max_hops(m.cluster_mask));
    }
    noc_free = n;
    staging_freed.push_back(n);
    end = std::max(end, n);

    // Clusters compute, then write finished tiles back over the NoC; the DMA drains to DRAM.
    for (const ClusterWork& w : s.work) {
      if (writeback_pending[w.cluster]) writebacks_until(writeback_ready[w.cluster], false);
      const uint64_t start = std::max(cluster_free[w.cluster], n);
      const uint64_t done = start + w.compute_cycles;
      cluster_busy[w.cluster] += w.compute_cycles;
      l1_freed[w.cluster].push_back(done);
      cluster_free[w.cluster] = done;
      end = std::max(end, done);
      if (w.writeback_bytes > 0) {
        uint64_t ready = done;
        if (w.writeback_dram_bytes > 0 && dram_tiles++ >= arch.clusters) {
          // This tile takes the slot the tile `clusters` places earlier frees.
          const uint64_t frees = dram_tiles - 1 - arch.clusters;
          while (slot_freed.size() <= frees && !dram_writes.empty()) drain_front();
          if (frees < slot_freed.size()) ready = std::max(ready, slot_freed[frees]);
        }
        writebacks.insert(std::upper_bound(writebacks.begin(), writebacks.end(), ready,
                                           [](uint64_t r, const PendingTransfer& p) { return r < p.ready; }),
                          {ready, w.writeback_bytes, w.cluster});
        writeback_pending[w.cluster] = true;
        writeback_ready[w.cluster] = ready;
        if (w.writeback_dram_bytes > 0) {
          // The drain can start only once the tile is in L2: serve the writeback (and every
          // earlier one) now.
          writebacks_until(ready, false);
          auto at = std::lower_bound(dram_writes.begin(), dram_writes.end(), cluster_free[w.cluster],
                                     [](const PendingTransfer& p, uint64_t r) { return p.ready < r; });
          dram_writes.insert(at, {cluster_free[w.cluster], w.writeback_dram_bytes, w.cluster});
        }
      }
    }
  }
  writebacks_until(0, true);
  drain_dram_until(~uint64_t{0});
  dram.finish();

  KernelTiming timing;
  timing.cycles = end;
  timing.compute_busy_cycles =
      cluster_busy.empty() ? 0 : *std::max_element(cluster_busy.begin(), cluster_busy.end());
  timing.noc_busy_cycles = link.busy_cycles();
  timing.l2_busy_cycles = l2.busy_cycles();
  timing.dram_busy_cycles = dram.busy_cycles();
  timing.bound = dominant_bound(timing);
  return timing;
}

}  // namespace nm::hw
