#pragma once
// The accelerator's command format: one kernel and the mapping the compiler chose for it.
//
// Contract:
//  - GEMM: C[batch][m][n] = A[batch][m][k] x B[batch or 1][k][n], output-stationary.
//  - Segment-index and element-wise kernels process batch*m*n elements; element-wise kernels
//    gather per-segment slope/intercept from a table of table_bytes held in every PE's L1, or,
//    for per-column parameters (layernorm's gamma and beta), each PE holds only the columns it
//    processes: elements go to a cluster's PEs by column, as B columns do in a GEMM.
//  - DMA kernels move dram_read_bytes from DRAM to L2 (e.g. embedding row gathers).
//  - SpMM: C[m][n] = A[m][k] x B[k][n] with A sparse (nnz stored entries, CSR in DRAM, spread
//    evenly over rows): a cluster takes a block of output rows, receives those rows' CSR entries
//    in chunks and, per entry, the B row it names (a gather), and accumulates; no zero is fetched
//    or multiplied. a_dram_bytes is the CSR's size; B rows come from DRAM when b_dram_bytes > 0.
//  - *_dram_bytes: bytes of the operand's storage in DRAM (conv A is the input feature map, not
//    the im2col matrix: im2col is address generation on the L2 -> L1 path); 0 means the operand
//    is already in the L2 activation region (produced by an earlier kernel).
//  - Row-block kernels (softmax, layernorm kept on chip): m rows of n elements; a cluster takes a
//    block of rows per step, spread over its PEs (each PE a contiguous share of the block, i.e.
//    whole rows when the block has at least as many rows as PEs, else a slice of a row), and runs
//    `passes` passes over the block held in L1: row_macs MACs per row in all, and `reductions`
//    cross-PE trees per step (max, sums) when a row spans several PEs. Tables (PWL) sit whole in
//    every PE, column_table_bytes (layernorm's gamma and beta) split by the columns a PE holds.
//  - out_on_chip: the result stays in L2 for a later kernel instead of going to DRAM.
//  - epilogue (GEMM and SpMM): element-wise work the compiler fused onto the outputs (PWL segment
//    index, K/B gather, X*K+B, residual add), done by the PEs that hold them after the last K
//    step and before write-back; its MACs, table and operand reads are counted like any other.
#include <cstdint>
#include <string>

#include "hw/core/arch_config.h"

namespace nm::hw {

enum class KernelKind { kGemm, kSegmentIndex, kElementwise, kDma, kSpmm, kRowBlock };
const char* kernel_kind_name(KernelKind kind);

// Element-wise work a GEMM or SpMM applies to its output tile in the PEs that hold it, before
// write-back. The compiler's fusion pass (sw/lowering/fusion.h) fills it; all zero means none.
struct Epilogue {
  uint32_t ops = 0;                 // fused element-wise kernels
  uint32_t macs_per_element = 0;    // PE MACs per output element over all fused ops
  uint32_t table_lookups = 0;       // per output element: K and B gathers from a PWL table in L1
  uint64_t table_bytes = 0;         // PWL tables, copied into every PE's L1 once per kernel
  uint32_t operand_streams = 0;     // per output element: operands of other tensors (residual add)
  uint64_t operand_dram_bytes = 0;  // of those operands' bytes, the ones in DRAM (rest: in L2)
  bool any() const { return ops > 0; }
};

struct KernelDesc {
  std::string name;
  std::string layer;
  KernelKind kind = KernelKind::kGemm;

  uint64_t batch = 1, m = 1, n = 1, k = 1;
  bool b_per_batch = false;  // B differs per batch entry (attention); else shared (weights)

  bool out_on_chip = false;
  uint64_t a_dram_bytes = 0;
  uint64_t b_dram_bytes = 0;

  // Element-wise / segment-index kernels.
  uint32_t input_streams = 1;     // operand streams read per element (activation tensors)
  uint32_t index_input = 0;       // 1 when a segment-index stream (1 byte/element) is also read
  uint32_t macs_per_element = 1;  // multiply-accumulates per element on the PE
  uint64_t table_bytes = 0;       // PWL slope/intercept table, or per-column parameters
  uint64_t table_columns = 0;     // > 0: the table is per-column parameters of this many columns
  bool index_output = false;      // output is a 1-byte segment index, not an operand

  // Row-block kernels.
  uint64_t row_macs = 0;            // MACs per row over all passes
  uint32_t passes = 0;              // passes over the block in L1
  uint32_t reductions = 0;          // cross-PE reductions per block (row max, row sums)
  uint64_t column_table_bytes = 0;  // per-column parameters of n columns (split by column)

  // DMA kernels.
  uint64_t dram_read_bytes = 0;

  // SpMM kernels: stored entries of the sparse A.
  uint64_t nnz = 0;

  Epilogue epilogue;  // GEMM and SpMM only

  // Bookkeeping for reports: true for GEMMs lowered from the network's own linear ops.
  bool network_linear = false;

  uint64_t elements() const { return batch * m * n; }
  // Table bytes one PE holds: all of a PWL table, or its share of per-column parameters.
  uint64_t table_bytes_per_pe(uint32_t pes_per_cluster) const;
  // Multiply-accumulates the PE array performs for this kernel (its epilogue's included).
  uint64_t macs() const;
  // Of those, the epilogue's.
  uint64_t epilogue_macs() const { return elements() * epilogue.macs_per_element; }
};

// Tiling chosen by sw/mapping. GEMM: one cluster computes a tm x tn output tile, k in chunks of
// tk; output tiles are dealt to clusters in waves, n fastest (consecutive tiles share an A row
// panel) or, with m_fastest, m fastest (they share a B column panel). Element-wise: tm elements per PE
// per step (tn = tk = 1). SpMM: tm output rows per cluster, their entries in chunks of at most
// tk per step (accumulators stay in the cluster across a row block's chunks). a_resident/b_resident: the
// operand, once fetched from DRAM, stays in the L2 staging region for the whole kernel instead of being
// re-fetched for every wave.
//
// GEMM PE grid: a cluster's PEs form pe_rows x pe_cols output positions, each position k_split
// PEs that accumulate disjoint slices of every K chunk and add their partial sums in a
// ceil(log2(k_split))-step tree at the end of the tile (pe_rows * pe_cols * k_split = PEs per
// cluster). pe_rows = 0 means the arch's default grid (squarest, no split). The shape is chosen
// per kernel, so an M = 1 GEMV or an N = 1 reduction can still use every PE.
struct Mapping {
  uint32_t tm = 2, tn = 2, tk = 2;
  bool a_resident = false;
  bool b_resident = false;
  uint32_t pe_rows = 0, pe_cols = 0, k_split = 1;
  bool m_fastest = false;
};

}  // namespace nm::hw
