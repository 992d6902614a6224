// torchvision ResNet-50 v1.5 as a Graph.
//
// BatchNorm is folded into the preceding conv at inference, so every conv carries a bias[Cout]
// and there are no BN ops or BN parameters. Parameter count = torchvision's 25,557,032
// - 53,120 BN weights/biases (2 per channel of each of the 53 BNs) + 26,560 conv biases
// (1 per output channel of each of the 53 convs) = 25,530,472.
#include <string>

#include "sw/graph/builder_util.h"
#include "sw/graph/workloads.h"

namespace nm::sw {
namespace {

using detail::append_op;

// Square conv with folded-BN bias; input NHWC, weight [K, K, Cin, Cout].
int append_conv(Graph& g, const std::string& name, const std::string& layer, int x, int64_t cout,
                int64_t kernel, int64_t stride, int64_t pad) {
  const Shape in = g.tensor(x).shape;  // copy: add_tensor may reallocate the tensor table
  const int64_t ho = (in[1] + 2 * pad - kernel) / stride + 1;
  const int64_t wo = (in[2] + 2 * pad - kernel) / stride + 1;
  const int w = g.add_tensor(name + ".weight", {kernel, kernel, in[3], cout}, /*constant=*/true);
  const int b = g.add_tensor(name + ".bias", {cout}, /*constant=*/true);
  OpAttrs attrs;
  attrs.kernel_h = attrs.kernel_w = kernel;
  attrs.stride = stride;
  attrs.pad = pad;
  return append_op(g, OpKind::kConv2d, name, layer, {x, w, b}, {in[0], ho, wo, cout}, attrs);
}

int append_relu(Graph& g, const std::string& name, const std::string& layer, int x) {
  return append_op(g, OpKind::kRelu, name, layer, {x}, g.tensor(x).shape);
}

// Bottleneck block: 1x1 reduce, 3x3 (carries the stride: v1.5), 1x1 expand, shortcut add.
int append_bottleneck(Graph& g, const std::string& prefix, int x, int64_t width, int64_t stride,
                      bool downsample) {
  const int64_t out_channels = width * 4;
  int y = append_conv(g, prefix + ".conv1", prefix, x, width, 1, 1, 0);
  y = append_relu(g, prefix + ".relu1", prefix, y);
  y = append_conv(g, prefix + ".conv2", prefix, y, width, 3, stride, 1);
  y = append_relu(g, prefix + ".relu2", prefix, y);
  y = append_conv(g, prefix + ".conv3", prefix, y, out_channels, 1, 1, 0);
  int shortcut = x;
  if (downsample) shortcut = append_conv(g, prefix + ".downsample", prefix, x, out_channels, 1, stride, 0);
  y = append_op(g, OpKind::kAdd, prefix + ".add", prefix, {y, shortcut}, g.tensor(y).shape);
  return append_relu(g, prefix + ".relu3", prefix, y);
}

}  // namespace

Graph build_resnet50() {
  Graph g("resnet50");
  const int input = g.add_tensor("input", {1, 224, 224, 3});
  g.mark_input(input);

  int x = append_conv(g, "conv1", "stem", input, 64, 7, 2, 3);
  x = append_relu(g, "relu", "stem", x);
  OpAttrs pool;
  pool.kernel_h = pool.kernel_w = 3;
  pool.stride = 2;
  pool.pad = 1;
  const Shape stem = g.tensor(x).shape;
  const int64_t pooled = (stem[1] + 2 * pool.pad - pool.kernel_h) / pool.stride + 1;
  x = append_op(g, OpKind::kMaxPool2d, "maxpool", "stem", {x}, {1, pooled, pooled, stem[3]}, pool);

  struct Stage {
    int blocks;
    int64_t width;
    int64_t stride;
  };
  const Stage stages[] = {{3, 64, 1}, {4, 128, 2}, {6, 256, 2}, {3, 512, 2}};
  for (int s = 0; s < 4; ++s) {
    for (int b = 0; b < stages[s].blocks; ++b) {
      const std::string prefix = "layer" + std::to_string(s + 1) + "." + std::to_string(b);
      // Block 0 of every stage changes the channel count (and stage 2-4 the resolution).
      x = append_bottleneck(g, prefix, x, stages[s].width, b == 0 ? stages[s].stride : 1, b == 0);
    }
  }

  const int64_t channels = g.tensor(x).shape[3];
  x = append_op(g, OpKind::kGlobalAvgPool, "avgpool", "head", {x}, {1, 1, 1, channels});
  x = append_op(g, OpKind::kReshape, "flatten", "head", {x}, {1, channels});
  x = detail::append_linear(g, "fc", "head", x, 1000);
  g.mark_output(x);
  return g;
}

}  // namespace nm::sw
