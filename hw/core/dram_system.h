#pragma once
// The DRAM of a configuration with a standard chosen (dram.standard): one DramTiming per channel,
// driven in accelerator cycles, and the addresses DMA requests go to. Shared by the SystemC DRAM
// channel (hw/tlm/dram_channel) and the analytical model (DramModel in pipeline_model), so both
// time the same per-channel command streams.
//
// Contract:
//  - TimedDramChannel::serve(arrival, local_address, bytes, is_write) takes accelerator cycles and
//    a channel-local byte address and returns the accelerator cycle the request's last data beat
//    leaves the bus. Cycle conversion: arrival rounds up to the next DRAM clock edge, completion
//    rounds up to the next accelerator cycle. Arrivals must be non-decreasing per channel
//    (DramTiming treats an earlier one as arriving at the latest seen).
//  - DramStreams::next(bytes, is_write) places a request of `bytes` (a whole number of
//    arch.dram_burst_bytes) in the global DRAM address space and splits it over the channels by
//    the burst interleave of dram_address_map.h; next_read(split) does the same for a read that
//    gathers several tensors (a GEMM step's A and B tiles, an epilogue operand), one piece list
//    per tensor, in the order A, B, other.
//  - Address layout (a stated simplification: the tile plan says which tensor a step reads, not
//    where in it): the compiler stores every tensor tile-major, so each tensor's part of a request
//    is one contiguous range, and each tensor stream continues where its previous part ended.
//    The streams live in separate quarters of every channel: reads of A (activations, the CSR of
//    a sparse operand) from address 0, reads of B (weights, gathered rows) from a quarter of the
//    channel on, other reads (epilogue operands, PWL tables) from three quarters on, and writes
//    from the middle; each quarter starts a quarter of the banks further on. So a kernel that
//    streams its operands sees row hits within a tensor's range, and the switches between A, B
//    and the output meet other rows of the same banks (row conflicts), as distinct tensors do.
#include <cstdint>
#include <vector>

#include "hw/core/action_counts.h"
#include "hw/core/arch_config.h"
#include "hw/core/dram_timing.h"

namespace nm::hw {

// The spec of arch.dram_standard; throws std::invalid_argument for "bandwidth" or an unknown name.
DramSpec dram_spec_of(const ArchConfig& arch);

class TimedDramChannel {
 public:
  TimedDramChannel(const DramSpec& spec, double clock_ghz);

  uint64_t serve(uint64_t arrival_cycle, uint64_t local_address, uint64_t bytes, bool is_write);

  // Cycles (accelerator clock) with at least one request between arrival and completion.
  uint64_t busy_cycles() const;
  const DramTiming& timing() const { return timing_; }
  // The command counts so far, as ActionCounts fields (only the dram_* command counters set).
  ActionCounts command_counts() const;

 private:
  uint64_t to_dram(uint64_t accel_cycle) const;
  uint64_t to_accel(uint64_t dram_cycle) const;

  DramTiming timing_;
  double dram_per_accel_;  // DRAM clock cycles per accelerator cycle
};

struct DramStreamPiece {
  uint32_t channel = 0;
  uint64_t local_address = 0;
  uint64_t bytes = 0;
};

// The bytes of one DMA read by tensor stream (see the address layout above).
struct DramReadSplit {
  uint64_t a = 0, b = 0, other = 0;
  uint64_t total() const { return a + b + other; }
};

// dram.layout: row_major. A tile of a row-major tensor: `rows` ranges of `row_bytes`, the first at
// byte `offset` of the tensor, each `pitch` bytes after the one before. The tensor lies at the
// start of its stream's quarter (operand A or B), so every kernel's tensors share those rows.
enum class DramStream : uint8_t { kA, kB };
struct TensorRows {
  DramStream stream = DramStream::kA;
  uint64_t offset = 0, rows = 0, row_bytes = 0, pitch = 0;
};

class DramStreams {
 public:
  explicit DramStreams(const ArchConfig& arch);
  // The per-channel pieces of the next request (channels that get no burst are left out); a read
  // here is all stream A.
  const std::vector<DramStreamPiece>& next(uint64_t bytes, bool is_write);
  // A read over the tensor streams. With no `rows` (dram.layout: tile_major): the request's
  // ceil(total / burst) bursts, each stream taking its whole bursts and the partial ones going to
  // the streams with a remainder, A first (so the request moves exactly as many bursts as one
  // contiguous read of the same bytes would). With `rows` (row_major): the A and B tiles at their
  // rows' addresses, each row's range rounded out to whole bursts (a row shorter than a burst still
  // moves the burst; adjacent rows of a tile that spans whole tensor rows merge into one range),
  // then split.other from the other stream as above.
  const std::vector<DramStreamPiece>& next_read(const DramReadSplit& split,
                                                const std::vector<TensorRows>& rows = {});

 private:
  void append_rows(const std::vector<TensorRows>& tiles);
  void append(uint64_t bursts, uint64_t& cursor);
  void append_range(uint64_t first_burst, uint64_t bursts);
  uint64_t a_base_ = 0, b_base_ = 0;  // first global burst of the A and B quarters
  uint32_t channels_;
  uint64_t burst_bytes_;
  uint64_t a_burst_ = 0, b_burst_ = 0, other_burst_ = 0, write_burst_ = 0;  // global burst cursors
  std::vector<DramStreamPiece> pieces_;
};

// The mapper's estimate of the DRAM commands a kernel's bytes need, for pricing before it runs:
// one RD/WR per burst of the standard, one ACT and one PRE per page moved (a streaming access),
// no refresh. Leaves `counts` unchanged under the bandwidth pipe.
void estimate_dram_commands(ActionCounts& counts, const ArchConfig& arch);

}  // namespace nm::hw
