// torchvision ResNets (18/34: BasicBlock, 50/101/152: Bottleneck v1.5) as Graphs, on ImageNet or
// CIFAR-10.
//
// BatchNorm is folded into the preceding conv at inference, so every conv carries a bias[Cout]
// and there are no BN ops or BN parameters. Parameter count of ResNet-50 = torchvision's
// 25,557,032 - 53,120 BN weights/biases (2 per channel of each of the 53 BNs) + 26,560 conv biases
// (1 per output channel of each of the 53 convs) = 25,530,472.
#include <string>
#include <vector>

#include "hw/core/input_error.h"
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

// torchvision's rule: a 1x1 projection shortcut when the block changes resolution or channels.
bool needs_downsample(const Graph& g, int x, int64_t out_channels, int64_t stride) {
  return stride != 1 || g.tensor(x).shape[3] != out_channels;
}

// Bottleneck block: 1x1 reduce, 3x3 (carries the stride: v1.5), 1x1 expand, shortcut add.
int append_bottleneck(Graph& g, const std::string& prefix, int x, int64_t width, int64_t stride) {
  const int64_t out_channels = width * 4;
  const bool downsample = needs_downsample(g, x, out_channels, stride);
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

// BasicBlock: two 3x3 convs (the first carries the stride), expansion 1, shortcut add.
int append_basic_block(Graph& g, const std::string& prefix, int x, int64_t width, int64_t stride) {
  const bool downsample = needs_downsample(g, x, width, stride);
  int y = append_conv(g, prefix + ".conv1", prefix, x, width, 3, stride, 1);
  y = append_relu(g, prefix + ".relu1", prefix, y);
  y = append_conv(g, prefix + ".conv2", prefix, y, width, 3, 1, 1);
  int shortcut = x;
  if (downsample) shortcut = append_conv(g, prefix + ".downsample", prefix, x, width, 1, stride, 0);
  y = append_op(g, OpKind::kAdd, prefix + ".add", prefix, {y, shortcut}, g.tensor(y).shape);
  return append_relu(g, prefix + ".relu2", prefix, y);
}

}  // namespace

Graph build_resnet(int layers, ResNetDataset dataset, const WorkloadOptions& options) {
  const bool cifar = dataset == ResNetDataset::kCifar10;
  const std::string base = "resnet" + std::to_string(layers) + (cifar ? "_cifar10" : "");
  const std::string where = "built-in workload " + base;
  detail::check_multiplier(options.width, where, "width");
  detail::check_multiplier(options.depth, where, "depth");

  std::vector<int> blocks;
  bool bottleneck = true;
  switch (layers) {
    case 18:
      blocks = {2, 2, 2, 2};
      bottleneck = false;
      break;
    case 34:
      blocks = {3, 4, 6, 3};
      bottleneck = false;
      break;
    case 50:
      blocks = {3, 4, 6, 3};
      break;
    case 101:
      blocks = {3, 4, 23, 3};
      break;
    case 152:
      blocks = {3, 8, 36, 3};
      break;
    default:
      throw InputError(where, "layers", "expected 18, 34, 50, 101 or 152");
  }

  Graph g(detail::scaled_name(base, options.width, options.depth));
  const int64_t size = cifar ? 32 : 224;
  const int64_t batch = options.batch;
  g.set_batch(batch);
  const int input = g.add_tensor("input", {batch, size, size, 3});
  g.mark_input(input);

  const int64_t stem_channels = scale_width(64, options.width);
  int x;
  if (cifar) {
    // The usual CIFAR adaptation of the ImageNet ResNets (e.g. kuangliu/pytorch-cifar): a 3x3
    // stride-1 stem conv and no maxpool, so the 32x32 image is not shrunk to 8x8 before layer1.
    x = append_conv(g, "conv1", "stem", input, stem_channels, 3, 1, 1);
    x = append_relu(g, "relu", "stem", x);
  } else {
    x = append_conv(g, "conv1", "stem", input, stem_channels, 7, 2, 3);
    x = append_relu(g, "relu", "stem", x);
    OpAttrs pool;
    pool.kernel_h = pool.kernel_w = 3;
    pool.stride = 2;
    pool.pad = 1;
    const Shape stem = g.tensor(x).shape;
    const int64_t pooled = (stem[1] + 2 * pool.pad - pool.kernel_h) / pool.stride + 1;
    x = append_op(g, OpKind::kMaxPool2d, "maxpool", "stem", {x}, {batch, pooled, pooled, stem[3]}, pool);
  }

  const int64_t widths[] = {64, 128, 256, 512};
  const int64_t strides[] = {1, 2, 2, 2};
  for (int s = 0; s < 4; ++s) {
    const int64_t width = scale_width(widths[s], options.width);
    const int count = scale_depth(blocks[static_cast<size_t>(s)], options.depth);
    for (int b = 0; b < count; ++b) {
      const std::string prefix = "layer" + std::to_string(s + 1) + "." + std::to_string(b);
      // Block 0 of every stage changes the channel count (and stage 2-4 the resolution).
      const int64_t stride = b == 0 ? strides[s] : 1;
      x = bottleneck ? append_bottleneck(g, prefix, x, width, stride)
                     : append_basic_block(g, prefix, x, width, stride);
    }
  }

  const int64_t channels = g.tensor(x).shape[3];
  x = append_op(g, OpKind::kGlobalAvgPool, "avgpool", "head", {x}, {batch, 1, 1, channels});
  x = append_op(g, OpKind::kReshape, "flatten", "head", {x}, {batch, channels});
  x = detail::append_linear(g, "fc", "head", x, cifar ? 10 : 1000);
  g.mark_output(x);
  return g;
}

Graph build_resnet50() {
  return build_resnet(50, ResNetDataset::kImageNet, WorkloadOptions{});
}

}  // namespace nm::sw
