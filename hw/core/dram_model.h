#pragma once
// DRAM: `channels` independent channels. Under dram.standard = bandwidth each is a bandwidth
// resource with the access latency; under a standard each is a TimedDramChannel (bank/row/refresh
// timing, hw/core/dram_system.h) fed the same addresses the SystemC DMA uses.
//
// Contract: a request of `bytes` is interleaved over all channels at burst granularity (each
// channel moves a whole number of bursts); it completes when the slowest channel does.
// Bandwidth pipe: striping continues from the channel after the one the previous request ended
// on, as consecutive addresses would; per-channel bandwidth is the aggregate / channels.
// Standard: the request goes to the addresses DramStreams gives it (reads by tensor stream). Reads must come
// in non-decreasing time order, and so must writes; a write that arrives after the latest read so far (the
// recurrence computes a drain ahead of the DMA's next reads) is timed on a copy of the channels and applied
// to them only once a read at or after its arrival comes (or finish()), so the channels see requests in
// arrival order as the SystemC model's do. The write's completion is then optimistic by whatever the reads
// served before it add.
#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "hw/core/arch_config.h"
#include "hw/core/bandwidth_resource.h"
#include "hw/core/dram_system.h"

namespace nm::hw {

class DramModel {
 public:
  explicit DramModel(const ArchConfig& arch);
  ~DramModel();
  DramModel(const DramModel&) = delete;
  DramModel& operator=(const DramModel&) = delete;

  uint64_t serve(uint64_t request_cycle, uint64_t bytes, bool is_write = false);
  // A read by tensor stream (DramStreams::next_read; `rows` holds the A and B tiles of a
  // row-major layout); the pipe sees only its total.
  uint64_t serve_read(uint64_t request_cycle, const DramReadSplit& split,
                      const std::vector<TensorRows>& rows = {});

  // Bursts the i-th channel after the starting one moves when `bursts` are striped over `n`.
  static uint64_t striped_bursts(uint64_t bursts, uint64_t i, uint64_t n) {
    return bursts / n + (i < bursts % n ? 1 : 0);
  }

  void retire_before(uint64_t cycle) {
    for (auto& c : channels_) c.retire_before(cycle);
  }

  // Applies the writes still held back (call before busy_cycles()).
  void finish();
  // Busiest channel: occupancy (pipe) or cycles with a request in flight (standard).
  uint64_t busy_cycles() const;
  const std::vector<BandwidthResource>& channels() const { return channels_; }

 private:
  uint64_t bursts_for_channel(uint64_t bursts, uint64_t i) const {
    return striped_bursts(bursts, i, channels_.size());
  }

  uint64_t burst_bytes_;
  std::vector<BandwidthResource> channels_;  // bandwidth pipe only
  std::vector<TimedDramChannel> timed_;      // standard only
  std::unique_ptr<DramStreams> streams_;     // standard only
  struct PendingWrite {
    uint64_t arrival = 0;
    std::vector<DramStreamPiece> pieces;
  };
  static uint64_t serve_on(std::vector<TimedDramChannel>& channels, uint64_t arrival,
                           const std::vector<DramStreamPiece>& pieces, bool is_write);
  void apply_writes_until(uint64_t cycle);
  std::deque<PendingWrite> pending_;  // writes ahead of the reads, in arrival order (standard)
  uint64_t latest_read_ = 0;
  uint64_t next_channel_ = 0;
};

}  // namespace nm::hw
