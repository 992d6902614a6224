#include "hw/core/area_model.h"

#include "hw/core/energy.h"

namespace nm::hw {

namespace {
// M. Horowitz, "Computing's energy problem", ISSCC 2014, 45 nm area column (um^2):
// 8b mult 282, 32b add 137; 16b FP mult 1640, 32b FP add 4184.
constexpr double kInt8MacUm2 = 282 + 137;
constexpr double kFp16MacUm2 = 1640 + 4184;
// PE registers: two operand latches and the accumulator (int8: 8 + 8 + 32 bits; fp16: 16 + 16 +
// 32). Aladdin's 40 nm commercial-library register is 5.981433 um^2 per bit at a 1 ns cycle
// (harvard-acc/ALADDIN common/power_func.h, REG_1ns_area), x (45/40)^2 for the node.
constexpr double kRegisterUm2PerBit = 5.981433 * (45.0 / 40.0) * (45.0 / 40.0);
constexpr double kUm2PerMm2 = 1e6;
}  // namespace

AreaBreakdown area_of(const ArchConfig& arch, SramCells cells, double scale) {
  const bool int8 = arch.datatype == DataType::kInt8;
  const double register_bits = int8 ? 8 + 8 + 32 : 16 + 16 + 32;
  const double pe_um2 = (int8 ? kInt8MacUm2 : kFp16MacUm2) + register_bits * kRegisterUm2PerBit;
  const SramPricing s = price_srams(arch, cells == SramCells::kFixed ? SramCells::kCactiLop : cells);
  AreaBreakdown a;
  a.pe_mm2 = arch.pe_count * pe_um2 / kUm2PerMm2 * scale;
  a.l1_mm2 = arch.pe_count * s.l1_figures.area_mm2 * scale;
  a.l2_mm2 = s.l2_figures.area_mm2 * scale;
  a.extrapolated = s.l1_figures.extrapolated || s.l2_figures.extrapolated;
  return a;
}

}  // namespace nm::hw
