// hw/core/arch_config.h and hw/core/os_dataflow.h against values worked out by hand.
//
// Every expected number below is arithmetic written out in the test (the default ArchConfig is
// the paper's Table 2: 1024 PEs in 8 clusters, 128 Gbps NoC, 32 Gbps DRAM, 1 GHz), never a call
// into the code under test.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "hw/core/arch_config.h"
#include "hw/core/kernel_desc.h"
#include "hw/core/os_dataflow.h"
#include "kernel_factories.h"

namespace nm::hw {
namespace {

bool contains(const std::vector<std::string>& list, const std::string& needle) {
  return std::any_of(list.begin(), list.end(),
                     [&](const std::string& s) { return s.find(needle) != std::string::npos; });
}

using test::gemm;

// ---------------------------------------------------------------- ArchConfig

TEST(CoreArchConfig, DefaultGridIs16x8) {
  ArchConfig a;
  EXPECT_EQ(a.pes_per_cluster(), 128u);  // 1024 / 8
  EXPECT_EQ(a.pe_rows(), 16u);           // smallest divisor of 128 >= sqrt(128) = 11.3
  EXPECT_EQ(a.pe_cols(), 8u);
}

TEST(CoreArchConfig, GridShapesForOtherClusterSizes) {
  ArchConfig a;
  a.pe_count = 256;  // 32 per cluster -> 8 x 4
  EXPECT_EQ(a.pe_rows(), 8u);
  EXPECT_EQ(a.pe_cols(), 4u);
  a.pe_count = 512;  // 64 per cluster -> 8 x 8
  EXPECT_EQ(a.pe_rows(), 8u);
  EXPECT_EQ(a.pe_cols(), 8u);
  a.pe_count = 56;  // 7 per cluster (prime) -> 7 x 1
  EXPECT_EQ(a.pe_rows(), 7u);
  EXPECT_EQ(a.pe_cols(), 1u);
  a.pe_count = 8;  // 1 per cluster -> 1 x 1
  EXPECT_EQ(a.pe_rows(), 1u);
  EXPECT_EQ(a.pe_cols(), 1u);
}

TEST(CoreArchConfig, RowsTimesColsIsClusterSizeAndRowsAtLeastCols) {
  for (uint32_t per_cluster = 1; per_cluster <= 300; ++per_cluster) {
    ArchConfig a;
    a.clusters = 4;
    a.pe_count = per_cluster * 4;
    EXPECT_EQ(a.pe_rows() * a.pe_cols(), per_cluster) << per_cluster;
    EXPECT_GE(a.pe_rows(), a.pe_cols()) << per_cluster;
  }
}

TEST(CoreArchConfig, DerivedByteRates) {
  ArchConfig a;
  EXPECT_DOUBLE_EQ(a.noc_bytes_per_cycle(), 16.0);  // 128 Gbit/s / 8 / 1 GHz
  EXPECT_DOUBLE_EQ(a.dram_bytes_per_cycle(), 4.0);  // 32 Gbit/s / 8 / 1 GHz
  EXPECT_DOUBLE_EQ(a.l2_bytes_per_cycle(), 256.0);  // 16 banks x 16 B
  EXPECT_EQ(a.dram_latency_cycles(), 50u);          // 50 ns at 1 GHz
  EXPECT_EQ(a.l2_activation_bytes(), 524288u);      // half of 1 MiB
  EXPECT_EQ(a.l2_staging_bytes(), 524288u);
  EXPECT_EQ(a.noc_mesh_cols(), 3u);  // ceil(sqrt(8))

  a.clock_ghz = 2.0;  // same Gbit/s at twice the clock: half the bytes per cycle
  EXPECT_DOUBLE_EQ(a.noc_bytes_per_cycle(), 8.0);
  EXPECT_DOUBLE_EQ(a.dram_bytes_per_cycle(), 2.0);
  EXPECT_EQ(a.dram_latency_cycles(), 100u);

  a.l2_bytes = 1000;
  a.l2_activation_fraction = 0.25;
  EXPECT_EQ(a.l2_activation_bytes(), 250u);
  EXPECT_EQ(a.l2_staging_bytes(), 750u);

  a.clusters = 16;
  EXPECT_EQ(a.noc_mesh_cols(), 4u);
  a.clusters = 1;
  EXPECT_EQ(a.noc_mesh_cols(), 1u);
}

TEST(CoreArchConfig, DefaultsValidate) {
  EXPECT_TRUE(validate(ArchConfig{}).empty());
}

TEST(CoreArchConfig, ValidateListsEveryProblemWithItsKey) {
  ArchConfig a;
  a.clock_ghz = 0;
  a.dram_channels = 0;
  a.l2_activation_fraction = 1.0;
  a.pwl_granularity = -1;
  const auto problems = validate(a);
  EXPECT_EQ(problems.size(), 4u);
  EXPECT_TRUE(contains(problems, "clock_ghz:"));
  EXPECT_TRUE(contains(problems, "dram.channels:"));
  EXPECT_TRUE(contains(problems, "l2.activation_fraction:"));
  EXPECT_TRUE(contains(problems, "pwl.granularity:"));
}

// The documented physical bounds hold for configs built in code too, not only for loaded files.
TEST(CoreArchConfig, ValidateRejectsValuesOutOfPhysicalRange) {
  const auto one_problem = [](ArchConfig a, const char* key) {
    const auto problems = validate(a);
    EXPECT_EQ(problems.size(), 1u) << key;
    EXPECT_TRUE(contains(problems, key)) << key;
  };
  for (double ghz : {1e30, 1e-30, std::nan("")}) {
    ArchConfig a;
    a.clock_ghz = ghz;
    one_problem(a, "clock_ghz:");
  }
  for (double gbps : {1e-300, 1e300}) {
    ArchConfig a;
    a.dram_bandwidth_gbps = gbps;
    one_problem(a, "dram.bandwidth_gbps:");
    a = ArchConfig{};
    a.noc_bandwidth_gbps = gbps;
    one_problem(a, "noc.bandwidth_gbps:");
  }
  ArchConfig a;
  a.dram_latency_ns = 1e30;
  one_problem(a, "dram.latency_ns:");
  a = ArchConfig{};
  a.dram_channels = 100000;
  one_problem(a, "dram.channels:");
  a = ArchConfig{};
  a.pwl_granularity = 1e-300;
  one_problem(a, "pwl.granularity:");
}

// Conversions of an unvalidated config check their range instead of casting out of it.
TEST(CoreArchConfig, LatencyCyclesNeverWrap) {
  ArchConfig a;
  a.dram_latency_ns = 1e30;
  EXPECT_THROW(a.dram_latency_cycles(), std::overflow_error);
  a.dram_latency_ns = 1e6;
  a.clock_ghz = 100;
  EXPECT_EQ(a.dram_latency_cycles(), 100000000u);
}

TEST(CoreArchConfig, ValidateClustersMustDividePeCount) {
  ArchConfig a;
  a.pe_count = 1020;  // 1020 % 8 = 4
  const auto problems = validate(a);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("pe.clusters"), std::string::npos);
  EXPECT_NE(problems[0].find("1020"), std::string::npos);
}

TEST(CoreArchConfig, ValidateZeroCounts) {
  ArchConfig a;
  a.pe_count = 0;
  a.clusters = 0;
  a.l1_bytes_per_pe = 0;
  a.l2_bytes = 0;
  a.l2_banks = 0;
  a.dram_burst_bytes = 0;
  const auto problems = validate(a);
  EXPECT_EQ(problems.size(), 6u);
  EXPECT_TRUE(contains(problems, "pe.count:"));
  EXPECT_TRUE(contains(problems, "pe.clusters:"));
  EXPECT_TRUE(contains(problems, "l1.bytes_per_pe:"));
  EXPECT_TRUE(contains(problems, "l2.bytes:"));
  EXPECT_TRUE(contains(problems, "l2.banks:"));
  EXPECT_TRUE(contains(problems, "dram.burst_bytes:"));
}

TEST(CoreArchConfig, OperandAndAccumulatorBytes) {
  EXPECT_EQ(operand_bytes(DataType::kInt8), 1u);
  EXPECT_EQ(operand_bytes(DataType::kFp16), 2u);
  EXPECT_EQ(accumulator_bytes(DataType::kInt8), 4u);  // int32
  EXPECT_EQ(accumulator_bytes(DataType::kFp16), 4u);  // fp32
  EXPECT_STREQ(datatype_name(DataType::kInt8), "int8");
  EXPECT_STREQ(datatype_name(DataType::kFp16), "fp16");
}

// ---------------------------------------------------------------- OS dataflow closed forms

TEST(CoreOsDataflow, ChunkCycles) {
  ArchConfig a;  // 16 x 8
  // 32 x 32 tile, depth 32: 32 * ceil(32/16)=2 * ceil(32/8)=4 = 256.
  EXPECT_EQ(os_chunk_cycles(32, 32, 32, a), 256u);
  // Ragged: 17 x 9, depth 5: 5 * 2 * 2 = 20.
  EXPECT_EQ(os_chunk_cycles(17, 9, 5, a), 20u);
  // Smaller than the grid: one output per PE, depth cycles.
  EXPECT_EQ(os_chunk_cycles(3, 3, 7, a), 7u);
  // 128 x 128 x 128: 128 * 8 * 16.
  EXPECT_EQ(os_chunk_cycles(128, 128, 128, a), 16384u);
  a.pe_count = 256;  // 8 x 4
  EXPECT_EQ(os_chunk_cycles(32, 32, 32, a), 32u * 4 * 8);
}

TEST(CoreOsDataflow, FillDrainIsRowsPlusCols) {
  ArchConfig a;
  EXPECT_EQ(os_fill_drain_cycles(a), 24u);  // 16 + 8
  a.pe_count = 256;
  EXPECT_EQ(os_fill_drain_cycles(a), 12u);  // 8 + 4
}

TEST(CoreOsDataflow, ElementwiseStepCycles) {
  ArchConfig a;                                       // 128 PEs per cluster
  EXPECT_EQ(elementwise_step_cycles(256, 1, a), 3u);  // 2 per PE + 1 fill
  EXPECT_EQ(elementwise_step_cycles(257, 2, a), 7u);  // ceil(257/128)=3 x 2 MACs + 1
  EXPECT_EQ(elementwise_step_cycles(128, 0, a), 2u);  // macs clamp to 1
  EXPECT_EQ(elementwise_step_cycles(1, 1, a), 2u);
}

TEST(CoreOsDataflow, ElementwiseBytesPerElement) {
  KernelDesc k;
  k.kind = KernelKind::kElementwise;
  k.input_streams = 2;
  k.index_input = 1;
  EXPECT_EQ(elementwise_in_bytes_per_element(k, DataType::kInt8), 3u);  // 2 x 1 + 1
  EXPECT_EQ(elementwise_in_bytes_per_element(k, DataType::kFp16), 5u);  // 2 x 2 + 1
  EXPECT_EQ(elementwise_out_bytes_per_element(k, DataType::kInt8), 1u);
  EXPECT_EQ(elementwise_out_bytes_per_element(k, DataType::kFp16), 2u);
  k.index_output = true;
  EXPECT_EQ(elementwise_out_bytes_per_element(k, DataType::kFp16), 1u);
}

TEST(CoreOsDataflow, GemmL1Footprint) {
  ArchConfig a;
  const KernelDesc k = gemm(64, 64, 64);
  // 32x32x32: 2 rows and 4 cols per PE; operands double-buffered, int32 accumulators:
  // 2 * (2 + 4) * 32 * 1 + 2 * 4 * 4 = 384 + 32 = 416.
  EXPECT_EQ(l1_footprint_bytes(k, {32, 32, 32}, a), 416u);
  // Tile larger than the problem is clipped to 64x64x64: 4 rows, 8 cols per PE:
  // 2 * 12 * 64 + 32 * 4 = 1536 + 128 = 1664.
  EXPECT_EQ(l1_footprint_bytes(k, {128, 128, 128}, a), 1664u);
  a.datatype = DataType::kFp16;  // operands 2 B, accumulators still 4 B: 2*6*32*2 + 32 = 800
  EXPECT_EQ(l1_footprint_bytes(k, {32, 32, 32}, a), 800u);
}

TEST(CoreOsDataflow, ElementwiseAndDmaL1Footprint) {
  ArchConfig a;
  KernelDesc k;
  k.kind = KernelKind::kElementwise;
  k.m = 10000;
  k.input_streams = 2;
  k.index_input = 1;
  k.table_bytes = 20;
  // tm = 8 per PE: 2 (double buffer) * 8 * 3 B in + 8 * 1 B out + 20 B table = 76.
  EXPECT_EQ(l1_footprint_bytes(k, {8, 1, 1}, a), 76u);
  k.kind = KernelKind::kDma;
  EXPECT_EQ(l1_footprint_bytes(k, {8, 1, 1}, a), 0u);
}

TEST(CoreOsDataflow, GemmL2StagingFootprint) {
  ArchConfig a;  // 8 clusters
  // m = n = 64, k = 128, 32-tiles: 2 x 2 output tiles in one wave, 4 k-chunks.
  KernelDesc k = gemm(64, 64, 128);
  k.a_dram_bytes = 64 * 128;  // 8192, 1 B per element
  k.b_dram_bytes = 128 * 64;  // 8192
  // A step: 2 row panels x (32 x 32 + 2 B rounding margin) = 2052, double-buffered 4104; B the
  // same: 4104; output staging: 8 clusters x 32 x 32 = 8192. Total 16400.
  EXPECT_EQ(l2_staging_footprint_bytes(k, {32, 32, 32, false, false}, a), 16400u);
  // Resident A keeps all of it (8192) instead of two steps.
  EXPECT_EQ(l2_staging_footprint_bytes(k, {32, 32, 32, true, false}, a), 20488u);
  EXPECT_EQ(l2_staging_footprint_bytes(k, {32, 32, 32, true, true}, a), 24576u);
  k.out_on_chip = true;
  EXPECT_EQ(l2_staging_footprint_bytes(k, {32, 32, 32, false, false}, a), 8208u);
  // Operands already on chip: nothing staged.
  k.a_dram_bytes = 0;
  k.b_dram_bytes = 0;
  EXPECT_EQ(l2_staging_footprint_bytes(k, {32, 32, 32, true, true}, a), 0u);
}

TEST(CoreOsDataflow, ConvAStagingScalesWithFeatureMapBytes) {
  ArchConfig a;
  KernelDesc k = gemm(64, 64, 128);
  k.a_dram_bytes = 4096;  // half a byte per im2col element
  k.out_on_chip = true;
  // A step covers 2 x 32 x 32 = 2048 im2col elements = 1024 feature-map bytes (+ 2 B rounding
  // margin per block), x 2 buffers.
  EXPECT_EQ(l2_staging_footprint_bytes(k, {32, 32, 32, false, false}, a), 2056u);
}

TEST(CoreOsDataflow, ElementwiseAndDmaL2StagingFootprint) {
  ArchConfig a;
  KernelDesc k;
  k.kind = KernelKind::kElementwise;
  k.m = 100000;
  k.input_streams = 2;
  k.index_input = 1;
  k.table_bytes = 20;
  k.a_dram_bytes = 300000;
  // Step = 1024 PEs x 8 = 8192 elements: table 20 + 2 x 8192 x 3 + 8192 x 1 = 57364.
  EXPECT_EQ(l2_staging_footprint_bytes(k, {8, 1, 1}, a), 57364u);
  k.out_on_chip = true;
  EXPECT_EQ(l2_staging_footprint_bytes(k, {8, 1, 1}, a), 57364u - 8192u);

  KernelDesc dma;
  dma.kind = KernelKind::kDma;
  dma.dram_read_bytes = 1000;
  EXPECT_EQ(l2_staging_footprint_bytes(dma, {}, a), 2000u);
  dma.dram_read_bytes = 10u << 20;  // capped at half the staging region, twice: 524288
  EXPECT_EQ(l2_staging_footprint_bytes(dma, {}, a), 524288u);
}

TEST(CoreOsDataflow, CapacityViolationNamesTheBuffer) {
  ArchConfig a;
  KernelDesc k = gemm(64, 64, 64);
  k.a_dram_bytes = 4096;
  k.b_dram_bytes = 4096;
  const Mapping mp{32, 32, 32, false, false};
  EXPECT_EQ(capacity_violation(k, mp, a), "");

  a.l1_bytes_per_pe = 416;  // exactly the footprint: fits
  EXPECT_EQ(capacity_violation(k, mp, a), "");
  a.l1_bytes_per_pe = 415;
  EXPECT_EQ(capacity_violation(k, mp, a), "L1 needs 416 B per PE for tile 32x32x32, has 415 B");

  a.l1_bytes_per_pe = 4096;
  // L2 staging need: A 2 x 2052 + B 2 x 2052 (with the 2 B rounding margin per block) + out
  // 8 x 1024 = 16400.
  a.l2_bytes = 32800;  // staging half = 16400: fits exactly
  EXPECT_EQ(capacity_violation(k, mp, a), "");
  a.l2_bytes = 32798;  // activation 16399, staging 16399
  EXPECT_EQ(capacity_violation(k, mp, a), "L2 staging needs 16400 B for tile 32x32x32, has 16399 B");
}

TEST(CoreKernelDesc, MacsPerKind) {
  KernelDesc k = gemm(3, 5, 7);
  k.batch = 2;
  EXPECT_EQ(k.macs(), 210u);
  EXPECT_EQ(k.elements(), 30u);
  k.kind = KernelKind::kElementwise;
  k.macs_per_element = 2;
  EXPECT_EQ(k.macs(), 60u);
  k.kind = KernelKind::kSegmentIndex;
  k.macs_per_element = 1;
  EXPECT_EQ(k.macs(), 30u);
  k.kind = KernelKind::kDma;
  EXPECT_EQ(k.macs(), 0u);
  EXPECT_STREQ(kernel_kind_name(KernelKind::kSegmentIndex), "segment_index");
}

}  // namespace
}  // namespace nm::hw
