#pragma once
// Energy and area of other CMOS nodes, derived from the 45 nm table.
//
// Source: A. Stillmaker and B. Baas, "Scaling equations for the accurate prediction of CMOS device
// performance from 180 nm to 7 nm", Integration 58 (2017): energy per operation at each node's
// nominal supply, relative to 45 nm at 0.9 V, and area, as tabulated from the paper's polynomials
// in Accelergy-Project/hwcomponents (hwcomponents/scaling/techscaling.py) and recomputed for
// ../shared/reference/energy/sources.md section 6. Nodes between the tabulated ones are
// interpolated log-linearly in the node (hwcomponents' own interpolation between nodes runs the
// wrong way, see sources.md).
//  - logic (MACs, registers, router logic): the energy factor.
//  - SRAM dynamic energy: the energy factor down to 22 nm, then (node / 22 nm)^0.5 times the 22 nm
//    factor below it (SRAM bit cells stopped scaling with logic; hwcomponents-cacti's rule, citing
//    the IEDM 2022 "SRAM scaling stall").
//  - area (PEs and SRAM): the area factor.
//  - leakage (PEs, SRAM, routers): the area factor. An assumption: Stillmaker-Baas gives no
//    leakage equation we could source, and leakage per device depends on the threshold flavour
//    far more than on the node; fewer square microns of the same flavour leak proportionally less.
//  - not scaled: wires (the NoC link's pJ per mm barely changes with the node) and DRAM (its
//    energy belongs to the DRAM device and interface, not the accelerator's node).
namespace nm::hw {

struct TechScale {
  double node_nm = 45;
  double logic_energy = 1, sram_energy = 1, area = 1, leakage = 1;
};

// Factors from 45 nm to `node_nm` (7 to 130 nm; throws std::invalid_argument outside).
TechScale scale_from_45nm(double node_nm);

inline constexpr double kMinNodeNm = 7, kMaxNodeNm = 130;

}  // namespace nm::hw
