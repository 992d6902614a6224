#pragma once
// ONNX front end: an .onnx model (weights inside the file or in external data files) becomes
// the same Graph IR the built-in builders and the YAML loader produce, with the model's
// initializers as the constants' values (Tensor::values), so functional runs use its weights.
//
// Contract:
//  - Read with Debian's libonnx (the ONNX protobuf); ONNX's C++ shape inference runs on the
//    model and every shape the importer derives is checked against it where it is static.
//  - Default-domain opsets 11 to 18. Every graph input dimension must be a number (a dynamic
//    dimension is an error naming the input and the dimension).
//  - Layouts: ONNX's NCHW image tensors are NHWC in the IR. The importer tracks, per ONNX value,
//    the permutation from its logical (ONNX) dims to the IR storage, so Transpose nodes that only
//    relabel dims (ConvNeXt's NCHW <-> NHWC permutes, K^T before a MatMul) move no data; where an
//    op needs another storage order it emits an IR transpose (a data-movement kernel).
//  - Constant shape plumbing (Constant, Shape, Gather, Unsqueeze, Concat, Reshape, Cast, Slice,
//    arithmetic on constants, ...) is evaluated at import time and never reaches the IR.
//  - Exporter patterns are recognised: LayerNorm decomposed into ReduceMean / Sub / Pow /
//    ReduceMean / Add / Sqrt / Div (+ Mul gamma, Add beta), GELU in its erf and tanh forms, SiLU
//    as Sigmoid x Mul, hard-swish as HardSigmoid x Mul, ReLU6 as Clip(0, 6), BatchNormalization after a Conv
//    (folded into its weights), a bias Add after MatMul (folded into the linear). Everything else lowers from
//    the primitives in supported_onnx_ops().
//  - Errors are nm::InputError(path, <what>, ...): a model with unsupported ops names every
//    unsupported op type with its first node in one line. What ONNX's shape inference trusts
//    (node input/output counts against the op schema, tensor byte counts against shapes) is
//    checked before it runs; shapes are capped at 2^48 elements, folded constants at 2^24.
#include <string>
#include <vector>

#include "sw/graph/graph.h"

namespace nm::sw {

// True for a path ending in .onnx.
bool is_onnx_path(const std::string& path);

// `batch` > 1 sets the leading dimension of every graph input (a dynamic one, or the batch of 1
// a model was exported with); the model's own shape arithmetic must carry it through.
Graph import_onnx(const std::string& path, int64_t batch = 1);

// Every ONNX op type the importer accepts (some only in the forms the README lists).
const std::vector<std::string>& supported_onnx_ops();

}  // namespace nm::sw
