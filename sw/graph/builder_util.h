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

// Linear layer x[..., in] * w[in, out] + bias[out] with existing weight tensors (shared weights).
inline int append_linear_with(Graph& g, const std::string& name, const std::string& layer, int x, int w,
                              int b) {
  Shape out_shape = g.tensor(x).shape;  // copy: add_tensor may reallocate the tensor table
  out_shape.back() = g.tensor(w).shape.back();
  return append_op(g, OpKind::kLinear, name, layer, {x, w, b}, std::move(out_shape));
}

// Linear layer x[..., in] * w[in, out] + bias[out]; weights are named "<name>.weight/.bias".
inline int append_linear(Graph& g, const std::string& name, const std::string& layer, int x, int64_t out) {
  const int64_t in = g.tensor(x).shape.back();
  const int w = g.add_tensor(name + ".weight", {in, out}, /*constant=*/true);
  const int b = g.add_tensor(name + ".bias", {out}, /*constant=*/true);
  return append_linear_with(g, name, layer, x, w, b);
}

// The same graph under another name (ids, tensors and ops unchanged).
inline Graph renamed(const Graph& src, const std::string& name) {
  Graph g(name);
  for (const Tensor& t : src.tensors()) g.add_tensor(t.name, t.shape, t.constant);
  for (const Op& op : src.ops()) g.add_op(op);
  for (int id : src.inputs()) g.mark_input(id);
  for (int id : src.outputs()) g.mark_output(id);
  return g;
}

// `base`, plus "_w<width>" / "_d<depth>" when they are not 1, so scaled runs are told apart.
std::string scaled_name(const std::string& base, double width, double depth);

// Throws nm::InputError(where, key, ...) unless 0 < value <= 64 (width and depth multipliers).
void check_multiplier(double value, const std::string& where, const std::string& key);

}  // namespace nm::sw::detail
