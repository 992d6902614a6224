#include "hw/core/energy.h"

namespace nm::hw {

namespace {
constexpr double kPicoJoule = 1e-12;
constexpr double kMilliWatt = 1e-3;
}  // namespace

double static_power_w(const EnergyTable& t, const ArchConfig& arch) {
  const double l1_kib = static_cast<double>(arch.l1_bytes_per_pe) * arch.pe_count / 1024.0;
  const double l2_kib = static_cast<double>(arch.l2_bytes) / 1024.0;
  const double mw = t.leakage_pe_mw * arch.pe_count + t.leakage_l1_mw_per_kib * l1_kib +
                    t.leakage_l2_mw_per_kib * l2_kib + t.leakage_noc_mw_per_router * arch.clusters +
                    t.leakage_dram_mw_per_channel * arch.dram_channels;
  return mw * kMilliWatt;
}

EnergyBreakdown price_actions(const ActionCounts& c, double seconds, const EnergyTable& t,
                              const ArchConfig& arch) {
  const double mac_pj = arch.datatype == DataType::kInt8 ? t.mac_int8_pj : t.mac_fp16_pj;
  EnergyBreakdown e;
  e.mac_j = static_cast<double>(c.macs) * mac_pj * kPicoJoule;
  e.l1_j = (static_cast<double>(c.l1_read_bytes) * t.l1_read_pj_per_byte +
            static_cast<double>(c.l1_write_bytes) * t.l1_write_pj_per_byte) *
           kPicoJoule;
  e.l2_j = (static_cast<double>(c.l2_read_bytes) * t.l2_read_pj_per_byte +
            static_cast<double>(c.l2_write_bytes) * t.l2_write_pj_per_byte) *
           kPicoJoule;
  e.noc_j = static_cast<double>(c.noc_byte_hops) * t.noc_pj_per_byte_hop * kPicoJoule;
  e.dram_j = static_cast<double>(c.dram_bytes()) * t.dram_pj_per_byte * kPicoJoule;
  e.static_j = static_power_w(t, arch) * seconds;
  return e;
}

}  // namespace nm::hw
