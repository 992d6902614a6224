#!/usr/bin/env python3
"""Writes the ONNX models the ONNX import tests run (none are stored in the repository).

usage: make_models.py OUT_DIR [--skip-torchvision]

- op_<name>.onnx: one small graph per supported op or exporter pattern (onnx.helper), with
  op_<name>_x.npy (input, leading sample dimension) and op_<name>_y.npy (numpy's result).
- bad_<name>.onnx: inputs the importer must reject with one error line.
- small_cnn / small_transformer: PyTorch models (conv + BatchNorm + SiLU + residual + pooling;
  a 2-layer transformer encoder with a class token), exported with torch.onnx.export, with
  PyTorch's own outputs on 4 inputs (_x.npy, _y.npy, _labels.npy = PyTorch's argmax).
- torchvision resnet18, resnet50, mobilenet_v2, mobilenet_v3_large, efficientnet_b0, convnext_tiny, vit_b_16 and a
  BERT-base-shaped torch.nn.TransformerEncoder (bert_encoder), random init, opset 14.
Nothing is downloaded. Files already present are kept when this script has not changed since
they were written (a stamp file holds its hash), so re-running the tests is cheap.
"""
import hashlib
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 14
rng = np.random.default_rng(7)


def save(model, path):
    onnx.checker.check_model(model)
    onnx.save(model, path)


def model_of(nodes, inputs, outputs, initializers=(), opset=OPSET, name="g"):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="nm_sim tests")


