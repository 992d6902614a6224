#include "hw/core/energy.h"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include "hw/core/dram_system.h"

namespace nm::hw {

namespace {
constexpr double kPicoJoule = 1e-12;
constexpr double kMilliWatt = 1e-3;
}  // namespace

SramPricing price_srams(const ArchConfig& arch, SramCells cells) {
  SramPricing p;
  p.l1 = {arch.l1_bytes_per_pe, arch.l1_port_bits, 1};
  // An L2 bank's port is what it moves per cycle.
  const uint64_t l2_port_bits = std::min<uint64_t>(uint64_t{arch.l2_bank_bytes_per_cycle} * 8, UINT32_MAX);
  p.l2 = {arch.l2_bytes, static_cast<uint32_t>(l2_port_bits), arch.l2_banks};
  p.l1_figures = sram_figures(p.l1, cells);
  p.l2_figures = sram_figures(p.l2, cells);
  return p;
}

EnergyTable with_sram_figures(const EnergyTable& table, const ArchConfig& arch) {
  if (table.sram_cells == SramCells::kFixed) return table;
  const SramPricing p = price_srams(arch, table.sram_cells);
  EnergyTable t = table;
  const double e = table.sram_energy_scale, leak = table.sram_leakage_scale;
  t.l1_read_pj_per_byte = p.l1_figures.read_pj_per_byte(p.l1.port_bits) * e;
  t.l1_write_pj_per_byte = p.l1_figures.write_pj_per_byte(p.l1.port_bits) * e;
  t.l2_read_pj_per_byte = p.l2_figures.read_pj_per_byte(p.l2.port_bits) * e;
  t.l2_write_pj_per_byte = p.l2_figures.write_pj_per_byte(p.l2.port_bits) * e;
  t.leakage_l1_mw_per_kib = p.l1_figures.leakage_mw / (static_cast<double>(p.l1.bytes) / 1024.0) * leak;
  t.leakage_l2_mw_per_kib = p.l2_figures.leakage_mw / (static_cast<double>(p.l2.bytes) / 1024.0) * leak;
  return t;
}

namespace {
// The NoC figure's wire share at 45 nm: a 1 mm repeated global wire, 0.451 pJ per byte
// (configs/energy/45nm.yaml, [C40]); the rest (0.401) is the router's logic and buffers.
constexpr double kNocWirePjPerByteHop = 0.451;
}  // namespace

EnergyTable scaled_to_node(const EnergyTable& base, double node_nm) {
  if (base.technology_nm != 45)
    throw std::invalid_argument("scaled_to_node: the base table must be at 45 nm");
  const TechScale f = scale_from_45nm(node_nm);
  EnergyTable t = base;
  t.technology_nm = node_nm;
  t.mac_int8_pj *= f.logic_energy;
  t.mac_fp16_pj *= f.logic_energy;
  t.register_pj_per_bit *= f.logic_energy;
  const double wire = std::min(base.noc_pj_per_byte_hop, kNocWirePjPerByteHop);
  t.noc_pj_per_byte_hop = wire + (base.noc_pj_per_byte_hop - wire) * f.logic_energy;
  t.leakage_pe_int8_mw *= f.leakage;
  t.leakage_pe_fp16_mw *= f.leakage;
  t.leakage_noc_mw_per_router *= f.leakage;
  // SRAM: the fixed figures directly; the CACTI model's through its factors.
  t.l1_read_pj_per_byte *= f.sram_energy;
  t.l1_write_pj_per_byte *= f.sram_energy;
  t.l2_read_pj_per_byte *= f.sram_energy;
  t.l2_write_pj_per_byte *= f.sram_energy;
  t.leakage_l1_mw_per_kib *= f.leakage;
  t.leakage_l2_mw_per_kib *= f.leakage;
  t.sram_energy_scale = base.sram_energy_scale * f.sram_energy;
  t.sram_leakage_scale = base.sram_leakage_scale * f.leakage;
  t.area_scale = base.area_scale * f.area;
  return t;
}

EnergyTable with_dram_figures(const EnergyTable& table, const ArchConfig& arch) {
  if (!arch.dram_timed()) return table;
  EnergyTable t = table;
  const DramSpec spec = dram_spec_of(arch);
  const DramCommandEnergy e = command_energy(spec);
  t.dram_by_command = true;
  // Only the mapper's closed form still prices per byte: a streamed read (one ACT + PRE per page).
  t.dram_pj_per_byte = e.read_pj / spec.burst_bytes() +
                       (e.activate_pj + e.precharge_pj) / static_cast<double>(spec.page_bytes());
  t.dram_activate_pj = e.activate_pj;
  t.dram_precharge_pj = e.precharge_pj;
  t.dram_read_burst_pj = e.read_pj;
  t.dram_write_burst_pj = e.write_pj;
  t.dram_refresh_pj = e.refresh_pj;
  t.leakage_dram_mw_per_channel = e.active_standby_mw;
  return t;
}

DramEnergyByCommand dram_energy_by_command(const ActionCounts& c, const EnergyTable& t) {
  DramEnergyByCommand e;
  if (!t.dram_by_command) {
    e.bytes_j = static_cast<double>(c.dram_bytes()) * t.dram_pj_per_byte * kPicoJoule;
    return e;
  }
  e.activate_j = static_cast<double>(c.dram_activates) * t.dram_activate_pj * kPicoJoule;
  e.precharge_j = static_cast<double>(c.dram_precharges) * t.dram_precharge_pj * kPicoJoule;
  e.read_j = static_cast<double>(c.dram_read_bursts) * t.dram_read_burst_pj * kPicoJoule;
  e.write_j = static_cast<double>(c.dram_write_bursts) * t.dram_write_burst_pj * kPicoJoule;
  e.refresh_j = static_cast<double>(c.dram_refreshes) * t.dram_refresh_pj * kPicoJoule;
  return e;
}

double router_width_factor(const ArchConfig& arch) {
  constexpr double kTableRouterFlitBits = 128;
  return arch.noc_bytes_per_cycle() * 8 / kTableRouterFlitBits;
}

double static_power_w(const EnergyTable& t, const ArchConfig& arch) {
  const double l1_kib = static_cast<double>(arch.l1_bytes_per_pe) * arch.pe_count / 1024.0;
  const double l2_kib = static_cast<double>(arch.l2_bytes) / 1024.0;
  const double pe_mw = arch.datatype == DataType::kInt8 ? t.leakage_pe_int8_mw : t.leakage_pe_fp16_mw;
  const double mw = pe_mw * arch.pe_count + t.leakage_l1_mw_per_kib * l1_kib +
                    t.leakage_l2_mw_per_kib * l2_kib +
                    t.leakage_noc_mw_per_router * router_width_factor(arch) * arch.clusters +
                    t.leakage_dram_mw_per_channel * arch.dram_channels;
  return mw * kMilliWatt;
}

EnergyBreakdown price_actions(const ActionCounts& c, double seconds, const EnergyTable& t,
                              const ArchConfig& arch) {
  const double mac_pj = arch.datatype == DataType::kInt8 ? t.mac_int8_pj : t.mac_fp16_pj;
  EnergyBreakdown e;
  e.mac_j = static_cast<double>(c.macs) * mac_pj * kPicoJoule;
  e.register_j = static_cast<double>(c.register_bits(accumulator_bytes(arch.datatype) * 8)) *
                 t.register_pj_per_bit * kPicoJoule;
  e.l1_j = (static_cast<double>(c.l1_read_bytes) * t.l1_read_pj_per_byte +
            static_cast<double>(c.l1_write_bytes) * t.l1_write_pj_per_byte) *
           kPicoJoule;
  e.l2_j = (static_cast<double>(c.l2_read_bytes) * t.l2_read_pj_per_byte +
            static_cast<double>(c.l2_write_bytes) * t.l2_write_pj_per_byte) *
           kPicoJoule;
  e.noc_j = static_cast<double>(c.noc_byte_hops) * t.noc_pj_per_byte_hop * kPicoJoule;
  e.dram_j = dram_energy_by_command(c, t).total_j();
  e.static_j = static_power_w(t, arch) * seconds;
  return e;
}

}  // namespace nm::hw
