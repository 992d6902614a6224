#include "hw/core/dram_timing.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

namespace nm::hw {

namespace {

bool is_pow2(uint64_t v) {
  return v != 0 && (v & (v - 1)) == 0;
}

uint32_t log2u(uint64_t v) {
  uint32_t bits = 0;
  while ((uint64_t{1} << bits) < v) ++bits;
  return bits;
}

// ---------------------------------------------------------------------------------------------
// Presets. Timings in tCK of the spec. Each cites the file its figures come from; where a
// figure is derived (a turnaround formula, a unit conversion), the comment says how.
// ---------------------------------------------------------------------------------------------

// LPDDR4-3200, one x16 channel of an 8 Gb die. Timings, geometry and IDD currents:
// tukl-msd/DRAMSys configs/memspec/JEDEC_8Gb_LPDDR4-3200_16bit.json (commit 21079661); its IDD
// figures equal tukl-msd/DRAMPower memspecs/MICRON_6Gb_LPDDR4-3200_32bit_A.json, the [DP] source
// of configs/energy/45nm.yaml, so the energies agree with that file's 68.4 pJ/B derivation.
// Standard: JEDEC JESD209-4.
DramSpec lpddr4_3200() {
  DramSpec s;
  s.name = "lpddr4_3200";
  s.source = "DRAMSys configs/memspec/JEDEC_8Gb_LPDDR4-3200_16bit.json (JESD209-4)";
  s.tck_ns = 0.625;  // tCK 625e-12
  s.data_rate = 2;
  s.width_bits = 16;
  s.burst_length = 16;  // BL16: 32 B per burst
  s.bank_groups = 1;
  s.banks_per_group = 8;
  s.rows = 65536;
  s.columns = 1024;  // 2 KiB page
  s.devices_per_channel = 1;
  s.typical_channels = 1;  // 51.2 Gbit/s, above Table 2's 32 Gbit/s
  DramTimingParams& t = s.t;
  t.tRCD = 29;
  t.tRP = 29;    // RPpb
  t.tRPab = 34;  // RPab
  t.tRAS = 68;
  t.tRC = 97;  // RCpb
  t.CL = 28;   // RL (DBI off)
  t.CWL = 14;  // WL (set A)
  t.tBURST = 8;
  t.tCCD_S = t.tCCD_L = 8;   // CCD
  t.tRRD_S = t.tRRD_L = 16;  // RRD
  t.tFAW = 64;
  // WTR 16, plus the 1 tCK LPDDR4 adds between write data and tWTR (DRAMSys
  // src/DRAMSys/controller/checker/CheckerLPDDR4.cpp: tWRRD = WL + tCK + BL/2 + WTR).
  t.tWTR_S = t.tWTR_L = 17;
  // CheckerLPDDR4.cpp: tRDWR = RL + DQSCK + BL/2 - WL + WPRE + RPST = 28 + 6 + 8 - 14 + 2 + 0.
  t.tRTW = 30;
  t.tRTP = 12;
  t.tWR = 29;
  t.tRFC = 448;    // RFCab (280 ns)
  t.tREFI = 6246;  // REFI (3.904 us)
  // Currents in mA (memspec idd*1 / idd*2 / idd*q); IDD5 is the all-bank refresh burst current.
  s.supplies = {
      {"VDD1", 1.8, 3.5, 2.0, 2.25, 2.25, 2.25, 10.0},
      {"VDD2", 1.1, 45.0, 27.0, 30.0, 275.0, 210.0, 90.0},
      {"VDDQ", 1.1, 0.75, 0.75, 0.75, 150.0, 55.0, 0.75},
  };
  return s;
}

// DDR4-3200AA, a 64-bit channel of eight x8 8 Gb devices. Timings, geometry and IDD currents:
// umd-memsys/DRAMsim3 configs/DDR4_8Gb_x8_3200.ini (commit 0eb63609); the primary timings equal
// CMU-SAFARI/ramulator2 python/ramulator/dram/ddr4.py preset DDR4_3200AA (tRC 74 from there).
// Standard: JEDEC JESD79-4.
DramSpec ddr4_3200() {
  DramSpec s;
  s.name = "ddr4_3200";
  s.source = "DRAMsim3 configs/DDR4_8Gb_x8_3200.ini; ramulator2 ddr4.py DDR4_3200AA (JESD79-4)";
  s.tck_ns = 0.625;  // DRAMsim3 writes tCK = 0.63, i.e. 1 / 1.6 GHz rounded
  s.data_rate = 2;
  s.width_bits = 64;
  s.burst_length = 8;  // BL8: 64 B per burst
  s.bank_groups = 4;
  s.banks_per_group = 4;
  s.rows = 65536;
  s.columns = 1024;  // 1 KiB per x8 device, 8 KiB per channel
  s.devices_per_channel = 8;
  s.typical_channels = 1;  // 204.8 Gbit/s
  DramTimingParams& t = s.t;
  t.tRCD = 22;
  t.tRP = 22;
  t.tRPab = 22;
  t.tRAS = 52;
  t.tRC = 74;
  t.CL = 22;
  t.CWL = 16;
  t.tBURST = 4;
  t.tCCD_S = 4;
  t.tCCD_L = 8;
  t.tRRD_S = 4;
  t.tRRD_L = 8;
  t.tFAW = 34;
  t.tWTR_S = 4;
  t.tWTR_L = 12;
  t.tRTW = 12;  // JESD79-4 RD to WR: RL + BL/2 - WL + 2 tCK = 22 + 4 - 16 + 2 (ramulator2 ddr4.py)
  t.tRTP = 12;
  t.tWR = 24;
  t.tRFC = 560;     // tRFC1, 350 ns for 8 Gb
  t.tREFI = 12480;  // 7.8 us
  // Per device, mA. DRAMsim3 lists IPP0 = 3 mA on VPP but no VPP, and prices VDD only; so do we.
  s.supplies = {{"VDD", 1.2, 57.0, 37.0, 52.0, 168.0, 150.0, 250.0}};
  return s;
}

// LPDDR5-6400 in bank-group mode (4 groups x 4 banks, 2 KiB page), one x16 channel of an 8 Gb
// die, BL16, CK 800 MHz with WCK:CK 4:1 (8 data beats per CK). Timings and geometry:
// CMU-SAFARI/ramulator2 python/ramulator/dram/lpddr5.py presets LPDDR5_6400 and LPDDR5_8Gb_x16
// (commit c5b1c3a4; JESD209-5B tables cited there), with its secondary timings resolved at
// tCK 1250 ps. Standard: JEDEC JESD209-5.
// Energy is an ESTIMATE: no public LPDDR5 memspec with IDD figures was found (DRAMPower's
// tests/tests_drampower/resources/lpddr5.json holds placeholders). It reuses the LPDDR4 currents
// above on LPDDR5's nominal supplies (VDD1 1.8 V, VDD2H 1.05 V, VDDQ 0.5 V: Micron MT62F LPDDR5
// datasheet, features page).
DramSpec lpddr5_6400() {
  DramSpec s;
  s.name = "lpddr5_6400";
  s.source = "ramulator2 python/ramulator/dram/lpddr5.py LPDDR5_6400, LPDDR5_8Gb_x16 (JESD209-5B)";
  s.tck_ns = 1.25;
  s.data_rate = 8;
  s.width_bits = 16;
  s.burst_length = 16;  // BL16: 32 B per burst, nBL_min = 2 CK
  s.bank_groups = 4;
  s.banks_per_group = 4;
  s.rows = 32768;
  s.columns = 1024;  // 2 KiB page
  s.devices_per_channel = 1;
  s.typical_channels = 1;  // 102.4 Gbit/s
  DramTimingParams& t = s.t;
  t.tRCD = 15;
  t.tRP = 15;
  t.tRPab = 17;
  t.tRAS = 34;
  t.tRC = 49;
  t.CL = 17;
  t.CWL = 9;
  t.tBURST = 2;  // nBL_min
  t.tCCD_S = 2;
  t.tCCD_L = 4;
  t.tRRD_S = 4;  // max(4, 5 ns)
  t.tRRD_L = 4;
  t.tFAW = 16;  // max(16, 20 ns)
  t.tWTR_S = 5;
  // ramulator2 spaces WR to RD in one group by nCWL + nBL_max + nWTRL = 9 + 4 + 10; with this
  // model's CWL + tBURST + tWTR_L (tBURST = nBL_min = 2) that is tWTR_L = 10 + 2.
  t.tWTR_L = 12;
  t.tRTW = 12;  // nCL + nBL_min + 2 - nCWL = 17 + 2 + 2 - 9
  t.tRTP = 8;
  t.tWR = 28;
  t.tRFC = 168;    // tRFCab 210 ns for 8 Gb
  t.tREFI = 3125;  // 3906 ns
  s.supplies = {
      {"VDD1", 1.8, 3.5, 2.0, 2.25, 2.25, 2.25, 10.0},
      {"VDD2H", 1.05, 45.0, 27.0, 30.0, 275.0, 210.0, 90.0},
      {"VDDQ", 0.5, 0.75, 0.75, 0.75, 150.0, 55.0, 0.75},
  };
  s.energy_estimated = true;
  return s;
}

// HBM2 at 2 Gbit/s per pin, one 128-bit legacy-mode channel of an 8 Gb die (8 channels per
// stack), BL4: 64 B per burst. Timings, geometry and IDD currents: umd-memsys/DRAMsim3
// configs/HBM2_8Gb_x128.ini (commit 0eb63609); tRAS/tRCD/tRP/CL equal CMU-SAFARI/ramulator2
// python/ramulator/dram/hbm2.py preset HBM2_2000Mbps, which gives tRC 48 and the turnaround.
// Standard: JEDEC JESD235.
DramSpec hbm2() {
  DramSpec s;
  s.name = "hbm2";
  s.source = "DRAMsim3 configs/HBM2_8Gb_x128.ini; ramulator2 hbm2.py HBM2_2000Mbps (JESD235)";
  s.tck_ns = 1.0;
  s.data_rate = 2;
  s.width_bits = 128;
  s.burst_length = 4;
  s.bank_groups = 4;
  s.banks_per_group = 4;
  s.rows = 32768;
  s.columns = 64;  // DRAMsim3: page = columns x device_width = 1 KiB
  s.devices_per_channel = 1;
  s.typical_channels = 8;  // one stack: 8 x 32 GB/s
  s.interposer_phy = true;
  DramTimingParams& t = s.t;
  t.tRCD = 14;  // tRCDRD = tRCDWR = 14
  t.tRP = 14;
  t.tRPab = 14;
  t.tRAS = 34;
  t.tRC = 48;
  t.CL = 14;
  t.CWL = 4;
  t.tBURST = 2;
  // DRAMsim3 lists tCCD_S = 1, tCCD_L = 2; a BL4 burst holds the DDR bus 2 tCK, so both are 2.
  t.tCCD_S = 2;
  t.tCCD_L = 2;
  t.tRRD_S = 4;
  t.tRRD_L = 6;
  t.tFAW = 30;
  t.tWTR_S = 6;
  t.tWTR_L = 8;
  t.tRTW = 14;  // ramulator2 hbm2.py: nCL + nBL + 2 - nCWL = 14 + 2 + 2 - 4
  t.tRTP = 6;   // tRTP_L
  t.tWR = 16;
  t.tRFC = 260;
  t.tREFI = 3900;
  s.supplies = {{"VDD", 1.2, 65.0, 40.0, 55.0, 390.0, 500.0, 250.0}};  // per channel, mA
  return s;
}

}  // namespace

uint64_t DramSpec::ns_to_cycles(double ns) const {
  const double cycles = std::ceil(ns / tck_ns - 1e-9);
  return cycles > 0 ? static_cast<uint64_t>(cycles) : 0;
}

std::vector<std::string> dram_preset_names() {
  return {"lpddr4_3200", "ddr4_3200", "lpddr5_6400", "hbm2"};
}

std::optional<DramSpec> dram_preset(const std::string& name) {
  if (name == "lpddr4_3200") return lpddr4_3200();
  if (name == "ddr4_3200") return ddr4_3200();
  if (name == "lpddr5_6400") return lpddr5_6400();
  if (name == "hbm2") return hbm2();
  return std::nullopt;
}

std::vector<std::string> validate(const DramSpec& s) {
  std::vector<std::string> problems;
  const auto require = [&problems](bool ok, const std::string& message) {
    if (!ok) problems.push_back(message);
  };
  const DramTimingParams& t = s.t;
  require(s.tck_ns > 0, "tck_ns: expected a positive clock period");
  require(s.data_rate > 0, "data_rate: expected a positive number of beats per clock");
  require(s.width_bits >= 8 && s.width_bits % 8 == 0, "width_bits: expected a whole number of bytes");
  require(is_pow2(s.burst_length), "burst_length: expected a power of two");
  require(is_pow2(s.bank_groups), "bank_groups: expected a power of two");
  require(is_pow2(s.banks_per_group), "banks_per_group: expected a power of two");
  require(is_pow2(s.rows), "rows: expected a power of two");
  require(is_pow2(s.columns) && s.burst_length > 0 && s.columns >= s.burst_length,
          "columns: expected a power of two holding at least one burst");
  require(s.devices_per_channel > 0, "devices_per_channel: expected at least one device");
  require(is_pow2(s.burst_bytes()), "burst bytes: expected a power of two");
  require(t.tBURST > 0 && t.tBURST * s.data_rate == s.burst_length,
          "tBURST: expected burst_length / data_rate");
  require(t.tRCD > 0 && t.tRP > 0 && t.tRAS > 0 && t.CL > 0 && t.CWL > 0,
          "tRCD, tRP, tRAS, CL, CWL: expected positive");
  require(t.tRPab >= t.tRP, "tRPab: expected >= tRP");
  require(t.tRAS >= t.tRCD, "tRAS: expected >= tRCD");
  require(t.tRC >= t.tRAS + t.tRP, "tRC: expected >= tRAS + tRP");
  require(t.tCCD_S >= t.tBURST, "tCCD_S: expected >= tBURST (bursts never overlap on the bus)");
  require(t.tCCD_L >= t.tCCD_S, "tCCD_L: expected >= tCCD_S");
  require(t.tRRD_S > 0 && t.tRRD_L >= t.tRRD_S, "tRRD_L: expected >= tRRD_S > 0");
  require(t.tFAW >= t.tRRD_S, "tFAW: expected >= tRRD_S");
  require(t.tWTR_L >= t.tWTR_S, "tWTR_L: expected >= tWTR_S");
  require(t.tRTW + t.CWL >= t.CL + t.tBURST, "tRTW: expected write data to start after read data ends");
  require(t.tRFC > 0, "tRFC: expected positive");
  require(t.tREFI == 0 || t.tREFI > t.tRFC + t.tRPab, "tREFI: expected > tRFC + tRPab (or 0: no refresh)");
  require(!s.supplies.empty(), "supplies: expected at least one supply");
  for (const DramSupply& d : s.supplies) {
    require(d.volts > 0, "supplies." + d.name + ".volts: expected positive");
    require(d.idd0 >= d.idd3n && d.idd3n >= d.idd2n && d.idd2n >= 0,
            "supplies." + d.name + ": expected IDD0 >= IDD3N >= IDD2N >= 0");
    require(d.idd4r >= d.idd3n && d.idd4w >= d.idd3n && d.idd5 >= d.idd3n,
            "supplies." + d.name + ": expected IDD4R, IDD4W, IDD5 >= IDD3N");
  }
  return problems;
}

DramCommandEnergy command_energy(const DramSpec& s) {
  DramCommandEnergy e;
  const double n = s.devices_per_channel, tck = s.tck_ns;
  const DramTimingParams& t = s.t;
  for (const DramSupply& d : s.supplies) {
    // mA x V = mW; mW x ns = pJ.
    e.activate_pj += n * d.volts * (d.idd0 - d.idd3n) * t.tRAS * tck;
    e.precharge_pj += n * d.volts * (d.idd0 - d.idd2n) * (t.tRC - t.tRAS) * tck;
    e.read_pj += n * d.volts * (d.idd4r - d.idd3n) * t.tBURST * tck;
    e.write_pj += n * d.volts * (d.idd4w - d.idd3n) * t.tBURST * tck;
    e.refresh_pj += n * d.volts * (d.idd5 - d.idd3n) * t.tRFC * tck;
    e.active_standby_mw += n * d.volts * d.idd3n;
    e.precharged_standby_mw += n * d.volts * d.idd2n;
  }
  return e;
}

// ---------------------------------------------------------------------------------------------
// Address mapping
// ---------------------------------------------------------------------------------------------

DramAddressMapping::DramAddressMapping(const DramSpec& spec, DramAddressOrder order)
    : order_(order),
      burst_bits_(log2u(spec.burst_bytes())),
      column_bits_(log2u(spec.bursts_per_row())),
      group_bits_(log2u(spec.bank_groups)),
      bank_bits_(log2u(spec.banks_per_group)),
      rows_(spec.rows) {}

DramCoordinates DramAddressMapping::decode(uint64_t address) const {
  const auto take = [&address](uint32_t bits) {
    const uint64_t v = address & ((uint64_t{1} << bits) - 1);
    address >>= bits;
    return static_cast<uint32_t>(v);
  };
  DramCoordinates c;
  take(burst_bits_);
  if (order_ == DramAddressOrder::kRowBankGroupColumn) {
    c.column = take(column_bits_);
    c.bank_group = take(group_bits_);
  } else {
    c.bank_group = take(group_bits_);
    c.column = take(column_bits_);
  }
  c.bank = take(bank_bits_);
  c.row = static_cast<uint32_t>(address % rows_);
  return c;
}

uint64_t DramAddressMapping::encode(const DramCoordinates& c) const {
  uint64_t address = c.row % rows_;
  const auto put = [&address](uint32_t bits, uint32_t value) {
    address = (address << bits) | (value & ((uint64_t{1} << bits) - 1));
  };
  put(bank_bits_, c.bank);
  if (order_ == DramAddressOrder::kRowBankGroupColumn) {
    put(group_bits_, c.bank_group);
    put(column_bits_, c.column);
  } else {
    put(column_bits_, c.column);
    put(group_bits_, c.bank_group);
  }
  return address << burst_bits_;
}

// ---------------------------------------------------------------------------------------------
// The channel
// ---------------------------------------------------------------------------------------------

DramTiming::DramTiming(DramSpec spec, DramAddressOrder order, uint32_t queue_depth)
    : spec_(std::move(spec)),
      mapping_(spec_, order),
      energy_per_command_(command_energy(spec_)),
      queue_depth_(std::max<uint32_t>(queue_depth, 1)),
      banks_(spec_.banks()),
      group_last_act_(spec_.bank_groups, kNever),
      group_last_cas_(spec_.bank_groups, kNever),
      group_last_write_(spec_.bank_groups, kNever),
      queue_done_(queue_depth_, 0),
      next_refresh_(spec_.t.tREFI) {
  const std::vector<std::string> problems = validate(spec_);
  if (!problems.empty()) {
    std::string message = "DRAM spec " + spec_.name + " is inconsistent:";
    for (const std::string& p : problems) message += " " + p + ";";
    throw std::invalid_argument(message);
  }
}

void DramTiming::open_any_bank(int64_t act) {
  if (open_banks_ == 0 && act > all_closed_since_) {
    precharged_cycles_ += static_cast<uint64_t>(act - all_closed_since_);
  }
  ++open_banks_;
}

void DramTiming::do_refresh(int64_t due) {
  const DramTimingParams& t = spec_.t;
  // PREA once every open bank may be precharged; REF once every bank may be activated again
  // (tRP after its precharge, tRC after its activate) and tRPab after the PREA.
  int64_t prea = due;
  int64_t ref = due;
  for (const Bank& b : banks_) {
    if (b.open) prea = std::max(prea, b.ready_pre);
    ref = std::max(ref, b.ready_act);
  }
  if (open_banks_ == 0) {
    if (ref > all_closed_since_) precharged_cycles_ += static_cast<uint64_t>(ref - all_closed_since_);
  } else {
    ref = std::max(ref, prea + t.tRPab);
    counters_.precharges += open_banks_;
    for (size_t i = 0; i < banks_.size(); ++i) {
      if (banks_[i].open) {
        log(DramCommandKind::kPrecharge, prea, static_cast<uint32_t>(i / spec_.banks_per_group),
            static_cast<uint32_t>(i % spec_.banks_per_group), banks_[i].row);
      }
    }
  }
  log(DramCommandKind::kRefresh, ref, 0, 0, 0);
  const int64_t done = ref + t.tRFC;
  for (Bank& b : banks_) {
    b.open = false;
    b.ready_act = std::max(b.ready_act, done);
  }
  open_banks_ = 0;
  all_closed_since_ = done;  // refresh time is priced as active standby + (IDD5 - IDD3N)
  ++counters_.refreshes;
}

void DramTiming::refresh_if_due(int64_t time) {
  if (spec_.t.tREFI == 0) return;
  while (next_refresh_ <= time) {
    do_refresh(next_refresh_);
    next_refresh_ += spec_.t.tREFI;
  }
}

void DramTiming::advance_to(uint64_t cycle) {
  refresh_if_due(static_cast<int64_t>(cycle));
}

int64_t DramTiming::serve_burst(int64_t arrival, const DramCoordinates& c, bool is_write) {
  const DramTimingParams& t = spec_.t;
  // A queue slot frees when the burst queue_depth places earlier completes.
  const int64_t start = std::max(arrival, queue_done_[bursts_ % queue_depth_]);
  last_accepted_ = start;
  // Refreshes due before this burst's first possible command go first.
  refresh_if_due(std::max(start, last_cas_));

  Bank& bank = banks_[static_cast<size_t>(c.bank_group) * spec_.banks_per_group + c.bank];
  const bool hit = bank.open && bank.row == c.row;
  if (hit) {
    ++counters_.row_hits;
  } else {
    if (bank.open) {
      ++counters_.row_conflicts;
      const int64_t pre = std::max(start, bank.ready_pre);
      bank.ready_act = std::max(bank.ready_act, pre + t.tRP);
      bank.open = false;
      --open_banks_;
      if (open_banks_ == 0) all_closed_since_ = pre;
      ++counters_.precharges;
      log(DramCommandKind::kPrecharge, pre, c.bank_group, c.bank, bank.row);
    } else {
      ++counters_.row_misses;
    }
    int64_t act =
        std::max({start, bank.ready_act, last_act_ + t.tRRD_S, group_last_act_[c.bank_group] + t.tRRD_L,
                  act_window_[act_window_next_] + t.tFAW});
    act_window_[act_window_next_] = act;
    act_window_next_ = (act_window_next_ + 1) % act_window_.size();
    last_act_ = act;
    group_last_act_[c.bank_group] = act;
    open_any_bank(act);
    bank.open = true;
    bank.row = c.row;
    bank.ready_cas = act + t.tRCD;
    bank.ready_pre = act + t.tRAS;
    bank.ready_act = act + t.tRC;
    ++counters_.activates;
    log(DramCommandKind::kActivate, act, c.bank_group, c.bank, c.row);
  }

  const int64_t latency = is_write ? t.CWL : t.CL;
  int64_t cas = std::max({start, bank.ready_cas, last_cas_ + t.tCCD_S,
                          group_last_cas_[c.bank_group] + t.tCCD_L, bus_free_ - latency});
  if (is_write) {
    cas = std::max(cas, last_read_ + t.tRTW);
  } else {
    cas = std::max({cas, last_write_ + t.CWL + t.tBURST + t.tWTR_S,
                    group_last_write_[c.bank_group] + t.CWL + t.tBURST + t.tWTR_L});
  }
  last_cas_ = cas;
  group_last_cas_[c.bank_group] = cas;
  log(is_write ? DramCommandKind::kWrite : DramCommandKind::kRead, cas, c.bank_group, c.bank, c.row);
  const int64_t data_end = cas + latency + t.tBURST;
  bus_free_ = data_end;
  if (is_write) {
    last_write_ = cas;
    group_last_write_[c.bank_group] = cas;
    bank.ready_pre = std::max(bank.ready_pre, data_end + t.tWR);
    ++counters_.writes;
  } else {
    last_read_ = cas;
    bank.ready_pre = std::max(bank.ready_pre, cas + t.tRTP);
    ++counters_.reads;
  }
  queue_done_[bursts_ % queue_depth_] = data_end;
  ++bursts_;
  return data_end;
}

uint64_t DramTiming::serve(uint64_t arrival_cycle, uint64_t address, uint64_t bytes, bool is_write) {
  if (bytes == 0) return arrival_cycle;  // nothing moves; last_accepted() is unchanged
  const int64_t arrival = std::max(static_cast<int64_t>(arrival_cycle), latest_arrival_);
  latest_arrival_ = arrival;
  const uint64_t burst = spec_.burst_bytes();
  const uint64_t first = address / burst, last = (address + bytes - 1) / burst;
  int64_t done = arrival;
  for (uint64_t b = first; b <= last; ++b) {
    done = std::max(done, serve_burst(arrival, mapping_.decode(b * burst), is_write));
  }
  ++counters_.requests;
  (is_write ? counters_.bytes_written : counters_.bytes_read) += (last - first + 1) * burst;
  // Busy time: the union of [arrival, completion) over requests.
  const int64_t from = std::max(arrival, busy_until_);
  if (done > from) counters_.busy_cycles += static_cast<uint64_t>(done - from);
  busy_until_ = std::max(busy_until_, done);
  return static_cast<uint64_t>(done);
}

double DramTiming::row_hit_rate() const {
  const uint64_t bursts = counters_.row_hits + counters_.row_misses + counters_.row_conflicts;
  return bursts == 0 ? 0.0 : static_cast<double>(counters_.row_hits) / static_cast<double>(bursts);
}

double DramTiming::efficiency() const {
  if (counters_.busy_cycles == 0) return 0.0;
  const double bytes = static_cast<double>(counters_.bytes_read + counters_.bytes_written);
  return bytes / (spec_.peak_bytes_per_cycle() * static_cast<double>(counters_.busy_cycles));
}

DramEnergy DramTiming::energy(uint64_t end_cycle) const {
  const DramCommandEnergy& e = energy_per_command_;
  DramEnergy out;
  out.activate_pj = e.activate_pj * static_cast<double>(counters_.activates);
  out.precharge_pj = e.precharge_pj * static_cast<double>(counters_.precharges);
  out.read_pj = e.read_pj * static_cast<double>(counters_.reads);
  out.write_pj = e.write_pj * static_cast<double>(counters_.writes);
  out.refresh_pj = e.refresh_pj * static_cast<double>(counters_.refreshes);
  uint64_t precharged = precharged_cycles_;
  const auto end = static_cast<int64_t>(end_cycle);
  if (open_banks_ == 0 && end > all_closed_since_)
    precharged += static_cast<uint64_t>(end - all_closed_since_);
  precharged = std::min(precharged, end_cycle);
  const double active = static_cast<double>(end_cycle - precharged);
  out.background_pj =
      (e.active_standby_mw * active + e.precharged_standby_mw * static_cast<double>(precharged)) *
      spec_.tck_ns;
  return out;
}

}  // namespace nm::hw
