#pragma once
// Helpers shared by the built-in workload builders (internal to sw/graph, not a public API).
#include <string>
#include <utility>
#include <vector>

#include "sw/graph/graph.h"

namespace nm::sw::detail {

// Adds the op's output tensor, named like the op so tensor names stay unique, then the op.
// Returns the output tensor id.
inline int append_op(Graph& g, OpKind kind, const std::string& name, const std::string& layer,
                     std::vector<int> inputs, Shape out_shape, const OpAttrs& attrs = {}) {
  const int out = g.add_tensor(name, std::move(out_shape));
  Op op;
  op.kind = kind;
  op.name = name;
  op.layer = layer;
  op.inputs = std::move(inputs);
  op.output = out;
  op.attrs = attrs;
  g.add_op(std::move(op));
  return out;
}

// Linear layer x[..., in] * w[in, out] + bias[out]; weights are named "<name>.weight/.bias".
inline int append_linear(Graph& g, const std::string& name, const std::string& layer, int x, int64_t out) {
  Shape out_shape = g.tensor(x).shape;  // copy: add_tensor may reallocate the tensor table
  const int64_t in = out_shape.back();
  out_shape.back() = out;
  const int w = g.add_tensor(name + ".weight", {in, out}, /*constant=*/true);
  const int b = g.add_tensor(name + ".bias", {out}, /*constant=*/true);
  return append_op(g, OpKind::kLinear, name, layer, {x, w, b}, std::move(out_shape));
}

}  // namespace nm::sw::detail
