// hw/core/energy.h: action pricing and leakage, with the arithmetic written out by hand.
#include <gtest/gtest.h>

#include "hw/core/action_counts.h"
#include "hw/core/arch_config.h"
#include "hw/core/energy.h"

namespace nm::hw {
namespace {

EnergyTable table() {
  EnergyTable t;
  t.mac_int8_pj = 0.2;
  t.mac_fp16_pj = 1.0;
  t.l1_read_pj_per_byte = 0.5;
  t.l1_write_pj_per_byte = 0.6;
  t.l2_read_pj_per_byte = 2.0;
  t.l2_write_pj_per_byte = 3.0;
  t.noc_pj_per_byte_hop = 1.5;
  t.dram_pj_per_byte = 100.0;
  t.leakage_pe_int8_mw = 0.01;
  t.leakage_pe_fp16_mw = 0.05;
  t.register_pj_per_bit = 0.01;
  t.leakage_l1_mw_per_kib = 0.02;
  t.leakage_l2_mw_per_kib = 0.03;
  t.leakage_noc_mw_per_router = 0.5;
  t.leakage_dram_mw_per_channel = 10.0;
  return t;
}

ActionCounts counts() {
  ActionCounts c;
  c.macs = 1000;
  c.l1_read_bytes = 200;
  c.l1_write_bytes = 100;
  c.l2_read_bytes = 50;
  c.l2_write_bytes = 40;
  c.noc_bytes = 999999;  // not priced: the NoC is priced per byte-hop
  c.noc_byte_hops = 30;
  c.dram_read_bytes = 10;
  c.dram_write_bytes = 5;
  c.pe_busy_cycles = 12345;
  return c;
}

TEST(CoreEnergy, PriceActionsByHand) {
  const ArchConfig a;  // int8
  const EnergyBreakdown e = price_actions(counts(), 0.0, table(), a);
  EXPECT_NEAR(e.mac_j, 1000 * 0.2e-12, 1e-24);                  // 200 pJ
  EXPECT_NEAR(e.l1_j, (200 * 0.5 + 100 * 0.6) * 1e-12, 1e-24);  // 160 pJ
  EXPECT_NEAR(e.l2_j, (50 * 2.0 + 40 * 3.0) * 1e-12, 1e-24);    // 220 pJ
  EXPECT_NEAR(e.noc_j, 30 * 1.5e-12, 1e-24);                    // 45 pJ
  EXPECT_NEAR(e.dram_j, 15 * 100e-12, 1e-24);                   // 1500 pJ
  // Registers: 200 L1 bytes latched (1600 bits) + 1000 accumulator writes x 32 bits, 0.01 pJ each.
  EXPECT_NEAR(e.register_j, (1600 + 32000) * 0.01e-12, 1e-24);  // 336 pJ
  EXPECT_DOUBLE_EQ(e.static_j, 0.0);
  EXPECT_NEAR(e.dynamic_j(), 2461e-12, 1e-22);
  EXPECT_NEAR(e.total_j(), 2461e-12, 1e-22);
}

TEST(CoreEnergy, Fp16UsesFp16MacPrice) {
  ArchConfig a;
  a.datatype = DataType::kFp16;
  const EnergyBreakdown e = price_actions(counts(), 0.0, table(), a);
  EXPECT_NEAR(e.mac_j, 1000e-12, 1e-24);
}

TEST(CoreEnergy, StaticPowerOfDefaultConfigByHand) {
  const ArchConfig a;  // 1024 PEs x 4 KiB L1, 1 MiB L2, 8 routers, 1 DRAM channel
  // 1024 x 0.01 + 4096 KiB x 0.02 + 1024 KiB x 0.03 + 8 x 0.5 + 1 x 10
  // = 10.24 + 81.92 + 30.72 + 4 + 10 = 136.88 mW.
  EXPECT_NEAR(static_power_w(table(), a), 0.13688, 1e-12);
  const EnergyBreakdown e = price_actions(ActionCounts{}, 1e-3, table(), a);
  EXPECT_NEAR(e.static_j, 0.13688e-3, 1e-15);
  EXPECT_NEAR(e.dynamic_j(), 0.0, 1e-30);
}

TEST(CoreEnergy, StaticPowerScalesWithEachHardwareUnit) {
  const ArchConfig base;
  auto only = [](double EnergyTable::*field) {
    EnergyTable t;
    t.*field = 1.0;  // 1 mW per unit
    return t;
  };
  // 1 mW per PE: 1024 PEs.
  EXPECT_NEAR(static_power_w(only(&EnergyTable::leakage_pe_int8_mw), base), 1.024, 1e-12);
  ArchConfig a = base;
  a.pe_count = 2048;
  EXPECT_NEAR(static_power_w(only(&EnergyTable::leakage_pe_int8_mw), a), 2.048, 1e-12);
  // The PE leakage of the configured datatype only.
  a = base;
  a.datatype = DataType::kFp16;
  EXPECT_NEAR(static_power_w(only(&EnergyTable::leakage_pe_int8_mw), a), 0.0, 1e-12);
  EXPECT_NEAR(static_power_w(only(&EnergyTable::leakage_pe_fp16_mw), a), 1.024, 1e-12);
  a = base;
  a.pe_count = 2048;
  // 1 mW per KiB of L1: 1024 PEs x 4 KiB = 4096 KiB; doubles with PEs and with bytes per PE.
  EXPECT_NEAR(static_power_w(only(&EnergyTable::leakage_l1_mw_per_kib), base), 4.096, 1e-12);
  EXPECT_NEAR(static_power_w(only(&EnergyTable::leakage_l1_mw_per_kib), a), 8.192, 1e-12);
  a = base;
  a.l1_bytes_per_pe = 8192;
  EXPECT_NEAR(static_power_w(only(&EnergyTable::leakage_l1_mw_per_kib), a), 8.192, 1e-12);
  // 1 mW per KiB of L2: 1024 KiB, then 2 MiB -> 2048.
  EXPECT_NEAR(static_power_w(only(&EnergyTable::leakage_l2_mw_per_kib), base), 1.024, 1e-12);
  a = base;
  a.l2_bytes = 2u << 20;
  EXPECT_NEAR(static_power_w(only(&EnergyTable::leakage_l2_mw_per_kib), a), 2.048, 1e-12);
  // 1 mW per router (one per cluster).
  EXPECT_NEAR(static_power_w(only(&EnergyTable::leakage_noc_mw_per_router), base), 0.008, 1e-12);
  a = base;
  a.clusters = 16;
  EXPECT_NEAR(static_power_w(only(&EnergyTable::leakage_noc_mw_per_router), a), 0.016, 1e-12);
  // Routers of a NoC twice as wide (256-bit flits) leak twice as much.
  a = base;
  a.noc_bandwidth_gbps = 2 * base.noc_bandwidth_gbps;
  EXPECT_NEAR(static_power_w(only(&EnergyTable::leakage_noc_mw_per_router), a), 0.016, 1e-12);
  // 1 mW per DRAM channel.
  EXPECT_NEAR(static_power_w(only(&EnergyTable::leakage_dram_mw_per_channel), base), 0.001, 1e-12);
  a = base;
  a.dram_channels = 4;
  EXPECT_NEAR(static_power_w(only(&EnergyTable::leakage_dram_mw_per_channel), a), 0.004, 1e-12);
}

TEST(CoreEnergy, BreakdownsAdd) {
  EnergyBreakdown x, y;
  x.mac_j = 1, x.l1_j = 2, x.l2_j = 3, x.noc_j = 4, x.dram_j = 5, x.static_j = 6, x.register_j = 7;
  y.mac_j = 10, y.l1_j = 20, y.l2_j = 30, y.noc_j = 40, y.dram_j = 50, y.static_j = 60, y.register_j = 70;
  x += y;
  EXPECT_DOUBLE_EQ(x.dynamic_j(), 11 + 22 + 33 + 44 + 55 + 77);
  EXPECT_DOUBLE_EQ(x.total_j(), 11 + 22 + 33 + 44 + 55 + 77 + 66);
}

TEST(CoreActionCounts, AddSubtractCompare) {
  ActionCounts a = counts();
  ActionCounts b = counts();
  b += counts();
  EXPECT_EQ(b.macs, 2000u);
  EXPECT_EQ(b.dram_bytes(), 30u);
  EXPECT_EQ(b.l2_bytes(), 180u);
  EXPECT_EQ(b - a, counts());
  EXPECT_FALSE(b == a);
}

}  // namespace
}  // namespace nm::hw
