// The compiler passes after the lowering: epilogue fusion (sw/lowering/fusion.h) and row-blocked
// softmax / layernorm (sw/lowering/row_blocking.h), checked on small graphs and the built-in
// networks: what fuses, what must not, and that a fused kernel costs what the unfused kernels
// computed minus the traffic between them.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "hw/core/arch_config.h"
#include "hw/core/noc_topology.h"
#include "hw/core/os_dataflow.h"
#include "hw/core/tile_plan.h"
#include "sw/graph/builder_util.h"
#include "sw/graph/workloads.h"
#include "sw/lowering/fusion.h"
#include "sw/lowering/kernel_program.h"
#include "sw/lowering/row_blocking.h"
#include "sw/lowering/scheduling.h"
#include "sw/mapping/mapper.h"

namespace nm::sw {
namespace {

using detail::append_linear;
using detail::append_op;

// x[64 x 256] -> linear(128) -> relu -> add(r) -> y : a GEMM with a PWL op and a residual add.
Graph linear_relu_add() {
  Graph g("linear_relu_add");
  const int x = g.add_tensor("x", {64, 256});
  const int r = g.add_tensor("r", {64, 128});
  g.mark_input(x);
  g.mark_input(r);
  const int h = append_linear(g, "fc", "l", x, 128);
  const int a = append_op(g, OpKind::kRelu, "relu", "l", {h}, {64, 128});
  const int y = append_op(g, OpKind::kAdd, "add", "l", {a, r}, {64, 128});
  g.mark_output(y);
  return g;
}

const LoweredKernel& by_name(const KernelProgram& p, const std::string& name) {
  for (const LoweredKernel& k : p.kernels) {
    if (k.desc.name == name) return k;
  }
  throw std::runtime_error("no kernel " + name);
}

TEST(EpilogueFusion, AbsorbsThePwlOpAndTheResidualAdd) {
  KernelProgram p = lower_graph(linear_relu_add(), {});
  ASSERT_EQ(p.kernels.size(), 4u);  // gemm, segment index, pwl, add
  EXPECT_EQ(fuse_epilogues(p, FusionMode::kEpilogue, hw::ArchConfig{}), 3u);
  const LoweredKernel& fc = by_name(p, "fc");
  EXPECT_EQ(fc.epilogue.size(), 3u);
  const hw::Epilogue& e = fc.desc.epilogue;
  EXPECT_EQ(e.ops, 3u);
  EXPECT_EQ(e.macs_per_element, 1u + 1u + 1u);  // segment index, X*K+B, add
  EXPECT_EQ(e.table_lookups, 1u);
  EXPECT_GT(e.table_bytes, 0u);
  EXPECT_EQ(e.operand_streams, 1u);  // the residual r
  // The GEMM's raw output and the relu output never leave the PEs; the add's output is written.
  EXPECT_TRUE(p.tensors[static_cast<size_t>(fc.output)].in_pe);
  EXPECT_EQ(p.written_output(fc), by_name(p, "add").output);
  EXPECT_FALSE(p.tensors[static_cast<size_t>(p.written_output(fc))].in_pe);
  for (const LoweredKernel& k : p.kernels) {
    if (&k != &fc) EXPECT_EQ(k.fused_into, 0) << k.desc.name;
  }
  // Only the GEMM's own MACs are the network's.
  EXPECT_EQ(p.network_macs(), 64u * 128 * 256);
}

TEST(EpilogueFusion, NoneLeavesTheProgramAsLowered) {
  KernelProgram p = lower_graph(linear_relu_add(), {});
  EXPECT_EQ(fuse_epilogues(p, FusionMode::kNone, hw::ArchConfig{}), 0u);
  for (const LoweredKernel& k : p.kernels) {
    EXPECT_TRUE(k.issued());
    EXPECT_FALSE(k.desc.epilogue.any());
  }
}

// A value someone else still reads must be written back: the chain stops before hiding it.
TEST(EpilogueFusion, StopsWhereAnIntermediateHasAnotherReader) {
  Graph g("shared");
  const int x = g.add_tensor("x", {8, 32});
  g.mark_input(x);
  const int h = append_linear(g, "fc", "l", x, 16);
  const int a = append_op(g, OpKind::kRelu, "relu", "l", {h}, {8, 16});
  const int y = append_op(g, OpKind::kAdd, "add", "l", {a, h}, {8, 16});  // reads h again
  g.mark_output(y);
  KernelProgram p = lower_graph(g, {});
  fuse_epilogues(p, FusionMode::kEpilogue, hw::ArchConfig{});
  // relu reads h and add reads h: both read only chain values, so the whole chain fuses with
  // h private to it; but a network output is never hidden.
  EXPECT_FALSE(p.tensors[static_cast<size_t>(p.written_output(by_name(p, "fc")))].in_pe);
  Graph g2("exposed");
  const int x2 = g2.add_tensor("x", {8, 32});
  g2.mark_input(x2);
  const int h2 = append_linear(g2, "fc", "l", x2, 16);
  const int a2 = append_op(g2, OpKind::kRelu, "relu", "l", {h2}, {8, 16});
  g2.mark_output(h2);  // the GEMM's output is a network output
  g2.mark_output(a2);
  KernelProgram p2 = lower_graph(g2, {});
  EXPECT_EQ(fuse_epilogues(p2, FusionMode::kEpilogue, hw::ArchConfig{}), 0u);
}

// What the fused kernel counts: the GEMM's actions plus the epilogue's compute (MACs, table
// load, the residual's fetch), minus the write-back of the GEMM output and the re-reads of it
// and of the segment index. All activations in DRAM (no L2 activation region) and one mapping,
// so the difference is exactly that traffic.
TEST(EpilogueFusion, CountsAreTheComputeOfTheUnfusedKernelsWithoutTheirRoundTrips) {
  hw::ArchConfig arch;
  arch.l2_activation_fraction = 0;
  const hw::NocTopology noc(arch.clusters, arch.noc_mesh_cols());
  KernelProgram unfused = lower_graph(linear_relu_add(), {});
  KernelProgram fused = unfused;
  fuse_epilogues(fused, FusionMode::kEpilogue, arch);
  plan_residency(unfused, arch);
  plan_residency(fused, arch);
  const hw::Mapping gemm_map{32, 64, 64, false, false};
  const hw::Mapping ew_map{4, 1, 1, false, false};
  auto counts = [&](const hw::KernelDesc& d, const hw::Mapping& m) {
    return hw::plan_action_counts(hw::build_tile_plan(d, m, arch), noc, arch.dram_burst_bytes);
  };
  const hw::ActionCounts f = counts(by_name(fused, "fc").desc, gemm_map);
  const hw::ActionCounts g = counts(by_name(unfused, "fc").desc, gemm_map);
  const hw::ActionCounts seg = counts(unfused.kernels[1].desc, ew_map);
  const hw::ActionCounts pwl = counts(unfused.kernels[2].desc, ew_map);
  const hw::ActionCounts add = counts(unfused.kernels[3].desc, ew_map);
  const uint64_t outputs = 64 * 128, table = unfused.kernels[2].desc.table_bytes;
  auto bursts = [&](uint64_t b) { return hw::ceil_div(b, arch.dram_burst_bytes) * arch.dram_burst_bytes; };

  EXPECT_EQ(f.macs, g.macs + seg.macs + pwl.macs + add.macs);
  // DRAM: the GEMM's operands, the table once, the residual once (tile by tile), the final
  // output once; the GEMM output, relu output and index round trips are gone.
  EXPECT_EQ(f.dram_write_bytes, g.dram_write_bytes);
  EXPECT_GE(f.dram_read_bytes, g.dram_read_bytes + bursts(table) + outputs);
  EXPECT_LE(f.dram_read_bytes, g.dram_read_bytes + bursts(table) + outputs + 64 * 16);  // tile bursts
  EXPECT_LT(f.dram_bytes(), g.dram_bytes() + seg.dram_bytes() + pwl.dram_bytes() + add.dram_bytes());
  // NoC: the GEMM's, plus the table multicast and the residual operand.
  EXPECT_EQ(f.noc_bytes, g.noc_bytes + table + outputs);
  // L1: the GEMM's reads plus one K/B lookup and one residual read per output.
  EXPECT_EQ(f.l1_read_bytes, g.l1_read_bytes + outputs * 2 + outputs);
  // The PEs are busy at least as long as the GEMM, and less than the four kernels together.
  EXPECT_GT(f.pe_busy_cycles, g.pe_busy_cycles);
  EXPECT_LT(f.pe_busy_cycles,
            g.pe_busy_cycles + seg.pe_busy_cycles + pwl.pe_busy_cycles + add.pe_busy_cycles);
}

TEST(EpilogueFusion, ResNetReluAndResidualAddsAllFuse) {
  KernelProgram p = lower_graph(build_resnet50(), {});
  const size_t before = p.kernels.size();
  const size_t fused = fuse_epilogues(p, FusionMode::kEpilogue, hw::ArchConfig{});
  size_t standalone_relu = 0, standalone_add = 0;
  for (const LoweredKernel& k : p.kernels) {
    if (!k.issued()) continue;
    standalone_relu += k.desc.name.find("relu") != std::string::npos;
    standalone_add += k.semantics.op == KernelOp::kAdd;
  }
  EXPECT_EQ(standalone_relu, 0u);
  EXPECT_EQ(standalone_add, 0u);
  EXPECT_GT(fused, before / 2);
}

// ---------------------------------------------------------------- row blocking

TEST(RowBlocking, SoftmaxAndLayerNormBecomeOneKernelEach) {
  const Graph g = build_bert_base(128);
  KernelProgram p = lower_graph(g, {});
  uint64_t decomposed_macs = 0;
  for (const LoweredKernel& k : p.kernels) {
    if (k.desc.layer == "encoder.0" && k.desc.name.find("softmax") != std::string::npos)
      decomposed_macs += k.desc.macs();
  }
  const size_t groups = block_rows_on_chip(p, g, RowBlocking::kRowBlocked, hw::ArchConfig{});
  EXPECT_EQ(groups, 12u + 2 * 12 + 1);  // a softmax and two layernorms per layer, the embeddings' one
  const LoweredKernel& sm = by_name(p, "encoder.0.attention.softmax");
  EXPECT_EQ(sm.desc.kind, hw::KernelKind::kRowBlock);
  EXPECT_EQ(sm.desc.m, 12u * 128);
  EXPECT_EQ(sm.desc.n, 128u);
  EXPECT_EQ(sm.desc.macs(), decomposed_macs);  // the decomposition's work, no more, no less
  EXPECT_EQ(sm.desc.passes, 3u);
  EXPECT_GT(sm.desc.table_bytes, 0u);
  const LoweredKernel& ln = by_name(p, "encoder.0.attention.layernorm");
  EXPECT_EQ(ln.desc.column_table_bytes, 2u * 768);  // gamma and beta, int8
  // Every member is in the host's epilogue, in program order, right after it.
  for (const LoweredKernel* host : {&sm, &ln}) {
    const int index = static_cast<int>(host - p.kernels.data());
    for (size_t i = 0; i < host->epilogue.size(); ++i) {
      EXPECT_EQ(host->epilogue[i], index + 1 + static_cast<int>(i));
      EXPECT_EQ(p.kernels[static_cast<size_t>(host->epilogue[i])].fused_into, index);
    }
    // Only the op's result is stored; everything between stays in the PEs.
    for (size_t i = 0; i + 1 < host->epilogue.size(); ++i)
      EXPECT_TRUE(
          p.tensors[static_cast<size_t>(p.kernels[static_cast<size_t>(host->epilogue[i])].output)].in_pe);
    EXPECT_FALSE(p.tensors[static_cast<size_t>(p.written_output(*host))].in_pe);
  }
}

// A row too wide for L1 stays decomposed instead of failing to map.
TEST(RowBlocking, RowsTooWideForL1StayDecomposed) {
  Graph g("wide");
  const int x = g.add_tensor("x", {4, 65536});
  g.mark_input(x);
  const int y = append_op(g, OpKind::kSoftmax, "sm", "l", {x}, {4, 65536});
  g.mark_output(y);
  KernelProgram p = lower_graph(g, {});
  const size_t kernels = p.kernels.size();
  EXPECT_EQ(block_rows_on_chip(p, g, RowBlocking::kRowBlocked, hw::ArchConfig{}), 0u);
  EXPECT_EQ(p.kernels.size(), kernels);
}

// ---------------------------------------------------------------- fusion and L1

// x -> linear -> gelu: with an L1 that holds the GEMM's smallest tile and the GELU kernel's
// table with its elements, but not the tile and the table together, fusion must leave the GELU
// standalone so that the program still maps (the unfused kernels fit).
TEST(EpilogueFusion, StopsWhereTheEpilogueLeavesNoTileInL1) {
  Graph g("linear_gelu");
  const int x = g.add_tensor("x", {64, 256});
  g.mark_input(x);
  const int h = append_linear(g, "fc", "l", x, 128);
  const int y = append_op(g, OpKind::kGelu, "gelu", "l", {h}, {64, 128});
  g.mark_output(y);
  const KernelProgram lowered = lower_graph(g, {});
  ASSERT_EQ(lowered.kernels.size(), 3u);
  const uint64_t table = lowered.kernels[2].desc.table_bytes;
  ASSERT_GT(table, 16u);

  // L1 just big enough for the largest unfused kernel's smallest tile.
  hw::ArchConfig small;
  KernelProgram probe = lowered;
  plan_residency(probe, small);
  const hw::Mapping smallest{2, 2, 2, false, false};
  auto smallest_of = [&](const hw::KernelDesc& d) {
    return d.kind == hw::KernelKind::kGemm ? smallest : hw::Mapping{2, 1, 1, false, false};
  };
  uint64_t l1 = 0;
  for (const LoweredKernel& k : probe.kernels)
    l1 = std::max(l1, hw::l1_footprint_bytes(k.desc, smallest_of(k.desc), small));
  small.l1_bytes_per_pe = l1;
  hw::KernelDesc gemm_with_table = probe.kernels[0].desc;
  gemm_with_table.epilogue.ops = 2;
  gemm_with_table.epilogue.table_bytes = table;
  ASSERT_GT(hw::l1_footprint_bytes(gemm_with_table, smallest, small), l1)
      << "the fused GEMM must not fit for this test to mean anything";

  KernelProgram fused = lowered;
  EXPECT_EQ(fuse_epilogues(fused, FusionMode::kEpilogue, small), 0u);
  plan_residency(fused, small);
  Mapper mapper(small, hw::EnergyTable{}, "test");
  for (const LoweredKernel& k : fused.kernels) EXPECT_NO_THROW(mapper.map(k.desc)) << k.desc.name;
  KernelProgram roomy = lowered;
  EXPECT_EQ(fuse_epilogues(roomy, FusionMode::kEpilogue, hw::ArchConfig{}), 2u);
}

// ---------------------------------------------------------------- pooling

TEST(PoolWindowBlocking, MaxPoolIsOneKernelThatReadsItsInputOnce) {
  const Graph g = build_resnet50();
  KernelProgram decomposed = lower_graph(g, {});
  uint64_t member_macs = 0;
  size_t members = 0;
  for (const LoweredKernel& k : decomposed.kernels) {
    if (k.desc.layer != "stem" || k.desc.name.rfind("maxpool.", 0) != 0) continue;
    member_macs += k.desc.macs();
    ++members;
  }
  ASSERT_EQ(members, 16u);  // 8 pairwise maxima of a 3x3 window, a segment index and an X*K+B each
  KernelProgram blocked = decomposed;
  EXPECT_EQ(block_pool_windows(blocked, g, Pooling::kWindowBlocked, hw::ArchConfig{}), 1u);
  EXPECT_EQ(block_pool_windows(decomposed, g, Pooling::kDecomposed, hw::ArchConfig{}), 0u);
  const LoweredKernel& pool = by_name(blocked, "maxpool");
  EXPECT_EQ(pool.epilogue.size(), members);
  EXPECT_EQ(pool.desc.kind, hw::KernelKind::kElementwise);
  EXPECT_EQ(pool.desc.elements(), 56u * 56 * 64);
  EXPECT_EQ(pool.desc.input_streams, 4u);  // 112 x 112 input rows per 56 x 56 outputs
  EXPECT_EQ(pool.desc.macs(), member_macs);

  // Everything in DRAM: the block reads the input once; the decomposition reads a window element
  // (and the running maximum and index) per pairwise step.
  hw::ArchConfig dram_only;
  dram_only.l2_activation_fraction = 0;
  plan_residency(blocked, dram_only);
  plan_residency(decomposed, dram_only);
  EXPECT_EQ(by_name(blocked, "maxpool").desc.a_dram_bytes, 112u * 112 * 64);
  uint64_t decomposed_reads = 0;
  for (const LoweredKernel& k : decomposed.kernels) {
    if (k.desc.name.rfind("maxpool.", 0) == 0) decomposed_reads += k.desc.a_dram_bytes;
  }
  EXPECT_GT(decomposed_reads, 8 * 112u * 112 * 64 / 4);
  // Only the pooled output is stored.
  EXPECT_FALSE(blocked.tensors[static_cast<size_t>(blocked.written_output(pool))].in_pe);
  for (size_t i = 0; i + 1 < pool.epilogue.size(); ++i)
    EXPECT_TRUE(
        blocked.tensors[static_cast<size_t>(blocked.kernels[static_cast<size_t>(pool.epilogue[i])].output)]
            .in_pe);
}

// ---------------------------------------------------------------- strided convolution

TEST(Lowering, StridedPointwiseConvFetchesOnlyTheInputItUses) {
  const Graph g = build_resnet50();
  KernelProgram p = lower_graph(g, {});
  hw::ArchConfig dram_only;
  dram_only.l2_activation_fraction = 0;
  plan_residency(p, dram_only);
  // 1x1 stride 2 over 56 x 56 x 256: only the 28 x 28 positions the windows land on.
  EXPECT_EQ(by_name(p, "layer2.0.downsample").desc.a_dram_bytes, 28u * 28 * 256);
  // A 3x3 stride-2 window covers every row and column: the whole 56 x 56 x 128 input.
  EXPECT_EQ(by_name(p, "layer2.0.conv2").desc.a_dram_bytes, 56u * 56 * 128);
  // Stride 1: everything.
  EXPECT_EQ(by_name(p, "layer1.0.conv2").desc.a_dram_bytes, 56u * 56 * 64);
}

// ---------------------------------------------------------------- memory-aware schedule

KernelProgram compiled_bert(Schedule schedule, const hw::ArchConfig& arch) {
  const Graph g = build_bert_base(128);
  KernelProgram p = lower_graph(g, {});
  block_rows_on_chip(p, g, RowBlocking::kRowBlocked, arch);
  fuse_epilogues(p, FusionMode::kEpilogue, arch);
  schedule_for_residency(p, schedule, arch);
  return p;
}

// Every kernel after the producers of what it reads; every host directly before its epilogue.
void expect_valid_order(const KernelProgram& p) {
  std::vector<int> written_at(p.tensors.size(), -1);
  for (size_t i = 0; i < p.kernels.size(); ++i) {
    const LoweredKernel& k = p.kernels[i];
    if (k.issued()) {
      for (size_t e = 0; e < k.epilogue.size(); ++e) EXPECT_EQ(k.epilogue[e], static_cast<int>(i + 1 + e));
    }
    std::vector<int> reads = k.streams;
    if (k.b_operand >= 0) reads.push_back(k.b_operand);
    for (int t : reads) {
      const ProgramTensor& pt = p.tensors[static_cast<size_t>(t)];
      if (pt.constant || pt.pinned_dram) continue;
      EXPECT_GE(written_at[static_cast<size_t>(t)], 0)
          << k.desc.name << " reads " << pt.name << " before it exists";
    }
    if (k.output >= 0) written_at[static_cast<size_t>(k.output)] = static_cast<int>(i);
  }
}

TEST(MemoryAwareSchedule, KeepsBertsScoreMatrixOnChip) {
  const hw::ArchConfig arch;  // 1 MiB L2, half for activations
  const KernelProgram literal = compiled_bert(Schedule::kProgramOrder, arch);
  const KernelProgram sunk = compiled_bert(Schedule::kMemoryAware, arch);
  expect_valid_order(sunk);
  auto softmax_tensors_on_chip = [](const KernelProgram& p) {
    size_t on_chip = 0, softmaxes = 0;
    for (const LoweredKernel& k : p.kernels) {
      if (k.desc.kind != hw::KernelKind::kRowBlock || k.desc.name.find("softmax") == std::string::npos)
        continue;
      ++softmaxes;
      on_chip += p.tensors[static_cast<size_t>(k.streams.at(0))].on_chip &&
                 p.tensors[static_cast<size_t>(p.written_output(k))].on_chip;
    }
    return std::make_pair(on_chip, softmaxes);
  };
  EXPECT_EQ(softmax_tensors_on_chip(sunk), std::make_pair(size_t{12}, size_t{12}));
  EXPECT_EQ(softmax_tensors_on_chip(literal).first, 0u);  // the 196 KiB scores spill in op order
  EXPECT_LT(activation_dram_bytes(sunk, arch.datatype), activation_dram_bytes(literal, arch.datatype));
  // V's GEMM now runs after the softmax, just before the context GEMM that reads it.
  auto index_of = [&](const std::string& name) {
    return std::find_if(sunk.kernels.begin(), sunk.kernels.end(),
                        [&](const LoweredKernel& k) { return k.desc.name == name; }) -
           sunk.kernels.begin();
  };
  EXPECT_GT(index_of("encoder.3.attention.value"), index_of("encoder.3.attention.softmax"));
  EXPECT_LT(index_of("encoder.3.attention.value"), index_of("encoder.3.attention.context"));
  // The same kernels, only reordered.
  EXPECT_EQ(sunk.kernels.size(), literal.kernels.size());
}

// When sinking would move more bytes, the lowering's order stays.
TEST(MemoryAwareSchedule, KeepsTheLoweringsOrderWhenSinkingDoesNotHelp) {
  hw::ArchConfig huge;
  huge.l2_bytes = 1ull << 28;  // every activation fits in either order
  const Graph g = build_bert_base(128);
  KernelProgram p = lower_graph(g, {});
  const std::vector<LoweredKernel> before = p.kernels;
  EXPECT_FALSE(schedule_for_residency(p, Schedule::kMemoryAware, huge));
  ASSERT_EQ(p.kernels.size(), before.size());
  for (size_t i = 0; i < before.size(); ++i) EXPECT_EQ(p.kernels[i].desc.name, before[i].desc.name);
}

}  // namespace
}  // namespace nm::sw
