#include "sw/sweep/area_model.h"

namespace nm::sw {

namespace {
// M. Horowitz, "Computing's energy problem", ISSCC 2014, 45 nm area column (um^2):
// 8b mult 282, 32b add 137; 16b FP mult 1640, 32b FP add 4184.
constexpr double kInt8MacUm2 = 282 + 137;
constexpr double kFp16MacUm2 = 1640 + 4184;
// Intel 45 nm 6T SRAM cell: 0.346 um^2 (Mistry et al., IEDM 2007); an assumed 50% array
// efficiency covers decoders, sense amplifiers and wiring.
constexpr double kSramCellUm2 = 0.346;
constexpr double kSramArrayEfficiency = 0.5;
constexpr double kUm2PerMm2 = 1e6;
}  // namespace

double area_proxy_mm2(uint64_t pe_count, uint64_t l1_bytes_per_pe, uint64_t l2_bytes,
                      const std::string& datatype) {
  const double mac = datatype == "fp16" ? kFp16MacUm2 : kInt8MacUm2;
  const double sram_bits = 8.0 * (static_cast<double>(l1_bytes_per_pe) * static_cast<double>(pe_count) +
                                  static_cast<double>(l2_bytes));
  return (static_cast<double>(pe_count) * mac + sram_bits * kSramCellUm2 / kSramArrayEfficiency) / kUm2PerMm2;
}

}  // namespace nm::sw
