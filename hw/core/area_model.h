#pragma once
// Silicon area at 45 nm of a configuration: the PE datapaths plus the SRAMs as CACTI sizes them.
//
// Contract: mm^2. PEs: pe_count x (multiplier + accumulator adder of the datatype, Horowitz ISSCC
// 2014's 45 nm area column) + the PE's operand and accumulator registers (Aladdin's 40 nm
// register area per bit, scaled to 45 nm). L1: pe_count x one L1's CACTI area; L2: the L2's CACTI area
// (sram_model.h: capacity, port width, banks). The NoC's routers and links and the DRAM PHY are
// not counted (no per-router area figure we could source at this node): the total is the compute
// and memory arrays, not the die.
#include "hw/core/arch_config.h"
#include "hw/core/sram_model.h"

namespace nm::hw {

struct AreaBreakdown {
  double pe_mm2 = 0, l1_mm2 = 0, l2_mm2 = 0;
  bool extrapolated = false;  // an SRAM outside CACTI's runs
  double total_mm2() const { return pe_mm2 + l1_mm2 + l2_mm2; }
};

// Cells: the flavour that prices the SRAMs (kFixed tables take the low-operating-power arrays);
// scale: the node's area factor relative to 45 nm (EnergyTable::area_scale).
AreaBreakdown area_of(const ArchConfig& arch, SramCells cells, double scale = 1.0);

}  // namespace nm::hw
