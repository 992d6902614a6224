// hw/core/tile_plan.h: the steps a kernel performs, with every count worked out by hand.
//
// Default ArchConfig: 8 clusters of 16 x 8 PEs, int8 (1 B operands, 4 B accumulators), 1 MiB L2
// (half of it staging), NoC mesh of 3 columns with L2 at router (0,0).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>

#include "hw/core/arch_config.h"
#include "hw/core/kernel_desc.h"
#include "hw/core/noc_topology.h"
#include "hw/core/os_dataflow.h"
#include "hw/core/tile_plan.h"
#include "kernel_factories.h"

namespace nm::hw {
namespace {

using test::gemm;

uint64_t bit(uint32_t c) {
  return uint64_t{1} << c;
}

struct Totals {
  uint64_t macs = 0, dram_read = 0, resident = 0, dram_write = 0, multicast = 0, writeback = 0,
           writeback_dram = 0, compute = 0;
};

Totals totals(const TilePlan& plan) {
  Totals t;
  for (const PlanStep& s : plan.steps) {
    t.dram_read += s.dram_read_bytes;
    t.resident += s.resident_bytes;
    t.dram_write += s.dram_write_bytes;
    for (const Multicast& m : s.multicasts) t.multicast += m.bytes;
    for (const ClusterWork& w : s.work) {
      t.macs += w.macs;
      t.writeback += w.writeback_bytes;
      t.writeback_dram += w.writeback_dram_bytes;
      t.compute += w.compute_cycles;
    }
  }
  return t;
}

// ---------------------------------------------------------------- GEMM

// 64 x 64 x 64 with 32 x 32 x 32 tiles: 2 x 2 = 4 output tiles, one wave on clusters 0-3
// (tile t -> row block t / 2, column block t % 2), and 2 k-chunks = 2 steps.
TEST(CoreTilePlanGemm, SingleWaveStructure) {
  ArchConfig a;
  KernelDesc k = gemm(64, 64, 64);
  const TilePlan plan = build_tile_plan(k, {32, 32, 32}, a);
  ASSERT_EQ(plan.steps.size(), 2u);
  for (size_t s = 0; s < 2; ++s) {
    const PlanStep& step = plan.steps[s];
    ASSERT_EQ(step.work.size(), 4u);
    // A row blocks 0 and 1 go to {0,1} and {2,3}; B column blocks 0 and 1 to {0,2} and {1,3}.
    std::multiset<uint64_t> masks;
    for (const Multicast& m : step.multicasts) {
      masks.insert(m.cluster_mask);
      EXPECT_EQ(m.bytes, 32u * 32u);  // one 32 x 32 int8 operand tile
    }
    EXPECT_EQ(masks,
              (std::multiset<uint64_t>{bit(0) | bit(1), bit(2) | bit(3), bit(0) | bit(2), bit(1) | bit(3)}));
    EXPECT_EQ(step.dram_read_bytes, 0u);  // operands on chip (no DRAM bytes given)
    for (uint32_t c = 0; c < 4; ++c) {
      const ClusterWork& w = step.work[c];
      EXPECT_EQ(w.cluster, c);
      EXPECT_EQ(w.macs, 32u * 32u * 32u);
      // 32 * ceil(32/16) * ceil(32/8) = 256, plus fill/drain 16 + 8 on the first chunk.
      EXPECT_EQ(w.compute_cycles, s == 0 ? 280u : 256u);
      // A element to the 8 PEs of its row, B element to the 16 PEs of its column, per k:
      // (32*8 + 32*16) * 32 = 24576; partial sums (32*32*4 = 4096) spill between chunks.
      EXPECT_EQ(w.l1_write_bytes, s == 0 ? 24576u + 4096u : 24576u);
      // Each PE reads every operand it received once into a register (24576) and reuses it across
      // its outputs, plus the partial sums of the previous chunk.
      EXPECT_EQ(w.l1_read_bytes, s == 0 ? 24576u : 24576u + 4096u);
      EXPECT_EQ(w.writeback_bytes, s == 1 ? 1024u : 0u);  // 32 x 32 int8 at the last chunk
      EXPECT_EQ(w.writeback_dram_bytes, s == 1 ? 1024u : 0u);
    }
  }
  const Totals t = totals(plan);
  EXPECT_EQ(t.macs, 64u * 64u * 64u);
  EXPECT_EQ(t.multicast, 2u * 4u * 1024u);
  EXPECT_EQ(t.writeback, 64u * 64u);
  EXPECT_EQ(t.compute, 4u * (280u + 256u));

  // Without operand registers (pe.operand_reuse: none) every MAC reads both operands from L1:
  // 2 x 32768 per cluster and chunk; nothing else changes.
  ArchConfig naive = a;
  naive.pe_operand_registers = false;
  const TilePlan naive_plan = build_tile_plan(k, {32, 32, 32}, naive);
  ASSERT_EQ(naive_plan.steps.size(), 2u);
  for (size_t s = 0; s < 2; ++s) {
    for (const ClusterWork& w : naive_plan.steps[s].work) {
      EXPECT_EQ(w.l1_read_bytes, s == 0 ? 65536u : 65536u + 4096u);
      EXPECT_EQ(w.l1_write_bytes, plan.steps[s].work[w.cluster].l1_write_bytes);
      EXPECT_EQ(w.compute_cycles, plan.steps[s].work[w.cluster].compute_cycles);
    }
  }
}

TEST(CoreTilePlanGemm, DramReadsOncePerNeededStep) {
  ArchConfig a;
  KernelDesc k = gemm(64, 64, 64);
  k.a_dram_bytes = 4096;
  k.b_dram_bytes = 4096;
  for (bool resident : {false, true}) {
    const TilePlan plan = build_tile_plan(k, {32, 32, 32, resident, resident}, a);
    ASSERT_EQ(plan.steps.size(), 2u);
    // Each step needs 2 A tiles and 2 B tiles of 32 x 32 (1 B per element): 4096 B.
    for (const PlanStep& s : plan.steps) {
      EXPECT_EQ(s.dram_read_bytes, 4096u);
      EXPECT_EQ(s.resident_bytes, resident ? 4096u : 0u);
      // Half of it is B's two tiles, read from B's own address stream (dram_system.h).
      EXPECT_EQ(s.dram_read_b_bytes, 2048u);
      EXPECT_EQ(s.dram_read_other_bytes, 0u);
      EXPECT_EQ(dram_read_split(s).a, 2048u);
    }
  }
}

// dram.layout: row_major under a standard: each A tile is its rows' k-chunk in the [m][k] tensor,
// each B tile its k-chunk's rows' columns in the [k][n] tensor.
TEST(CoreTilePlanGemm, RowMajorLayoutGivesEachTileItsTensorRows) {
  ArchConfig a;
  a.dram_standard = "lpddr4_3200";
  a.dram_row_major = true;
  KernelDesc k = gemm(64, 64, 64);
  k.a_dram_bytes = 4096;
  k.b_dram_bytes = 4096;
  const TilePlan plan = build_tile_plan(k, {32, 32, 32}, a);
  ASSERT_EQ(plan.steps.size(), 2u);
  for (size_t s = 0; s < 2; ++s) {
    const std::vector<TensorRows>& rows = plan.steps[s].dram_rows;
    ASSERT_EQ(rows.size(), 4u);  // two A row blocks, two B column blocks
    uint64_t bytes = 0;
    for (const TensorRows& t : rows) {
      EXPECT_EQ(t.rows, 32u);
      EXPECT_EQ(t.row_bytes, 32u);  // half of a 64 B row: the k-chunk (A) or the column block (B)
      EXPECT_EQ(t.pitch, 64u);
      bytes += t.rows * t.row_bytes;
    }
    EXPECT_EQ(bytes, plan.steps[s].dram_read_bytes);
    // A's block 1 starts at row 32; the second step's A tiles start 32 B into their rows.
    EXPECT_EQ(rows[0].stream, DramStream::kA);
    EXPECT_EQ(rows[1].offset, 32u * 64 + 32 * s);
    // B's second step covers k rows 32..63; its column block 1 starts 32 B into each row.
    EXPECT_EQ(rows[2].stream, DramStream::kB);
    EXPECT_EQ(rows[3].offset, 32u * s * 64 + 32);
  }
  a.dram_standard = "bandwidth";  // no addresses under the pipe
  EXPECT_TRUE(build_tile_plan(k, {32, 32, 32}, a).steps[0].dram_rows.empty());
}

// 64 x 64 x 64 with 16 x 16 x 32 tiles: 4 x 4 = 16 tiles, two waves of 8, 2 k-chunks: 4 steps.
// Wave 0 covers row blocks 0-1, wave 1 row blocks 2-3; both waves need all 4 column blocks.
TEST(CoreTilePlanGemm, NonResidentBIsRefetchedPerWave) {
  ArchConfig a;
  KernelDesc k = gemm(64, 64, 64);
  k.a_dram_bytes = 4096;
  k.b_dram_bytes = 4096;

  const TilePlan plan = build_tile_plan(k, {16, 16, 32, false, false}, a);
  ASSERT_EQ(plan.steps.size(), 4u);
  for (const PlanStep& s : plan.steps) {
    // 2 A tiles (16 x 32 = 512 B) + 4 B tiles (32 x 16 = 512 B).
    EXPECT_EQ(s.dram_read_bytes, 2u * 512u + 4u * 512u);
    ASSERT_EQ(s.multicasts.size(), 6u);
    ASSERT_EQ(s.work.size(), 8u);
  }
  // Wave 0 masks: A row 0 -> clusters 0-3, row 1 -> 4-7; B column j -> clusters j and j + 4.
  std::multiset<uint64_t> masks;
  for (const Multicast& m : plan.steps[0].multicasts) masks.insert(m.cluster_mask);
  EXPECT_EQ(masks, (std::multiset<uint64_t>{0x0F, 0xF0, 0x11, 0x22, 0x44, 0x88}));
  const Totals t = totals(plan);
  EXPECT_EQ(t.dram_read, 4096u + 2u * 4096u);  // A once, B twice (once per wave)
  EXPECT_EQ(t.resident, 0u);

  // B resident: fetched in wave 0 only; the wave-1 steps read just their A tiles.
  const TilePlan res = build_tile_plan(k, {16, 16, 32, false, true}, a);
  ASSERT_EQ(res.steps.size(), 4u);
  EXPECT_EQ(res.steps[0].dram_read_bytes, 3072u);
  EXPECT_EQ(res.steps[0].resident_bytes, 2048u);
  EXPECT_EQ(res.steps[2].dram_read_bytes, 1024u);
  EXPECT_EQ(res.steps[2].resident_bytes, 0u);
  const Totals tr = totals(res);
  EXPECT_EQ(tr.dram_read, 4096u + 4096u);  // each operand tile exactly once
  EXPECT_EQ(tr.resident, 4096u);

  // Both resident: also exactly once each.
  EXPECT_EQ(totals(build_tile_plan(k, {16, 16, 32, true, true}, a)).dram_read, 8192u);
}

// The same GEMM with tiles dealt m-fastest: wave 0 covers column blocks 0-1 (all 4 row blocks),
// wave 1 column blocks 2-3. Now A is the operand every wave needs: with A resident each operand
// tile is read once; with B resident (the n-fastest choice), A is read twice.
TEST(CoreTilePlanGemm, MFastestOrderRefetchesAInsteadOfB) {
  ArchConfig a;
  KernelDesc k = gemm(64, 64, 64);
  k.a_dram_bytes = 4096;
  k.b_dram_bytes = 4096;
  Mapping m{16, 16, 32, false, false};
  m.m_fastest = true;
  const TilePlan plan = build_tile_plan(k, m, a);
  ASSERT_EQ(plan.steps.size(), 4u);
  std::multiset<uint64_t> masks;
  for (const Multicast& mc : plan.steps[0].multicasts) masks.insert(mc.cluster_mask);
  // A row i -> clusters i and i + 4; B column 0 -> clusters 0-3, column 1 -> 4-7.
  EXPECT_EQ(masks, (std::multiset<uint64_t>{0x11, 0x22, 0x44, 0x88, 0x0F, 0xF0}));
  EXPECT_EQ(totals(plan).dram_read, 2u * 4096u + 4096u);  // A twice (once per wave), B once
  m.a_resident = true;
  EXPECT_EQ(totals(build_tile_plan(k, m, a)).dram_read, 8192u);
  m.a_resident = false;
  m.b_resident = true;
  EXPECT_EQ(totals(build_tile_plan(k, m, a)).dram_read, 2u * 4096u + 4096u);
  // The same MACs and outputs in either order.
  Mapping n{16, 16, 32, false, false};
  EXPECT_EQ(totals(build_tile_plan(k, m, a)).macs, totals(build_tile_plan(k, n, a)).macs);
  EXPECT_EQ(totals(build_tile_plan(k, m, a)).writeback, totals(build_tile_plan(k, n, a)).writeback);
}

// The L2 staging footprint (os_dataflow.h) bounds what the plan holds in either order: two
// steps of streamed blocks (double buffering) plus every resident byte.
TEST(CoreTilePlanGemm, StagingFootprintBoundsThePlanInBothOrders) {
  ArchConfig a;
  struct Shape {
    uint64_t batch, m, n, k;
    bool b_per_batch;
  };
  for (const Shape& sh :
       {Shape{1, 196, 1024, 512, false}, Shape{1, 64, 64, 64, false}, Shape{12, 128, 128, 64, true},
        Shape{4, 30, 50, 70, false}, Shape{1, 1000, 24, 96, false}}) {
    KernelDesc k = gemm(sh.m, sh.n, sh.k);
    k.batch = sh.batch;
    k.b_per_batch = sh.b_per_batch;
    k.a_dram_bytes = sh.batch * sh.m * sh.k;
    k.b_dram_bytes = (sh.b_per_batch ? sh.batch : 1) * sh.k * sh.n;
    k.out_on_chip = true;
    for (uint32_t t : {8u, 16u, 32u}) {
      for (bool m_fastest : {false, true}) {
        for (int res = 0; res < 4; ++res) {
          Mapping m{t, t, t, (res & 1) != 0, (res & 2) != 0};
          m.m_fastest = m_fastest;
          uint64_t streamed = 0, resident = 0;
          for (const PlanStep& s : build_tile_plan(k, m, a).steps) {
            streamed = std::max(streamed, s.dram_read_bytes - s.resident_bytes);
            resident += s.resident_bytes;
          }
          EXPECT_LE(2 * streamed + resident, l2_staging_footprint_bytes(k, m, a))
              << sh.batch << "x" << sh.m << "x" << sh.n << "x" << sh.k << " tile " << t << " m_fastest "
              << m_fastest << " residency " << res;
        }
      }
    }
  }
}

TEST(CoreTilePlanGemm, WritebackGoesToDramUnlessOutputOnChip) {
  ArchConfig a;
  KernelDesc k = gemm(64, 64, 64);
  Totals t = totals(build_tile_plan(k, {16, 16, 32}, a));
  EXPECT_EQ(t.writeback, 4096u);
  EXPECT_EQ(t.writeback_dram, 4096u);
  k.out_on_chip = true;
  t = totals(build_tile_plan(k, {16, 16, 32}, a));
  EXPECT_EQ(t.writeback, 4096u);
  EXPECT_EQ(t.writeback_dram, 0u);
  // Writebacks happen only at the last k-chunk (steps 1 and 3).
  const TilePlan plan = build_tile_plan(k, {16, 16, 32}, a);
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    for (const ClusterWork& w : plan.steps[s].work) EXPECT_EQ(w.writeback_bytes > 0, s % 2 == 1) << s;
  }
}

TEST(CoreTilePlanGemm, FeatureMapBytesScaleTheAFetch) {
  ArchConfig a;
  KernelDesc k = gemm(64, 64, 64);
  k.a_dram_bytes = 2048;  // conv A: half a DRAM byte per im2col element
  const TilePlan plan = build_tile_plan(k, {32, 32, 32}, a);
  ASSERT_EQ(plan.steps.size(), 2u);
  for (const PlanStep& s : plan.steps) EXPECT_EQ(s.dram_read_bytes, 2u * 512u);
  EXPECT_EQ(totals(plan).dram_read, 2048u);
}

TEST(CoreTilePlanGemm, RaggedEdges) {
  ArchConfig a;
  // 40 x 24 x 40 with 32 x 16 x 32 tiles: tiles 32x16, 32x8, 8x16, 8x8; chunks of 32 and 8.
  KernelDesc k = gemm(40, 24, 40);
  const TilePlan plan = build_tile_plan(k, {32, 16, 32}, a);
  ASSERT_EQ(plan.steps.size(), 2u);
  ASSERT_EQ(plan.steps[0].work.size(), 4u);
  const auto& w0 = plan.steps[0].work;
  EXPECT_EQ(w0[0].compute_cycles, 32u * 2u * 2u + 24u);  // 32x16, depth 32
  EXPECT_EQ(w0[1].compute_cycles, 32u * 2u * 1u + 24u);  // 32x8
  EXPECT_EQ(w0[2].compute_cycles, 32u * 1u * 2u + 24u);  // 8x16
  EXPECT_EQ(w0[3].compute_cycles, 32u * 1u * 1u + 24u);  // 8x8
  const auto& w1 = plan.steps[1].work;
  EXPECT_EQ(w1[3].compute_cycles, 8u);  // 8x8, depth 8, no fill
  EXPECT_EQ(w1[0].macs, 32u * 16u * 8u);
  EXPECT_EQ(w1[3].writeback_bytes, 64u);
  // Multicast bytes of step 1 (depth 8): A rows 32 and 8, B cols 16 and 8, x 8 x 1 B.
  uint64_t bytes = 0;
  for (const Multicast& m : plan.steps[1].multicasts) bytes += m.bytes;
  EXPECT_EQ(bytes, (32u + 8u + 16u + 8u) * 8u);
  const Totals t = totals(plan);
  EXPECT_EQ(t.macs, 40u * 24u * 40u);
  EXPECT_EQ(t.writeback, 40u * 24u);
}

TEST(CoreTilePlanGemm, BatchedSharedVersusPerBatchB) {
  ArchConfig a;
  KernelDesc k = gemm(32, 32, 32);
  k.batch = 2;
  k.b_dram_bytes = 1024;  // shared weights: one 32 x 32 B
  TilePlan plan = build_tile_plan(k, {32, 32, 32}, a);
  ASSERT_EQ(plan.steps.size(), 1u);
  // Two A tiles (one per batch entry), one B tile multicast to both clusters.
  std::multiset<uint64_t> masks;
  for (const Multicast& m : plan.steps[0].multicasts) masks.insert(m.cluster_mask);
  EXPECT_EQ(masks, (std::multiset<uint64_t>{bit(0), bit(1), bit(0) | bit(1)}));
  EXPECT_EQ(plan.steps[0].dram_read_bytes, 1024u);

  k.b_per_batch = true;  // attention: B differs per batch entry
  k.b_dram_bytes = 2048;
  plan = build_tile_plan(k, {32, 32, 32}, a);
  masks.clear();
  for (const Multicast& m : plan.steps[0].multicasts) masks.insert(m.cluster_mask);
  EXPECT_EQ(masks, (std::multiset<uint64_t>{bit(0), bit(1), bit(0), bit(1)}));
  EXPECT_EQ(plan.steps[0].dram_read_bytes, 2048u);
  EXPECT_EQ(totals(plan).macs, 2u * 32u * 32u * 32u);
}

TEST(CoreTilePlanGemm, MoreTilesThanClustersFormWaves) {
  ArchConfig a;
  // 128 x 128 x 16 with 16 x 16 x 16 tiles: 64 tiles = 8 waves of 8, 1 chunk each.
  const TilePlan plan = build_tile_plan(gemm(128, 128, 16), {16, 16, 16}, a);
  ASSERT_EQ(plan.steps.size(), 8u);
  for (const PlanStep& s : plan.steps) {
    ASSERT_EQ(s.work.size(), 8u);
    // n-fastest: a wave is one full row of 8 column blocks: 1 A tile to all, 8 distinct B tiles.
    ASSERT_EQ(s.multicasts.size(), 9u);
  }
  EXPECT_EQ(totals(plan).macs, 128u * 128u * 16u);
}

// ---------------------------------------------------------------- element-wise

// 10000 elements, tm = 4: a cluster takes 128 x 4 = 512 per step, a step 8 x 512 = 4096, so
// 3 steps of 4096, 4096, 1808 (= 512 + 512 + 512 + 272 on clusters 0-3).
TEST(CoreTilePlanElementwise, StepsAndTableLoad) {
  ArchConfig a;
  KernelDesc k;
  k.kind = KernelKind::kElementwise;
  k.m = 10000;
  k.input_streams = 1;
  k.index_input = 1;  // 2 B in per element
  k.macs_per_element = 2;
  k.table_bytes = 20;
  k.a_dram_bytes = 20000;
  const TilePlan plan = build_tile_plan(k, {4, 1, 1}, a);
  ASSERT_EQ(plan.steps.size(), 4u);

  const PlanStep& load = plan.steps[0];
  EXPECT_EQ(load.dram_read_bytes, 20u);
  ASSERT_EQ(load.multicasts.size(), 1u);
  EXPECT_EQ(load.multicasts[0].cluster_mask, 0xFFu);
  EXPECT_EQ(load.multicasts[0].bytes, 20u);
  ASSERT_EQ(load.work.size(), 8u);
  for (const ClusterWork& w : load.work) {
    EXPECT_EQ(w.l1_write_bytes, 20u * 128u);  // the table in every PE
    EXPECT_EQ(w.compute_cycles, 0u);
    EXPECT_EQ(w.macs, 0u);
  }

  EXPECT_EQ(plan.steps[1].work.size(), 8u);
  EXPECT_EQ(plan.steps[1].dram_read_bytes, 8192u);                // 4096 elements x 2 B
  EXPECT_EQ(plan.steps[1].work[0].compute_cycles, 4u * 2u + 1u);  // 512/128 x 2 MACs + 1
  EXPECT_EQ(plan.steps[1].multicasts[0].cluster_mask, bit(0));
  EXPECT_EQ(plan.steps[1].multicasts[0].bytes, 1024u);

  const PlanStep& last = plan.steps[3];
  ASSERT_EQ(last.work.size(), 4u);
  EXPECT_EQ(last.dram_read_bytes, 3616u);  // 1808 x 2
  EXPECT_EQ(last.work[3].macs, 272u * 2u);
  EXPECT_EQ(last.work[3].compute_cycles, 3u * 2u + 1u);  // ceil(272/128) = 3
  EXPECT_EQ(last.work[3].writeback_bytes, 272u);

  const Totals t = totals(plan);
  EXPECT_EQ(t.macs, 20000u);
  EXPECT_EQ(t.dram_read, 20u + 20000u);
  EXPECT_EQ(t.writeback, 10000u);
  EXPECT_EQ(t.writeback_dram, 10000u);
  EXPECT_EQ(t.multicast, 20u + 20000u);
}

TEST(CoreTilePlanElementwise, NoTableNoLoadStepAndOnChipOutput) {
  ArchConfig a;
  KernelDesc k;
  k.kind = KernelKind::kSegmentIndex;
  k.m = 4096;
  k.index_output = true;
  k.out_on_chip = true;
  const TilePlan plan = build_tile_plan(k, {4, 1, 1}, a);
  ASSERT_EQ(plan.steps.size(), 1u);
  const Totals t = totals(plan);
  EXPECT_EQ(t.dram_read, 0u);
  EXPECT_EQ(t.writeback, 4096u);  // 1 B index per element
  EXPECT_EQ(t.writeback_dram, 0u);
}

// ---------------------------------------------------------------- DMA

TEST(CoreTilePlanDma, ChunksOfHalfTheStagingRegion) {
  ArchConfig a;  // staging 524288 -> chunks of 262144
  KernelDesc k;
  k.kind = KernelKind::kDma;
  k.dram_read_bytes = 1300000;  // 4 x 262144 = 1048576, remainder 251424
  TilePlan plan = build_tile_plan(k, {}, a);
  ASSERT_EQ(plan.steps.size(), 5u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(plan.steps[i].dram_read_bytes, 262144u);
  EXPECT_EQ(plan.steps[4].dram_read_bytes, 251424u);
  for (const PlanStep& s : plan.steps) {
    EXPECT_EQ(s.dram_write_bytes, s.dram_read_bytes);
    EXPECT_TRUE(s.work.empty());
    EXPECT_TRUE(s.multicasts.empty());
  }
  k.out_on_chip = true;
  plan = build_tile_plan(k, {}, a);
  EXPECT_EQ(totals(plan).dram_write, 0u);
  EXPECT_EQ(totals(plan).dram_read, 1300000u);
}

// ---------------------------------------------------------------- action counts

TEST(CoreTilePlanActions, GemmCountsByHand) {
  ArchConfig a;
  NocTopology noc(a.clusters, a.noc_mesh_cols());  // 3 columns
  KernelDesc k = gemm(64, 64, 64);
  k.a_dram_bytes = 4096;
  k.b_dram_bytes = 4096;
  // Every DRAM request here is a whole number of 64 B bursts.
  const ActionCounts c = plan_action_counts(build_tile_plan(k, {32, 32, 32}, a), noc, a.dram_burst_bytes);
  EXPECT_EQ(c.macs, 262144u);
  EXPECT_EQ(c.dram_read_bytes, 8192u);
  EXPECT_EQ(c.dram_write_bytes, 4096u);
  // Multicasts 2 steps x 4 x 1024 + writebacks 4 x 1024.
  EXPECT_EQ(c.noc_bytes, 8192u + 4096u);
  // Tree links per multicast: {0,1}: 2, {2,3}: 4, {0,2}: 3, {1,3}: 3 -> 12 x 1024 per step;
  // writeback hops c0 1, c1 2, c2 3, c3 2 -> 8 x 1024.
  EXPECT_EQ(c.noc_byte_hops, 2u * 12u * 1024u + 8u * 1024u);
  EXPECT_EQ(c.l2_write_bytes, 8192u + 4096u);  // DMA fills + writebacks
  EXPECT_EQ(c.l2_read_bytes, 8192u + 4096u);   // multicasts + drain to DRAM
  EXPECT_EQ(c.pe_busy_cycles, 4u * (280u + 256u));
  EXPECT_EQ(c.l1_read_bytes, 4u * (24576u + 28672u));  // operands once per PE; partial sums
  EXPECT_EQ(c.l1_write_bytes, 4u * (28672u + 24576u));
}

TEST(CoreTilePlanActions, DmaCountsRoundDramToBursts) {
  ArchConfig a;
  NocTopology noc(a.clusters, a.noc_mesh_cols());
  KernelDesc k;
  k.kind = KernelKind::kDma;
  k.dram_read_bytes = 1000;
  // DRAM moves whole 64 B bursts: 1000 B -> 16 bursts = 1024 B each way; L2 sees the 1000 B.
  ActionCounts c = plan_action_counts(build_tile_plan(k, {}, a), noc, 64);
  EXPECT_EQ(c.dram_read_bytes, 1024u);
  EXPECT_EQ(c.dram_write_bytes, 1024u);
  EXPECT_EQ(c.l2_write_bytes, 1000u);
  EXPECT_EQ(c.l2_read_bytes, 1000u);
  EXPECT_EQ(c.noc_bytes, 0u);
  EXPECT_EQ(c.macs, 0u);
  c = plan_action_counts(build_tile_plan(k, {}, a), noc, 1);
  EXPECT_EQ(c.dram_read_bytes, 1000u);
  EXPECT_EQ(c.dram_write_bytes, 1000u);
}

TEST(CoreTilePlanActions, GemmWritebackRoundsPerTile) {
  ArchConfig a;
  NocTopology noc(a.clusters, a.noc_mesh_cols());
  // 40 x 24 x 40 with 32 x 16 x 32 tiles: output tiles of 512, 256, 128 and 64 B, each written
  // to DRAM as its own request: 512 + 256 + 128 + 64 rounded to 64 B bursts = 960 B.
  const ActionCounts c = plan_action_counts(build_tile_plan(gemm(40, 24, 40), {32, 16, 32}, a), noc, 64);
  EXPECT_EQ(c.dram_write_bytes, 960u);
  // With 256 B bursts: 512 + 256 + 256 + 256.
  EXPECT_EQ(plan_action_counts(build_tile_plan(gemm(40, 24, 40), {32, 16, 32}, a), noc, 256).dram_write_bytes,
            1280u);
}
}  // namespace
}  // namespace nm::hw
