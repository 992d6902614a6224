#include "hw/core/pipeline_model.h"

#include <algorithm>

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

PlanTimer::PlanTimer(const ArchConfig& arch, const NocTopology& noc)
    : arch_(&arch),
      noc_(&noc),
      dram_(arch),
      l2_(arch.l2_bytes_per_cycle(), 0),
      link_(arch.noc_bytes_per_cycle(), 0),
      hop_cycles_(arch.noc_router_latency_cycles),
      dram_latency_(arch.dram_latency_cycles()),
      l1_freed_(arch.clusters),
      cluster_free_(arch.clusters, 0),
      cluster_busy_(arch.clusters, 0),
      writeback_pending_(arch.clusters, false),
      writeback_ready_(arch.clusters, 0) {}

// DRAM requests are pipelined: the next request issues once the channels accepted the current
// one; only the data's arrival waits for the access latency.
// (Under a DRAM standard a row hit can finish sooner than that latency: never before issue.)
uint64_t PlanTimer::accepted(uint64_t done) const {
  return done > dram_latency_ ? done - dram_latency_ : 0;
}

void PlanTimer::drain_front() {
  // The drain thread issues one tile after another: a write goes out at max(ready, drain free).
  const PendingTransfer w = dram_writes_.front();
  dram_writes_.pop_front();
  const uint64_t issue = std::max(dma_out_free_, w.ready);
  const uint64_t l2_done = l2_.serve(issue, w.bytes), dram_done = dram_.serve(issue, w.bytes, true);
  dma_out_free_ = std::max(l2_done, accepted(dram_done));
  slot_freed_.push_back(l2_done);
  end_ = std::max({end_, l2_done, dram_done});
}

void PlanTimer::drain_dram_until(uint64_t t) {
  while (!dram_writes_.empty() && std::max(dram_writes_.front().ready, dma_out_free_) <= t) drain_front();
}

void PlanTimer::serve_writeback(const PendingTransfer& w) {
  const uint64_t hops = noc_->max_hops(uint64_t{1} << w.cluster);
  const uint64_t done =
      std::max(link_.serve(w.ready, w.bytes) + hop_cycles_ * hops, l2_.serve(w.ready, w.bytes));
  cluster_free_[w.cluster] = done;
  writeback_pending_[w.cluster] = false;
  end_ = std::max(end_, done);
}

// Serves queued writebacks that arrive no later than `t`, earliest first.
// Kept sorted by ready time (stable for equal times, as a sort of arrival order would be).
void PlanTimer::writebacks_until(uint64_t t, bool all) {
  if (writebacks_.empty() || (!all && writebacks_.front().ready > t)) return;
  size_t served = 0;
  for (; served < writebacks_.size() && (all || writebacks_[served].ready <= t); ++served) {
    serve_writeback(writebacks_[served]);
  }
  writebacks_.erase(writebacks_.begin(), writebacks_.begin() + static_cast<long>(served));
}

// Every future request arrives at or after the earliest of these (each only moves forward;
// compute starts, and so new writebacks, are never before noc_free),
// so busy intervals that end before it can never matter again: forgetting them keeps serve()
// cheap on long plans.
void PlanTimer::retire_history() {
  uint64_t horizon = std::min({dma_free_, noc_free_, dma_out_free_});
  for (const PendingTransfer& w : writebacks_) horizon = std::min(horizon, w.ready);
  for (const PendingTransfer& w : dram_writes_) horizon = std::min(horizon, w.ready);
  l2_.retire_before(horizon);
  link_.retire_before(horizon);
  dram_.retire_before(horizon);
}

