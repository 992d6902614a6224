#pragma once
// Compiler pass: softmax and layernorm row-blocked on chip. The lowering decomposes each into
// GEMM reductions and PWL/element-wise kernels (softmax: a pairwise max tree, subtract, exp, row
// sum, reciprocal, multiply; layernorm: mean, center, square, variance, rsqrt, scale/shift), and
// run one kernel at a time, every intermediate (the whole score matrix, its segment indices, the
// centered activations) goes to L2 or DRAM and back between them.
//
// This pass replaces each such group by one row-block kernel (hw::KernelKind::kRowBlock): a
// cluster takes a block of rows, keeps it in its PEs' L1 from the first pass to the last, and
// writes only the result. It costs what the decomposition computes (the same MACs, table
// lookups in L1, the same number format between steps) without the round trips. Passes over
// the block, and why there cannot be fewer:
//  - softmax, 3: (1) row max (pairwise max by PWL; the max must be known before any exp, because
//    the exp table covers only inputs <= 0), (2) subtract, exp and the row sum (one pass: each
//    exp is added to the sum as it is produced), (3) reciprocal of each row sum, then the
//    multiply (the sum is complete only after pass 2 has seen the whole row). An online softmax
//    would merge (1) and (2) but rescales the running sum by another exp per element.
//  - layernorm, 3: (1) mean, (2) center, square and the variance sum (centering needs the
//    mean), (3) rsqrt per row, then scale and shift (needs the whole row's variance). Computing
//    E[x^2] - mean^2 in pass 1 would save a pass but cancels catastrophically at int8/fp16.
// Contract: runs after lower_graph() and before fuse_epilogues() and plan_residency(). Each
// group gets a new host kernel inserted before it (KernelOp::kRowBlock, output -1, streams: the
// op's input); the group's kernels become its epilogue (fused_into the host) and keep their
// semantics, so functional execution computes exactly what the decomposition does; every
// intermediate is marked in_pe. A group whose single row does not fit the buffers stays
// decomposed (a row wider than L1 can hold).
#include "hw/core/arch_config.h"
#include "sw/lowering/kernel_program.h"

namespace nm::sw {

enum class RowBlocking { kDecomposed, kRowBlocked };
const char* row_blocking_name(RowBlocking mode);

// Returns how many softmax and layernorm ops were row-blocked.
size_t block_rows_on_chip(KernelProgram& program, const Graph& graph, RowBlocking mode,
                          const hw::ArchConfig& arch);

// Pooling, window-blocked the same way. The lowering computes a KHxKW max pool as KH*KW - 1
// pairwise maxima (a segment index and an X*K+B each), each a kernel that streams the running
// result and one window element through L2 or DRAM: 16 round trips of ResNet-50's largest
// activation. One window-block kernel (an element-wise kernel over the output, its one stream the
// whole input: input_streams = input elements per output element) takes a block of output rows,
// loads the input rows their windows cover into L1 and keeps the running result in the PEs:
// the same MACs and table lookups, one read of the input and one write of the output. The halo
// rows that two blocks share are counted once (under 1/rows of the input for a block of `rows`
// output rows). Average pools likewise (their pairwise sums). Same contract as above.
enum class Pooling { kDecomposed, kWindowBlocked };
const char* pooling_name(Pooling mode);
size_t block_pool_windows(KernelProgram& program, const Graph& graph, Pooling mode,
                          const hw::ArchConfig& arch);

}  // namespace nm::sw