def tensor_info(name, shape, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


erf = np.vectorize(math.erf)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def layernorm(x, g, b, eps):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * g + b


def op_models(out):
    """(name, nodes, inputs, initializers, x, y) per case; every model has input x, output y."""
    x3 = rng.normal(size=(1, 6, 8)).astype(np.float32)
    x4 = rng.normal(size=(1, 4, 6, 6)).astype(np.float32)
    w84 = rng.normal(size=(8, 4)).astype(np.float32) / 3
    v8 = rng.normal(size=(8,)).astype(np.float32)
    cases = []

    def unary(name, op_type, x, y, attrs=None, extra_nodes=(), inits=()):
        nodes = list(extra_nodes) + [helper.make_node(op_type, ["x"], ["y"], name=name, **(attrs or {}))]
        cases.append((name, nodes, x, y, inits))

    unary("relu", "Relu", x3, np.maximum(x3, 0))
    unary("sigmoid", "Sigmoid", x3, sigmoid(x3))
    unary("tanh", "Tanh", x3, np.tanh(x3))
    unary("erf", "Erf", x3, erf(x3))
    unary("leaky_relu", "LeakyRelu", x3, np.where(x3 > 0, x3, 0.01 * x3), {"alpha": 0.01})
    unary("softmax", "Softmax", x3, np.exp(x3) / np.exp(x3).sum(-1, keepdims=True), {"axis": -1})
    # exp of non-positive values (the table's domain), sqrt and reciprocal of positive ones.
    cases.append(("exp", [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Mul", ["r", "m1"], ["n"]),
                          helper.make_node("Exp", ["n"], ["y"])],
                  x3, np.exp(-np.maximum(x3, 0)), [const("m1", np.float32(-1))]))
    cases.append(("sqrt", [helper.make_node("Mul", ["x", "x"], ["s"]), helper.make_node("Add", ["s", "one"], ["p"]),
                           helper.make_node("Sqrt", ["p"], ["y"])], x3, np.sqrt(x3 * x3 + 1), [const("one", np.float32(1))]))
    cases.append(("reciprocal", [helper.make_node("Mul", ["x", "x"], ["s"]), helper.make_node("Add", ["s", "one"], ["p"]),
                                 helper.make_node("Reciprocal", ["p"], ["y"])], x3, 1 / (x3 * x3 + 1),
                  [const("one", np.float32(1))]))
    cases.append(("clip_relu6", [helper.make_node("Mul", ["x", "k"], ["s"]), helper.make_node("Clip", ["s", "lo", "hi"], ["y"])],
                  x3, np.clip(4 * x3, 0, 6), [const("k", np.float32(4)), const("lo", np.float32(0)), const("hi", np.float32(6))]))
    cases.append(("add_bias", [helper.make_node("Add", ["x", "b"], ["y"])], x3, x3 + v8, [const("b", v8)]))
    cases.append(("add_tensor", [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Add", ["x", "r"], ["y"])],
                  x3, x3 + np.maximum(x3, 0), []))
    cases.append(("sub_scalar", [helper.make_node("Sub", ["c", "x"], ["y"])], x3, 0.5 - x3, [const("c", np.float32(0.5))]))
    cases.append(("sub_tensor", [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Sub", ["x", "r"], ["y"])],
                  x3, x3 - np.maximum(x3, 0), []))
    col = rng.normal(size=(6, 1)).astype(np.float32)
    cases.append(("mul_broadcast", [helper.make_node("Mul", ["x", "c"], ["y"])], x3, x3 * col, [const("c", col)]))
    cases.append(("div_scalar", [helper.make_node("Div", ["x", "c"], ["y"])], x3, x3 / 8, [const("c", np.float32(8))]))
    cases.append(("div_tensor", [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Add", ["r", "one"], ["d"]),
                                 helper.make_node("Div", ["x", "d"], ["y"])], x3, x3 / (np.maximum(x3, 0) + 1),
                  [const("one", np.float32(1))]))
    cases.append(("pow", [helper.make_node("Pow", ["x", "two"], ["s"]), helper.make_node("Pow", ["x", "three"], ["c"]),
                          helper.make_node("Add", ["s", "c"], ["y"])], x3, x3 ** 2 + x3 ** 3,
                  [const("two", np.float32(2)), const("three", np.float32(3))]))
    # Exporter patterns.
    g = rng.uniform(0.5, 1.5, size=(8,)).astype(np.float32)
    b = rng.normal(size=(8,)).astype(np.float32) * 0.1
    ln_nodes = [
        helper.make_node("ReduceMean", ["x"], ["m"], axes=[-1]),
        helper.make_node("Sub", ["x", "m"], ["d"]),
        helper.make_node("Pow", ["d", "two"], ["p"]),
        helper.make_node("ReduceMean", ["p"], ["v"], axes=[-1]),
        helper.make_node("Add", ["v", "eps"], ["ve"]),
        helper.make_node("Sqrt", ["ve"], ["s"]),
        helper.make_node("Div", ["d", "s"], ["n"]),
        helper.make_node("Mul", ["n", "gamma"], ["ng"]),
        helper.make_node("Add", ["ng", "beta"], ["y"]),
    ]
    cases.append(("layernorm_pattern", ln_nodes, x3, layernorm(x3, g, b, 1e-5),
                  [const("two", np.float32(2)), const("eps", np.float32(1e-5)), const("gamma", g), const("beta", b)]))
    gelu_nodes = [
        helper.make_node("Div", ["x", "sqrt2"], ["u"]),
        helper.make_node("Erf", ["u"], ["e"]),
        helper.make_node("Add", ["e", "one"], ["a"]),
        helper.make_node("Mul", ["x", "a"], ["xa"]),
        helper.make_node("Mul", ["xa", "half"], ["y"]),
    ]
    cases.append(("gelu_pattern", gelu_nodes, x3, 0.5 * x3 * (1 + erf(x3 / math.sqrt(2))),
                  [const("sqrt2", np.float32(math.sqrt(2))), const("one", np.float32(1)), const("half", np.float32(0.5))]))
    cases.append(("silu_pattern", [helper.make_node("Sigmoid", ["x"], ["s"]), helper.make_node("Mul", ["x", "s"], ["y"])],
                  x3, x3 * sigmoid(x3), []))
    # Linear algebra.
    cases.append(("matmul_bias", [helper.make_node("MatMul", ["x", "w"], ["h"]), helper.make_node("Add", ["h", "b4"], ["y"])],
                  x3, x3 @ w84 + 0.25, [const("w", w84), const("b4", np.full((4,), 0.25, np.float32))]))
    cases.append(("matmul_activations", [helper.make_node("Transpose", ["x"], ["xt"], perm=[0, 2, 1]),
                                         helper.make_node("MatMul", ["x", "xt"], ["y"])],
                  x3, x3 @ x3.transpose(0, 2, 1), []))
    w48 = rng.normal(size=(4, 8)).astype(np.float32) / 3
    cases.append(("gemm", [helper.make_node("Flatten", ["x"], ["f"], axis=1),
                           helper.make_node("Gemm", ["f", "w", "c"], ["y"], transB=1)],
                  x3[:, :1, :], x3[:, :1, :].reshape(1, 8) @ w48.T + 0.5,
                  [const("w", w48), const("c", np.full((4,), 0.5, np.float32))]))
    # Data movement and shape plumbing.
    cases.append(("transpose", [helper.make_node("Transpose", ["x"], ["t"], perm=[0, 2, 1]),
                                helper.make_node("Relu", ["t"], ["y"])], x3, np.maximum(x3, 0).transpose(0, 2, 1), []))
    shape_nodes = [
        helper.make_node("Shape", ["x"], ["sh"]),
        helper.make_node("Gather", ["sh", "i1"], ["d1"], axis=0),
        helper.make_node("Unsqueeze", ["d1", "ax0"], ["d1u"]),
        helper.make_node("Concat", ["d1u", "minus1"], ["target"], axis=0),
        helper.make_node("Reshape", ["x", "target"], ["r"]),
        helper.make_node("Relu", ["r"], ["y"]),
    ]
    cases.append(("reshape_from_shape", shape_nodes, x3, np.maximum(x3, 0).reshape(6, 8),
                  [const("i1", np.int64(1)), const("ax0", np.array([0], np.int64)), const("minus1", np.array([-1], np.int64))]))
    cases.append(("squeeze_unsqueeze", [helper.make_node("Unsqueeze", ["x", "ax"], ["u"]),
                                        helper.make_node("Squeeze", ["u", "ax"], ["y0"]),
                                        helper.make_node("Relu", ["y0"], ["y"])], x3, np.maximum(x3, 0),
                  [const("ax", np.array([1], np.int64))]))
    extra = rng.normal(size=(1, 2, 8)).astype(np.float32)
    cases.append(("concat", [helper.make_node("Concat", ["c", "x"], ["y"], axis=1)], x3,
                  np.concatenate([extra, x3], 1), [const("c", extra)]))
    cases.append(("slice", [helper.make_node("Slice", ["x", "st", "en", "axs", "sp"], ["y"])], x3, x3[:, :, 1:7:2],
                  [const("st", np.array([1], np.int64)), const("en", np.array([7], np.int64)),
                   const("axs", np.array([2], np.int64)), const("sp", np.array([2], np.int64))]))
    cases.append(("gather_index", [helper.make_node("Gather", ["x", "i"], ["y"], axis=1)], x3, x3[:, 2],
                  [const("i", np.int64(2))]))
    cases.append(("split", [helper.make_node("Split", ["x", "parts"], ["a", "b"], axis=2),
                            helper.make_node("Mul", ["a", "b"], ["y"])], x3, x3[:, :, :4] * x3[:, :, 4:],
                  [const("parts", np.array([4, 4], np.int64))]))
    cases.append(("reduce_mean", [helper.make_node("ReduceMean", ["x"], ["y"], axes=[-1], keepdims=0)], x3,
                  x3.mean(-1), []))
    # Convolutions and pooling (NCHW in ONNX, NHWC inside).
    wc = rng.normal(size=(6, 4, 3, 3)).astype(np.float32) / 6
    bc = rng.normal(size=(6,)).astype(np.float32) * 0.1
    scale = rng.uniform(0.5, 1.5, size=(6,)).astype(np.float32)
    shift = rng.normal(size=(6,)).astype(np.float32) * 0.1
    mean = rng.normal(size=(6,)).astype(np.float32) * 0.1
    var = rng.uniform(0.5, 2, size=(6,)).astype(np.float32)

    def conv(x, w, b, stride, pad, groups=1):
        n, c, h, wd = x.shape
        co, cg, kh, kw = w.shape
        xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
        ho, wo = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
        y = np.zeros((n, co, ho, wo))
        for o in range(co):
            gi = o // (co // groups)
            for i in range(ho):
                for j in range(wo):
                    patch = xp[0, gi * cg:(gi + 1) * cg, i * stride:i * stride + kh, j * stride:j * stride + kw]
                    y[0, o, i, j] = (patch * w[o]).sum() + (b[o] if b is not None else 0)
        return y

    yc = conv(x4, wc, bc, 2, 1)
    ybn = (yc - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 1e-5) * scale[None, :, None, None] + \
        shift[None, :, None, None]
    cases.append(("conv_batchnorm", [helper.make_node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                                                      strides=[2, 2]),
                                     helper.make_node("BatchNormalization", ["c", "s", "t", "mu", "var"], ["y"], epsilon=1e-5)],
                  x4, ybn, [const("w", wc), const("b", bc), const("s", scale), const("t", shift), const("mu", mean),
                            const("var", var)]))
    wd = rng.normal(size=(4, 1, 3, 3)).astype(np.float32) / 3
    cases.append(("conv_depthwise", [helper.make_node("Conv", ["x", "w"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=4)],
                  x4, conv(x4, wd, None, 1, 1, 4), [const("w", wd)]))

    def pool(x, k, s, p, fn):
        n, c, h, w = x.shape
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=np.nan)
        ho, wo = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
        y = np.zeros((n, c, ho, wo))
        for i in range(ho):
            for j in range(wo):
                y[:, :, i, j] = fn(xp[:, :, i * s:i * s + k, j * s:j * s + k], axis=(2, 3))
        return y

    cases.append(("maxpool", [helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])],
                  x4, pool(x4, 3, 2, 1, np.nanmax), []))
    cases.append(("avgpool", [helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2])],
                  x4, pool(x4, 2, 2, 0, np.nanmean), []))
    cases.append(("global_avgpool_flatten", [helper.make_node("GlobalAveragePool", ["x"], ["g"]),
                                             helper.make_node("Flatten", ["g"], ["y"], axis=1)],
                  x4, x4.mean((2, 3)), []))
    # Squeeze-excite: a [N, C, 1, 1] gate broadcast over the feature map.
    cases.append(("squeeze_excite", [helper.make_node("GlobalAveragePool", ["x"], ["g"]),
                                     helper.make_node("Sigmoid", ["g"], ["s"]),
                                     helper.make_node("Mul", ["x", "s"], ["y"])],
                  x4, x4 * sigmoid(x4.mean((2, 3), keepdims=True)), []))
    # MobileNetV3's activations (HardSwish is opset 14) and the tanh form of GELU, on inputs that
    # reach past the tables' [-3, 3] edges. No new random draws: the cases above keep their data.
    x3w = 2 * x3
    def hard_sigmoid(x, alpha=1 / 6, beta=0.5):
        return np.clip(alpha * x + beta, 0, 1)
    unary("hardswish", "HardSwish", x3w, x3w * hard_sigmoid(x3w))
    unary("hardsigmoid", "HardSigmoid", x3w, hard_sigmoid(x3w), {"alpha": 1 / 6, "beta": 0.5})
    unary("hardsigmoid_onnx_default", "HardSigmoid", x3w, hard_sigmoid(x3w, 0.2, 0.5))
    cases.append(("hardswish_pattern", [helper.make_node("HardSigmoid", ["x"], ["s"], alpha=1 / 6),
                                        helper.make_node("Mul", ["x", "s"], ["y"])], x3w, x3w * hard_sigmoid(x3w), []))
    tanh_gelu = 0.5 * x3w * (1 + np.tanh(math.sqrt(2 / math.pi) * (x3w + 0.044715 * x3w ** 3)))
    gelu_consts = [const("c3", np.float32(0.044715)), const("k", np.float32(math.sqrt(2 / math.pi))),
                   const("one", np.float32(1)), const("half", np.float32(0.5)), const("three", np.float32(3))]
    # As torch.onnx.export writes F.gelu(x, approximate="tanh") ...
    cases.append(("gelu_tanh_pattern", [
        helper.make_node("Mul", ["x", "x"], ["sq"]), helper.make_node("Mul", ["x", "sq"], ["cube"]),
        helper.make_node("Mul", ["c3", "cube"], ["t"]), helper.make_node("Add", ["x", "t"], ["u"]),
        helper.make_node("Mul", ["k", "u"], ["v"]), helper.make_node("Tanh", ["v"], ["th"]),
        helper.make_node("Add", ["one", "th"], ["a"]), helper.make_node("Mul", ["x", "a"], ["xa"]),
        helper.make_node("Mul", ["half", "xa"], ["y"])], x3w, tanh_gelu, gelu_consts))
    # ... and with Pow and the halving first, as other exporters do.
    cases.append(("gelu_tanh_pow", [
        helper.make_node("Pow", ["x", "three"], ["cube"]), helper.make_node("Mul", ["cube", "c3"], ["t"]),
        helper.make_node("Add", ["t", "x"], ["u"]), helper.make_node("Mul", ["u", "k"], ["v"]),
        helper.make_node("Tanh", ["v"], ["th"]), helper.make_node("Add", ["th", "one"], ["a"]),
        helper.make_node("Mul", ["x", "half"], ["xh"]), helper.make_node("Mul", ["xh", "a"], ["y"])],
        x3w, tanh_gelu, gelu_consts))

    for name, nodes, x, y, inits in cases:
        y = np.ascontiguousarray(y, np.float32)
        model = model_of(nodes, [tensor_info("x", list(x.shape))], [tensor_info("y", list(y.shape))], inits, name=name)
        save(model, os.path.join(out, f"op_{name}.onnx"))
        np.save(os.path.join(out, f"op_{name}_x.npy"), x[None].astype(np.float32))
        np.save(os.path.join(out, f"op_{name}_y.npy"), y[None])

    # LayerNormalization (opset 17) and an embedding lookup (int64 ids).
    ln = model_of([helper.make_node("LayerNormalization", ["x", "gamma", "beta"], ["y"], axis=-1, epsilon=1e-5)],
                  [tensor_info("x", [1, 6, 8])], [tensor_info("y", [1, 6, 8])], [const("gamma", g), const("beta", b)],
                  opset=17)
    save(ln, os.path.join(out, "op_layernormalization.onnx"))
    np.save(os.path.join(out, "op_layernormalization_x.npy"), x3[None])
    np.save(os.path.join(out, "op_layernormalization_y.npy"), layernorm(x3, g, b, 1e-5).astype(np.float32)[None])
    table = rng.normal(size=(20, 8)).astype(np.float32)
    ids = np.array([[3, 0, 19, 7, 7]], np.int64)
    emb = model_of([helper.make_node("Gather", ["table", "x"], ["y"], axis=0)], [tensor_info("x", [1, 5], TensorProto.INT64)],
                   [tensor_info("y", [1, 5, 8])], [const("table", table)])
    save(emb, os.path.join(out, "op_embedding.onnx"))
    np.save(os.path.join(out, "op_embedding_x.npy"), ids[None])
    np.save(os.path.join(out, "op_embedding_y.npy"), table[ids][None])
    # Weights in an external data file beside the model.
    ext = model_of([helper.make_node("MatMul", ["x", "w"], ["y"])], [tensor_info("x", [1, 6, 8])],
                   [tensor_info("y", [1, 6, 4])], [const("w", w84)])
    onnx.save_model(ext, os.path.join(out, "op_external_data.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="op_external_data.weights", size_threshold=0)
    np.save(os.path.join(out, "op_external_data_x.npy"), x3[None])
    np.save(os.path.join(out, "op_external_data_y.npy"), (x3 @ w84).astype(np.float32)[None])


def bad_models(out):
    good = model_of([helper.make_node("MatMul", ["x", "w"], ["y"])], [tensor_info("x", [1, 6, 8])],
                    [tensor_info("y", [1, 6, 4])], [const("w", np.ones((8, 4), np.float32))])
    data = good.SerializeToString()
    with open(os.path.join(out, "bad_truncated.onnx"), "wb") as f:
        f.write(data[: len(data) // 2])
    old = model_of([helper.make_node("Relu", ["x"], ["y"])], [tensor_info("x", [1, 8])], [tensor_info("y", [1, 8])], opset=7)
    onnx.save(old, os.path.join(out, "bad_opset.onnx"))
    missing = model_of([helper.make_node("MatMul", ["x", "w"], ["y"])], [tensor_info("x", [1, 6, 8])],
                       [tensor_info("y", [1, 6, 4])])
    onnx.save(missing, os.path.join(out, "bad_missing_initializer.onnx"))
    dynamic = model_of([helper.make_node("Relu", ["x"], ["y"])], [tensor_info("x", ["batch", 8])],
                       [tensor_info("y", ["batch", 8])])
    save(dynamic, os.path.join(out, "bad_dynamic_shape.onnx"))
    unsupported = model_of([helper.make_node("Sin", ["x"], ["h"], name="act0"),
                            helper.make_node("Neg", ["h"], ["n"], name="neg0"),
                            helper.make_node("Sin", ["n"], ["y"], name="act1")],
                           [tensor_info("x", [1, 8])], [tensor_info("y", [1, 8])])
    save(unsupported, os.path.join(out, "bad_unsupported.onnx"))
    with open(os.path.join(out, "bad_not_onnx.onnx"), "w") as f:
        f.write("this is not a protobuf\n")


def torch_models(out, torchvision_too):
    import torch
    import torch.nn as nn
    torch.manual_seed(0)

    class Block(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.c1, self.b1 = nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c)
            self.c2, self.b2 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)

        def forward(self, x):
            return torch.relu(self.b2(self.c2(torch.relu(self.b1(self.c1(x))))) + x)

    class SmallCnn(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem, self.block, self.pool, self.fc = nn.Conv2d(1, 16, 3, padding=1), Block(16), nn.MaxPool2d(2), nn.Linear(16, 10)

        def forward(self, x):
            x = self.pool(self.block(nn.functional.silu(self.stem(x))))
            return self.fc(x.mean((2, 3)))

    class SmallTransformer(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Linear(8, 32)
            self.cls = nn.Parameter(torch.randn(1, 1, 32) * 0.1)
            layer = nn.TransformerEncoderLayer(32, 4, 64, dropout=0.0, activation="gelu", batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, 2)
            self.norm, self.head = nn.LayerNorm(32), nn.Linear(32, 10)

        def forward(self, x):
            x = self.embed(x)
            x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], 1)
            return self.head(self.norm(self.encoder(x)[:, 0]))

    for name, model, shape in [("small_cnn", SmallCnn(), (1, 1, 8, 8)), ("small_transformer", SmallTransformer(), (1, 8, 8))]:
        model.eval()
        for m in model.modules():  # trained-looking BatchNorm statistics, so the fold is exercised
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.data.uniform_(0.5, 1.5)
                m.bias.data.uniform_(-0.2, 0.2)
        # Exported with gradients enabled: the fused attention fast path has no ONNX export.
        torch.onnx.export(model, torch.randn(*shape), os.path.join(out, f"{name}.onnx"), opset_version=OPSET,
                          input_names=["x"], output_names=["y"])
        xs = torch.randn(4, *shape[1:])
        with torch.no_grad():
            ys = torch.cat([model(xs[i:i + 1]) for i in range(4)])
        np.save(os.path.join(out, f"{name}_x.npy"), xs.numpy())
        np.save(os.path.join(out, f"{name}_y.npy"), ys.numpy())
        np.save(os.path.join(out, f"{name}_labels.npy"), ys.argmax(1).numpy())
    if not torchvision_too:
        return
    import torchvision
    image = torch.randn(1, 3, 224, 224)
    for name in ["resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_large", "efficientnet_b0", "convnext_tiny",
                 "vit_b_16"]:
        model = getattr(torchvision.models, name)(weights=None).eval()
        torch.onnx.export(model, image, os.path.join(out, f"{name}.onnx"), opset_version=OPSET,
                          input_names=["image"], output_names=["logits"])
    # BERT-base's encoder: 12 layers, hidden 768, 12 heads, FFN 3072, GELU, 128 tokens. Each layer
    # gets its own random weights (deep copies would be identical and the exporter would share them).
    layer = nn.TransformerEncoderLayer(768, 12, 3072, dropout=0.0, activation="gelu")
    encoder = nn.TransformerEncoder(layer, 12).eval()
    for p in encoder.parameters():
        nn.init.normal_(p, std=0.02)
    torch.onnx.export(encoder, torch.randn(128, 1, 768), os.path.join(out, "bert_encoder.onnx"), opset_version=OPSET,
                      input_names=["x"], output_names=["y"])


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: make_models.py OUT_DIR [--skip-torchvision]")
    out = sys.argv[1]
    torchvision_too = "--skip-torchvision" not in sys.argv
    os.makedirs(out, exist_ok=True)
    digest = hashlib.sha256(open(__file__, "rb").read()).hexdigest() + ("" if torchvision_too else "-small")
    stamp = os.path.join(out, "stamp")
    if os.path.exists(stamp) and open(stamp).read() == digest:
        return
    op_models(out)
    bad_models(out)
    torch_models(out, torchvision_too)
    with open(stamp, "w") as f:
        f.write(digest)


if __name__ == "__main__":
    main()
