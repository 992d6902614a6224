#pragma once
// KernelProgram: a network lowered to the accelerator's kernels (GEMM, segment index,
// element-wise, DMA), with the tensors they pass between them.
//
// Contract: kernels are in execution order. Tensor sizes are element counts; bytes follow from
// the datatype (index tensors are 1 byte per element). DRAM bytes and on-chip flags in each
// KernelDesc are zero until plan_residency() decides where every tensor lives.
#include <cstdint>
#include <string>
#include <vector>

#include "hw/core/arch_config.h"
#include "hw/core/kernel_desc.h"
#include "sw/graph/graph.h"

namespace nm::sw {

struct ProgramTensor {
  std::string name;
  uint64_t elements = 0;
  bool constant = false;     // parameter in DRAM (weights, biases, PWL tables, ones vectors)
  bool index = false;        // segment indices: 1 byte per element
  bool pinned_dram = false;  // network inputs and outputs live in DRAM
  bool on_chip = false;      // decided by plan_residency
  // A sparse constant stores `nonzeros` entries as CSR over `rows` rows; -1 means dense.
  int64_t nonzeros = -1;
  uint64_t rows = 0;
};

struct LoweredKernel {
  hw::KernelDesc desc;
  std::vector<int> streams;   // GEMM: {A}; element-wise: every streamed input; DMA: {source}
  int b_operand = -1;         // GEMM B operand
  std::vector<int> b_extras;  // constants read with B (bias)
  int output = -1;
};

struct KernelProgram {
  std::string workload;
  std::vector<ProgramTensor> tensors;
  std::vector<LoweredKernel> kernels;
  uint64_t network_macs() const;  // MACs of GEMMs lowered from the network's linear ops
};

struct LoweringOptions {
  hw::DataType datatype = hw::DataType::kInt8;
  double pwl_granularity = 0.25;
};

KernelProgram lower_graph(const Graph& graph, const LoweringOptions& options);

// Places every activation tensor either in the L2 activation region (when it fits beside the
// tensors still live) or in DRAM, and fills each kernel's DRAM bytes and on-chip flags.
void plan_residency(KernelProgram& program, const hw::ArchConfig& arch);

// Storage bytes: elements x operand bytes; index tensors 1 B per element; a sparse constant is
// CSR: per entry a value and a 32-bit column index, plus a 32-bit pointer per row and one more.
uint64_t tensor_bytes(const ProgramTensor& tensor, hw::DataType type);

}  // namespace nm::sw
