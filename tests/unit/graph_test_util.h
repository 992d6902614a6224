#pragma once
// Graph helpers for the workload tests: counters over ops and shapes that read only tensor shapes
// and attributes, never the builders' code (so agreement with hand formulas checks every op's
// shapes), and a check of graph.h's structural contract.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "sw/graph/graph.h"

namespace nm::sw::test {

// MACs of conv2d / linear / matmul; a sparse A (CSR adjacency) multiplies its stored entries only.
inline int64_t graph_macs(const Graph& g) {
  int64_t macs = 0;
  for (const Op& op : g.ops()) {
    const Shape& out = g.tensor(op.output).shape;
    if (op.kind == OpKind::kConv2d) {
      const Shape& x = g.tensor(op.inputs[0]).shape;
      macs += element_count(out) * op.attrs.kernel_h * op.attrs.kernel_w * (x[3] / op.attrs.groups);
    } else if (op.kind == OpKind::kLinear) {
      const Shape& x = g.tensor(op.inputs[0]).shape;
      macs += element_count(x) / x.back() * x.back() * out.back();
    } else if (op.kind == OpKind::kMatMul) {
      const Tensor& a = g.tensor(op.inputs[0]);
      macs += a.nonzeros >= 0 ? a.nonzeros * out[2]
                              : out[0] * out[1] * out[2] * (op.attrs.transpose_a ? a.shape[1] : a.shape[2]);
    }
  }
  return macs;
}

inline std::map<OpKind, int> count_kinds(const Graph& g) {
  std::map<OpKind, int> counts;
  for (const Op& op : g.ops()) ++counts[op.kind];
  return counts;
}

inline const Op& find_op(const Graph& g, const std::string& name) {
  for (const Op& op : g.ops()) {
    if (op.name == name) return op;
  }
  ADD_FAILURE() << "no op named " << name;
  static const Op kNone;
  return kNone;
}

// graph.h's contract: unique names, topological order, single producer per tensor, inputs set.
inline void expect_well_formed(const Graph& g) {
  std::set<std::string> op_names, tensor_names;
  for (const Tensor& t : g.tensors()) EXPECT_TRUE(tensor_names.insert(t.name).second) << t.name;
  std::set<int> available(g.inputs().begin(), g.inputs().end());
  for (const Tensor& t : g.tensors()) {
    if (t.constant) available.insert(t.id);
  }
  for (const Op& op : g.ops()) {
    EXPECT_TRUE(op_names.insert(op.name).second) << op.name;
    EXPECT_FALSE(op.layer.empty()) << op.name;
    for (int id : op.inputs) EXPECT_TRUE(available.count(id)) << op.name << " reads an unproduced tensor";
    EXPECT_FALSE(g.tensor(op.output).constant) << op.name;
    EXPECT_TRUE(available.insert(op.output).second) << op.name << " overwrites a tensor";
  }
  EXPECT_FALSE(g.inputs().empty());
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.outputs()[0], g.ops().back().output);
}

}  // namespace nm::sw::test
