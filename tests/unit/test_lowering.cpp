// sw/lowering: Graph -> KernelProgram, checked against shapes and counts worked out by hand
// from the published networks (ResNet-50 v1.5, BERT-base, GCN on Cora).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "hw/core/kernel_desc.h"
#include "sw/graph/graph.h"
#include "sw/graph/workloads.h"
#include "sw/lowering/kernel_program.h"

namespace nm::sw {
namespace {

using hw::KernelKind;

const KernelProgram& resnet() {
  static const KernelProgram p = lower_graph(build_resnet50(), LoweringOptions{});
  return p;
}
const KernelProgram& bert() {
  static const KernelProgram p = lower_graph(build_bert_base(128), LoweringOptions{});
  return p;
}
const KernelProgram& gcn() {
  static const KernelProgram p = lower_graph(build_gcn_cora(), LoweringOptions{});
  return p;
}

const hw::KernelDesc& find_kernel(const KernelProgram& p, const std::string& name) {
  for (const LoweredKernel& k : p.kernels) {
    if (k.desc.name == name) return k.desc;
  }
  ADD_FAILURE() << "no kernel named " << name;
  static const hw::KernelDesc none;
  return none;
}

// Kernels lowered from op `op_name`: named the op itself or "<op>.<part>".
std::vector<const hw::KernelDesc*> kernels_of(const KernelProgram& p, const std::string& op_name) {
  std::vector<const hw::KernelDesc*> out;
  for (const LoweredKernel& k : p.kernels) {
    if (k.desc.name == op_name || k.desc.name.rfind(op_name + ".", 0) == 0) out.push_back(&k.desc);
  }
  return out;
}

void expect_gemm(const hw::KernelDesc& d, uint64_t batch, uint64_t m, uint64_t n, uint64_t k, bool linear) {
  EXPECT_EQ(d.kind, KernelKind::kGemm) << d.name;
  EXPECT_EQ(d.batch, batch) << d.name;
  EXPECT_EQ(d.m, m) << d.name;
  EXPECT_EQ(d.n, n) << d.name;
  EXPECT_EQ(d.k, k) << d.name;
  EXPECT_EQ(d.network_linear, linear) << d.name;
}

// ---------------------------------------------------------------- ResNet-50

TEST(Lowering, ResNetConvsBecomeGemms) {
  // layer2.0.conv2: 3x3, 128 -> 128, stride 2 on 56x56: 28x28 output pixels.
  expect_gemm(find_kernel(resnet(), "layer2.0.conv2"), 1, 28 * 28, 128, 3 * 3 * 128, true);
  // conv1: 7x7, 3 -> 64, stride 2 on 224x224: 112x112 output pixels.
  expect_gemm(find_kernel(resnet(), "conv1"), 1, 112 * 112, 64, 7 * 7 * 3, true);
  // 1x1 convs: layer1.0.conv1 64 -> 64 on 56x56; layer4.2.conv3 512 -> 2048 on 7x7.
  expect_gemm(find_kernel(resnet(), "layer1.0.conv1"), 1, 56 * 56, 64, 64, true);
  expect_gemm(find_kernel(resnet(), "layer4.2.conv3"), 1, 7 * 7, 2048, 512, true);
  // Downsample of layer3.0: 1x1 stride 2, 512 -> 1024 on 28x28 -> 14x14.
  expect_gemm(find_kernel(resnet(), "layer3.0.downsample"), 1, 14 * 14, 1024, 512, true);
  // fc: 2048 -> 1000 on one row.
  expect_gemm(find_kernel(resnet(), "fc"), 1, 1, 1000, 2048, true);
  // Global average pool: [1 x 49] x [49 x 2048], not a network linear op.
  expect_gemm(find_kernel(resnet(), "avgpool"), 1, 1, 2048, 49, false);
}

TEST(Lowering, ResNetMaxPoolIsEightPairwiseMaxima) {
  // 3x3 window: 8 pairwise maxima, each a segment index + an element-wise kernel, over the
  // 56 x 56 x 64 pooled output.
  const auto ks = kernels_of(resnet(), "maxpool");
  ASSERT_EQ(ks.size(), 16u);
  for (size_t i = 0; i < ks.size(); ++i) {
    EXPECT_EQ(ks[i]->kind, i % 2 == 0 ? KernelKind::kSegmentIndex : KernelKind::kElementwise) << ks[i]->name;
    EXPECT_EQ(ks[i]->elements(), 56u * 56u * 64u) << ks[i]->name;
  }
}

TEST(Lowering, ResNetReluIsExactTwoSegmentPwl) {
  const auto ks = kernels_of(resnet(), "layer1.0.relu1");
  ASSERT_EQ(ks.size(), 2u);
  EXPECT_EQ(ks[0]->kind, KernelKind::kSegmentIndex);
  EXPECT_TRUE(ks[0]->index_output);
  EXPECT_EQ(ks[1]->kind, KernelKind::kElementwise);
  EXPECT_EQ(ks[1]->table_bytes, 2u * 2u * 1u);  // 2 segments x (slope, intercept) x int8
  EXPECT_EQ(ks[1]->input_streams, 1u);
  EXPECT_EQ(ks[1]->index_input, 1u);
  EXPECT_EQ(ks[1]->elements(), 56u * 56u * 64u);
}

// ---------------------------------------------------------------- BERT-base

TEST(Lowering, BertEncoderLayerGemmList) {
  struct Expected {
    std::string name;
    uint64_t batch, m, n, k;
    bool linear;
  };
  const std::string p = "encoder.0.";
  const std::vector<Expected> expected = {
      {p + "attention.query", 1, 128, 768, 768, true},
      {p + "attention.key", 1, 128, 768, 768, true},
      {p + "attention.value", 1, 128, 768, 768, true},
      {p + "attention.scores", 12, 128, 128, 64, true},  // per head Q K^T
      // Softmax row sum: 12 x 128 rows of 128 times a ones vector.
      {p + "attention.softmax.row_sum", 1, 12 * 128, 1, 128, false},
      {p + "attention.context", 12, 128, 64, 128, true},  // per head P V
      {p + "attention.output", 1, 128, 768, 768, true},
      // LayerNorm mean and variance: 128 rows of 768 times a 1/L vector.
      {p + "attention.layernorm.mean", 1, 128, 1, 768, false},
      {p + "attention.layernorm.variance", 1, 128, 1, 768, false},
      {p + "ffn.intermediate", 1, 128, 3072, 768, true},
      {p + "ffn.output", 1, 128, 768, 3072, true},
      {p + "ffn.layernorm.mean", 1, 128, 1, 768, false},
      {p + "ffn.layernorm.variance", 1, 128, 1, 768, false},
  };
  std::vector<const hw::KernelDesc*> gemms;
  for (const LoweredKernel& k : bert().kernels) {
    if (k.desc.layer == "encoder.0" && k.desc.kind == KernelKind::kGemm) gemms.push_back(&k.desc);
  }
  ASSERT_EQ(gemms.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(gemms[i]->name, expected[i].name) << i;
    expect_gemm(*gemms[i], expected[i].batch, expected[i].m, expected[i].n, expected[i].k,
                expected[i].linear);
  }
  // Attention operands differ per head; weights are shared.
  EXPECT_TRUE(gemms[3]->b_per_batch);
  EXPECT_TRUE(gemms[5]->b_per_batch);
  EXPECT_FALSE(gemms[0]->b_per_batch);
}

TEST(Lowering, BertEncoderLayerKernelCount) {
  // q, k, v (3) + scores (1) + softmax (7 max passes x 2 + sub + exp 2 + row sum + reciprocal 2 +
  // normalize = 21) + context (1) + output (1) + add (1) + layernorm (mean, center, square,
  // variance, rsqrt 2, scale_shift = 7) + intermediate (1) + gelu (2) + output (1) + add (1)
  // + layernorm (7) = 47.
  size_t n = 0;
  for (const LoweredKernel& k : bert().kernels) n += k.desc.layer == "encoder.0";
  EXPECT_EQ(n, 47u);
}

TEST(Lowering, BertLayerNormDecomposition) {
  const auto ks = kernels_of(bert(), "encoder.0.attention.layernorm");
  ASSERT_EQ(ks.size(), 7u);
  const std::vector<std::string> parts = {
      "mean", "center", "square", "variance", "rsqrt.segment_index", "rsqrt.pwl", "scale_shift"};
  for (size_t i = 0; i < parts.size(); ++i) {
    EXPECT_EQ(ks[i]->name, "encoder.0.attention.layernorm." + parts[i]);
  }
  EXPECT_EQ(ks[1]->elements(), 128u * 768u);
  EXPECT_EQ(ks[1]->input_streams, 2u);  // x and the broadcast mean
  // rsqrt on 128 row variances, range-reduced: 2 MACs; table (ceil(3/0.25) + 2) x 2 x 1 B = 28.
  EXPECT_EQ(ks[5]->elements(), 128u);
  EXPECT_EQ(ks[5]->macs_per_element, 2u);
  EXPECT_EQ(ks[5]->table_bytes, 28u);
  // scale_shift: gamma and beta (2 x 768 int8) held in L1, 2 MACs per element.
  EXPECT_EQ(ks[6]->table_bytes, 1536u);
  EXPECT_EQ(ks[6]->macs_per_element, 2u);
  EXPECT_EQ(ks[6]->elements(), 128u * 768u);
}

TEST(Lowering, BertGeluTable) {
  const auto ks = kernels_of(bert(), "encoder.0.ffn.gelu");
  ASSERT_EQ(ks.size(), 2u);
  EXPECT_EQ(ks[1]->elements(), 128u * 3072u);
  EXPECT_EQ(ks[1]->table_bytes, 68u);  // (8 / 0.25 + 2) segments x 2 x 1 B
  EXPECT_EQ(ks[1]->macs_per_element, 1u);
}

TEST(Lowering, BertEmbeddingsAreDmaGathers) {
  for (const char* name :
       {"embeddings.word.gather", "embeddings.position.gather", "embeddings.token_type.gather"}) {
    const hw::KernelDesc& d = find_kernel(bert(), name);
    EXPECT_EQ(d.kind, KernelKind::kDma) << name;
    EXPECT_EQ(d.m * d.n, 128u * 768u) << name;
  }
}

// ---------------------------------------------------------------- softmax decomposition

struct SoftmaxCase {
  int64_t rows, len;
};

KernelProgram lower_softmax(int64_t rows, int64_t len) {
  Graph g("softmax_only");
  const int x = g.add_tensor("x", {rows, len});
  g.mark_input(x);
  const int y = g.add_tensor("sm", {rows, len});
  Op op;
  op.kind = OpKind::kSoftmax;
  op.name = "sm";
  op.layer = "l";
  op.inputs = {x};
  op.output = y;
  g.add_op(op);
  g.mark_output(y);
  return lower_graph(g, LoweringOptions{});
}

TEST(Lowering, SoftmaxDecomposition) {
  for (const SoftmaxCase c : {SoftmaxCase{1, 1}, SoftmaxCase{3, 2}, SoftmaxCase{5, 7}, SoftmaxCase{4, 8},
                              SoftmaxCase{2, 100}, SoftmaxCase{1536, 128}}) {
    SCOPED_TRACE("rows " + std::to_string(c.rows) + " len " + std::to_string(c.len));
    const auto rows = static_cast<uint64_t>(c.rows), len = static_cast<uint64_t>(c.len);
    const KernelProgram p = lower_softmax(c.rows, c.len);
    // ceil(log2 L) pairwise-max passes, each a segment index + an element-wise kernel.
    const auto passes = static_cast<size_t>(std::ceil(std::log2(static_cast<double>(c.len)) - 1e-12));
    ASSERT_EQ(p.kernels.size(), 2 * passes + 7);
    uint64_t comparisons = 0;
    for (size_t i = 0; i < passes; ++i) {
      const hw::KernelDesc& si = p.kernels[2 * i].desc;
      const hw::KernelDesc& mx = p.kernels[2 * i + 1].desc;
      EXPECT_EQ(si.kind, KernelKind::kSegmentIndex);
      EXPECT_EQ(mx.kind, KernelKind::kElementwise);
      EXPECT_EQ(si.elements(), mx.elements());
      EXPECT_EQ(mx.table_bytes, 4u);  // 2-segment relu table: max(a,b) = b + relu(a - b)
      EXPECT_EQ(mx.macs_per_element, 2u);
      comparisons += mx.elements();
    }
    // A max tree over L values takes L - 1 comparisons per row.
    EXPECT_EQ(comparisons, rows * (len - 1));
    const auto& k = p.kernels;
    const size_t b = 2 * passes;
    EXPECT_EQ(k[b].desc.name, "sm.sub_max");
    EXPECT_EQ(k[b].desc.kind, KernelKind::kElementwise);
    EXPECT_EQ(k[b].desc.elements(), rows * len);
    EXPECT_EQ(k[b + 1].desc.name, "sm.exp.segment_index");
    EXPECT_EQ(k[b + 1].desc.elements(), rows * len);
    EXPECT_EQ(k[b + 2].desc.name, "sm.exp.pwl");
    EXPECT_EQ(k[b + 2].desc.table_bytes, 68u);  // (8 / 0.25 + 2) x 2 x 1 B
    EXPECT_EQ(k[b + 3].desc.name, "sm.row_sum");
    expect_gemm(k[b + 3].desc, 1, rows, 1, len, false);
    EXPECT_EQ(k[b + 4].desc.name, "sm.reciprocal.segment_index");
    EXPECT_EQ(k[b + 4].desc.elements(), rows);
    EXPECT_EQ(k[b + 5].desc.name, "sm.reciprocal.pwl");
    EXPECT_EQ(k[b + 5].desc.elements(), rows);
    EXPECT_EQ(k[b + 5].desc.macs_per_element, 2u);  // range-reduced
    EXPECT_EQ(k[b + 5].desc.table_bytes, 12u);      // (1 / 0.25 + 2) x 2 x 1 B
    EXPECT_EQ(k[b + 6].desc.name, "sm.normalize");
    EXPECT_EQ(k[b + 6].desc.elements(), rows * len);
    EXPECT_EQ(k[b + 6].desc.input_streams, 2u);
    EXPECT_EQ(p.network_macs(), 0u);
  }
}

TEST(Lowering, BertSoftmaxHasSevenMaxPasses) {
  const auto ks = kernels_of(bert(), "encoder.0.attention.softmax");
  ASSERT_EQ(ks.size(), 21u);
  // Pass p halves the row: 1536 rows x 64, 32, ..., 1 pairs.
  for (size_t p = 0; p < 7; ++p) {
    EXPECT_EQ(ks[2 * p]->name, "encoder.0.attention.softmax.max" + std::to_string(p) + ".segment_index");
    EXPECT_EQ(ks[2 * p + 1]->elements(), 1536u * (64u >> p));
  }
}

TEST(Lowering, GcnSoftmaxOverSevenClasses) {
  const auto ks = kernels_of(gcn(), "softmax");
  // ceil(log2 7) = 3 passes (7 -> 4 -> 2 -> 1), then 7 more kernels.
  ASSERT_EQ(ks.size(), 13u);
  EXPECT_EQ(ks[1]->elements(), 2708u * 3u);
  EXPECT_EQ(ks[3]->elements(), 2708u * 2u);
  EXPECT_EQ(ks[5]->elements(), 2708u * 1u);
}

// ---------------------------------------------------------------- whole workloads

TEST(Lowering, NetworkMacsEqualGraphLinearMacs) {
  EXPECT_EQ(resnet().network_macs(), 4089184256u);
  // BERT: 12 x (4 x 128*768*768 + 2 x 12*128*128*64 + 2 x 128*768*3072) + 768*768 + 768*2.
  EXPECT_EQ(bert().network_macs(), 11174217216u);
  // GCN: 2708*1433*16 + 2708*2708*16 + 2708*16*7 + 2708*2708*7.
  EXPECT_EQ(gcn().network_macs(), 231057392u);
}

void expect_every_op_lowered(const Graph& g, const KernelProgram& p) {
  for (const Op& op : g.ops()) {
    if (op.kind == OpKind::kReshape) continue;
    EXPECT_FALSE(kernels_of(p, op.name).empty())
        << g.name() << ": op " << op.name << " (" << op_kind_name(op.kind) << ") has no kernel";
  }
}

void expect_every_kernel_sized(const KernelProgram& p) {
  for (const LoweredKernel& k : p.kernels) {
    const hw::KernelDesc& d = k.desc;
    EXPECT_GT(d.batch * d.m * d.n * d.k, 0u) << d.name;
    ASSERT_GE(k.output, 0) << d.name;
    ASSERT_LT(static_cast<size_t>(k.output), p.tensors.size()) << d.name;
    EXPECT_GT(p.tensors[static_cast<size_t>(k.output)].elements, 0u) << d.name;
    if (d.kind == KernelKind::kDma) {
      ASSERT_EQ(k.streams.size(), 1u) << d.name;
    } else {
      EXPECT_GT(d.macs(), 0u) << d.name;
      ASSERT_FALSE(k.streams.empty()) << d.name;
    }
    if (d.kind == KernelKind::kGemm) {
      EXPECT_GE(k.b_operand, 0) << d.name;
    }
  }
}

TEST(Lowering, EveryOpYieldsSizedKernels) {
  const Graph r = build_resnet50();
  expect_every_op_lowered(r, resnet());
  expect_every_kernel_sized(resnet());
  const Graph b = build_bert_base(128);
  expect_every_op_lowered(b, bert());
  expect_every_kernel_sized(bert());
  const Graph g = build_gcn_cora();
  expect_every_op_lowered(g, gcn());
  expect_every_kernel_sized(gcn());
}

TEST(Lowering, KernelNamesAreUnique) {
  for (const KernelProgram* p : {&resnet(), &bert(), &gcn()}) {
    std::map<std::string, int> seen;
    for (const LoweredKernel& k : p->kernels) EXPECT_EQ(++seen[k.desc.name], 1) << k.desc.name;
  }
}

TEST(Lowering, Fp16DoublesTablesAndTensorBytes) {
  LoweringOptions o;
  o.datatype = hw::DataType::kFp16;
  const KernelProgram p = lower_graph(build_gcn_cora(), o);
  const auto ks = kernels_of(p, "softmax");
  ASSERT_EQ(ks.size(), 13u);
  EXPECT_EQ(ks[8]->name, "softmax.exp.pwl");
  EXPECT_EQ(ks[8]->table_bytes, 136u);
  ProgramTensor t;
  t.elements = 10;
  EXPECT_EQ(tensor_bytes(t, hw::DataType::kFp16), 20u);
  EXPECT_EQ(tensor_bytes(t, hw::DataType::kInt8), 10u);
  t.index = true;
  EXPECT_EQ(tensor_bytes(t, hw::DataType::kFp16), 10u);
}

TEST(Lowering, CoarserGranularityShrinksTables) {
  LoweringOptions o;
  o.pwl_granularity = 0.5;
  const KernelProgram p = lower_graph(build_gcn_cora(), o);
  EXPECT_EQ(find_kernel(p, "softmax.exp.pwl").table_bytes, 36u);        // (8 / 0.5 + 2) x 2 x 1 B
  EXPECT_EQ(find_kernel(p, "softmax.reciprocal.pwl").table_bytes, 8u);  // (2 + 2) x 2
}

}  // namespace
}  // namespace nm::sw
