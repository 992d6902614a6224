#pragma once
// Output-stationary dataflow closed forms: compute cycles of a tile and buffer footprints.
//
// Contract: a cluster is a pe_rows x pe_cols grid (per mapping, see Mapping and PeGrid). For a tm x tn output
// tile, PE (r, c) owns the outputs of rows r, r+pe_rows, ... and columns c, c+pe_cols, ...; A rows are
// multicast along PE rows and B columns along PE columns. One MAC per PE per cycle, so a k-chunk of depth tkc
// takes tkc * ceil(rows/pe_rows) * ceil(cols/pe_cols) cycles; each output tile adds
// pe_rows + pe_cols cycles to fill the operand pipeline and drain the accumulators.
#include <cstdint>
#include <string>

#include "hw/core/arch_config.h"
#include "hw/core/kernel_desc.h"

namespace nm::hw {

inline uint64_t ceil_div(uint64_t a, uint64_t b) {
  return (a + b - 1) / b;
}

// The PE grid a GEMM mapping uses (Mapping::pe_rows = 0: the arch's default, no K split).
struct PeGrid {
  uint64_t rows = 1, cols = 1, k_split = 1;
};
PeGrid pe_grid(const Mapping& mapping, const ArchConfig& arch);
// Steps of the partial-sum tree of a K split: ceil(log2(k_split)).
uint64_t reduction_steps(uint64_t k_split);
// Cycles of one k-chunk of depth tkc for a rows x cols tile on `grid`: each output position
// takes ceil(tkc / k_split) MACs per output it owns.
inline uint64_t os_chunk_cycles(uint64_t rows, uint64_t cols, uint64_t tkc, const PeGrid& grid) {
  return (tkc + grid.k_split - 1) / grid.k_split * ((rows + grid.rows - 1) / grid.rows) *
         ((cols + grid.cols - 1) / grid.cols);
}
// Once per output tile: operand pipeline fill and accumulator drain (rows + cols of the grid),
// plus the K split's partial-sum tree, one step per level for every output a position owns.
uint64_t os_tile_overhead_cycles(uint64_t rows, uint64_t cols, const PeGrid& grid);

uint64_t os_chunk_cycles(uint64_t rows, uint64_t cols, uint64_t tkc, const ArchConfig& arch);
// The same for a known pe_rows x pe_cols grid (hot loops compute the grid once).
inline uint64_t os_chunk_cycles(uint64_t rows, uint64_t cols, uint64_t tkc, uint64_t pe_rows,
                                uint64_t pe_cols) {
  return tkc * ((rows + pe_rows - 1) / pe_rows) * ((cols + pe_cols - 1) / pe_cols);
}
uint64_t os_fill_drain_cycles(const ArchConfig& arch);
// Cycles of one element-wise step on a cluster: elements spread over its PEs.
uint64_t elementwise_step_cycles(uint64_t cluster_elements, uint32_t macs_per_element,
                                 const ArchConfig& arch);

// One cluster's step of a row-block kernel: `rows` rows of kernel.n elements spread over its PEs.
struct RowBlockStep {
  uint64_t elements_per_pe = 0;  // the busiest PE's share of the block
  uint64_t pes_per_row = 1;      // PEs a row spans (1 when PEs hold whole rows)
  uint64_t compute_cycles = 0;   // every pass's MACs on the busiest PE, pass fills, cross-PE trees
  uint64_t table_bytes_per_pe = 0;
};
RowBlockStep row_block_step(const KernelDesc& kernel, uint64_t rows, const ArchConfig& arch);

// Bytes per element of an element-wise kernel's input streams and output.
uint64_t elementwise_in_bytes_per_element(const KernelDesc& kernel, DataType type);
uint64_t elementwise_out_bytes_per_element(const KernelDesc& kernel, DataType type);

// SpMM: what one cluster's step of `rows` output rows carries (entries spread evenly over rows).
struct SpmmBlock {
  uint64_t entries;       // stored A entries in the rows
  uint64_t csr_bytes;     // their share of the CSR (values, column indices, row pointers)
  uint64_t gather_bytes;  // one B row of n operands per entry
};
SpmmBlock spmm_block(const KernelDesc& kernel, uint64_t row_start, uint64_t rows, const ArchConfig& arch);

// Bytes one PE's L1 needs for the mapping (double-buffered operands + accumulators + tables).
uint64_t l1_footprint_bytes(const KernelDesc& kernel, const Mapping& mapping, const ArchConfig& arch);
// Bytes of the L2 staging region the mapping needs (double-buffered step tiles + resident panels).
uint64_t l2_staging_footprint_bytes(const KernelDesc& kernel, const Mapping& mapping, const ArchConfig& arch);
// Whether the mapping fits L1 and the L2 staging region (the search's hot path: no message).
bool mapping_fits(const KernelDesc& kernel, const Mapping& mapping, const ArchConfig& arch);
// Empty when the mapping fits the buffers; else why not ("L1 needs 5120 B per PE, has 4096 B").
std::string capacity_violation(const KernelDesc& kernel, const Mapping& mapping, const ArchConfig& arch);

}  // namespace nm::hw
