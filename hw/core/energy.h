#pragma once
// Energy model: action counts x a per-action table (pJ) + leakage power x time.
//
// Contract: table figures are pJ per action (per MAC, per byte, per byte-hop) and mW of
// leakage per unit of hardware; results are joules. Pricing never changes the counts.
#include <cstdint>
#include <string>

#include "hw/core/action_counts.h"
#include "hw/core/arch_config.h"
#include "hw/core/sram_model.h"
#include "hw/core/tech_scaling.h"

namespace nm::hw {

struct EnergyTable {
  std::string name = "45nm";
  double technology_nm = 45;
  // kFixed: the l1/l2 per-byte and per-KiB figures below as given, whatever the sizes. Otherwise
  // they are filled per configuration from the CACTI model (sram_model.h) by with_sram_figures().
  SramCells sram_cells = SramCells::kFixed;
  // A table derived for another node (scaled_to_node): factors on the SRAM model's energy and
  // leakage, and on area. 1 for a table at the model's own 45 nm.
  double sram_energy_scale = 1, sram_leakage_scale = 1, area_scale = 1;
  double mac_int8_pj = 0;
  double mac_fp16_pj = 0;
  double l1_read_pj_per_byte = 0;
  double l1_write_pj_per_byte = 0;
  double l2_read_pj_per_byte = 0;
  double l2_write_pj_per_byte = 0;
  double noc_pj_per_byte_hop = 0;
  double dram_pj_per_byte = 0;
  double register_pj_per_bit = 0;        // per PE register bit clocked (ActionCounts::register_bits)
  double leakage_pe_int8_mw = 0;         // per PE: int8 multiplier, int32 adder, registers
  double leakage_pe_fp16_mw = 0;         // per PE: fp16 multiplier, fp32 adder, registers
  double leakage_l1_mw_per_kib = 0;      // per KiB of L1
  double leakage_l2_mw_per_kib = 0;      // per KiB of L2
  double leakage_noc_mw_per_router = 0;  // per router (one per cluster)
  double leakage_dram_mw_per_channel = 0;
  // Area figures the SRAM model and the PE datapath do not give (area_model.h): one mesh router
  // with 128-bit flits at 45 nm (scaled by area_scale and by the configured flit width), and the
  // DRAM PHY per data pin (DQ) of a board-level (DDR4, LPDDR4/5) or an interposer (HBM) interface,
  // which is I/O and does not scale with the node.
  double noc_router_mm2 = 0;
  double dram_phy_mm2_per_dq_board = 0;
  double dram_phy_mm2_per_dq_interposer = 0;
  // Under a DRAM standard (with_dram_figures): DRAM priced per command from the standard's IDD
  // currents (DRAMPower's method, hw/core/dram_timing.h) instead of dram_pj_per_byte, and its
  // background power (active standby, IDD3N, per channel) as leakage_dram_mw_per_channel.
  bool dram_by_command = false;
  double dram_activate_pj = 0, dram_precharge_pj = 0, dram_read_burst_pj = 0, dram_write_burst_pj = 0,
         dram_refresh_pj = 0;
};

struct EnergyBreakdown {
  double mac_j = 0, register_j = 0, l1_j = 0, l2_j = 0, noc_j = 0, dram_j = 0, static_j = 0;
  double dynamic_j() const { return mac_j + register_j + l1_j + l2_j + noc_j + dram_j; }
  double total_j() const { return dynamic_j() + static_j; }
  EnergyBreakdown& operator+=(const EnergyBreakdown& o) {
    mac_j += o.mac_j, register_j += o.register_j, l1_j += o.l1_j, l2_j += o.l2_j, noc_j += o.noc_j,
        dram_j += o.dram_j, static_j += o.static_j;
    return *this;
  }
};

// The L1 (one per PE) and L2 as the SRAM model prices them for a configuration.
struct SramPricing {
  SramGeometry l1, l2;
  SramFigures l1_figures, l2_figures;  // l1: one PE's L1
};
SramPricing price_srams(const ArchConfig& arch, SramCells cells);

// The table with its L1/L2 per-byte energies and per-KiB leakage taken from the SRAM model at
// this configuration (l1.bytes_per_pe and l1.port_bits; l2.bytes, l2.banks and l2.port_bits);
// a kFixed table is returned unchanged.
EnergyTable with_sram_figures(const EnergyTable& table, const ArchConfig& arch);

// The table with DRAM priced by command from arch.dram_standard's IDD figures (background power:
// active standby for the whole run, a row being open almost all the time under the open-page
// policy); under the bandwidth pipe returned unchanged. DRAM figures never scale with the node.
EnergyTable with_dram_figures(const EnergyTable& table, const ArchConfig& arch);

// DRAM dynamic energy by command (joules); all in `bytes` when the table prices per byte.
struct DramEnergyByCommand {
  double activate_j = 0, precharge_j = 0, read_j = 0, write_j = 0, refresh_j = 0, bytes_j = 0;
  double total_j() const { return activate_j + precharge_j + read_j + write_j + refresh_j + bytes_j; }
};
DramEnergyByCommand dram_energy_by_command(const ActionCounts& counts, const EnergyTable& table);

// The 45 nm table `base` carried to another node with hw/core/tech_scaling.h's factors: logic
// energy (MACs, registers, the NoC router's share), SRAM energy, leakage (PEs, routers, SRAM) and
// area; wires and DRAM unchanged. Throws std::invalid_argument unless base is at 45 nm.
EnergyTable scaled_to_node(const EnergyTable& base, double node_nm);

// The tables' router (area_mm2.noc_router, leakage_mw.noc_per_router) has 128-bit flits: Table 2's
// 16 B per cycle. A NoC of another width (noc.bandwidth_gbps / clock_ghz) has routers that many
// times larger, in area and leakage (buffers and crossbar grow with the flit width).
double router_width_factor(const ArchConfig& arch);

// Leakage of the whole accelerator at this configuration, in watts.
double static_power_w(const EnergyTable& table, const ArchConfig& arch);

// Dynamic energy of the counted actions plus leakage over `seconds`.
EnergyBreakdown price_actions(const ActionCounts& counts, double seconds, const EnergyTable& table,
                              const ArchConfig& arch);

}  // namespace nm::hw
