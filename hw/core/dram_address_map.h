#pragma once
// Where a byte of the global DRAM address space lives: the channels interleave at burst
// granularity (burst b of the global space is burst b / channels of channel b % channels).
//
// Contract: dram_location() maps one global address to its channel and channel-local address;
// for_each_dram_piece() walks [address, address + length) in ascending order as pieces that
// never cross a burst boundary, so each piece is contiguous inside one channel. channels and
// burst_bytes must be positive (validate(ArchConfig) guarantees it).
//
// This is the interleave functional data uses. DMA timing (DmaEngine::dram_access) stripes a
// request's bursts round-robin starting from the channel after the previous request's last one,
// not from its address; both spread a transfer's bursts evenly over the channels, so the
// per-channel byte counts agree to within one burst, but a given burst need not be timed on the
// channel that stores its data.
#include <algorithm>
#include <cstdint>

namespace nm::hw {

struct DramLocation {
  uint32_t channel = 0;
  uint64_t local_address = 0;
};

inline DramLocation dram_location(uint64_t global_address, uint32_t channels, uint32_t burst_bytes) {
  const uint64_t beat = global_address / burst_bytes;
  return {static_cast<uint32_t>(beat % channels),
          (beat / channels) * burst_bytes + global_address % burst_bytes};
}

// A run of bytes inside one burst: `offset` is its position within the walked range.
struct DramPiece {
  DramLocation location;
  uint64_t offset = 0;
  uint64_t length = 0;
};

template <typename Visit>
void for_each_dram_piece(uint64_t address, uint64_t length, uint32_t channels, uint32_t burst_bytes,
                         Visit&& visit) {
  for (uint64_t offset = 0; offset < length;) {
    const uint64_t global = address + offset;
    const uint64_t piece = std::min<uint64_t>(length - offset, burst_bytes - global % burst_bytes);
    visit(DramPiece{dram_location(global, channels, burst_bytes), offset, piece});
    offset += piece;
  }
}

}  // namespace nm::hw
