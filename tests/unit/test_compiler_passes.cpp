// The compiler passes after the lowering: epilogue fusion (sw/lowering/fusion.h) and row-blocked
// softmax / layernorm (sw/lowering/row_blocking.h), checked on small graphs and the built-in
// networks: what fuses, what must not, and that a fused kernel costs what the unfused kernels
// computed minus the traffic between them.
#include <gtest/gtest.h>

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
  EXPECT_EQ(fuse_epilogues(p, FusionMode::kEpilogue), 3u);
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
  EXPECT_EQ(fuse_epilogues(p, FusionMode::kNone), 0u);
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
  fuse_epilogues(p, FusionMode::kEpilogue);
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
  EXPECT_EQ(fuse_epilogues(p2, FusionMode::kEpilogue), 0u);
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
  fuse_epilogues(fused, FusionMode::kEpilogue);
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
  const size_t fused = fuse_epilogues(p, FusionMode::kEpilogue);
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

}  // namespace
}  // namespace nm::sw
