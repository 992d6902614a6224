#pragma once
// What the hardware did: counts of actions, priced later by the energy model.
//
// Contract: bytes are bytes moved; noc_byte_hops counts each byte once per NoC link it crosses;
// macs counts multiply-accumulates on the PE array (GEMM and element-wise alike).
#include <cstdint>

namespace nm::hw {

struct ActionCounts {
  uint64_t macs = 0;
  uint64_t l1_read_bytes = 0;
  uint64_t l1_write_bytes = 0;
  uint64_t l2_read_bytes = 0;
  uint64_t l2_write_bytes = 0;
  uint64_t noc_bytes = 0;
  uint64_t noc_byte_hops = 0;
  uint64_t dram_read_bytes = 0;
  uint64_t dram_write_bytes = 0;
  uint64_t pe_busy_cycles = 0;  // summed over clusters: cycles a cluster spent computing
  // DRAM commands, counted only with a DRAM standard (dram.standard; hw/core/dram_timing.h):
  // activates, precharges, RD and WR bursts of the standard, all-bank refreshes, and of the bursts
  // those that found their row open.
  uint64_t dram_activates = 0;
  uint64_t dram_precharges = 0;
  uint64_t dram_read_bursts = 0;
  uint64_t dram_write_bursts = 0;
  uint64_t dram_refreshes = 0;
  uint64_t dram_row_hits = 0;

  uint64_t dram_bytes() const { return dram_read_bytes + dram_write_bytes; }
  // PE register bits clocked: every operand read from L1 is latched in an operand register, and
  // every MAC writes its accumulator. (A flip-flop costs energy when clocked with new data;
  // reading it is its output wire.)
  uint64_t register_bits(uint32_t accumulator_bits) const {
    return l1_read_bytes * 8 + macs * accumulator_bits;
  }
  uint64_t l2_bytes() const { return l2_read_bytes + l2_write_bytes; }

  ActionCounts& operator+=(const ActionCounts& o) {
    macs += o.macs;
    l1_read_bytes += o.l1_read_bytes;
    l1_write_bytes += o.l1_write_bytes;
    l2_read_bytes += o.l2_read_bytes;
    l2_write_bytes += o.l2_write_bytes;
    noc_bytes += o.noc_bytes;
    noc_byte_hops += o.noc_byte_hops;
    dram_read_bytes += o.dram_read_bytes;
    dram_write_bytes += o.dram_write_bytes;
    pe_busy_cycles += o.pe_busy_cycles;
    dram_activates += o.dram_activates;
    dram_precharges += o.dram_precharges;
    dram_read_bursts += o.dram_read_bursts;
    dram_write_bursts += o.dram_write_bursts;
    dram_refreshes += o.dram_refreshes;
    dram_row_hits += o.dram_row_hits;
    return *this;
  }
  // Counts accumulated since `earlier` (a snapshot of the same counters).
  ActionCounts operator-(const ActionCounts& earlier) const {
    ActionCounts d;
    d.macs = macs - earlier.macs;
    d.l1_read_bytes = l1_read_bytes - earlier.l1_read_bytes;
    d.l1_write_bytes = l1_write_bytes - earlier.l1_write_bytes;
    d.l2_read_bytes = l2_read_bytes - earlier.l2_read_bytes;
    d.l2_write_bytes = l2_write_bytes - earlier.l2_write_bytes;
    d.noc_bytes = noc_bytes - earlier.noc_bytes;
    d.noc_byte_hops = noc_byte_hops - earlier.noc_byte_hops;
    d.dram_read_bytes = dram_read_bytes - earlier.dram_read_bytes;
    d.dram_write_bytes = dram_write_bytes - earlier.dram_write_bytes;
    d.pe_busy_cycles = pe_busy_cycles - earlier.pe_busy_cycles;
    d.dram_activates = dram_activates - earlier.dram_activates;
    d.dram_precharges = dram_precharges - earlier.dram_precharges;
    d.dram_read_bursts = dram_read_bursts - earlier.dram_read_bursts;
    d.dram_write_bursts = dram_write_bursts - earlier.dram_write_bursts;
    d.dram_refreshes = dram_refreshes - earlier.dram_refreshes;
    d.dram_row_hits = dram_row_hits - earlier.dram_row_hits;
    return d;
  }
  bool operator==(const ActionCounts& o) const {
    return macs == o.macs && l1_read_bytes == o.l1_read_bytes && l1_write_bytes == o.l1_write_bytes &&
           l2_read_bytes == o.l2_read_bytes && l2_write_bytes == o.l2_write_bytes &&
           noc_bytes == o.noc_bytes && noc_byte_hops == o.noc_byte_hops &&
           dram_read_bytes == o.dram_read_bytes && dram_write_bytes == o.dram_write_bytes &&
           pe_busy_cycles == o.pe_busy_cycles && dram_activates == o.dram_activates &&
           dram_precharges == o.dram_precharges && dram_read_bursts == o.dram_read_bursts &&
           dram_write_bursts == o.dram_write_bursts && dram_refreshes == o.dram_refreshes &&
           dram_row_hits == o.dram_row_hits;
  }
};

}  // namespace nm::hw
