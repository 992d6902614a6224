// Network families (ResNet-18..152 on ImageNet and CIFAR-10, BERT-base/-large, DistilBERT,
// ALBERT-base, GCN with 1..9 layers on Cora/CiteSeer/PubMed) and the width/depth multipliers.
//
// Expected MACs and parameter counts come from closed-form hand formulas written here, anchored
// to published totals (torchvision, HuggingFace, PyG), not from the builders' code; graph_macs()
// is a separate counter over the graph's shapes.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "graph_test_util.h"
#include "hw/core/arch_config.h"
#include "hw/core/input_error.h"
#include "hw/core/kernel_desc.h"
#include "sw/graph/graph.h"
#include "sw/graph/workloads.h"
#include "sw/lowering/kernel_program.h"

namespace nm::sw {
namespace {

using test::count_kinds;
using test::expect_well_formed;
using test::find_op;
using test::graph_macs;

// Every field of a graph as text; its FNV-1a hash pins today's graphs.
std::string serialize(const Graph& g) {
  std::ostringstream o;
  o << "graph " << g.name() << "\n";
  for (const Tensor& t : g.tensors()) {
    o << "T " << t.id << " " << t.name << " " << shape_to_string(t.shape) << " " << t.constant << "\n";
  }
  for (const Op& op : g.ops()) {
    o << "O " << op_kind_name(op.kind) << " " << op.name << " " << op.layer << " [";
    for (int i : op.inputs) o << i << ",";
    o << "] " << op.output << " " << op.attrs.kernel_h << " " << op.attrs.kernel_w << " " << op.attrs.stride
      << " " << op.attrs.pad << " " << op.attrs.groups << " " << op.attrs.transpose_a << op.attrs.transpose_b
      << " " << op.attrs.alpha << " " << op.attrs.rows << "\n";
  }
  for (int i : g.inputs()) o << "I " << i << "\n";
  for (int i : g.outputs()) o << "U " << i << "\n";
  return o.str();
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// Same tensors, ops, inputs and outputs; names of the graphs may differ.
void expect_same_structure(const Graph& a, const Graph& b) {
  const std::string sa = serialize(a), sb = serialize(b);
  EXPECT_EQ(sa.substr(sa.find('\n')), sb.substr(sb.find('\n')));
}

Graph load(const std::string& name, const WorkloadOptions& options = {}) {
  return load_workload(name, options, {});
}

WorkloadOptions scaled(double width, double depth) {
  WorkloadOptions o;
  o.width = width;
  o.depth = depth;
  return o;
}

// ---------------------------------------------------------------------------------------------
// Names and today's workloads

const std::vector<std::string> kResNets = {"resnet18", "resnet34", "resnet50", "resnet101", "resnet152"};
const std::vector<std::string> kTransformers = {"bert_base", "bert_large", "distilbert", "albert_base"};

std::vector<std::string> gcn_names() {
  std::vector<std::string> names;
  for (const std::string d : {"cora", "citeseer", "pubmed"}) {
    for (int l : {1, 2, 3, 6, 9}) names.push_back("gcn_" + d + "_l" + std::to_string(l));
  }
  return names;
}

TEST(Families, BuiltinNames) {
  const std::vector<std::string> names = builtin_workload_names();
  ASSERT_GE(names.size(), 3u);
  // Today's three keep their place at the front.
  EXPECT_EQ(std::vector<std::string>(names.begin(), names.begin() + 3),
            (std::vector<std::string>{"resnet50", "bert_base", "gcn"}));
  std::set<std::string> expected = {"gcn"};
  for (const std::string& r : kResNets) {
    expected.insert(r);
    expected.insert(r + "_cifar10");
  }
  for (const std::string& t : kTransformers) expected.insert(t);
  for (const std::string& n : gcn_names()) {
    expected.insert(n);
    expected.insert(n + "_sparse");  // CSR adjacency, SpMM aggregation
  }
  for (int l : {1, 2, 3, 6, 9}) expected.insert("gcn_reddit_l" + std::to_string(l));           // sparse only
  for (const char* d : {"gpt2", "gpt2_medium", "llama2_7b", "llama3_8b"}) expected.insert(d);  // decoders
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()), expected);
  EXPECT_EQ(names.size(), expected.size());  // no duplicates
  EXPECT_EQ(names.size(), 54u);
  for (const std::string& n : names) EXPECT_TRUE(is_builtin_workload(n)) << n;
  EXPECT_FALSE(is_builtin_workload("resnet50.yaml"));
}

// Fingerprints of resnet50, bert_base (S=128 and 64) and gcn as built before the families were
// added: width = depth = 1 must keep them byte for byte.
TEST(Families, TodaysWorkloadsUnchanged) {
  EXPECT_EQ(fnv1a(serialize(build_resnet50())), 0x2af391d0fd50a687ull);
  EXPECT_EQ(fnv1a(serialize(build_bert_base(128))), 0x198d0b594c7a65cdull);
  EXPECT_EQ(fnv1a(serialize(build_bert_base(64))), 0xf1ccd0aa6e090d4dull);
  EXPECT_EQ(fnv1a(serialize(build_gcn_cora())), 0xcd69f0498d1dc774ull);

  const WorkloadOptions ones = scaled(1.0, 1.0);
  EXPECT_EQ(serialize(load("resnet50", ones)), serialize(build_resnet50()));
  EXPECT_EQ(serialize(load("bert_base", ones)), serialize(build_bert_base(128)));
  EXPECT_EQ(serialize(load("gcn", ones)), serialize(build_gcn_cora()));
  EXPECT_EQ(serialize(build_resnet(50, ResNetDataset::kImageNet, ones)), serialize(build_resnet50()));
  EXPECT_EQ(serialize(build_transformer(TransformerModel::kBertBase, ones)), serialize(build_bert_base(128)));

  // gcn is gcn_cora_l2 under its historical name.
  const Graph l2 = load("gcn_cora_l2");
  EXPECT_EQ(l2.name(), "gcn_cora_l2");
  EXPECT_EQ(load("gcn").name(), "gcn_cora");
  expect_same_structure(l2, build_gcn_cora());
}

TEST(Families, GraphNames) {
  for (const std::string& n : builtin_workload_names()) {
    EXPECT_EQ(load(n).name(), n == "gcn" ? "gcn_cora" : n);
  }
  EXPECT_EQ(load("resnet18_cifar10", scaled(0.5, 2)).name(), "resnet18_cifar10_w0.5_d2");
  EXPECT_EQ(load("bert_large", scaled(1, 0.25)).name(), "bert_large_d0.25");
  EXPECT_EQ(load("gcn", scaled(2, 1)).name(), "gcn_cora_w2");
}

// ---------------------------------------------------------------------------------------------
// ResNet

struct ResNetCount {
  int64_t macs = 0, params = 0, bn_channels = 0;
  int convs = 0, blocks = 0;
};

// Closed form of torchvision's ResNet with BN folded (one bias per conv output channel, no BN
// parameters), base channel count c (64 as published; 128 at width 2).
ResNetCount resnet_by_hand(const std::vector<int>& blocks, bool bottleneck, bool cifar, int64_t c = 64) {
  ResNetCount n;
  auto conv = [&n](int64_t hout, int64_t cin, int64_t cout, int64_t k) {
    n.macs += hout * hout * cout * cin * k * k;
    n.params += k * k * cin * cout + cout;
    n.bn_channels += cout;
    ++n.convs;
  };
  int64_t h = cifar ? 32 : 112;
  conv(h, 3, c, cifar ? 3 : 7);
  if (!cifar) h = 56;  // maxpool
  int64_t in = c;
  for (int s = 0; s < 4; ++s) {
    const int64_t width = c << s;
    const int64_t out = bottleneck ? 4 * width : width;
    for (int b = 0; b < blocks[static_cast<size_t>(s)]; ++b) {
      const int64_t hout = (b == 0 && s > 0) ? h / 2 : h;
      if (bottleneck) {
        conv(h, in, width, 1);  // v1.5: the 1x1 reduce runs at the input resolution
        conv(hout, width, width, 3);
        conv(hout, width, out, 1);
      } else {
        conv(hout, in, width, 3);
        conv(hout, width, width, 3);
      }
      if (hout != h || in != out) conv(hout, in, out, 1);
      h = hout;
      in = out;
      ++n.blocks;
    }
  }
  const int64_t classes = cifar ? 10 : 1000;
  n.macs += in * classes;
  n.params += in * classes + classes;
  return n;
}

struct ResNetCase {
  int layers;
  std::vector<int> blocks;
  bool bottleneck;
  int64_t torchvision_params;  // with BatchNorm, 1000 classes
};
const std::vector<ResNetCase> kResNetCases = {
    {18, {2, 2, 2, 2}, false, 11'689'512},  {34, {3, 4, 6, 3}, false, 21'797'672},
    {50, {3, 4, 6, 3}, true, 25'557'032},   {101, {3, 4, 23, 3}, true, 44'549'160},
    {152, {3, 8, 36, 3}, true, 60'192'808},
};

TEST(FamiliesResNet, ImageNetMacsAndParams) {
  // torchvision's published GMACs ("GFLOPS" in its tables count multiply-adds).
  const std::map<int, std::pair<double, double>> gmacs = {
      {18, {1.81, 1.83}}, {34, {3.66, 3.68}}, {50, {4.08, 4.10}}, {101, {7.80, 7.82}}, {152, {11.51, 11.53}}};
  for (const ResNetCase& c : kResNetCases) {
    SCOPED_TRACE(c.layers);
    const ResNetCount hand = resnet_by_hand(c.blocks, c.bottleneck, false);
    EXPECT_GE(hand.macs, gmacs.at(c.layers).first * 1e9);
    EXPECT_LE(hand.macs, gmacs.at(c.layers).second * 1e9);
    // torchvision's count with each BN's gamma/beta (2 per channel) swapped for a conv bias (1).
    EXPECT_EQ(hand.params, c.torchvision_params - hand.bn_channels);
    const Graph g = load("resnet" + std::to_string(c.layers));
    expect_well_formed(g);
    EXPECT_EQ(graph_macs(g), hand.macs);
    EXPECT_EQ(g.parameter_count(), hand.params);
  }
  EXPECT_EQ(resnet_by_hand({2, 2, 2, 2}, false, false).macs, 1'814'073'344);
  EXPECT_EQ(resnet_by_hand({2, 2, 2, 2}, false, false).params, 11'684'712);
  EXPECT_EQ(resnet_by_hand({3, 4, 6, 3}, true, false).macs, 4'089'184'256);  // test_workloads' figure
}

TEST(FamiliesResNet, Cifar10MacsAndParams) {
  for (const ResNetCase& c : kResNetCases) {
    SCOPED_TRACE(c.layers);
    const ResNetCount hand = resnet_by_hand(c.blocks, c.bottleneck, true);
    // The ImageNet count minus the 7x7 -> 3x3 stem and the 1000 -> 10 class head (no BN there).
    const int64_t fc_in = c.bottleneck ? 2048 : 512;
    const int64_t published_cifar = c.torchvision_params - (7 * 7 - 3 * 3) * 3 * 64 - (fc_in + 1) * 990;
    EXPECT_EQ(hand.params, published_cifar - hand.bn_channels);
    const Graph g = load("resnet" + std::to_string(c.layers) + "_cifar10");
    expect_well_formed(g);
    EXPECT_EQ(graph_macs(g), hand.macs);
    EXPECT_EQ(g.parameter_count(), hand.params);
    EXPECT_EQ(g.tensor(g.inputs()[0]).shape, (Shape{1, 32, 32, 3}));
    EXPECT_EQ(g.tensor(g.outputs()[0]).shape, (Shape{1, 10}));
  }
  // kuangliu/pytorch-cifar ResNet18: 11,173,962 parameters with BN, ~0.56 GMACs.
  const ResNetCount r18 = resnet_by_hand({2, 2, 2, 2}, false, true);
  EXPECT_EQ(r18.params + r18.bn_channels, 11'173'962);
  EXPECT_EQ(r18.macs, 555'422'720);
}

TEST(FamiliesResNet, OpCounts) {
  for (const ResNetCase& c : kResNetCases) {
    for (bool cifar : {false, true}) {
      SCOPED_TRACE(std::to_string(c.layers) + (cifar ? " cifar" : ""));
      const ResNetCount hand = resnet_by_hand(c.blocks, c.bottleneck, cifar);
      const Graph g = load("resnet" + std::to_string(c.layers) + (cifar ? "_cifar10" : ""));
      auto counts = count_kinds(g);
      const int per_block = c.bottleneck ? 3 : 2;
      // Bottleneck nets project the shortcut in every stage; BasicBlock nets in stages 2-4.
      const int downsamples = c.bottleneck ? 4 : 3;
      EXPECT_EQ(hand.convs, 1 + hand.blocks * per_block + downsamples);
      EXPECT_EQ(hand.convs, c.layers - 1 + downsamples);  // "ResNet-L": L - 1 convs + the fc
      EXPECT_EQ(counts[OpKind::kConv2d], hand.convs);
      EXPECT_EQ(counts[OpKind::kAdd], hand.blocks);
      EXPECT_EQ(counts[OpKind::kRelu], 1 + hand.blocks * per_block);
      EXPECT_EQ(counts[OpKind::kMaxPool2d], cifar ? 0 : 1);
      EXPECT_EQ(counts[OpKind::kLinear], 1);
      EXPECT_EQ(counts[OpKind::kGlobalAvgPool], 1);
      EXPECT_EQ(counts[OpKind::kReshape], 1);
      EXPECT_EQ(g.ops().size(), static_cast<size_t>(hand.convs + hand.blocks + 1 + hand.blocks * per_block +
                                                    (cifar ? 0 : 1) + 3));
    }
  }
}

TEST(FamiliesResNet, BasicBlockShapes) {
  const Graph g = load("resnet18");
  // The stride sits in the first 3x3 conv; stage 1 keeps 64 channels, so it has no projection.
  const Op& c1 = find_op(g, "layer2.0.conv1");
  EXPECT_EQ(c1.attrs.stride, 2);
  EXPECT_EQ(c1.attrs.kernel_h, 3);
  EXPECT_EQ(g.tensor(c1.inputs[0]).shape, (Shape{1, 56, 56, 64}));
  EXPECT_EQ(g.tensor(c1.output).shape, (Shape{1, 28, 28, 128}));
  EXPECT_EQ(find_op(g, "layer2.0.conv2").attrs.stride, 1);
  EXPECT_EQ(find_op(g, "layer2.0.downsample").attrs.stride, 2);
  EXPECT_EQ(find_op(g, "layer1.0.add").inputs[1], find_op(g, "maxpool").output);
  EXPECT_EQ(find_op(g, "layer2.1.add").inputs[1], find_op(g, "layer2.0.relu2").output);
  EXPECT_EQ(g.tensor(find_op(g, "layer4.1.relu2").output).shape, (Shape{1, 7, 7, 512}));

  const Graph cifar = load("resnet18_cifar10");
  const Op& stem = find_op(cifar, "conv1");
  EXPECT_EQ(stem.attrs.kernel_h, 3);
  EXPECT_EQ(stem.attrs.stride, 1);
  EXPECT_EQ(cifar.tensor(stem.output).shape, (Shape{1, 32, 32, 64}));
  EXPECT_EQ(cifar.tensor(find_op(cifar, "layer4.1.relu2").output).shape, (Shape{1, 4, 4, 512}));
}

// ---------------------------------------------------------------------------------------------
// Transformers

struct TransformerCase {
  std::string name;
  int layers;
  int64_t hidden, heads, ffn, vocab, token_types, embedding;
  bool shared, pooler;
  int64_t published_params;  // HF base model (BertModel with pooler, DistilBertModel, AlbertModel)
};
const std::vector<TransformerCase> kTransformerCases = {
    {"bert_base", 12, 768, 12, 3072, 30522, 2, 768, false, true, 109'482'240},
    {"bert_large", 24, 1024, 16, 4096, 30522, 2, 1024, false, true, 335'141'888},
    {"distilbert", 6, 768, 12, 3072, 30522, 0, 768, false, false, 66'362'880},
    {"albert_base", 12, 768, 12, 3072, 30000, 2, 128, true, true, 11'683'584},
};

int64_t transformer_macs(const TransformerCase& c, int64_t s) {
  const int64_t h = c.hidden, f = c.ffn;
  const int64_t per_layer = 4 * s * h * h                          // Q, K, V, attention output projections
                            + 2 * c.heads * s * s * (h / c.heads)  // scores and context
                            + 2 * s * h * f;                       // FFN up and down
  const int64_t projection = c.embedding != h ? s * c.embedding * h : 0;
  return c.layers * per_layer + projection + h * h + h * 2;  // + pooler / pre_classifier + classifier
}

int64_t transformer_params(const TransformerCase& c) {
  const int64_t h = c.hidden, f = c.ffn, e = c.embedding;
  const int64_t embeddings = (c.vocab + 512 + c.token_types) * e + 2 * e;
  const int64_t projection = e != h ? e * h + h : 0;
  const int64_t layer = 4 * (h * h + h) + 2 * h + (h * f + f) + (f * h + h) + 2 * h;
  return embeddings + projection + (c.shared ? 1 : c.layers) * layer + (h * h + h) + (h * 2 + 2);
}

TEST(FamiliesTransformer, MacsAndParams) {
  for (const TransformerCase& c : kTransformerCases) {
    SCOPED_TRACE(c.name);
    // The published base model, + the classifier (+ DistilBERT's pre_classifier, not in the base).
    EXPECT_EQ(transformer_params(c),
              c.published_params + (c.pooler ? 0 : c.hidden * c.hidden + c.hidden) + c.hidden * 2 + 2);
    for (int64_t s : {1, 64, 128, 512}) {
      WorkloadOptions o;
      o.seq_len = s;
      const Graph g = load(c.name, o);
      if (s == 128) expect_well_formed(g);
      EXPECT_EQ(graph_macs(g), transformer_macs(c, s)) << s;
      EXPECT_EQ(g.parameter_count(), transformer_params(c)) << s;
      EXPECT_EQ(g.tensor(g.inputs()[0]).shape, (Shape{s}));
      EXPECT_EQ(g.tensor(g.outputs()[0]).shape, (Shape{1, 2}));
    }
  }
  EXPECT_EQ(transformer_macs(kTransformerCases[0], 128), 11'174'217'216);  // test_workloads' figure
  EXPECT_EQ(transformer_macs(kTransformerCases[1], 128), 39'461'062'656);
  EXPECT_EQ(transformer_macs(kTransformerCases[2], 128), 5'587'404'288);
  EXPECT_EQ(transformer_macs(kTransformerCases[3], 128), 11'186'800'128);
}

TEST(FamiliesTransformer, OpCounts) {
  for (const TransformerCase& c : kTransformerCases) {
    SCOPED_TRACE(c.name);
    auto counts = count_kinds(load(c.name));
    const int l = c.layers;
    const bool projected = c.embedding != c.hidden;
    EXPECT_EQ(counts[OpKind::kEmbedding], c.token_types > 0 ? 3 : 2);
    EXPECT_EQ(counts[OpKind::kAdd], (c.token_types > 0 ? 2 : 1) + 2 * l);
    EXPECT_EQ(counts[OpKind::kLayerNorm], 2 * l + 1);
    EXPECT_EQ(counts[OpKind::kSoftmax], l);
    EXPECT_EQ(counts[OpKind::kGelu], l);
    EXPECT_EQ(counts[OpKind::kMatMul], 2 * l);
    EXPECT_EQ(counts[OpKind::kLinear], 6 * l + 2 + (projected ? 1 : 0));
    EXPECT_EQ(counts[OpKind::kReshape], 4 * l + 1);
    EXPECT_EQ(counts[OpKind::kTanh], c.pooler ? 1 : 0);
    EXPECT_EQ(counts[OpKind::kRelu], c.pooler ? 0 : 1);
  }
}

TEST(FamiliesTransformer, BertLargeShapes) {
  const Graph g = load("bert_large");
  const Op& scores = find_op(g, "encoder.23.attention.scores");
  EXPECT_EQ(g.tensor(scores.inputs[0]).shape, (Shape{16, 128, 64}));
  EXPECT_EQ(g.tensor(find_op(g, "encoder.23.ffn.intermediate").output).shape, (Shape{128, 4096}));
  EXPECT_EQ(g.tensor(find_op(g, "classifier").inputs[1]).shape, (Shape{1024, 2}));
}

TEST(FamiliesTransformer, DistilBertHead) {
  const Graph g = load("distilbert");
  for (const Tensor& t : g.tensors()) EXPECT_EQ(t.name.find("token_type"), std::string::npos) << t.name;
  EXPECT_EQ(find_op(g, "embeddings.add_position").inputs[0], find_op(g, "embeddings.word").output);
  const Op& pre = find_op(g, "pre_classifier");
  EXPECT_EQ(pre.kind, OpKind::kLinear);
  EXPECT_EQ(g.tensor(pre.inputs[0]).shape, (Shape{1, 768}));
  EXPECT_EQ(g.tensor(pre.inputs[1]).shape, (Shape{768, 768}));
  EXPECT_EQ(find_op(g, "pre_classifier.cls_select").inputs[0], find_op(g, "encoder.5.ffn.layernorm").output);
  EXPECT_EQ(find_op(g, "pre_classifier.relu").kind, OpKind::kRelu);
  EXPECT_EQ(find_op(g, "classifier").inputs[0], find_op(g, "pre_classifier.relu").output);
}

TEST(FamiliesTransformer, AlbertSharesOneLayer) {
  const Graph g = load("albert_base");
  const Op& proj = find_op(g, "embeddings.projection");
  EXPECT_EQ(g.tensor(proj.inputs[0]).shape, (Shape{128, 128}));
  EXPECT_EQ(g.tensor(proj.inputs[1]).shape, (Shape{128, 768}));
  EXPECT_EQ(g.tensor(find_op(g, "embeddings.word").inputs.back()).shape, (Shape{30000, 128}));
  EXPECT_EQ(g.tensor(find_op(g, "embeddings.layernorm").inputs[1]).shape, (Shape{128}));
  // Every layer reads the very same constant tensors.
  for (const std::string op : {"attention.query", "attention.key", "attention.value", "attention.output",
                               "attention.layernorm", "ffn.intermediate", "ffn.output", "ffn.layernorm"}) {
    const Op& first = find_op(g, "encoder.0." + op);
    for (int l = 1; l < 12; ++l) {
      const Op& other = find_op(g, "encoder." + std::to_string(l) + "." + op);
      EXPECT_EQ(std::vector<int>(other.inputs.begin() + 1, other.inputs.end()),
                std::vector<int>(first.inputs.begin() + 1, first.inputs.end()))
          << other.name;
    }
  }
  // Depth repeats the computation, never the parameters.
  const Graph deep = load("albert_base", scaled(1, 2));
  EXPECT_EQ(count_kinds(deep)[OpKind::kSoftmax], 24);
  EXPECT_EQ(deep.parameter_count(), g.parameter_count());
  TransformerCase c = kTransformerCases[3];
  c.layers = 24;
  EXPECT_EQ(graph_macs(deep), transformer_macs(c, 128));
}

TEST(FamiliesTransformer, SeqLenOutOfRange) {
  for (const TransformerCase& c : kTransformerCases) {
    WorkloadOptions o;
    o.seq_len = 513;
    EXPECT_THROW(load(c.name, o), nm::InputError) << c.name;
    EXPECT_THROW(build_transformer(TransformerModel::kDistilBert, o), nm::InputError);
  }
  WorkloadOptions o;
  o.seq_len = 0;
  try {
    load("distilbert", o);
    ADD_FAILURE() << "no nm::InputError";
  } catch (const nm::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("command line: seq_len: expected 1..512 (DistilBERT"),
              std::string::npos)
        << e.what();
  }
  // seq_len means nothing to the CNNs and GCNs, so it is not checked there.
  EXPECT_NO_THROW(load("resnet18", o));
  EXPECT_NO_THROW(load("gcn_cora_l1", o));
}

// ---------------------------------------------------------------------------------------------
// GCN

struct GcnCase {
  std::string dataset;
  int64_t nodes, features, classes;
};
const std::vector<GcnCase> kGcnCases = {
    {"cora", 2708, 1433, 7}, {"citeseer", 3327, 3703, 6}, {"pubmed", 19717, 500, 3}};

int64_t gcn_macs(const GcnCase& d, int layers, int64_t hidden = 16) {
  int64_t macs = 0;
  int64_t in = d.features;
  for (int l = 1; l <= layers; ++l) {
    const int64_t out = l == layers ? d.classes : hidden;
    macs += d.nodes * in * out + d.nodes * d.nodes * out;  // X*W, then A_hat*(XW)
    in = out;
  }
  return macs;
}

int64_t gcn_learned(const GcnCase& d, int layers, int64_t hidden = 16) {
  if (layers == 1) return d.features * d.classes + d.classes;
  return d.features * hidden + hidden + (layers - 2) * (hidden * hidden + hidden) + hidden * d.classes +
         d.classes;
}

TEST(FamiliesGcn, MacsAndParams) {
  for (const GcnCase& d : kGcnCases) {
    for (int l : {1, 2, 3, 6, 9}) {
      const std::string name = "gcn_" + d.dataset + "_l" + std::to_string(l);
      SCOPED_TRACE(name);
      const Graph g = load(name);
      expect_well_formed(g);
      EXPECT_EQ(graph_macs(g), gcn_macs(d, l));
      EXPECT_EQ(g.parameter_count(), gcn_learned(d, l) + d.nodes * d.nodes);  // + dense A_hat
      EXPECT_EQ(g.tensor(g.inputs()[0]).shape, (Shape{d.nodes, d.features}));
      EXPECT_EQ(g.tensor(g.outputs()[0]).shape, (Shape{1, d.nodes, d.classes}));
      auto counts = count_kinds(g);
      EXPECT_EQ(counts[OpKind::kLinear], l);
      EXPECT_EQ(counts[OpKind::kMatMul], l);
      EXPECT_EQ(counts[OpKind::kRelu], l - 1);
      EXPECT_EQ(counts[OpKind::kReshape], 1);
      EXPECT_EQ(counts[OpKind::kSoftmax], 1);
      EXPECT_EQ(g.ops().size(), static_cast<size_t>(3 * l + 1));
      // One adjacency, read by every aggregation.
      for (const Op& op : g.ops()) {
        if (op.kind == OpKind::kMatMul) {
          EXPECT_EQ(g.tensor(op.inputs[0]).name, "adjacency");
        }
      }
    }
  }
  // PyG's 2-layer GCNs: Cora 23,063, CiteSeer 59,366, PubMed 8,067 learned parameters.
  EXPECT_EQ(gcn_learned(kGcnCases[0], 2), 23'063);
  EXPECT_EQ(gcn_learned(kGcnCases[1], 2), 59'366);
  EXPECT_EQ(gcn_learned(kGcnCases[2], 2), 8'067);
  EXPECT_EQ(gcn_macs(kGcnCases[0], 2), 231'057'392);  // test_workloads' figure
}

// ---------------------------------------------------------------------------------------------
// Width and depth

TEST(FamiliesScaling, Rules) {
  EXPECT_EQ(scale_width(64, 1.0), 64);
  EXPECT_EQ(scale_width(64, 0.5), 32);
  EXPECT_EQ(scale_width(64, 2.0), 128);
  EXPECT_EQ(scale_width(64, 0.1), 8);         // 6.4 -> at least 8
  EXPECT_EQ(scale_width(16, 0.25), 8);        // 4 = 0.5 x 8 rounds up to 8
  EXPECT_EQ(scale_width(64, 0.3), 16);        // 19.2 = 2.4 x 8 -> 2 x 8
  EXPECT_EQ(scale_width(768, 0.3, 24), 240);  // 230.4 = 9.6 x 24 -> 10 x 24
  EXPECT_EQ(scale_width(1024, 0.75, 16), 768);
  EXPECT_EQ(scale_width(768, 0.01, 24), 24);
  EXPECT_EQ(scale_depth(3, 0.5), 2);  // 1.5 rounds half up
  EXPECT_EQ(scale_depth(4, 0.5), 2);
  EXPECT_EQ(scale_depth(6, 0.5), 3);
  EXPECT_EQ(scale_depth(5, 0.3), 2);  // 1.4999999999999998 counts as 1.5
  EXPECT_EQ(scale_depth(2, 0.1), 1);  // at least 1
  EXPECT_EQ(scale_depth(12, 1.5), 18);
  EXPECT_EQ(scale_depth(12, 1.0), 12);
}

std::vector<int> blocks_per_stage(const Graph& g) {
  std::vector<std::set<std::string>> stages(4);
  for (const Op& op : g.ops()) {
    if (op.layer.rfind("layer", 0) == 0) stages[static_cast<size_t>(op.layer[5] - '1')].insert(op.layer);
  }
  std::vector<int> counts;
  for (const auto& s : stages) counts.push_back(static_cast<int>(s.size()));
  return counts;
}

TEST(FamiliesScaling, ResNetDepth) {
  EXPECT_EQ(blocks_per_stage(load("resnet50")), (std::vector<int>{3, 4, 6, 3}));
  const Graph half = load("resnet50", scaled(1, 0.5));
  EXPECT_EQ(blocks_per_stage(half), (std::vector<int>{2, 2, 3, 2}));
  EXPECT_EQ(graph_macs(half), resnet_by_hand({2, 2, 3, 2}, true, false).macs);
  EXPECT_EQ(half.parameter_count(), resnet_by_hand({2, 2, 3, 2}, true, false).params);
  EXPECT_EQ(blocks_per_stage(load("resnet152", scaled(1, 0.5))), (std::vector<int>{2, 4, 18, 2}));
  EXPECT_EQ(blocks_per_stage(load("resnet18_cifar10", scaled(1, 0.1))), (std::vector<int>{1, 1, 1, 1}));
  EXPECT_EQ(blocks_per_stage(load("resnet34", scaled(1, 2))), (std::vector<int>{6, 8, 12, 6}));
}

TEST(FamiliesScaling, ResNetWidthDoublesChannels) {
  for (const ResNetCase& c : kResNetCases) {
    for (bool cifar : {false, true}) {
      const std::string name = "resnet" + std::to_string(c.layers) + (cifar ? "_cifar10" : "");
      SCOPED_TRACE(name);
      const Graph base = load(name);
      const Graph wide = load(name, scaled(2, 1));
      ASSERT_EQ(base.ops().size(), wide.ops().size());
      for (size_t i = 0; i < base.ops().size(); ++i) {
        const Op& a = base.ops()[i];
        const Op& b = wide.ops()[i];
        ASSERT_EQ(a.name, b.name);
        const Shape& out_a = base.tensor(a.output).shape;
        const Shape& out_b = wide.tensor(b.output).shape;
        if (a.kind == OpKind::kConv2d) {
          const Shape& wa = base.tensor(a.inputs[1]).shape;
          const Shape& wb = wide.tensor(b.inputs[1]).shape;
          EXPECT_EQ(wb[3], 2 * wa[3]) << a.name;
          EXPECT_EQ(wb[2], a.name == "conv1" ? 3 : 2 * wa[2]) << a.name;
        }
        if (a.kind != OpKind::kLinear && out_a.size() == 4) {
          EXPECT_EQ(out_b[3], 2 * out_a[3]) << a.name;
        }
      }
      const ResNetCount hand = resnet_by_hand(c.blocks, c.bottleneck, cifar, 128);
      EXPECT_EQ(graph_macs(wide), hand.macs);
      EXPECT_EQ(wide.parameter_count(), hand.params);
    }
  }
  const ResNetCount half = resnet_by_hand({3, 4, 6, 3}, true, false, 32);
  EXPECT_EQ(graph_macs(load("resnet50", scaled(0.5, 1))), half.macs);
}

TEST(FamiliesScaling, TransformerWidthAndDepth) {
  // BERT-base at width 0.5: hidden 384 (a multiple of 24), head dim 32, FFN 1536.
  const Graph narrow = load("bert_base", scaled(0.5, 1));
  EXPECT_EQ(narrow.tensor(find_op(narrow, "encoder.0.attention.scores").inputs[0]).shape,
            (Shape{12, 128, 32}));
  EXPECT_EQ(narrow.tensor(find_op(narrow, "encoder.0.ffn.intermediate").output).shape, (Shape{128, 1536}));
  TransformerCase c = kTransformerCases[0];
  c.hidden = 384;
  c.embedding = 384;
  c.ffn = 1536;
  EXPECT_EQ(graph_macs(narrow), transformer_macs(c, 128));
  EXPECT_EQ(narrow.parameter_count(), transformer_params(c));

  // BERT-large at width 0.3: 307.2 -> 304 = 19 x 16 keeps 16 heads of 19; FFN 1228.8 -> 1232.
  const Graph large = load("bert_large", scaled(0.3, 0.5));
  EXPECT_EQ(large.tensor(find_op(large, "encoder.0.attention.scores").inputs[0]).shape, (Shape{16, 128, 19}));
  EXPECT_EQ(large.tensor(find_op(large, "encoder.0.ffn.intermediate").output).shape, (Shape{128, 1232}));
  EXPECT_EQ(count_kinds(large)[OpKind::kSoftmax], 12);
  c = kTransformerCases[1];
  c.hidden = c.embedding = 304;
  c.ffn = 1232;
  c.layers = 12;
  EXPECT_EQ(graph_macs(large), transformer_macs(c, 128));
  EXPECT_EQ(large.parameter_count(), transformer_params(c));

  // ALBERT at width 2: embedding 256 -> hidden 1536, FFN 6144; distilbert at depth 2: 12 layers.
  const Graph albert = load("albert_base", scaled(2, 1));
  EXPECT_EQ(albert.tensor(find_op(albert, "embeddings.projection").inputs[1]).shape, (Shape{256, 1536}));
  c = kTransformerCases[3];
  c.hidden = 1536;
  c.embedding = 256;
  c.ffn = 6144;
  EXPECT_EQ(graph_macs(albert), transformer_macs(c, 128));
  EXPECT_EQ(albert.parameter_count(), transformer_params(c));
  EXPECT_EQ(count_kinds(load("distilbert", scaled(1, 2)))[OpKind::kSoftmax], 12);
  EXPECT_EQ(count_kinds(load("distilbert", scaled(1, 0.1)))[OpKind::kSoftmax], 1);
}

TEST(FamiliesScaling, GcnWidthAndDepth) {
  const Graph wide = load("gcn_citeseer_l3", scaled(2, 1));
  EXPECT_EQ(graph_macs(wide), gcn_macs(kGcnCases[1], 3, 32));
  EXPECT_EQ(wide.parameter_count(), gcn_learned(kGcnCases[1], 3, 32) + int64_t{3327} * 3327);
  // Depth counts every layer: 2 x 0.5 = 1, 6 x 1.5 = 9.
  expect_same_structure(load("gcn", scaled(1, 0.5)), load("gcn_cora_l1"));
  expect_same_structure(load("gcn_pubmed_l6", scaled(1, 1.5)), load("gcn_pubmed_l9"));
  EXPECT_EQ(graph_macs(load("gcn_cora_l9", scaled(0.5, 1))), gcn_macs(kGcnCases[0], 9, 8));
}

TEST(FamiliesScaling, OutOfRangeIsInputError) {
  for (double bad : {0.0, -1.0, 65.0, std::nan("")}) {
    EXPECT_THROW(load("resnet18", scaled(bad, 1)), nm::InputError) << bad;
    EXPECT_THROW(load("gcn", scaled(1, bad)), nm::InputError) << bad;
    EXPECT_THROW(build_gcn(GcnDataset::kCora, 2, scaled(bad, 1)), nm::InputError) << bad;
    EXPECT_THROW(build_resnet(18, ResNetDataset::kCifar10, scaled(1, bad)), nm::InputError) << bad;
    EXPECT_THROW(build_transformer(TransformerModel::kAlbertBase, scaled(bad, 1)), nm::InputError) << bad;
  }
  try {
    load("bert_large", scaled(1, 0));
    ADD_FAILURE() << "no nm::InputError";
  } catch (const nm::InputError& e) {
    EXPECT_EQ(std::string(e.what()), "command line: depth: expected a multiplier in (0, 64], got 0");
  }
  EXPECT_NO_THROW(load("gcn_cora_l1", scaled(64, 64)));
}

// ---------------------------------------------------------------------------------------------
// Lowering

// Lowers and places `g` on the default architecture; every kernel must have a nonzero size.
void expect_lowers(const Graph& g) {
  SCOPED_TRACE(g.name());
  KernelProgram p = lower_graph(g, LoweringOptions{});
  plan_residency(p, hw::ArchConfig{});  // fills the DMA kernels' DRAM bytes
  ASSERT_FALSE(p.kernels.empty());
  for (const LoweredKernel& k : p.kernels) {
    const hw::KernelDesc& d = k.desc;
    EXPECT_GT(d.batch, 0u) << d.name;
    EXPECT_GT(d.m, 0u) << d.name;
    EXPECT_GT(d.n, 0u) << d.name;
    EXPECT_GT(d.k, 0u) << d.name;
    EXPECT_GT(d.elements(), 0u) << d.name;
    if (d.kind == hw::KernelKind::kDma) {
      EXPECT_GT(d.dram_read_bytes, 0u) << d.name;
    } else {
      EXPECT_GT(d.macs(), 0u) << d.name;
    }
  }
  EXPECT_EQ(p.network_macs(), static_cast<uint64_t>(graph_macs(g)));
}

TEST(FamiliesLowering, EveryBuiltinLowers) {
  for (const std::string& name : builtin_workload_names()) expect_lowers(load(name));
}

TEST(FamiliesLowering, ScaledWorkloadsLower) {
  expect_lowers(load("resnet50", scaled(0.5, 0.5)));
  expect_lowers(load("resnet18_cifar10", scaled(0.1, 0.1)));
  expect_lowers(load("bert_large", scaled(0.3, 0.25)));
  expect_lowers(load("albert_base", scaled(1.5, 0.5)));
  expect_lowers(load("distilbert", scaled(0.01, 1)));
  expect_lowers(load("gcn_pubmed_l1", scaled(4, 1)));
}

// ---------------------------------------------------------------------------------------------
// YAML parametric form

class FamiliesYaml : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("nm_families_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string write(const std::string& text) {
    const std::filesystem::path p = dir_ / "w.yaml";
    std::ofstream(p) << text;
    return p.string();
  }
  void expect_error(const std::string& text, const WorkloadOptions& options,
                    const std::vector<std::string>& parts) {
    const std::string path = write(text);
    try {
      load_workload(path, options, {});
      ADD_FAILURE() << "no nm::InputError for " << text;
    } catch (const nm::InputError& e) {
      for (const std::string& part : parts)
        EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  }
  std::filesystem::path dir_;
};

TEST_F(FamiliesYaml, EveryBuiltinIsAFamily) {
  for (const std::string& name : builtin_workload_names()) {
    EXPECT_EQ(serialize(load_workload(write("family: " + name + "\n"), {}, {})), serialize(load(name)))
        << name;
  }
  EXPECT_EQ(serialize(load_workload(write("family: gcn_cora\n"), {}, {})), serialize(build_gcn_cora()));
}

TEST_F(FamiliesYaml, WidthAndDepthKeys) {
  const Graph g = load_workload(write("family: resnet34_cifar10\nwidth: 0.5\ndepth: 2\n"), {}, {});
  EXPECT_EQ(serialize(g), serialize(load("resnet34_cifar10", scaled(0.5, 2))));
  // The file pins what it names; the rest comes from the options.
  WorkloadOptions o = scaled(4, 0.5);
  o.seq_len = 64;
  const Graph bert = load_workload(write("family: distilbert\nwidth: 0.5\nname: small\n"), o, {});
  WorkloadOptions expected = scaled(0.5, 0.5);
  expected.seq_len = 64;
  EXPECT_EQ(bert.name(), "small");
  expect_same_structure(bert, load("distilbert", expected));
}

TEST_F(FamiliesYaml, Errors) {
  expect_error("family: resnet18\nwidth: 0\n", {},
               {"w.yaml: width: expected a multiplier in (0, 64], got 0"});
  expect_error("family: resnet18\ndepth: deep\n", {}, {"w.yaml: depth: expected a number"});
  expect_error("family: gcn_pubmed_l3\nseq_len: 64\n", {}, {"w.yaml: seq_len: only applies", "bert_large"});
  expect_error("family: albert_base\nseq_len: 600\n", {}, {"w.yaml: seq_len:", "ALBERT-base"});
  expect_error("family: resnet18\n", scaled(100, 1), {"command line: width:"});
  expect_error("family: gcn_twitter_l2\n", {},
               {"w.yaml: family: unknown family 'gcn_twitter_l2'", "nm_sim --list-workloads"});
  expect_error(
      "inputs: [{name: x, shape: [1, 4]}]\nwidth: 2\nops: [{op: relu, name: r, inputs: [x], output: y, "
      "shape: [1, 4]}]\n",
      {}, {"w.yaml: width: only allowed together with 'family'"});
}

TEST(FamiliesYamlShipped, HalfWidthResNet18Cifar10) {
  const Graph g = load_workload("resnet18_cifar10_half", {}, {std::string(NM_SOURCE_DIR) + "/workloads"});
  EXPECT_EQ(g.name(), "resnet18_cifar10_half");
  expect_same_structure(g, load("resnet18_cifar10", scaled(0.5, 1)));
}

}  // namespace
}  // namespace nm::sw
