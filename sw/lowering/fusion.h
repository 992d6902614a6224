#pragma once
// Compiler pass: epilogue fusion. On an output-stationary array a GEMM's outputs are still in the
// PE accumulators when its last K step ends, so element-wise work that consumes only those
// outputs (a PWL op's segment index, K/B gather and X*K+B; a residual add; a square) can run in
// the same PEs before write-back, instead of as kernels that write the tensor to L2 or DRAM and
// read it back.
//
// Contract: runs after lower_graph() and before plan_residency(). A GEMM or SpMM absorbs the
// element-wise kernels that follow it in program order while each
//  - computes one value per output element of the GEMM (same element count),
//  - reads the chain's current value and otherwise only the chain's own tensors or tensors that
//    exist before the GEMM starts (residual operands, streamed to the PEs with the last K step),
//  - is a per-element op (segment index, PWL, add, square; a segment index only together with
//    the PWL that uses it, so an index is never written back), and
//  - every value the chain stops exposing has no reader outside the chain and is not a network
//    output.
// Absorbed kernels keep their semantics and stay in the program (functional execution runs them
// in order, with the intermediate tensors marked in_pe); the host's KernelDesc::epilogue carries
// their cost. With FusionMode::kNone the program is left as the lowering wrote it (one kernel per
// op, the paper-literal variant).
#include "hw/core/arch_config.h"
#include "sw/lowering/kernel_program.h"

namespace nm::sw {

enum class FusionMode { kNone, kEpilogue };
const char* fusion_mode_name(FusionMode mode);

// Returns how many kernels were fused into epilogues. A chain is cut short where its tables and
// residual tiles would leave the host no legal smallest tile in `arch`'s L1.
size_t fuse_epilogues(KernelProgram& program, FusionMode mode, const hw::ArchConfig& arch);

}  // namespace nm::sw
