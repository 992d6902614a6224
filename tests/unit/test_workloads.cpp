// Built-in workload graphs checked against independent, hand-written numbers.
//
// MACs and parameter counts below come from the published architectures written out by hand,
// not from the builders' code; graph_macs() is a separate small counter over the graph's shapes,
// so agreement checks that every op has the right shapes.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "graph_test_util.h"
#include "hw/core/input_error.h"
#include "sw/graph/graph.h"
#include "sw/graph/workloads.h"

namespace nm::sw {
namespace {

using test::count_kinds;
using test::expect_well_formed;
using test::find_op;
using test::graph_macs;

const Shape& in_shape(const Graph& g, const Op& op, size_t i) {
  return g.tensor(op.inputs.at(i)).shape;
}
const Shape& out_shape(const Graph& g, const Op& op) {
  return g.tensor(op.output).shape;
}

// ---------------------------------------------------------------------------------------------
// ResNet-50

// One row per distinct conv of torchvision ResNet-50 v1.5: output H (= W), Cin, Cout, kernel,
// and how many times it occurs. Block 0 of stages 2-4 reads the previous stage's resolution in
// its 1x1 conv1 and strides in conv2 and the downsample.
struct ConvRow {
  int64_t hout, cin, cout, k;
  int count;
};
const std::vector<ConvRow> kResNet50Convs = {
    {112, 3, 64, 7, 1},  // conv1
    // layer1 (56x56)
    {56, 64, 64, 1, 1},   // block0 conv1
    {56, 256, 64, 1, 2},  // blocks1-2 conv1
    {56, 64, 64, 3, 3},   // conv2
    {56, 64, 256, 1, 3},  // conv3
    {56, 64, 256, 1, 1},  // downsample
    // layer2 (28x28)
    {56, 256, 128, 1, 1},  // block0 conv1 (stride is in conv2)
    {28, 512, 128, 1, 3},  // blocks1-3 conv1
    {28, 128, 128, 3, 4},  // conv2
    {28, 128, 512, 1, 4},  // conv3
    {28, 256, 512, 1, 1},  // downsample, stride 2
    // layer3 (14x14)
    {28, 512, 256, 1, 1},
    {14, 1024, 256, 1, 5},
    {14, 256, 256, 3, 6},
    {14, 256, 1024, 1, 6},
    {14, 512, 1024, 1, 1},
    // layer4 (7x7)
    {14, 1024, 512, 1, 1},
    {7, 2048, 512, 1, 2},
    {7, 512, 512, 3, 3},
    {7, 512, 2048, 1, 3},
    {7, 1024, 2048, 1, 1},
};

TEST(WorkloadsResNet50, WellFormed) {
  expect_well_formed(build_resnet50());
}

TEST(WorkloadsResNet50, MacsMatchHandCount) {
  int64_t expected = 0;
  for (const ConvRow& c : kResNet50Convs) expected += c.count * c.hout * c.hout * c.cout * c.cin * c.k * c.k;
  expected += 2048 * 1000;  // fc
  EXPECT_EQ(expected, 4'089'184'256);
  EXPECT_GE(expected, 4.08e9);  // literature: ~4.09 GMACs
  EXPECT_LE(expected, 4.12e9);
  EXPECT_EQ(graph_macs(build_resnet50()), expected);
}

TEST(WorkloadsResNet50, ParameterCount) {
  // Folded BN: each conv gets bias[Cout]; the BN's gamma/beta (2 per channel) are gone.
  int64_t conv_weights = 0, conv_channels = 0;
  for (const ConvRow& c : kResNet50Convs) {
    conv_weights += c.count * c.k * c.k * c.cin * c.cout;
    conv_channels += c.count * c.cout;
  }
  const int64_t fc = 2048 * 1000 + 1000;
  const int64_t expected = conv_weights + conv_channels + fc;
  // torchvision's published count, with the 53 BNs swapped for conv biases.
  EXPECT_EQ(expected, 25'557'032 - 2 * conv_channels + conv_channels);
  EXPECT_EQ(expected, 25'530'472);
  EXPECT_EQ(build_resnet50().parameter_count(), expected);
}

TEST(WorkloadsResNet50, OpCounts) {
  const Graph g = build_resnet50();
  auto counts = count_kinds(g);
  int convs = 0;
  for (const ConvRow& c : kResNet50Convs) convs += c.count;
  EXPECT_EQ(convs, 53);
  EXPECT_EQ(counts[OpKind::kConv2d], 53);
  EXPECT_EQ(counts[OpKind::kLinear], 1);
  EXPECT_EQ(counts[OpKind::kAdd], 16);
  EXPECT_EQ(counts[OpKind::kRelu], 1 + 16 * 3);
  EXPECT_EQ(counts[OpKind::kMaxPool2d], 1);
  EXPECT_EQ(counts[OpKind::kGlobalAvgPool], 1);
  EXPECT_EQ(counts[OpKind::kReshape], 1);
  EXPECT_EQ(g.ops().size(), 53u + 1 + 16 + 49 + 3);
}

TEST(WorkloadsResNet50, Shapes) {
  const Graph g = build_resnet50();
  ASSERT_EQ(g.inputs().size(), 1u);
  EXPECT_EQ(g.tensor(g.inputs()[0]).shape, (Shape{1, 224, 224, 3}));
  EXPECT_EQ(g.tensor(g.outputs()[0]).shape, (Shape{1, 1000}));

  const Op& conv1 = find_op(g, "conv1");
  EXPECT_EQ(conv1.layer, "stem");
  EXPECT_EQ(out_shape(g, conv1), (Shape{1, 112, 112, 64}));
  EXPECT_EQ(conv1.attrs.kernel_h, 7);
  EXPECT_EQ(conv1.attrs.stride, 2);
  EXPECT_EQ(conv1.attrs.pad, 3);
  EXPECT_EQ(out_shape(g, find_op(g, "maxpool")), (Shape{1, 56, 56, 64}));

  // v1.5: the stride of a stage's first block sits in the 3x3 conv.
  const Op& c2 = find_op(g, "layer2.0.conv2");
  EXPECT_EQ(c2.kind, OpKind::kConv2d);
  EXPECT_EQ(c2.layer, "layer2.0");
  EXPECT_EQ(in_shape(g, c2, 0), (Shape{1, 56, 56, 128}));
  EXPECT_EQ(out_shape(g, c2), (Shape{1, 28, 28, 128}));
  EXPECT_EQ(c2.attrs.kernel_h, 3);
  EXPECT_EQ(c2.attrs.kernel_w, 3);
  EXPECT_EQ(c2.attrs.stride, 2);
  EXPECT_EQ(c2.attrs.pad, 1);
  EXPECT_EQ(in_shape(g, c2, 1), (Shape{3, 3, 128, 128}));
  EXPECT_EQ(in_shape(g, c2, 2), (Shape{128}));
  EXPECT_EQ(find_op(g, "layer2.0.conv1").attrs.stride, 1);

  const Op& ds = find_op(g, "layer2.0.downsample");
  EXPECT_EQ(in_shape(g, ds, 0), (Shape{1, 56, 56, 256}));
  EXPECT_EQ(out_shape(g, ds), (Shape{1, 28, 28, 512}));
  EXPECT_EQ(ds.attrs.stride, 2);
  EXPECT_EQ(ds.attrs.kernel_h, 1);

  const Op& add = find_op(g, "layer1.0.add");
  EXPECT_EQ(add.kind, OpKind::kAdd);
  EXPECT_EQ(add.inputs[1], find_op(g, "layer1.0.downsample").output);
  // Blocks after the first add the block input itself.
  EXPECT_EQ(find_op(g, "layer1.1.add").inputs[1], find_op(g, "layer1.0.relu3").output);

  EXPECT_EQ(out_shape(g, find_op(g, "layer4.2.relu3")), (Shape{1, 7, 7, 2048}));
  const Op& fc = find_op(g, "fc");
  EXPECT_EQ(fc.layer, "head");
  EXPECT_EQ(in_shape(g, fc, 0), (Shape{1, 2048}));
  EXPECT_EQ(in_shape(g, fc, 1), (Shape{2048, 1000}));
  EXPECT_EQ(in_shape(g, fc, 2), (Shape{1000}));
}

TEST(WorkloadsResNet50, Layers) {
  std::set<std::string> layers;
  const Graph g = build_resnet50();
  for (const Op& op : g.ops()) layers.insert(op.layer);
  EXPECT_EQ(layers.size(), 1u + 16 + 1);
  EXPECT_TRUE(layers.count("stem"));
  EXPECT_TRUE(layers.count("layer3.5"));
  EXPECT_TRUE(layers.count("head"));
}

// ---------------------------------------------------------------------------------------------
// BERT-base

int64_t bert_macs(int64_t s) {
  const int64_t per_layer = 4 * s * 768 * 768      // Q, K, V, attention output projections
                            + 2 * 12 * s * s * 64  // scores and context, 12 heads
                            + 2 * s * 768 * 3072;  // FFN up and down
  return 12 * per_layer + 768 * 768 + 768 * 2;     // + pooler and classifier on the CLS row
}

TEST(WorkloadsBert, WellFormed) {
  expect_well_formed(build_bert_base(128));
}

TEST(WorkloadsBert, MacsMatchHandCount) {
  EXPECT_EQ(bert_macs(128), 11'174'217'216);
  EXPECT_EQ(graph_macs(build_bert_base(128)), bert_macs(128));
  EXPECT_EQ(graph_macs(build_bert_base(64)), bert_macs(64));
  EXPECT_EQ(graph_macs(build_bert_base(512)), bert_macs(512));
}

TEST(WorkloadsBert, ParameterCount) {
  const int64_t h = 768, ffn = 3072;
  const int64_t embeddings = (30522 + 512 + 2) * h + 2 * h;
  const int64_t layer = 4 * (h * h + h) + (h * ffn + ffn) + (ffn * h + h) + 2 * 2 * h;
  const int64_t expected = embeddings + 12 * layer + (h * h + h) + (h * 2 + 2);
  // HuggingFace bert-base-uncased BertModel (with pooler) has 109,482,240 parameters.
  EXPECT_EQ(expected, 109'482'240 + 1'538);
  EXPECT_EQ(build_bert_base(128).parameter_count(), expected);
  EXPECT_EQ(build_bert_base(32).parameter_count(), expected);  // independent of seq_len
}

TEST(WorkloadsBert, OpCounts) {
  auto counts = count_kinds(build_bert_base(128));
  EXPECT_EQ(counts[OpKind::kLayerNorm], 12 * 2 + 1);
  EXPECT_EQ(counts[OpKind::kSoftmax], 12);
  EXPECT_EQ(counts[OpKind::kGelu], 12);
  EXPECT_EQ(counts[OpKind::kEmbedding], 3);
  EXPECT_EQ(counts[OpKind::kLinear], 12 * 6 + 2);
  EXPECT_EQ(counts[OpKind::kMatMul], 12 * 2);
  EXPECT_EQ(counts[OpKind::kAdd], 2 + 12 * 2);
  EXPECT_EQ(counts[OpKind::kTanh], 1);
}

TEST(WorkloadsBert, EncoderLayerOps) {
  const Graph g = build_bert_base(128);
  const std::vector<std::pair<std::string, OpKind>> expected = {
      {"attention.query", OpKind::kLinear},
      {"attention.key", OpKind::kLinear},
      {"attention.value", OpKind::kLinear},
      {"attention.query_heads", OpKind::kReshape},
      {"attention.key_heads", OpKind::kReshape},
      {"attention.value_heads", OpKind::kReshape},
      {"attention.scores", OpKind::kMatMul},
      {"attention.softmax", OpKind::kSoftmax},
      {"attention.context", OpKind::kMatMul},
      {"attention.context_merge", OpKind::kReshape},
      {"attention.output", OpKind::kLinear},
      {"attention.add", OpKind::kAdd},
      {"attention.layernorm", OpKind::kLayerNorm},
      {"ffn.intermediate", OpKind::kLinear},
      {"ffn.gelu", OpKind::kGelu},
      {"ffn.output", OpKind::kLinear},
      {"ffn.add", OpKind::kAdd},
      {"ffn.layernorm", OpKind::kLayerNorm},
  };
  for (const std::string layer : {"encoder.0", "encoder.11"}) {
    std::vector<const Op*> ops;
    for (const Op& op : g.ops()) {
      if (op.layer == layer) ops.push_back(&op);
    }
    ASSERT_EQ(ops.size(), expected.size()) << layer;
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(ops[i]->name, layer + "." + expected[i].first);
      EXPECT_EQ(ops[i]->kind, expected[i].second) << ops[i]->name;
    }
  }
}

TEST(WorkloadsBert, Shapes) {
  const int64_t s = 128;
  const Graph g = build_bert_base(s);
  ASSERT_EQ(g.inputs().size(), 1u);
  EXPECT_EQ(g.tensor(g.inputs()[0]).shape, (Shape{s}));

  const Op& word = find_op(g, "embeddings.word");
  EXPECT_EQ(word.kind, OpKind::kEmbedding);
  EXPECT_EQ(word.layer, "embeddings");
  EXPECT_EQ(word.attrs.rows, s);
  EXPECT_EQ(word.inputs.front(), g.inputs()[0]);  // ids first, then the table
  EXPECT_EQ(g.tensor(word.inputs.back()).shape, (Shape{30522, 768}));
  EXPECT_EQ(g.tensor(find_op(g, "embeddings.position").inputs.back()).shape, (Shape{512, 768}));
  EXPECT_EQ(g.tensor(find_op(g, "embeddings.token_type").inputs.back()).shape, (Shape{2, 768}));
  EXPECT_EQ(out_shape(g, word), (Shape{s, 768}));
  const Op& ln = find_op(g, "embeddings.layernorm");
  EXPECT_EQ(in_shape(g, ln, 1), (Shape{768}));
  EXPECT_EQ(in_shape(g, ln, 2), (Shape{768}));

  const Op& q = find_op(g, "encoder.3.attention.query");
  EXPECT_EQ(in_shape(g, q, 0), (Shape{s, 768}));
  EXPECT_EQ(in_shape(g, q, 1), (Shape{768, 768}));
  EXPECT_EQ(in_shape(g, q, 2), (Shape{768}));
  const Op& scores = find_op(g, "encoder.3.attention.scores");
  EXPECT_TRUE(scores.attrs.transpose_b);
  EXPECT_FALSE(scores.attrs.transpose_a);
  EXPECT_EQ(in_shape(g, scores, 0), (Shape{12, s, 64}));
  EXPECT_EQ(in_shape(g, scores, 1), (Shape{12, s, 64}));
  EXPECT_EQ(out_shape(g, scores), (Shape{12, s, s}));
  const Op& ctx = find_op(g, "encoder.3.attention.context");
  EXPECT_FALSE(ctx.attrs.transpose_b);
  EXPECT_EQ(in_shape(g, ctx, 0), (Shape{12, s, s}));
  EXPECT_EQ(out_shape(g, ctx), (Shape{12, s, 64}));
  EXPECT_EQ(out_shape(g, find_op(g, "encoder.3.attention.context_merge")), (Shape{s, 768}));
  EXPECT_EQ(out_shape(g, find_op(g, "encoder.3.ffn.intermediate")), (Shape{s, 3072}));
  // Residual adds read the sublayer input.
  EXPECT_EQ(find_op(g, "encoder.3.attention.add").inputs[1], find_op(g, "encoder.2.ffn.layernorm").output);
  EXPECT_EQ(find_op(g, "encoder.3.ffn.add").inputs[1], find_op(g, "encoder.3.attention.layernorm").output);

  const Op& cls = find_op(g, "pooler.cls_select");
  EXPECT_EQ(cls.layer, "pooler");
  EXPECT_EQ(in_shape(g, cls, 0), (Shape{s, 768}));
  EXPECT_EQ(out_shape(g, cls), (Shape{1, 768}));
  EXPECT_EQ(find_op(g, "pooler.tanh").kind, OpKind::kTanh);
  const Op& head = find_op(g, "classifier");
  EXPECT_EQ(head.layer, "classifier");
  EXPECT_EQ(in_shape(g, head, 1), (Shape{768, 2}));
  EXPECT_EQ(g.tensor(g.outputs()[0]).shape, (Shape{1, 2}));
}

TEST(WorkloadsBert, SeqLenOutOfRangeIsInputError) {
  EXPECT_THROW(build_bert_base(0), nm::InputError);
  EXPECT_THROW(build_bert_base(513), nm::InputError);
}

// ---------------------------------------------------------------------------------------------
// GCN on Cora

TEST(WorkloadsGcn, WellFormed) {
  expect_well_formed(build_gcn_cora());
}

TEST(WorkloadsGcn, MacsMatchHandCount) {
  const int64_t expected = int64_t{2708} * 1433 * 16 + int64_t{2708} * 2708 * 16 + int64_t{2708} * 16 * 7 +
                           int64_t{2708} * 2708 * 7;
  EXPECT_EQ(expected, 231'057'392);
  EXPECT_EQ(graph_macs(build_gcn_cora()), expected);
}

TEST(WorkloadsGcn, ParameterCount) {
  const int64_t learned = 1433 * 16 + 16 + 16 * 7 + 7;
  EXPECT_EQ(learned, 23'063);                                                     // PyG's 2-layer GCN on Cora
  EXPECT_EQ(build_gcn_cora().parameter_count(), learned + int64_t{2708} * 2708);  // + dense A_hat
}

TEST(WorkloadsGcn, Shapes) {
  const Graph g = build_gcn_cora();
  ASSERT_EQ(g.inputs().size(), 1u);
  EXPECT_EQ(g.tensor(g.inputs()[0]).shape, (Shape{2708, 1433}));

  const Op& l1 = find_op(g, "gcn1.linear");
  EXPECT_EQ(l1.kind, OpKind::kLinear);
  EXPECT_EQ(in_shape(g, l1, 1), (Shape{1433, 16}));
  EXPECT_EQ(in_shape(g, l1, 2), (Shape{16}));
  EXPECT_EQ(out_shape(g, l1), (Shape{2708, 16}));

  for (const std::string name : {"gcn1.aggregate", "gcn2.aggregate"}) {
    const Op& agg = find_op(g, name);
    EXPECT_EQ(agg.kind, OpKind::kMatMul);
    const Tensor& adj = g.tensor(agg.inputs[0]);
    EXPECT_TRUE(adj.constant);
    EXPECT_EQ(adj.shape, (Shape{1, 2708, 2708}));
    EXPECT_EQ(in_shape(g, agg, 1).size(), 3u);
  }
  EXPECT_EQ(out_shape(g, find_op(g, "gcn1.aggregate")), (Shape{1, 2708, 16}));
  EXPECT_EQ(find_op(g, "gcn1.relu").kind, OpKind::kRelu);
  const Op& l2 = find_op(g, "gcn2.linear");
  EXPECT_EQ(in_shape(g, l2, 1), (Shape{16, 7}));
  EXPECT_EQ(out_shape(g, find_op(g, "gcn2.aggregate")), (Shape{1, 2708, 7}));
  EXPECT_EQ(g.ops().back().kind, OpKind::kSoftmax);
  EXPECT_EQ(g.tensor(g.outputs()[0]).shape, (Shape{1, 2708, 7}));
}

// ---------------------------------------------------------------------------------------------

TEST(WorkloadsBuiltins, Names) {
  // The families (test_families.cpp) follow today's three, which keep their place.
  const std::vector<std::string> names = builtin_workload_names();
  ASSERT_GE(names.size(), 3u);
  EXPECT_EQ(std::vector<std::string>(names.begin(), names.begin() + 3),
            (std::vector<std::string>{"resnet50", "bert_base", "gcn"}));
}

TEST(WorkloadsBuiltins, LoadByName) {
  WorkloadOptions options;
  options.seq_len = 64;
  EXPECT_EQ(load_workload("resnet50", options, {}).name(), "resnet50");
  EXPECT_EQ(load_workload("gcn", options, {}).name(), "gcn_cora");
  const Graph bert = load_workload("bert_base", options, {});
  EXPECT_EQ(bert.tensor(bert.inputs()[0]).shape, (Shape{64}));
}

}  // namespace
}  // namespace nm::sw
