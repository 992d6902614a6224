#pragma once
// Accelerator architecture parameters (the paper's Table 2 by default) and their derived rates.
//
// Contract: plain values with named defaults; units are in the member names. validate() lists
// every problem at once as "key: expected ..." strings (empty means valid). Modules receive the
// config by const& and never read files.
#include <cstdint>
#include <string>
#include <vector>

namespace nm::hw {

enum class DataType { kInt8, kFp16 };

const char* datatype_name(DataType type);
// Bytes of one operand element (int8: 1, fp16: 2).
uint32_t operand_bytes(DataType type);
// Bytes of one accumulator (int8 accumulates in int32, fp16 in fp32).
uint32_t accumulator_bytes(DataType type);

// Physical bounds validate() enforces (the config loader checks each key against them too). They
// lie far beyond any design a study explores, and keep every derived quantity exact and in range:
// - clock_ghz in [0.01, 100] (a 10 ps .. 100 ns period). SystemC counts time in 1 ps steps up to
//   2^64 ps (213 days): the fastest clock is still 10 steps per cycle, the slowest still has
//   1.8e14 cycles of range. 1e30 or 1e-30 put the period out of that range (latency 0).
// - noc.bandwidth_gbps and dram.bandwidth_gbps in [0.1, 1e6] Gbit/s (12.5 MB/s .. 125 TB/s): below
//   and above any memory or on-chip network worth modelling. With the clock and channel bounds a
//   DRAM channel still moves 0.1 / 8 / 100 / 1024 bytes per cycle, so a transfer of up to 1 GiB
//   takes fewer than 2^53 cycles and the occupancy arithmetic (a double quotient rounded up) is exact.
// - dram.latency_ns in [0, 1e6] (1 ms): memory behind any link answers within microseconds; at
//   100 GHz that is at most 1e8 cycles, exact when rounded to whole cycles.
// - dram.channels in [1, 1024]: each channel is a SystemC module (an HBM3 stack has 32 pseudo-
//   channels); 10^5 channels take seconds and hundreds of MB to elaborate, 2^32 cannot be allocated.
// - pwl.granularity in [0.001, 64]: at 0.001 the widest PWL domain (silu's [-10, 10]) has 20,000
//   segments, inside the fitter's limit of 65,536 (sw/pwl/pwl_fit.h); at 64 every fitted function
//   is one segment, so coarser changes nothing.
inline constexpr double kMinClockGhz = 0.01;
inline constexpr double kMaxClockGhz = 100;
inline constexpr double kMinBandwidthGbps = 0.1;
inline constexpr double kMaxBandwidthGbps = 1e6;
inline constexpr double kMaxDramLatencyNs = 1e6;
inline constexpr uint32_t kMaxDramChannels = 1024;
inline constexpr double kMinPwlGranularity = 0.001;
inline constexpr double kMaxPwlGranularity = 64;

struct ArchConfig {
  uint32_t pe_count = 1024;
  uint32_t clusters = 8;
  // true: a PE latches each operand it fetches from L1 in a register and reuses it across the
  // outputs it holds (the output-stationary inner loop); false: every MAC reads both operands from
  // L1 (the naive count, kept for comparison).
  bool pe_operand_registers = true;
  double clock_ghz = 1.0;

  uint64_t l1_bytes_per_pe = 4096;
  uint32_t l1_port_bits = 64;  // bits per L1 access (the SRAM model prices an access of this width)

  uint64_t l2_bytes = 1u << 20;
  uint32_t l2_banks = 16;
  uint32_t l2_bank_bytes_per_cycle = 16;  // each bank reads or writes this much per cycle (its port)
  // Share of L2 that holds activations passed between kernels; the rest stages DMA tiles.
  double l2_activation_fraction = 0.5;

  double noc_bandwidth_gbps = 128.0;  // aggregate L2 -> cluster bandwidth, gigabits per second
  uint32_t noc_router_latency_cycles = 1;

  // "bandwidth": each channel is a pipe of dram_bandwidth_gbps / channels after dram_latency_ns
  // (the paper-literal model; "ideal" is accepted as a synonym). A preset of hw/core/dram_timing.h
  // ("lpddr4_3200", "ddr4_3200", "lpddr5_6400", "hbm2"): each channel is that standard's device
  // with bank/row/refresh timing, its peak bandwidth replaces dram.bandwidth_gbps and its idle
  // row-miss latency (tRCD + CL) replaces dram.latency_ns.
  std::string dram_standard = "bandwidth";
  double dram_bandwidth_gbps = 32.0;  // aggregate over all channels, gigabits per second
  uint32_t dram_channels = 1;
  double dram_latency_ns = 50.0;   // first-byte latency of a request
  uint32_t dram_burst_bytes = 64;  // requests are rounded up to whole bursts
  // How the compiler lays GEMM operands out in DRAM (dram_system.h), under a standard only:
  // false (dram.layout: tile_major, the default): every tile is one contiguous range; true
  // (row_major, the naive layout): a tile is one range per row of its tensor, each rounded out to
  // whole bursts.
  bool dram_row_major = false;

  DataType datatype = DataType::kInt8;
  double pwl_granularity = 0.25;  // width of one PWL segment on the input axis

  // Derived rates (per clock cycle).
  uint32_t pes_per_cluster() const { return pe_count / clusters; }
  // Output-stationary PE grid of one cluster: rows x cols = pes_per_cluster, rows >= cols.
  uint32_t pe_rows() const;
  uint32_t pe_cols() const { return pes_per_cluster() / pe_rows(); }
  double noc_bytes_per_cycle() const { return noc_bandwidth_gbps / 8.0 / clock_ghz; }
  // True when dram_standard names a timing preset rather than the bandwidth pipe.
  bool dram_timed() const { return dram_standard != "bandwidth" && dram_standard != "ideal"; }
  // Aggregate peak DRAM bandwidth: dram.bandwidth_gbps, or channels x the standard's peak.
  double dram_peak_gbps() const;
  double dram_bytes_per_cycle() const { return dram_peak_gbps() / 8.0 / clock_ghz; }
  double l2_bytes_per_cycle() const { return static_cast<double>(l2_banks) * l2_bank_bytes_per_cycle; }
  // dram.latency_ns in cycles; for a standard, its idle row-miss read latency tRCD + CL.
  uint64_t dram_latency_cycles() const;  // throws std::overflow_error outside 0 .. 2^63
  uint64_t l2_activation_bytes() const;
  uint64_t l2_staging_bytes() const { return l2_bytes - l2_activation_bytes(); }
  // NoC: clusters sit on a mesh of noc_mesh_cols() columns; L2 attaches at router (0,0).
  uint32_t noc_mesh_cols() const;
};

std::vector<std::string> validate(const ArchConfig& config);

}  // namespace nm::hw
