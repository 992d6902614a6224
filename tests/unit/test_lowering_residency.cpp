// sw/lowering plan_residency: where each tensor lives, and the DRAM bytes it gives each kernel.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "hw/core/arch_config.h"
#include "hw/core/kernel_desc.h"
#include "sw/graph/graph.h"
#include "sw/graph/workloads.h"
#include "sw/lowering/kernel_program.h"

namespace nm::sw {
namespace {

using hw::KernelKind;

KernelProgram planned(const Graph& g, uint64_t l2_bytes) {
  KernelProgram p = lower_graph(g, LoweringOptions{});
  hw::ArchConfig a;
  a.l2_bytes = l2_bytes;
  plan_residency(p, a);
  return p;
}

const LoweredKernel& find(const KernelProgram& p, const std::string& name) {
  for (const LoweredKernel& k : p.kernels) {
    if (k.desc.name == name) return k;
  }
  ADD_FAILURE() << "no kernel named " << name;
  static const LoweredKernel none;
  return none;
}

const ProgramTensor& tensor(const KernelProgram& p, int id) {
  return p.tensors.at(static_cast<size_t>(id));
}

bool in_dram(const ProgramTensor& t) {
  return t.constant || t.pinned_dram;
}

constexpr uint64_t kTinyL2 = 64u << 10;  // 32 KiB activation region
constexpr uint64_t kHugeL2 = 64u << 20;  // 32 MiB activation region

TEST(LoweringResidency, TinyL2SpillsResNetActivations) {
  const KernelProgram p = planned(build_resnet50(), kTinyL2);
  // layer2.0.conv2 reads relu1's 56 x 56 x 128 map (not the im2col matrix) and its weights
  // 3 x 3 x 128 x 128 plus a 128-entry bias; its 28 x 28 x 128 output does not fit either.
  const hw::KernelDesc& d = find(p, "layer2.0.conv2").desc;
  EXPECT_EQ(d.a_dram_bytes, 56u * 56u * 128u);
  EXPECT_EQ(d.b_dram_bytes, 3u * 3u * 128u * 128u + 128u);
  EXPECT_FALSE(d.out_on_chip);
  // relu2 on the 28 x 28 x 128 conv2 output: the segment index reads it from DRAM, the PWL step
  // reads it again plus the 1-byte index, which did not fit either.
  EXPECT_EQ(find(p, "layer2.0.relu2.relu.segment_index").desc.a_dram_bytes, 100352u);
  EXPECT_EQ(find(p, "layer2.0.relu2.relu.pwl").desc.a_dram_bytes, 2u * 100352u);
  uint64_t spilled = 0;
  for (const LoweredKernel& k : p.kernels) spilled += k.desc.a_dram_bytes > 0;
  EXPECT_GT(spilled, p.kernels.size() / 2);
}

TEST(LoweringResidency, HugeL2KeepsEveryIntermediateOnChip) {
  for (const Graph& g : {build_resnet50(), build_bert_base(128), build_gcn_cora()}) {
    SCOPED_TRACE(g.name());
    const KernelProgram p = planned(g, kHugeL2);
    for (const ProgramTensor& t : p.tensors) {
      EXPECT_EQ(t.on_chip, !in_dram(t)) << t.name;
    }
    for (const LoweredKernel& k : p.kernels) {
      const hw::KernelDesc& d = k.desc;
      EXPECT_EQ(d.out_on_chip, !tensor(p, k.output).pinned_dram) << d.name;
      switch (d.kind) {
        case KernelKind::kGemm: {
          const ProgramTensor& a = tensor(p, k.streams.at(0));
          const ProgramTensor& b = tensor(p, k.b_operand);
          // Only weights, constants and network inputs come from DRAM.
          EXPECT_EQ(d.a_dram_bytes, in_dram(a) ? a.elements : 0u) << d.name;
          uint64_t b_bytes = in_dram(b) ? b.elements : 0u;
          for (int e : k.b_extras) b_bytes += tensor(p, e).elements;
          EXPECT_EQ(d.b_dram_bytes, b_bytes) << d.name;
          break;
        }
        case KernelKind::kSegmentIndex:
        case KernelKind::kElementwise: {
          uint64_t bytes = 0;
          for (int s : k.streams) bytes += in_dram(tensor(p, s)) ? d.elements() : 0;
          EXPECT_EQ(d.a_dram_bytes, bytes) << d.name;
          break;
        }
        case KernelKind::kDma:
          EXPECT_EQ(d.dram_read_bytes, d.m * d.n) << d.name;
          break;
        case KernelKind::kSpmm:  // a sparse A is a constant: its CSR always comes from DRAM
          EXPECT_EQ(d.a_dram_bytes, tensor_bytes(tensor(p, k.streams.at(0)), hw::DataType::kInt8)) << d.name;
          break;
      }
    }
  }
}

TEST(LoweringResidency, HugeL2ResNetOnlyWeightsInputAndOutputHitDram) {
  const KernelProgram p = planned(build_resnet50(), kHugeL2);
  const hw::KernelDesc& c1 = find(p, "conv1").desc;
  EXPECT_EQ(c1.a_dram_bytes, 224u * 224u * 3u);  // the network input
  EXPECT_EQ(c1.b_dram_bytes, 7u * 7u * 3u * 64u + 64u);
  EXPECT_TRUE(c1.out_on_chip);
  const hw::KernelDesc& l2c2 = find(p, "layer2.0.conv2").desc;
  EXPECT_EQ(l2c2.a_dram_bytes, 0u);
  EXPECT_EQ(l2c2.b_dram_bytes, 3u * 3u * 128u * 128u + 128u);
  EXPECT_TRUE(l2c2.out_on_chip);
  const hw::KernelDesc& fc = find(p, "fc").desc;
  EXPECT_EQ(fc.a_dram_bytes, 0u);
  EXPECT_EQ(fc.b_dram_bytes, 2048u * 1000u + 1000u);
  EXPECT_FALSE(fc.out_on_chip);  // the network output
}

TEST(LoweringResidency, BertDmaAndWeightBytes) {
  const KernelProgram p = planned(build_bert_base(128), kHugeL2);
  const hw::KernelDesc& word = find(p, "embeddings.word.gather").desc;
  EXPECT_EQ(word.dram_read_bytes, 128u * 768u);
  EXPECT_TRUE(word.out_on_chip);
  const hw::KernelDesc& q = find(p, "encoder.0.attention.query").desc;
  EXPECT_EQ(q.a_dram_bytes, 0u);
  EXPECT_EQ(q.b_dram_bytes, 768u * 768u + 768u);
  // Scores read K from L2: no DRAM bytes at all.
  const hw::KernelDesc& s = find(p, "encoder.0.attention.scores").desc;
  EXPECT_EQ(s.a_dram_bytes, 0u);
  EXPECT_EQ(s.b_dram_bytes, 0u);
  // The softmax row sum reads a constant ones vector of 128 from DRAM.
  EXPECT_EQ(find(p, "encoder.0.attention.softmax.row_sum").desc.b_dram_bytes, 128u);
}

TEST(LoweringResidency, LiveSetNeverExceedsActivationRegion) {
  // Re-derive the live on-chip bytes after each kernel from the planned flags.
  for (uint64_t l2 : {kTinyL2, uint64_t{1} << 20, kHugeL2}) {
    const KernelProgram p = planned(build_bert_base(128), l2);
    std::vector<int> last(p.tensors.size(), -1), first(p.tensors.size(), -1);
    for (size_t i = 0; i < p.kernels.size(); ++i) {
      const LoweredKernel& k = p.kernels[i];
      if (first[static_cast<size_t>(k.output)] < 0)
        first[static_cast<size_t>(k.output)] = static_cast<int>(i);
      last[static_cast<size_t>(k.output)] =
          std::max(last[static_cast<size_t>(k.output)], static_cast<int>(i));
      for (int s : k.streams) last[static_cast<size_t>(s)] = static_cast<int>(i);
      if (k.b_operand >= 0) last[static_cast<size_t>(k.b_operand)] = static_cast<int>(i);
    }
    for (size_t i = 0; i < p.kernels.size(); ++i) {
      uint64_t live = 0;
      for (size_t t = 0; t < p.tensors.size(); ++t) {
        if (p.tensors[t].on_chip && first[t] >= 0 && first[t] <= static_cast<int>(i) &&
            last[t] >= static_cast<int>(i)) {
          live += tensor_bytes(p.tensors[t], hw::DataType::kInt8);
        }
      }
      ASSERT_LE(live, l2 / 2) << "after kernel " << p.kernels[i].desc.name << " with L2 " << l2;
    }
  }
}

TEST(LoweringResidency, ReplanningIsIdempotent) {
  KernelProgram p = lower_graph(build_gcn_cora(), LoweringOptions{});
  hw::ArchConfig a;
  plan_residency(p, a);
  const KernelProgram once = p;
  plan_residency(p, a);
  ASSERT_EQ(p.kernels.size(), once.kernels.size());
  for (size_t i = 0; i < p.kernels.size(); ++i) {
    EXPECT_EQ(p.kernels[i].desc.a_dram_bytes, once.kernels[i].desc.a_dram_bytes);
    EXPECT_EQ(p.kernels[i].desc.b_dram_bytes, once.kernels[i].desc.b_dram_bytes);
    EXPECT_EQ(p.kernels[i].desc.out_on_chip, once.kernels[i].desc.out_on_chip);
  }
}

}  // namespace
}  // namespace nm::sw