void PlanTimer::add(const PlanStep& s) {
  if (++steps_ % 64 == 0) retire_history();
  // DMA: waits for a free staging slot, reads DRAM, writes L2; `t` is when the data is in L2.
  uint64_t issue = dma_free_;
  if (staging_freed_.size() >= kStagingSlots) {
    issue = std::max(issue, staging_freed_[staging_freed_.size() - kStagingSlots]);
  }
  uint64_t t = issue;
  dma_free_ = issue;
  if (s.dram_read_bytes > 0) {
    drain_dram_until(issue);
    const uint64_t dram_done = dram_.serve_read(issue, dram_read_split(s), s.dram_rows);
    const uint64_t l2_done = l2_.serve(issue, s.dram_read_bytes);
    t = std::max(dram_done, l2_done);
    dma_free_ = std::max({issue, accepted(dram_done), l2_done});
  }
  if (s.dram_write_bytes > 0) {  // a DMA-kernel copy writes back what it read
    t = std::max(l2_.serve(t, s.dram_write_bytes), dram_.serve(t, s.dram_write_bytes, true));
    dma_free_ = t;
  }
  auto record_staging_freed = [this](uint64_t at) {
    staging_freed_.push_back(at);
    if (staging_freed_.size() > kStagingSlots) staging_freed_.pop_front();
  };
  if (s.multicasts.empty() && s.work.empty()) {  // DMA-only: never reaches the NoC
    dma_free_ = std::max(dma_free_, t);
    record_staging_freed(t);
    end_ = std::max(end_, t);
    return;
  }

  // NoC: waits for the step's data and a free L1 slot in every destination cluster.
  uint64_t n = std::max(noc_free_, t);
  for (const ClusterWork& w : s.work) {
    const auto& freed = l1_freed_[w.cluster];
    if (freed.size() >= kL1Slots) n = std::max(n, freed[freed.size() - kL1Slots]);
  }
  for (const Multicast& m : s.multicasts) {
    writebacks_until(std::max(n, link_.busy_until()), false);
    n = std::max(l2_.serve(n, m.bytes),
                 link_.serve(n, m.bytes) + hop_cycles_ * noc_->max_hops(m.cluster_mask));
  }
  noc_free_ = n;
  record_staging_freed(n);
  end_ = std::max(end_, n);

  // Clusters compute, then write finished tiles back over the NoC; the DMA drains to DRAM.
  const uint64_t clusters = arch_->clusters;
  for (const ClusterWork& w : s.work) {
    if (writeback_pending_[w.cluster]) writebacks_until(writeback_ready_[w.cluster], false);
    const uint64_t start = std::max(cluster_free_[w.cluster], n);
    const uint64_t done = start + w.compute_cycles;
    cluster_busy_[w.cluster] += w.compute_cycles;
    auto& freed = l1_freed_[w.cluster];
    freed.push_back(done);
    if (freed.size() > kL1Slots) freed.pop_front();
    cluster_free_[w.cluster] = done;
    end_ = std::max(end_, done);
    if (w.writeback_bytes > 0) {
      uint64_t ready = done;
      if (w.writeback_dram_bytes > 0 && dram_tiles_++ >= clusters) {
        // This tile takes the slot the tile `clusters` places earlier frees.
        const uint64_t frees = dram_tiles_ - 1 - clusters;
        while (slot_freed_base_ + slot_freed_.size() <= frees && !dram_writes_.empty()) drain_front();
        // Later tiles free later slots: drain indices before this one are never looked up again.
        while (!slot_freed_.empty() && slot_freed_base_ < frees) {
          slot_freed_.pop_front();
          ++slot_freed_base_;
        }
        if (frees >= slot_freed_base_ && frees < slot_freed_base_ + slot_freed_.size())
          ready = std::max(ready, slot_freed_[frees - slot_freed_base_]);
      }
      writebacks_.insert(std::upper_bound(writebacks_.begin(), writebacks_.end(), ready,
                                          [](uint64_t r, const PendingTransfer& p) { return r < p.ready; }),
                         {ready, w.writeback_bytes, w.cluster});
      writeback_pending_[w.cluster] = true;
      writeback_ready_[w.cluster] = ready;
      if (w.writeback_dram_bytes > 0) {
        // The drain can start only once the tile is in L2: serve the writeback (and every
        // earlier one) now.
        writebacks_until(ready, false);
        auto at = std::lower_bound(dram_writes_.begin(), dram_writes_.end(), cluster_free_[w.cluster],
                                   [](const PendingTransfer& p, uint64_t r) { return p.ready < r; });
        dram_writes_.insert(at, {cluster_free_[w.cluster], w.writeback_dram_bytes, w.cluster});
      }
    }
  }
}

KernelTiming PlanTimer::finish() {
  writebacks_until(0, true);
  drain_dram_until(~uint64_t{0});
  dram_.finish();

  KernelTiming timing;
  timing.cycles = end_;
  timing.compute_busy_cycles =
      cluster_busy_.empty() ? 0 : *std::max_element(cluster_busy_.begin(), cluster_busy_.end());
  timing.noc_busy_cycles = link_.busy_cycles();
  timing.l2_busy_cycles = l2_.busy_cycles();
  timing.dram_busy_cycles = dram_.busy_cycles();
  timing.bound = dominant_bound(timing);
  return timing;
}

KernelTiming estimate_plan_timing(const TilePlan& plan, const ArchConfig& arch, const NocTopology& noc) {
  PlanTimer timer(arch, noc);
  for (const PlanStep& s : plan.steps) timer.add(s);
  return timer.finish();
}

}  // namespace nm::hw
