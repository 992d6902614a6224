#pragma once
// SRAM figures as functions of capacity, port width and banks, from CACTI 7.0 runs at 45 nm.
//
// Source: CACTI 7.0 (HewlettPackard/cacti commit 1ffd8df), `cache type "ram"`, 45 nm, associativity
// 1, ECC off, bus width = block width, ED^2 optimisation, 350 K (leakage at the operating
// temperature); one table per cell flavour: ITRS low-operating-power (lop, the default: meets
// 1 GHz with realistic leakage) and ITRS high-performance (hp: ~1.3-2x the dynamic energy and
// ~80x the leakage). The rows are the runs of ../shared/reference/energy/cacti7_45nm_sram.csv.
//
// How a configuration between the runs is priced (every table row is reproduced exactly):
//  - base curve: 64-bit port, 1 bank, at 512 B, 4, 8, 32 KiB and 1 MiB; log-log interpolation in
//    capacity (straight lines between runs on log axes), and beyond the table the end segment's
//    log-log slope, flagged `extrapolated` (callers warn). The 512 B point is the 16-bit run
//    divided by the 4 KiB width factor, so that run is reproduced too.
//  - width factor: figure(width) / figure(64 bit), measured at 4 KiB (8-128 bit) and at 1 MiB
//    (64-512 bit); log-linear in log2(width) between measured widths (end slope beyond them),
//    log-linear in log(capacity) between the two anchors, the nearest anchor outside them.
//  - bank factor: figure(banks) / figure(1 bank) at 1 MiB (8 banks at 128 and 512 bit, 16 banks
//    at 256 bit); for 8 banks log-linear in log2(width) between 128 and 512 bit, clamped; log-log
//    in banks between 1, 8 and 16, the 8-16 slope beyond 16. Applied at every capacity (CACTI was
//    run banked at 1 MiB only).
#include <cstdint>
#include <vector>

namespace nm::hw {

// Which cell flavour prices the SRAMs; kFixed: the energy table's own per-byte figures.
enum class SramCells { kFixed, kCactiLop, kCactiHp };
const char* sram_cells_name(SramCells cells);

struct SramGeometry {
  uint64_t bytes = 4096;
  uint32_t port_bits = 64;  // bits per access
  uint32_t banks = 1;
};

struct SramFigures {
  double read_pj_per_access = 0;
  double write_pj_per_access = 0;
  double leakage_mw = 0;  // the whole array, at 350 K
  double area_mm2 = 0;
  double cycle_ns = 0;
  bool extrapolated = false;  // capacity, width or banks outside what CACTI was run at
  double read_pj_per_byte(uint32_t port_bits) const { return read_pj_per_access * 8.0 / port_bits; }
  double write_pj_per_byte(uint32_t port_bits) const { return write_pj_per_access * 8.0 / port_bits; }
};

// Figures of one SRAM (cells must be kCactiLop or kCactiHp; throws std::invalid_argument otherwise).
SramFigures sram_figures(const SramGeometry& geometry, SramCells cells);

// The CACTI runs the model is built on (for tests: each must be reproduced exactly).
struct CactiRun {
  SramGeometry geometry;
  SramCells cells;
  SramFigures figures;
};
const std::vector<CactiRun>& cacti_runs();

}  // namespace nm::hw
