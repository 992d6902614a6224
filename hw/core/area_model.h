#pragma once
// Silicon area at the energy table's node of a configuration: the PE datapaths, the SRAMs as CACTI
// sizes them, the NoC routers and the DRAM PHY.
//
// Contract: mm^2. PEs: pe_count x (multiplier + accumulator adder of the datatype, Horowitz ISSCC
// 2014's 45 nm area column) + the PE's operand and accumulator registers (Aladdin's 40 nm
// register area per bit, scaled to 45 nm). L1: pe_count x one L1's CACTI area; L2: the L2's CACTI
// area (sram_model.h: capacity, port width, banks). NoC: one router per cluster at the table's
// area_mm2.noc_router (a 128-bit-flit router), scaled linearly by the configured flit width
// (noc_bytes_per_cycle x 8 bits); links are wires over the arrays and add nothing. These scale with
// the node (EnergyTable::area_scale). DRAM PHY: data pins x the table's mm^2 per pin (board or
// interposer PHY as the standard says), not scaled with the node; under the bandwidth pipe, the
// pins of the x16 LPDDR4-3200 channels (3.2 Gbit/s per pin) that carry dram.bandwidth_gbps over
// dram.channels. Area counts the arrays, routers and PHY, not control logic, pads or whitespace.
#include "hw/core/arch_config.h"
#include "hw/core/energy.h"

namespace nm::hw {

struct AreaBreakdown {
  double pe_mm2 = 0, l1_mm2 = 0, l2_mm2 = 0, noc_mm2 = 0, dram_phy_mm2 = 0;
  bool extrapolated = false;  // an SRAM outside CACTI's runs
  double total_mm2() const { return pe_mm2 + l1_mm2 + l2_mm2 + noc_mm2 + dram_phy_mm2; }
};

// The table gives the SRAM cells (kFixed tables take the low-operating-power arrays' areas), the
// router and PHY figures, and the node's area factor (area_scale).
AreaBreakdown area_of(const ArchConfig& arch, const EnergyTable& table);

// Data pins (DQ) of the DRAM interface: channels x the standard's width, or the pipe's equivalent.
uint64_t dram_data_pins(const ArchConfig& arch);

}  // namespace nm::hw
