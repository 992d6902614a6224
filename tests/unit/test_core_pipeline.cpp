// hw/core/pipeline_model.h: the analytical recurrence against hand-worked closed forms,
// bandwidth bounds and monotonicity.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <sstream>

#include "hw/core/arch_config.h"
#include "hw/core/kernel_desc.h"
#include "hw/core/noc_topology.h"
#include "hw/core/os_dataflow.h"
#include "hw/core/pipeline_model.h"
#include "hw/core/tile_plan.h"
#include "kernel_factories.h"

namespace nm::hw {
namespace {

using test::gemm;

KernelTiming timing(const KernelDesc& k, const Mapping& mp, const ArchConfig& a) {
  const NocTopology noc(a.clusters, a.noc_mesh_cols());
  return estimate_plan_timing(build_tile_plan(k, mp, a), a, noc);
}

// Every transfer takes its minimum of one cycle; no router latency.
ArchConfig unlimited_bandwidth() {
  ArchConfig a;
  a.noc_bandwidth_gbps = 1e12;
  a.dram_bandwidth_gbps = 1e12;
  a.dram_latency_ns = 0;
  a.l2_bank_bytes_per_cycle = 1u << 30;
  a.noc_router_latency_cycles = 0;
  return a;
}

TEST(CorePipeline, EmptyPlanTakesNoTime) {
  ArchConfig a;
  const NocTopology noc(a.clusters, a.noc_mesh_cols());
  const KernelTiming t = estimate_plan_timing(TilePlan{}, a, noc);
  EXPECT_EQ(t.cycles, 0u);
  EXPECT_EQ(t.compute_busy_cycles, 0u);
}

// 64 x 64 x 128 with 32-tiles: 4 clusters, 4 k-chunks. With unlimited bandwidth every one of the
// 4 multicasts of a step and every writeback takes exactly 1 cycle, so the kernel is:
//   first step's transfers (4) + compute (280 + 3 x 256) + the 4 writebacks, one after another.
TEST(CorePipeline, ComputeBoundEqualsClosedForm) {
  const ArchConfig a = unlimited_bandwidth();
  KernelDesc k = gemm(64, 64, 128);
  k.out_on_chip = true;
  const KernelTiming t = timing(k, {32, 32, 32}, a);
  const uint64_t compute = (32 * 2 * 4 + 16 + 8) + 3 * (32 * 2 * 4);  // 1048
  EXPECT_EQ(t.compute_busy_cycles, compute);
  EXPECT_EQ(t.cycles, 4 + compute + 4);
  EXPECT_EQ(t.bound, Bound::kCompute);
  EXPECT_EQ(t.noc_busy_cycles, 4u * 4u + 4u);
  EXPECT_EQ(t.dram_busy_cycles, 0u);
}

TEST(CorePipeline, ComputeBoundWithDramOperandsStaysNearClosedForm) {
  const ArchConfig a = unlimited_bandwidth();
  KernelDesc k = gemm(64, 64, 128);
  k.a_dram_bytes = 64 * 128;
  k.b_dram_bytes = 128 * 64;
  const KernelTiming t = timing(k, {32, 32, 32}, a);
  const uint64_t compute = 1048;
  // + 1 DMA cycle and 4 multicasts before the first step; writebacks and their DRAM drain after.
  EXPECT_GE(t.cycles, 1 + 4 + compute + 4);
  EXPECT_LE(t.cycles, 1 + 4 + compute + 4 + 8);
  EXPECT_EQ(t.bound, Bound::kCompute);
}

// Same closed form in a multi-wave kernel: the only overhead beyond compute is a few cycles per
// transfer, so the estimate is within 1% of the busiest cluster's compute.
TEST(CorePipeline, ComputeBoundMultiWaveNearBusiestCluster) {
  const ArchConfig a = unlimited_bandwidth();
  KernelDesc k = gemm(256, 256, 256);
  k.out_on_chip = true;
  const KernelTiming t = timing(k, {32, 32, 64}, a);
  // 64 tiles -> 8 waves of 8 clusters; each tile: 4 chunks of 64 * 2 * 4 = 512 + fill/drain 24.
  const uint64_t per_cluster = 8 * (4 * 512 + 24);
  EXPECT_EQ(t.compute_busy_cycles, per_cluster);
  EXPECT_GE(t.cycles, per_cluster);
  EXPECT_LE(static_cast<double>(t.cycles), 1.01 * per_cluster);
  EXPECT_EQ(t.bound, Bound::kCompute);
}

// Elementwise streaming of 4 MiB from DRAM at 4 B/cycle: 1,048,576 cycles of DRAM transfer.
TEST(CorePipeline, DramBoundStreamApproachesBytesOverBandwidth) {
  ArchConfig a;  // 32 Gbit/s DRAM = 4 B/cycle, 16 B/cycle NoC
  KernelDesc k;
  k.kind = KernelKind::kElementwise;
  k.m = 4u << 20;
  k.a_dram_bytes = 4u << 20;
  k.out_on_chip = true;
  const KernelTiming t = timing(k, {32, 1, 1}, a);  // 32768-element steps: 128 steps
  const double ideal = (4u << 20) / 4.0;
  EXPECT_EQ(t.dram_busy_cycles, 1048576u);  // every step is 512 whole bursts
  EXPECT_GE(static_cast<double>(t.cycles), ideal);
  EXPECT_LE(static_cast<double>(t.cycles), 1.02 * ideal) << t.cycles;
  EXPECT_EQ(t.bound, Bound::kDram);
}

TEST(CorePipeline, DramBoundDmaCopy) {
  ArchConfig a;
  KernelDesc k;
  k.kind = KernelKind::kDma;
  k.dram_read_bytes = 4u << 20;
  // Read and write back: 8 MiB through DRAM at 4 B/cycle.
  KernelTiming t = timing(k, {}, a);
  const double ideal = (8u << 20) / 4.0;
  EXPECT_GE(static_cast<double>(t.cycles), ideal);
  EXPECT_LE(static_cast<double>(t.cycles), 1.02 * ideal) << t.cycles;
  EXPECT_EQ(t.bound, Bound::kDram);
  k.out_on_chip = true;  // read only
  t = timing(k, {}, a);
  EXPECT_GE(static_cast<double>(t.cycles), ideal / 2);
  EXPECT_LE(static_cast<double>(t.cycles), 1.02 * ideal / 2) << t.cycles;
}

TEST(CorePipeline, NocBoundAndL2BoundAreNamed) {
  KernelDesc k = gemm(128, 128, 128);
  k.out_on_chip = true;
  ArchConfig a;
  a.noc_bandwidth_gbps = 1.0;  // 0.125 B/cycle
  KernelTiming t = timing(k, {32, 32, 32}, a);
  EXPECT_EQ(t.bound, Bound::kNoc);
  EXPECT_GT(t.noc_busy_cycles, t.compute_busy_cycles);
  EXPECT_GE(t.cycles, t.noc_busy_cycles);

  a = ArchConfig{};
  a.noc_bandwidth_gbps = 1e6;
  a.l2_banks = 1;
  a.l2_bank_bytes_per_cycle = 1;
  t = timing(k, {32, 32, 32}, a);
  EXPECT_EQ(t.bound, Bound::kL2);
  EXPECT_GE(t.cycles, t.l2_busy_cycles);
  EXPECT_STREQ(bound_name(t.bound), "l2");
}

TEST(CorePipeline, DominantBoundPicksLargestOccupancy) {
  KernelTiming t;
  t.compute_busy_cycles = 10;
  EXPECT_EQ(dominant_bound(t), Bound::kCompute);
  t.noc_busy_cycles = 11;
  EXPECT_EQ(dominant_bound(t), Bound::kNoc);
  t.l2_busy_cycles = 12;
  EXPECT_EQ(dominant_bound(t), Bound::kL2);
  t.dram_busy_cycles = 13;
  EXPECT_EQ(dominant_bound(t), Bound::kDram);
  t.compute_busy_cycles = 14;
  EXPECT_EQ(dominant_bound(t), Bound::kCompute);
  EXPECT_STREQ(bound_name(Bound::kDram), "dram");
  EXPECT_STREQ(bound_name(Bound::kNoc), "noc");
  EXPECT_STREQ(bound_name(Bound::kCompute), "compute");
}

// Never faster than any single resource allows, and bound always names the busiest one.
TEST(CorePipeline, CyclesAtLeastEveryBusyFigure) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 25; ++i) {
    KernelDesc k = gemm(1 + rng() % 300, 1 + rng() % 300, 1 + rng() % 300);
    if (rng() % 2) k.a_dram_bytes = k.m * k.k;
    if (rng() % 2) k.b_dram_bytes = k.k * k.n;
    k.out_on_chip = rng() % 2;
    const Mapping mp{static_cast<uint32_t>(2 + 2 * (rng() % 32)), static_cast<uint32_t>(2 + 2 * (rng() % 32)),
                     static_cast<uint32_t>(2 + 2 * (rng() % 32)), rng() % 2 == 0, rng() % 2 == 0};
    const KernelTiming t = timing(k, mp, ArchConfig{});
    const uint64_t busiest =
        std::max({t.compute_busy_cycles, t.noc_busy_cycles, t.l2_busy_cycles, t.dram_busy_cycles});
    EXPECT_GE(t.cycles, busiest) << i;
    EXPECT_EQ(t.bound, dominant_bound(t)) << i;
  }
}

