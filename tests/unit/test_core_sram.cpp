// hw/core/sram_model.h: the CACTI 7.0 runs reproduced exactly, and figures that grow with
// capacity between and beyond them; hw/core/energy.h with_sram_figures() and area_model.h.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "hw/core/arch_config.h"
#include "hw/core/area_model.h"
#include "hw/core/energy.h"
#include "hw/core/sram_model.h"

namespace nm::hw {
namespace {

struct CactiRun {
  uint64_t bytes;
  uint32_t port_bits, banks;
  SramCells cells;
  double read, write, leakage, area, cycle;
};

// ../shared/reference/energy/cacti7_45nm_sram.csv at 350 K: every lop and hp run.
const std::vector<CactiRun> kRuns = {
    {512, 16, 1, SramCells::kCactiHp, 0.646, 0.937, 0.6018, 0.0019, 0.145},
    {4096, 8, 1, SramCells::kCactiHp, 2.253, 1.499, 4.7895, 0.0132, 0.210},
    {4096, 16, 1, SramCells::kCactiHp, 2.349, 2.049, 4.7518, 0.0131, 0.210},
    {4096, 32, 1, SramCells::kCactiHp, 2.541, 3.148, 4.7321, 0.0132, 0.210},
    {4096, 64, 1, SramCells::kCactiHp, 2.924, 5.345, 4.7400, 0.0135, 0.210},
    {4096, 128, 1, SramCells::kCactiHp, 3.684, 9.733, 4.7520, 0.0143, 0.210},
    {8192, 64, 1, SramCells::kCactiHp, 5.288, 6.502, 8.7532, 0.0263, 0.253},
    {32768, 64, 1, SramCells::kCactiHp, 14.925, 12.690, 32.8606, 0.0949, 0.431},
    {1048576, 64, 1, SramCells::kCactiHp, 67.688, 55.894, 954.9320, 3.1695, 0.795},
    {1048576, 128, 1, SramCells::kCactiHp, 115.033, 91.446, 905.2360, 3.2471, 2.072},
    {1048576, 256, 1, SramCells::kCactiHp, 179.969, 171.029, 907.1660, 3.6752, 2.072},
    {1048576, 512, 1, SramCells::kCactiHp, 311.132, 352.773, 906.0800, 3.9517, 2.218},
    {1048576, 128, 8, SramCells::kCactiHp, 99.571, 109.981, 1072.8640, 3.7617, 0.570},
    {1048576, 256, 16, SramCells::kCactiHp, 167.362, 207.202, 1179.8176, 3.6482, 0.570},
    {1048576, 512, 8, SramCells::kCactiHp, 357.093, 377.448, 1007.4160, 4.3964, 2.072},
    {512, 16, 1, SramCells::kCactiLop, 0.349, 0.458, 0.0079, 0.0019, 0.341},
    {4096, 8, 1, SramCells::kCactiLop, 1.729, 0.972, 0.0612, 0.0148, 0.479},
    {4096, 16, 1, SramCells::kCactiLop, 1.813, 1.165, 0.0596, 0.0141, 0.479},
    {4096, 32, 1, SramCells::kCactiLop, 1.990, 1.559, 0.0589, 0.0141, 0.479},
    {4096, 64, 1, SramCells::kCactiLop, 2.342, 2.346, 0.0585, 0.0147, 0.479},
    {4096, 128, 1, SramCells::kCactiLop, 2.140, 4.848, 0.0629, 0.0143, 0.501},
    {8192, 64, 1, SramCells::kCactiLop, 3.162, 3.244, 0.1159, 0.0263, 0.570},
    {32768, 64, 1, SramCells::kCactiLop, 7.233, 5.619, 0.4377, 0.1119, 0.725},
    {1048576, 64, 1, SramCells::kCactiLop, 41.761, 29.739, 12.0241, 3.2633, 2.577},
    {1048576, 128, 1, SramCells::kCactiLop, 62.069, 51.902, 12.0560, 3.5890, 2.577},
    {1048576, 256, 1, SramCells::kCactiLop, 107.109, 94.633, 12.0296, 3.6772, 2.771},
    {1048576, 512, 1, SramCells::kCactiLop, 187.146, 191.538, 12.0157, 3.9540, 3.162},
    {1048576, 128, 8, SramCells::kCactiLop, 65.054, 55.041, 12.3800, 3.6893, 2.577},
    {1048576, 256, 16, SramCells::kCactiLop, 112.147, 113.098, 14.3013, 3.7129, 1.362},
    {1048576, 512, 8, SramCells::kCactiLop, 208.380, 210.281, 13.4013, 4.4006, 2.771},
};

TEST(SramModel, ReproducesEveryCactiRunExactly) {
  for (const CactiRun& r : kRuns) {
    const SramFigures f = sram_figures({r.bytes, r.port_bits, r.banks}, r.cells);
    const auto where = ::testing::Message() << r.bytes << " B, " << r.port_bits << " bit, " << r.banks
                                            << " banks, " << sram_cells_name(r.cells);
    EXPECT_NEAR(f.read_pj_per_access, r.read, 1e-9 * r.read) << where;
    EXPECT_NEAR(f.write_pj_per_access, r.write, 1e-9 * r.write) << where;
    EXPECT_NEAR(f.leakage_mw, r.leakage, 1e-9 * r.leakage) << where;
    EXPECT_NEAR(f.area_mm2, r.area, 1e-9 * r.area) << where;
    EXPECT_NEAR(f.cycle_ns, r.cycle, 1e-9 * r.cycle) << where;
    EXPECT_FALSE(f.extrapolated) << where;
  }
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

TEST(AreaModel, GrowsWithEveryArrayAndCountsTheDatatype) {
  ArchConfig a;
  const AreaBreakdown base = area_of(a, SramCells::kCactiLop);
  // 1024 x the 4 KiB CACTI run (0.0147 mm^2) for L1; the PE datapath is Horowitz's 8b mult + 32b add.
  EXPECT_NEAR(base.l1_mm2, 1024 * 0.0147, 1e-9);
  EXPECT_GT(base.pe_mm2, 1024 * (282 + 137) * 1e-6);
  ArchConfig more = a;
  more.l2_bytes *= 2;
  EXPECT_GT(area_of(more, SramCells::kCactiLop).l2_mm2, base.l2_mm2);
  more = a;
  more.pe_count *= 2;
  EXPECT_NEAR(area_of(more, SramCells::kCactiLop).pe_mm2, 2 * base.pe_mm2, 1e-9);
  more = a;
  more.datatype = DataType::kFp16;
  EXPECT_GT(area_of(more, SramCells::kCactiLop).pe_mm2, 5 * base.pe_mm2);
  EXPECT_DOUBLE_EQ(area_of(a, SramCells::kFixed).total_mm2(), base.total_mm2());
}

}  // namespace
}  // namespace nm::hw
