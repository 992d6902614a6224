#pragma once
// The paper's Table 1: extra PWL parameters (slope K and intercept B per segment) a network
// carries, and their share of its learned parameters.
//
// Which tables a network needs is read off its graph with the decompositions the lowering uses
// (sw/lowering/lowering.cpp; a unit test checks the two agree):
//   relu, leaky_relu, gelu, tanh, sigmoid, silu, erf, exp, sqrt, reciprocal, relu6 -> that function
//   softmax    -> max (pairwise max tree, when the row is longer than 1), exp, reciprocal
//   layer_norm -> rsqrt
//   max_pool   -> max (when the window is larger than 1)
// A table has pwl_segments(f, g) segments (the uniform method's, out-of-domain pieces included)
// x 2 parameters.
//
// Counting rules:
//  - per layer (nm_sim's rule): one table per (nonlinear op instance, function). Each PWL kernel
//    the lowering emits loads its own table; at int8 each instance's K and B are expressed in that
//    layer's quantization scales, so instances cannot share. fp16 uses the same count so the two
//    rows differ only by bytes per parameter.
//  - per function: one table per distinct function in the network (enough at fp16, where every
//    instance of a function is the same table).
//  - per channel: element-wise activation and max-pool tables replicated per output channel (the
//    last dimension), as if a per-channel affine were folded into them; softmax and layernorm
//    tables, which act on row statistics, stay one per op.
// Model parameters: Graph::parameter_count() minus constants consumed by a matmul (the GCN's
// normalized adjacency is graph structure, not a learned parameter).
#include <cstdint>
#include <string>
#include <vector>

#include "sw/graph/graph.h"
#include "sw/pwl/pwl_spec.h"

namespace nm::sw {

enum class PwlTableRule { kPerLayer, kPerFunction, kPerChannel };

// The PWL function of a unary element-wise op (relu ... sigmoid, silu, erf, exp, sqrt,
// reciprocal, relu6); false for every other kind. The lowering and the table count both use it.
bool unary_pwl_function(OpKind kind, PwlFunction& function);

const char* pwl_table_rule_name(PwlTableRule rule);
// One line stating the rule, for reports.
const char* pwl_table_rule_text(PwlTableRule rule);

struct PwlTableUse {
  std::string op;  // op name
  PwlFunction function;
  int64_t channels = 1;  // output channels the per-channel rule replicates over
};

// Every (op, function) table the network's nonlinear ops need, in op order.
std::vector<PwlTableUse> pwl_table_uses(const Graph& graph);
// Learned parameters: constants other than matmul operands.
int64_t learned_parameter_count(const Graph& graph);

struct PwlOverhead {
  std::string workload;
  PwlTableRule rule = PwlTableRule::kPerLayer;
  double granularity = 0.25;
  uint64_t tables = 0;
  uint64_t parameters = 0;  // PWL parameters (K and B entries)
  int64_t model_parameters = 0;
  uint64_t bytes(uint32_t operand_bytes) const { return parameters * operand_bytes; }
  // PWL parameters / model parameters: the same at int8 and fp16 (both stored at that width).
  double fraction() const {
    return model_parameters > 0 ? static_cast<double>(parameters) / static_cast<double>(model_parameters)
                                : 0.0;
  }
};

PwlOverhead pwl_overhead(const Graph& graph, double granularity, PwlTableRule rule);

// The paper's Table 1 (granularity 0.25) as printed, for comparison.
struct PaperTable1Row {
  const char* workload;
  const char* fp16;
  const char* int8;
  const char* normalized;
};
const std::vector<PaperTable1Row>& paper_table1();

}  // namespace nm::sw
