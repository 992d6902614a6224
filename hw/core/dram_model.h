#pragma once
// DRAM: `channels` independent channels, each a bandwidth resource with the access latency.
//
// Contract: a request of `bytes` is interleaved over all channels at burst granularity (each
// channel moves a whole number of bursts), continuing from the channel after the one the
// previous request ended on, as consecutive addresses would; it completes when the slowest
// channel does. Per-channel bandwidth is the aggregate bandwidth / channels.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "hw/core/arch_config.h"
#include "hw/core/bandwidth_resource.h"

namespace nm::hw {

class DramModel {
 public:
  explicit DramModel(const ArchConfig& arch)
      : burst_bytes_(arch.dram_burst_bytes),
        channels_(arch.dram_channels, BandwidthResource(arch.dram_bytes_per_cycle() / arch.dram_channels,
                                                        arch.dram_latency_cycles())) {}

  uint64_t serve(uint64_t request_cycle, uint64_t bytes) {
    const uint64_t bursts = (bytes + burst_bytes_ - 1) / burst_bytes_;
    const uint64_t n = channels_.size();
    uint64_t done = request_cycle;
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t channel_bursts = bursts_for_channel(bursts, i);
      if (channel_bursts == 0) continue;
      done = std::max(done,
                      channels_[(next_channel_ + i) % n].serve(request_cycle, channel_bursts * burst_bytes_));
    }
    next_channel_ = (next_channel_ + bursts) % n;
    return done;
  }

  // Bursts the i-th channel after the starting one moves when `bursts` are striped over `n`.
  static uint64_t striped_bursts(uint64_t bursts, uint64_t i, uint64_t n) {
    return bursts / n + (i < bursts % n ? 1 : 0);
  }

  void retire_before(uint64_t cycle) {
    for (auto& c : channels_) c.retire_before(cycle);
  }

  uint64_t busy_cycles() const {
    uint64_t busy = 0;
    for (const auto& c : channels_) busy = std::max(busy, c.busy_cycles());
    return busy;
  }
  const std::vector<BandwidthResource>& channels() const { return channels_; }

 private:
  uint64_t bursts_for_channel(uint64_t bursts, uint64_t i) const {
    return striped_bursts(bursts, i, channels_.size());
  }

  uint64_t burst_bytes_;
  std::vector<BandwidthResource> channels_;
  uint64_t next_channel_ = 0;
};

}  // namespace nm::hw
