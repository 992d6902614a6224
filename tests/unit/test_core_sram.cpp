// hw/core/sram_model.h: the CACTI 7.0 runs reproduced exactly, and figures that grow with
// capacity between and beyond them; hw/core/energy.h with_sram_figures() and area_model.h.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <stdexcept>

#include "hw/core/arch_config.h"
#include "hw/core/area_model.h"
#include "hw/core/energy.h"
#include "hw/core/sram_model.h"

namespace nm::hw {
namespace {

// The model is built on these runs (../shared/reference/energy/cacti7_45nm_sram.csv, every lop and
// hp run at 350 K); between them it interpolates, at them it must give the run itself.
TEST(SramModel, ReproducesEveryCactiRunExactly) {
  ASSERT_EQ(cacti_runs().size(), 30u);
  for (const CactiRun& r : cacti_runs()) {
    const SramFigures f = sram_figures(r.geometry, r.cells);
    const auto where = ::testing::Message() << r.geometry.bytes << " B, " << r.geometry.port_bits << " bit, "
                                            << r.geometry.banks << " banks, " << sram_cells_name(r.cells);
    EXPECT_NEAR(f.read_pj_per_access, r.figures.read_pj_per_access, 1e-9 * r.figures.read_pj_per_access)
        << where;
    EXPECT_NEAR(f.write_pj_per_access, r.figures.write_pj_per_access, 1e-9 * r.figures.write_pj_per_access)
        << where;
    EXPECT_NEAR(f.leakage_mw, r.figures.leakage_mw, 1e-9 * r.figures.leakage_mw) << where;
    EXPECT_NEAR(f.area_mm2, r.figures.area_mm2, 1e-9 * r.figures.area_mm2) << where;
    EXPECT_NEAR(f.cycle_ns, r.figures.cycle_ns, 1e-9 * r.figures.cycle_ns) << where;
    EXPECT_FALSE(f.extrapolated) << where;
  }
  // Spot checks against the CSV, so a mistyped run would show: the default L1 and L2 anchors.
  EXPECT_DOUBLE_EQ(sram_figures({4096, 64, 1}, SramCells::kCactiLop).read_pj_per_access, 2.342);
  EXPECT_DOUBLE_EQ(sram_figures({1048576, 128, 8}, SramCells::kCactiLop).leakage_mw, 12.38);
}

// Energy per byte, leakage and area rise strictly with capacity: L2 (128-bit ports, 16 banks)
// from 128 KiB to 8 MiB, L1 (64-bit port) from 1 KiB to 64 KiB, in both flavours.
TEST(SramModel, FiguresRiseWithCapacity) {
  struct Sweep {
    uint64_t from, to;
    uint32_t port_bits, banks;
  };
  for (SramCells cells : {SramCells::kCactiLop, SramCells::kCactiHp}) {
    for (const Sweep& s : {Sweep{131072, 8388608, 128, 16}, Sweep{1024, 65536, 64, 1}}) {
      SramFigures previous = sram_figures({s.from, s.port_bits, s.banks}, cells);
      for (uint64_t bytes = s.from * 2; bytes <= s.to; bytes *= 2) {
        const SramFigures f = sram_figures({bytes, s.port_bits, s.banks}, cells);
        EXPECT_GT(f.read_pj_per_byte(s.port_bits), previous.read_pj_per_byte(s.port_bits)) << bytes;
        EXPECT_GT(f.write_pj_per_byte(s.port_bits), previous.write_pj_per_byte(s.port_bits)) << bytes;
        EXPECT_GT(f.leakage_mw, previous.leakage_mw) << bytes;
        EXPECT_GT(f.area_mm2, previous.area_mm2) << bytes;
        previous = f;
      }
    }
  }
}

TEST(SramModel, InterpolatesBetweenRunsAndFlagsExtrapolation) {
  // 16 KiB lies between the 8 and 32 KiB runs on log-log axes: the geometric mean.
  const SramFigures f8 = sram_figures({8192, 64, 1}, SramCells::kCactiLop);
  const SramFigures f32 = sram_figures({32768, 64, 1}, SramCells::kCactiLop);
  const SramFigures f16 = sram_figures({16384, 64, 1}, SramCells::kCactiLop);
  EXPECT_NEAR(f16.read_pj_per_access, std::sqrt(f8.read_pj_per_access * f32.read_pj_per_access), 1e-9);
  EXPECT_FALSE(f16.extrapolated);
  EXPECT_TRUE(sram_figures({4194304, 128, 16}, SramCells::kCactiLop).extrapolated);  // beyond 1 MiB
  EXPECT_TRUE(sram_figures({4096, 2048, 1}, SramCells::kCactiLop).extrapolated);     // beyond 512 bit
  EXPECT_TRUE(sram_figures({1048576, 128, 64}, SramCells::kCactiLop).extrapolated);  // beyond 16 banks
  // High-performance cells leak far more and cost more per access than low-operating-power ones.
  const SramFigures lop = sram_figures({1048576, 128, 16}, SramCells::kCactiLop);
  const SramFigures hp = sram_figures({1048576, 128, 16}, SramCells::kCactiHp);
  EXPECT_GT(hp.leakage_mw, 50 * lop.leakage_mw);
  EXPECT_GT(hp.read_pj_per_access, lop.read_pj_per_access);
  EXPECT_THROW(sram_figures({4096, 64, 1}, SramCells::kFixed), std::invalid_argument);
}

TEST(SramModel, EnergyTableTakesTheFiguresOfTheConfiguredSizes) {
  EnergyTable fixed;
  fixed.l1_read_pj_per_byte = 0.98;
  fixed.l2_read_pj_per_byte = 12.5;
  ArchConfig small, large;
  small.l2_bytes = 262144;
  large.l2_bytes = 4194304;
  // A fixed table ignores the sizes (the literal variant).
  EXPECT_EQ(with_sram_figures(fixed, small).l2_read_pj_per_byte, 12.5);
  EXPECT_EQ(with_sram_figures(fixed, large).l2_read_pj_per_byte, 12.5);
  EnergyTable cacti = fixed;
  cacti.sram_cells = SramCells::kCactiLop;
  const EnergyTable s = with_sram_figures(cacti, small), l = with_sram_figures(cacti, large);
  EXPECT_LT(s.l2_read_pj_per_byte, l.l2_read_pj_per_byte);
  EXPECT_LT(s.leakage_l2_mw_per_kib * 256, l.leakage_l2_mw_per_kib * 4096);  // total L2 leakage
  // The default L1 (4 KiB, 64-bit port) is the CACTI run: 2.342 pJ per 8-byte read.
  EXPECT_NEAR(s.l1_read_pj_per_byte, 2.342 / 8, 1e-12);
  EXPECT_NEAR(s.leakage_l1_mw_per_kib * 4, 0.0585, 1e-12);
  // A wider L1 port costs more per access and less per byte.
  ArchConfig wide = small;
  wide.l1_port_bits = 128;
  EXPECT_LT(with_sram_figures(cacti, wide).l1_read_pj_per_byte, s.l1_read_pj_per_byte);
  // The L2 port is a bank's bytes per cycle.
  ArchConfig narrow = small;
  narrow.l2_bank_bytes_per_cycle = 8;
  EXPECT_EQ(price_srams(narrow, SramCells::kCactiLop).l2.port_bits, 64u);
}

EnergyTable area_table(SramCells cells) {
  EnergyTable t;
  t.sram_cells = cells;
  t.noc_router_mm2 = 0.0422;  // configs/energy/45nm.yaml
  t.dram_phy_mm2_per_dq_board = 0.05;
  t.dram_phy_mm2_per_dq_interposer = 0.01;
  return t;
}

TEST(AreaModel, GrowsWithEveryArrayAndCountsTheDatatype) {
  ArchConfig a;
  const EnergyTable lop = area_table(SramCells::kCactiLop);
  const AreaBreakdown base = area_of(a, lop);
  // 1024 x the 4 KiB CACTI run (0.0147 mm^2) for L1; the PE datapath is Horowitz's 8b mult + 32b add.
  EXPECT_NEAR(base.l1_mm2, 1024 * 0.0147, 1e-9);
  EXPECT_GT(base.pe_mm2, 1024 * (282 + 137) * 1e-6);
  ArchConfig more = a;
  more.l2_bytes *= 2;
  EXPECT_GT(area_of(more, lop).l2_mm2, base.l2_mm2);
  more = a;
  more.pe_count *= 2;
  EXPECT_NEAR(area_of(more, lop).pe_mm2, 2 * base.pe_mm2, 1e-9);
  more = a;
  more.datatype = DataType::kFp16;
  EXPECT_GT(area_of(more, lop).pe_mm2, 5 * base.pe_mm2);
  EXPECT_DOUBLE_EQ(area_of(a, area_table(SramCells::kFixed)).total_mm2(), base.total_mm2());
}

TEST(AreaModel, CountsRoutersAndTheDramPhy) {
  ArchConfig a;  // 8 clusters, 128 Gbit/s NoC at 1 GHz (128-bit flits), the 32 Gbit/s pipe on 1 channel
  const EnergyTable t = area_table(SramCells::kCactiLop);
  const AreaBreakdown base = area_of(a, t);
  EXPECT_NEAR(base.noc_mm2, 8 * 0.0422, 1e-12);
  // 32 Gbit/s needs 10 pins at 3.2 Gbit/s: one x16 LPDDR4 channel.
  EXPECT_EQ(dram_data_pins(a), 16u);
  EXPECT_NEAR(base.dram_phy_mm2, 16 * 0.05, 1e-12);
  EXPECT_NEAR(base.total_mm2(), base.pe_mm2 + base.l1_mm2 + base.l2_mm2 + base.noc_mm2 + base.dram_phy_mm2,
              1e-12);
  ArchConfig wider = a;
  wider.noc_bandwidth_gbps *= 2;  // 256-bit flits: twice the router
  EXPECT_NEAR(area_of(wider, t).noc_mm2, 2 * base.noc_mm2, 1e-12);
  wider = a;
  wider.dram_bandwidth_gbps = 64;  // 20 pins: two x16 channels' worth
  EXPECT_EQ(dram_data_pins(wider), 32u);
  ArchConfig ddr4 = a;
  ddr4.dram_standard = "ddr4_3200";
  ddr4.dram_channels = 2;
  EXPECT_EQ(dram_data_pins(ddr4), 128u);
  EXPECT_NEAR(area_of(ddr4, t).dram_phy_mm2, 128 * 0.05, 1e-12);
  ArchConfig hbm = a;
  hbm.dram_standard = "hbm2";
  hbm.dram_channels = 8;  // one stack on an interposer: the cheaper pin
  EXPECT_NEAR(area_of(hbm, t).dram_phy_mm2, 8 * 128 * 0.01, 1e-12);
  // Node scaling shrinks routers with the logic; the PHY is I/O and does not scale.
  EnergyTable small = t;
  small.area_scale = 0.19;
  EXPECT_NEAR(area_of(a, small).noc_mm2, 0.19 * base.noc_mm2, 1e-12);
  EXPECT_DOUBLE_EQ(area_of(a, small).dram_phy_mm2, base.dram_phy_mm2);
}

}  // namespace
}  // namespace nm::hw
