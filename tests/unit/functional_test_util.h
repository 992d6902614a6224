#pragma once
// Helpers for the functional tests: seeded normal values and a small graph under construction
// with the values of its inputs and constants.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sw/functional/random.h"
#include "sw/functional/reference_executor.h"
#include "sw/functional/tensor_data.h"
#include "sw/graph/graph.h"

namespace nm::sw::test {

// n values N(shift, scale^2) from Rng(seed).
inline std::vector<float> random_values(int64_t n, uint64_t seed, double scale = 1.0, double shift = 0.0) {
  std::vector<float> v(static_cast<size_t>(n));
  Rng rng(seed);
  rng.fill_normal(v.data(), v.size(), scale);
  if (shift != 0.0) {
    for (float& x : v) x = static_cast<float>(x + shift);
  }
  return v;
}

// Adds an op writing a new tensor `name` of shape `out`; returns the tensor's id.
inline int add_test_op(Graph& g, OpKind kind, const std::string& name, const std::string& layer,
                       std::vector<int> inputs, const Shape& out, OpAttrs attrs = {}) {
  const int y = g.add_tensor(name, out);
  Op o;
  o.kind = kind;
  o.name = name;
  o.layer = layer;
  o.inputs = std::move(inputs);
  o.output = y;
  o.attrs = attrs;
  g.add_op(o);
  return y;
}

// A graph under construction with its given tensors.
struct Net {
  Graph g{"test"};
  TensorMap given;

  int input(const std::string& name, const Shape& shape, std::vector<float> values) {
    const int id = g.add_tensor(name, shape);
    g.mark_input(id);
    given[id] = make_dense(shape, std::move(values));
    return id;
  }
  int constant(const std::string& name, const Shape& shape, std::vector<float> values) {
    const int id = g.add_tensor(name, shape, /*constant=*/true);
    given[id] = make_dense(shape, std::move(values));
    return id;
  }
  int op(OpKind kind, const std::string& name, std::vector<int> inputs, const Shape& out,
         OpAttrs attrs = {}) {
    return add_test_op(g, kind, name, name, std::move(inputs), out, attrs);
  }
  std::vector<float> run(int y) const { return run_reference(g, given).at(y).values; }
};

}  // namespace nm::sw::test
