#pragma once
// What the data-movement and broadcasting ops compute, shared by the fp32 reference executor and
// the program executor so the two cannot disagree on an index.
//  - transpose: output dim i is input dim perm[i] (ONNX Transpose).
//  - concat: inputs joined along `axis`; every other dim equal.
//  - slice: along `axis`, output index j reads input index start + j * step (step >= 1).
//  - causal_mask: x[..., Sq, Sk]; element (i, j) becomes `mask_value` when j > i + Sk - Sq (the
//    reference writes kCausalMaskValue; the data path its "no value" code, program_executor.h).
//  - broadcast: input 1 of an element-wise op read at element e of input 0 (graph.h Broadcast).
#include <cstdint>
#include <vector>

#include "sw/graph/graph.h"

namespace nm::sw {

// Values of op's output from its inputs' dense values; `input_shapes` are the graph's shapes.
// Throws std::invalid_argument when the op's attributes do not fit the shapes.
std::vector<float> move_data(const Op& op, const std::vector<Shape>& input_shapes,
                             const std::vector<const std::vector<float>*>& inputs, const Shape& output_shape,
                             float mask_value = kCausalMaskValue);

inline uint64_t broadcast_index(const Broadcast& b, uint64_t e) {
  const auto inner = static_cast<uint64_t>(b.inner), mid = static_cast<uint64_t>(b.mid);
  return (e / (inner * mid)) * inner + e % inner;
}

}  // namespace nm::sw
