#pragma once
// Small counters over a Graph's ops and shapes for the workload tests. They read only tensor
// shapes and attributes, never the builders' code, so agreement with hand formulas checks that
// every op has the right shapes.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
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

}  // namespace nm::sw::test
