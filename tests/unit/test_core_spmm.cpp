// Sparse x dense (SpMM) kernels: tile plan totals worked by hand, chunking, footprints, and the
// lowering of sparse GCN aggregations.
#include <gtest/gtest.h>

#include "hw/core/noc_topology.h"
#include "hw/core/os_dataflow.h"
#include "hw/core/pipeline_model.h"
#include "hw/core/tile_plan.h"
#include "sw/graph/workloads.h"
#include "sw/lowering/kernel_program.h"
#include "sw/mapping/mapper.h"

namespace nm::hw {
namespace {

KernelDesc spmm(uint64_t m, uint64_t n, uint64_t nnz) {
  KernelDesc d;
  d.kind = KernelKind::kSpmm;
  d.m = m;
  d.k = m;
  d.n = n;
  d.nnz = nnz;
  d.a_dram_bytes = nnz * 5 + (m + 1) * 4;  // int8 values + 32-bit columns + row pointers
  return d;
}

TEST(CoreSpmm, PlanMovesEveryEntryOnceAndGathersOneRowPerEntry) {
  ArchConfig a;  // 8 clusters, int8
  KernelDesc k = spmm(1000, 16, 7000);
  k.b_dram_bytes = 1000 * 16;  // B in DRAM: every entry gathers a 16-byte row
  k.out_on_chip = true;
  const TilePlan plan = build_tile_plan(k, {20, 1, 40, false, false}, a);
  const NocTopology noc(a.clusters, a.noc_mesh_cols());
  const ActionCounts c = plan_action_counts(plan, noc, 1);
  EXPECT_EQ(c.macs, 7000u * 16);
  EXPECT_EQ(c.dram_read_bytes, k.a_dram_bytes + 7000u * 16);         // CSR + gathers, burst 1
  EXPECT_EQ(c.noc_bytes, k.a_dram_bytes + 7000u * 16 + 1000u * 16);  // + writebacks
  EXPECT_EQ(c.dram_write_bytes, 0u);
  // 20 rows hold 140 entries: 4 chunks of 35 (at most 40) per row block.
  size_t first_wave_steps = 0;
  for (const PlanStep& s : plan.steps) {
    if (s.work.size() == 8 && s.work[0].writeback_bytes == 0) ++first_wave_steps;
  }
  EXPECT_GT(first_wave_steps, 0u);
  for (const PlanStep& s : plan.steps) {
    for (const ClusterWork& w : s.work) EXPECT_LE(w.macs, 40u * 16);
  }
}

TEST(CoreSpmm, OperandOnChipGathersFromL2NotDram) {
  ArchConfig a;
  KernelDesc k = spmm(1000, 16, 7000);
  k.b_dram_bytes = 0;
  const ActionCounts c =
      plan_action_counts(build_tile_plan(k, {20, 1, 140, false, false}, a), NocTopology(8, 3), 1);
  EXPECT_EQ(c.dram_read_bytes, k.a_dram_bytes);
  EXPECT_EQ(c.dram_write_bytes, 1000u * 16);  // output to DRAM
}

TEST(CoreSpmm, FootprintsBoundWhatThePlanStages) {
  ArchConfig a;
  KernelDesc k = spmm(232965, 41, 114848857);  // Reddit's A_hat, 41 classes
  k.b_dram_bytes = 232965 * 41;
  const Mapping mp{8, 1, 600, false, false};
  ASSERT_TRUE(mapping_fits(k, mp, a));
  const TilePlan plan = build_tile_plan(k, mp, a);
  uint64_t worst_step = 0;
  for (const PlanStep& s : plan.steps) worst_step = std::max(worst_step, s.dram_read_bytes);
  EXPECT_LE(2 * worst_step, l2_staging_footprint_bytes(k, mp, a));
  EXPECT_FALSE(mapping_fits(k, {8, 1, 100000, false, false}, a));  // one chunk per row block is too big
}

}  // namespace
}  // namespace nm::hw

namespace nm::sw {
namespace {

TEST(LoweringSparse, GcnAggregationBecomesSpmmWithTheGraphsEntries) {
  const KernelProgram p = lower_graph(load_workload("gcn_cora_l2_sparse", {}, {}), {});
  size_t spmm_kernels = 0;
  for (const LoweredKernel& k : p.kernels) {
    if (k.desc.kind != hw::KernelKind::kSpmm) continue;
    ++spmm_kernels;
    EXPECT_EQ(k.desc.nnz, 10556u + 2708u);  // Cora's edges (both directions) + self loops
    EXPECT_TRUE(k.desc.network_linear);
  }
  EXPECT_EQ(spmm_kernels, 2u);
  // X W1 + A_hat (XW1) + H W2 + A_hat (H W2), the aggregations counting stored entries only.
  EXPECT_EQ(p.network_macs(), 2708ull * 1433 * 16 + 13264ull * 16 + 2708ull * 16 * 7 + 13264ull * 7);
  // The dense variant multiplies every zero too.
  EXPECT_EQ(lower_graph(load_workload("gcn_cora_l2", {}, {}), {}).network_macs(),
            2708ull * 1433 * 16 + 2708ull * 2708 * 16 + 2708ull * 16 * 7 + 2708ull * 2708 * 7);
}

TEST(LoweringSparse, CsrBytesAreTheAdjacencysStorage) {
  ProgramTensor t;
  t.nonzeros = 13264;
  t.rows = 2708;
  t.elements = 2708ull * 2708;
  t.constant = true;
  EXPECT_EQ(tensor_bytes(t, hw::DataType::kInt8), 13264u * 5 + 2709u * 4);
  EXPECT_EQ(tensor_bytes(t, hw::DataType::kFp16), 13264u * 6 + 2709u * 4);
}

}  // namespace
}  // namespace nm::sw

namespace nm::hw {
namespace {

TEST(CorePerColumnTable, EachPeHoldsOnlyItsColumns) {
  ArchConfig a;  // 128 PEs per cluster
  a.datatype = DataType::kFp16;
  KernelDesc k;
  k.kind = KernelKind::kElementwise;
  k.m = 128 * 1024;
  k.input_streams = 2;
  k.macs_per_element = 2;
  k.table_bytes = 2 * 1024 * 2;                         // gamma + beta, 1024 columns, fp16
  EXPECT_EQ(k.table_bytes_per_pe(128), k.table_bytes);  // a PWL table: every PE holds all of it
  k.table_columns = 1024;
  EXPECT_EQ(k.table_bytes_per_pe(128), 8u * 4);  // 8 columns x (gamma + beta) x 2 B
  // tm = 2: 2 x 2 x (2 streams x 2 B) in + 2 x 2 B out + 32 B of parameters.
  EXPECT_EQ(l1_footprint_bytes(k, {2, 1, 1}, a), 16u + 4u + 32u);
}

}  // namespace
}  // namespace nm::hw

namespace nm::sw {
namespace {

TEST(LoweringLayerNorm, BertLargeAtFp16MapsOnThePapersConfig) {
  // Hidden 1024 at fp16: gamma and beta are 4 KB, a whole L1; split by column they fit.
  hw::ArchConfig arch;
  arch.datatype = hw::DataType::kFp16;
  KernelProgram p = lower_graph(load_workload("bert_large", {}, {}), {hw::DataType::kFp16, 0.25});
  plan_residency(p, arch);
  Mapper mapper(arch, hw::EnergyTable{}, "test");
  for (const LoweredKernel& k : p.kernels) EXPECT_NO_THROW(mapper.map(k.desc)) << k.desc.name;
}

}  // namespace
}  // namespace nm::sw
