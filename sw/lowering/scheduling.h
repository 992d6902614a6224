#pragma once
// Compiler pass: memory-aware kernel order. The lowering issues kernels in the graph's op order,
// which for a transformer computes Q, K and V before the scores, so V (and, before that, Q and K)
// occupy the L2 activation region while the score matrix is produced and normalised; at BERT-base
// seq 128 with the default 512 KiB region that pushes the 196 KiB score matrix to DRAM. A compiler
// that knows every lifetime moves each kernel as late as its consumers allow (V's GEMM runs just
// before the context GEMM that reads it), which is the classic live-range-shortening list
// schedule (as in TVM's and TensorFlow Lite's memory planners): a tensor then lives only from
// its producer to its first reader, not from its place in the op list.
//
// Sinking is not always better (it lengthens the lifetimes of the sunk kernel's inputs), so the
// pass plans residency for both orders and keeps the one that moves fewer activation bytes
// to or from DRAM; ties keep the lowering's order.
//
// Contract: runs after row blocking and fusion; leaves the program with plan_residency() applied.
// A unit (an issued kernel and the kernels fused into it, which follow it contiguously) moves as
// a whole, so functional execution still runs a host before its epilogue kernels; every kernel
// still comes after the producers of everything it reads. kProgramOrder keeps the lowering's
// order (the paper-literal variant).
#include <cstdint>

#include "hw/core/arch_config.h"
#include "sw/lowering/kernel_program.h"

namespace nm::sw {

enum class Schedule { kProgramOrder, kMemoryAware };
const char* schedule_name(Schedule mode);

// Activation bytes the program moves between the array and DRAM once residency is planned:
// operands read from DRAM and outputs written to it, weights excluded (they are the same in
// every order).
uint64_t activation_dram_bytes(const KernelProgram& program, hw::DataType type);

// Reorders the program (see above) and plans its residency. Returns true when it reordered.
bool schedule_for_residency(KernelProgram& program, Schedule mode, const hw::ArchConfig& arch);

}  // namespace nm::sw