std::string describe(const KernelDesc& k, const Mapping& mp) {
  std::ostringstream s;
  s << kernel_kind_name(k.kind) << " batch " << k.batch << " m " << k.m << " n " << k.n << " k " << k.k
    << " a_dram " << k.a_dram_bytes << " b_dram " << k.b_dram_bytes << " out_on_chip " << k.out_on_chip
    << " tile " << mp.tm << "x" << mp.tn << "x" << mp.tk << " res " << mp.a_resident << mp.b_resident;
  return s.str();
}

TEST(CorePipeline, MoreBandwidthNeverIncreasesCycles) {
  std::mt19937_64 rng(2024);
  for (int i = 0; i < 30; ++i) {
    KernelDesc k;
    Mapping mp;
    if (i % 3 == 2) {
      k.kind = KernelKind::kElementwise;
      k.m = 1 + rng() % 200000;
      k.input_streams = 1 + rng() % 2;
      k.macs_per_element = 1 + rng() % 2;
      if (rng() % 2) k.a_dram_bytes = k.m * k.input_streams;
      if (rng() % 2) k.table_bytes = 68;
      mp = {static_cast<uint32_t>(2 + 2 * (rng() % 16)), 1, 1};
    } else {
      k = gemm(1 + rng() % 300, 1 + rng() % 300, 1 + rng() % 300);
      k.batch = 1 + rng() % 3;
      k.b_per_batch = rng() % 2;
      if (rng() % 2) k.a_dram_bytes = k.batch * k.m * k.k;
      if (rng() % 2) k.b_dram_bytes = (k.b_per_batch ? k.batch : 1) * k.k * k.n;
      mp = {static_cast<uint32_t>(2 + 2 * (rng() % 32)), static_cast<uint32_t>(2 + 2 * (rng() % 32)),
            static_cast<uint32_t>(2 + 2 * (rng() % 32)), rng() % 2 == 0, rng() % 2 == 0};
    }
    k.out_on_chip = rng() % 2;
    const ArchConfig base;
    const uint64_t c0 = timing(k, mp, base).cycles;
    for (double factor : {2.0, 8.0}) {
      ArchConfig dram = base;
      dram.dram_bandwidth_gbps *= factor;
      ArchConfig noc = base;
      noc.noc_bandwidth_gbps *= factor;
      ArchConfig both = dram;
      both.noc_bandwidth_gbps *= factor;
      EXPECT_LE(timing(k, mp, dram).cycles, c0) << describe(k, mp) << " dram x" << factor;
      EXPECT_LE(timing(k, mp, noc).cycles, c0) << describe(k, mp) << " noc x" << factor;
      EXPECT_LE(timing(k, mp, both).cycles, c0) << describe(k, mp) << " both x" << factor;
    }
  }
}

// Two small GEMMs whose 8 x 8 output tiles are drained to DRAM one after another. Raising the NoC
// bandwidth makes them slower on the pipeline model (DESIGN.md section 9: more bandwidth never
// makes a run slower). Found by a random search over plans; these are the simplest shapes found.
TEST(CorePipeline, MoreNocBandwidthNeverSlowerWithSmallTileWriteback) {
  ArchConfig a;
  KernelDesc k = gemm(32, 96, 32);
  k.a_dram_bytes = 32 * 32;
  const uint64_t base = timing(k, {8, 8, 32}, a).cycles;
  for (double gbps : {160.0, 256.0, 1024.0}) {
    a.noc_bandwidth_gbps = gbps;
    EXPECT_LE(timing(k, {8, 8, 32}, a).cycles, base) << gbps << " Gbit/s";
  }
  a = ArchConfig{};
  k = gemm(32, 128, 64);
  k.a_dram_bytes = 32 * 64;
  const uint64_t base2 = timing(k, {8, 8, 16}, a).cycles;
  a.noc_bandwidth_gbps *= 2;
  EXPECT_LE(timing(k, {8, 8, 16}, a).cycles, base2);
}

}  // namespace
}  // namespace nm::hw
