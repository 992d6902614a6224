#pragma once
// Plain fp32 reference executor for the Graph IR: the numbers the NeuralMatrix data path is
// compared against.
//
// Contract:
//  - run_reference(graph, weights_and_inputs) computes every op in graph order and returns the
//    output of every op (intermediates included, keyed by tensor id), in the graph's layouts and
//    shapes. It does not copy the given weights and inputs into the result.
//  - weights_and_inputs must hold every tensor that some op reads and no op produces (constants
//    and graph inputs), with the graph's shape; otherwise nm::InputError(graph, tensor, ...).
//    Dense or CSR (TensorData::sparse) storage is accepted for any of them: linear's x and
//    matmul's a have sparse kernels that never touch a zero, other operands are expanded.
//  - Values are fp32. conv2d/linear/matmul accumulate in fp32 (sw/functional/gemm_f32.h).
//    Transcendentals (erf, tanh, exp) and the row reductions of softmax, layernorm and the pools are
//    evaluated in double and rounded to fp32 once, so the reference is as exact as fp32 storage
//    allows.
//  - Deterministic: single-threaded, fixed summation order; the same inputs give bit-identical
//    results on one build.
//
// Op semantics (graph.h), with the choices graph.h leaves open:
//  - conv2d: NHWC x, weight [KH, KW, Cin/groups, Cout] (group g reads input channels
//    [g*Cin/groups, (g+1)*Cin/groups) and writes output channels [g*Cout/groups, ...)), zero
//    padding, optional bias[Cout].
//  - linear: y[..., out] = x[..., in] * w[in, out] (+ bias[out]).
//  - matmul: per batch, op(a)[M, K] * op(b)[K, N], op = transpose when transpose_a / transpose_b.
//  - embedding with an ids input: row r = table[ids[r]] (ids must be integers in [0, V), else
//    nm::InputError). Without one (bert_builder's position and token-type lookups are "address
//    generation"): row r = table[0] when the op or table name contains "token_type" (single
//    segment, type 0), else table[r] (positions 0..rows-1).
//  - gelu: exact, 0.5 x (1 + erf(x / sqrt 2)). leaky_relu: x >= 0 ? x : alpha x.
//  - softmax: over the last axis, max-subtracted.
//  - layernorm: over the last axis, biased variance, eps = kLayerNormEps (graph.h: 1e-12, BERT's
//    layer_norm_eps; the IR carries no eps), then * gamma + beta.
//  - maxpool2d: padding never wins (as PyTorch's -inf padding). avgpool2d: the mean over the
//    window's valid (unpadded) elements only, i.e. PyTorch's count_include_pad=False. A window
//    entirely in padding yields 0.
//  - global_avgpool: mean over H and W.
//  - reshape: a view; when the output holds fewer elements than the input (bert_builder's
//    pooler.cls_select: [S, H] -> [1, H]) it takes the leading elements, i.e. row 0 = [CLS].
#include "sw/functional/tensor_data.h"
#include "sw/graph/graph.h"

namespace nm::sw {

TensorMap run_reference(const Graph& graph, const TensorMap& weights_and_inputs);

// The table row each output row of embedding op `op` reads (the semantics above); `ids` is the
// op's ids input, or null when it has none. Throws nm::InputError(where, ...) on a bad id.
std::vector<int64_t> embedding_rows(const Graph& graph, const Op& op, const TensorData* ids,
                                    const std::string& where);

}  // namespace nm::sw
