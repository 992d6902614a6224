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
#include "sw/pwl/pwl_spec.h"

namespace nm::sw {

struct ProgramTensor {
  std::string name;
  uint64_t elements = 0;
  bool constant = false;     // parameter in DRAM (weights, biases, PWL tables, ones vectors)
  bool index = false;        // segment indices: 1 byte per element
  bool pinned_dram = false;  // network inputs and outputs live in DRAM
  bool on_chip = false;      // decided by plan_residency
  bool in_pe = false;        // produced and consumed inside one fused kernel's PEs: never stored
  uint64_t l2_address = 0;   // on_chip: where it sits in the L2 activation region
  // A sparse constant stores `nonzeros` entries as CSR over `rows` rows; -1 means dense.
  int64_t nonzeros = -1;
  uint64_t rows = 0;
};

// What a kernel computes, for functional execution (sw/functional/program_executor.h). The
// lowering writes it beside the cost descriptor, so the numbers and the costs come from one
// decomposition and cannot drift apart. Operands are the kernel's streams (s0, s1, ...), its B
// operand and extras; "row" is element / row_len, "col" is element % row_len.
enum class KernelOp {
  kNetworkGemm,    // GEMM or SpMM of graph op graph_op (conv2d, linear, matmul) in its layouts
  kGlobalAvgPool,  // GEMM per image: the 1/HW vector (s0) x the [HW x C] activation (B)
  kRowReduce,      // GEMM [rows x row_len] (s0) x a vector of vector_value (B), preset added
  kGather,         // DMA: the embedding rows of graph op graph_op from the table (s0)
  kSegmentIndex,   // S = segment index of `function` at s0
  kPwl,            // y = s0 * K[S] + B[S], S = s1 (range-reduced: on the mantissa, see pwl_spec.h)
  kMaxSegment,     // S = relu-table segment index of a - b (a, b per `view`)
  kMax,            // y = b + K[S] * (a - b), K from the 2-segment relu table, S = s2
  kAdd,            // y = s0 + s1
  kSubRow,         // y = s0 - s1[row]
  kMulRow,         // y = s0 * s1[row]
  kSquare,         // y = s0 * s0
  kScaleShift,     // y = s0 * s1[row] * gamma[col] + beta[col] (graph op inputs 1 and 2)
  kPoolSum,        // y = a + b per `view`, times 1 / (valid window elements) when `last`
  kRowBlock,       // none of its own: a row-block host (sw/lowering/row_blocking.h), whose
                   // epilogue kernels compute the op
  kMul,            // y = s0 * s1, s1 broadcast per `broadcast`
  kAddBroadcast,   // y = s0 + s1, s1 broadcast per `broadcast`
  kAffine,         // y = s0 * scale + shift (graph op graph_op's attrs)
  kDataMove,       // y = graph op graph_op's transpose / concat / slice of the streams: each
                   // element passes the element-wise datapath once (Y = X * 1 + 0)
};

// How the pairwise max and pool-sum kernels address their operands a and b.
enum class OperandView {
  kTreePairs,   // softmax max tree: rows of tree_len, a = x[r][i], b = x[r][i + tree_len / 2]
  kPoolWindow,  // pools of graph op graph_op: b = window element `window` of the input, a = the
                // running result s0 (window element 0 of the input when `first`)
};

struct KernelSemantics {
  KernelOp op = KernelOp::kNetworkGemm;
  int graph_op = -1;  // index into Graph::ops() of the op this kernel was lowered from
  PwlFunction function = PwlFunction::kRelu;
  uint64_t row_len = 0;     // row-broadcast operands and row reductions
  double vector_value = 1;  // kRowReduce: every entry of the reduction vector
  double preset = 0;        // kRowReduce: accumulator preset (layernorm's epsilon)
  OperandView view = OperandView::kTreePairs;
  uint64_t tree_len = 0;  // kTreePairs: current row length (an odd last element passes through)
  int64_t window = 0;     // kPoolWindow: window element read as b (row-major over KH x KW)
  bool first = false;     // kPoolWindow: a is window element 0 of the input
  bool last = false;      // kPoolSum: the last sum also divides by the valid element count
  Broadcast broadcast;    // kMul, kAddBroadcast: how s1 repeats over s0 (graph.h)
  bool append = false;    // kDataMove of a KV-cache append: s0 is the cache, never read
};

struct LoweredKernel {
  hw::KernelDesc desc;
  KernelSemantics semantics;
  std::vector<int> streams;   // GEMM: {A}; element-wise: every streamed input; DMA: {source}
  int b_operand = -1;         // GEMM B operand
  std::vector<int> b_extras;  // constants read with B (bias)
  int output = -1;
  // Elements of A the kernel touches, when fewer than A's (0: all). A convolution whose stride
  // exceeds its window (a strided 1x1) never reads the rows and columns between windows, and the
  // DMA fetches only what the im2col addresses name.
  uint64_t a_used_elements = 0;
  // Epilogue fusion (sw/lowering/fusion.h): a host GEMM/SpMM lists the element-wise kernels it
  // runs on its outputs before write-back; each of those names its host. Fused kernels keep their
  // semantics (functional execution runs them in order) but are never issued on their own.
  std::vector<int> epilogue;
  int fused_into = -1;
  bool issued() const { return fused_into < 0; }
};

struct KernelProgram {
  std::string workload;
  int64_t batch = 1;  // inferences the program performs (the graph's batch)
  std::vector<ProgramTensor> tensors;
  std::vector<LoweredKernel> kernels;
  // Program tensor of every graph tensor (index: Graph tensor id; -1 if no kernel touches it).
  // Reshapes share their input's program tensor.
  std::vector<int> graph_tensor;
  uint64_t network_macs() const;  // MACs of GEMMs lowered from the network's linear ops
  // The tensor an issued kernel writes back: its own output, or its epilogue's last one.
  int written_output(const LoweredKernel& kernel) const;
  // Tensors an issued kernel reads: its streams, B operand and extras, and the operands its
  // epilogue reads that the fused chain does not produce itself.
  std::vector<int> reads(const LoweredKernel& kernel) const;
};

struct LoweringOptions {
  hw::DataType datatype = hw::DataType::kInt8;
  double pwl_granularity = 0.25;
};

KernelProgram lower_graph(const Graph& graph, const LoweringOptions& options);

// For every program tensor, the kernels that read it (streams, B operand, extras), in order.
std::vector<std::vector<int>> tensor_readers(const KernelProgram& program);

// Places every activation tensor either in the L2 activation region (at an address: first fit
// beside the tensors still live) or in DRAM, and fills each kernel's DRAM bytes and on-chip flags.
void plan_residency(KernelProgram& program, const hw::ArchConfig& arch);

// Storage bytes: elements x operand bytes; index tensors 1 B per element; a sparse constant is
// CSR: per entry a value and a 32-bit column index, plus a 32-bit pointer per row and one more.
uint64_t tensor_bytes(const ProgramTensor& tensor, hw::DataType type);

}  // namespace nm::sw
