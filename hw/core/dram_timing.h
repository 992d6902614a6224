#pragma once
// One DRAM channel as a device with banks, rows and JEDEC timing, behind a simple in-order
// controller (plain C++, no SystemC). Issue 9 item 4; dram_system.h drives it for the SystemC
// channels and the analytical model when dram.standard names a preset.
//
// Units: every time is in DRAM clock cycles (tCK of the spec, the command clock: 625 ps for
// LPDDR4-3200 and DDR4-3200, 1.25 ns for LPDDR5-6400's CK, 1 ns for HBM2-2000). The caller converts
// accelerator cycles to DRAM cycles (ns / spec.tck_ns) and back. Energies are pJ, powers mW.
//
// Geometry and address mapping. A channel is bank_groups x banks_per_group banks of `rows` rows;
// a row (page) holds `columns` column addresses of width_bits each, i.e. page_bytes(); a burst
// moves burst_length beats of width_bits, i.e. burst_bytes(), and occupies the data bus tBURST =
// burst_length / data_rate cycles. A channel-local byte address is split, least significant bits
// first, as  [byte in burst | bank group | burst in row | bank | row]  -- the order
// row:bank:column:bankgroup (DramAddressOrder::kRowBankColumnBankGroup, the default): consecutive
// bursts alternate bank groups, so a sequential stream moves at tCCD_S (= tBURST) rather than
// tCCD_L (2 x tBURST on DDR4 and LPDDR5), and fills the same row of every bank group before it
// moves on to the next bank. DramAddressOrder::kRowBankGroupColumn is row:bank:bankgroup:column,
// [byte | burst in row | bank group | bank | row]: a sequential stream stays in one bank group
// for a whole row, so DDR4 and LPDDR5 reach only tBURST / tCCD_L = 50% of peak. Row bits
// wrap modulo `rows`. Channel interleaving stays outside, in DramModel (burst granularity):
// addresses here are already channel-local.
//
// Controller (a stated simplification): first-come first-served, open-page policy (a row stays
// open in its bank's row buffer until a conflicting access or a refresh closes it), no FR-FCFS
// reordering. Requests are split into bursts; each burst is one column command (RD or WR) with
// the PRE and ACT it needs. Column commands issue in arrival order, and so do activates; a later
// burst's PRE/ACT may issue while earlier bursts to other banks are still moving data (bank
// preparation), but never before the burst has a slot in the controller queue: burst k waits
// for burst k - queue_depth to complete. The command bus is not modelled (a PRE, an ACT and a
// RD may share a cycle), nor ranks, power-down or self-refresh.
//
// Timing rules (generic DDR4-style constraints as in Ramulator 2's DDR4/LPDDR5/HBM2 specs):
//   ACT -> RD/WR same bank  tRCD        ACT -> PRE same bank tRAS     ACT -> ACT same bank tRC
//   PRE -> ACT same bank    tRP         RD -> PRE            tRTP     WR -> PRE  CWL + tBURST + tWR
//   ACT -> ACT other bank   tRRD_S (tRRD_L in the same bank group), at most 4 ACTs per tFAW
//   RD -> RD, WR -> WR      tCCD_S (tCCD_L in the same bank group); the data bus never overlaps
//   WR -> RD                CWL + tBURST + tWTR_S (tWTR_L in the same bank group)
//   RD -> WR                tRTW (the preset's read-to-write turnaround, see each preset)
//   read data occupies [RD + CL, RD + CL + tBURST); write data [WR + CWL, WR + CWL + tBURST).
// So, on an idle channel, a read row hit takes CL + tBURST, a row miss (bank closed)
// tRCD + CL + tBURST and a row conflict (another row open, tRAS and tRTP long past)
// tRP + tRCD + CL + tBURST.
//
// Refresh: all-bank refresh REF is due every tREFI (at tREFI, 2 tREFI, ...). Before a burst is
// scheduled, every refresh due at or before max(the burst's queue slot, the last column command)
// is issued (not postponed further, never pulled in; per-bank refresh is not modelled): open
// banks are precharged (PREA, tRPab after the last of their tRAS, tRTP and write-recovery
// limits), REF follows, and no ACT may issue for tRFC. tREFI = 0 disables refresh (tests only).
//
// Energy (DRAMPower 4's method, tukl-msd/DRAMPower src/MemoryPowerModel.cc, summed over the
// spec's voltage domains and devices_per_channel):
//   ACT  V (IDD0 - IDD3N) tRAS          PRE V (IDD0 - IDD2N) (tRC - tRAS)
//   RD   V (IDD4R - IDD3N) tBURST       WR  V (IDD4W - IDD3N) tBURST
//   REF  V (IDD5 - IDD3N) tRFC          background V IDD3N while any bank is open (and during
//   refresh), V IDD2N while all banks are precharged.
// A PREA before refresh counts one precharge per open bank. Open/closed state is followed in the
// order bursts are scheduled, so a precharged gap that a look-ahead ACT overlaps is counted as
// active (a few cycles per such gap).
//
// Wiring (dram_system.h): a TimedDramChannel converts accelerator cycles to DRAM cycles and back;
// DramStreams gives each DMA request its channel-local addresses (burst interleave of
// dram_address_map.h); the analytical model holds back writes computed ahead of its reads so each
// channel still sees requests in arrival order.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nm::hw {

// JEDEC timing parameters, in DRAM clock cycles.
struct DramTimingParams {
  uint32_t tRCD = 0;    // ACT to RD/WR
  uint32_t tRP = 0;     // PRE (one bank) to ACT
  uint32_t tRPab = 0;   // PREA (all banks, before refresh) to REF
  uint32_t tRAS = 0;    // ACT to PRE
  uint32_t tRC = 0;     // ACT to ACT, same bank (>= tRAS + tRP)
  uint32_t CL = 0;      // RD to first data beat (read latency RL)
  uint32_t CWL = 0;     // WR to first data beat (write latency WL)
  uint32_t tBURST = 0;  // data-bus cycles of one burst = burst_length / data_rate
  uint32_t tCCD_S = 0;  // column to column, different bank group
  uint32_t tCCD_L = 0;  // column to column, same bank group
  uint32_t tRRD_S = 0;  // ACT to ACT, different bank group
  uint32_t tRRD_L = 0;  // ACT to ACT, same bank group
  uint32_t tFAW = 0;    // window holding at most 4 ACTs
  uint32_t tWTR_S = 0;  // end of write data to RD, different bank group
  uint32_t tWTR_L = 0;  // end of write data to RD, same bank group
  uint32_t tRTW = 0;    // RD to WR
  uint32_t tRTP = 0;    // RD to PRE
  uint32_t tWR = 0;     // end of write data to PRE (write recovery)
  uint32_t tRFC = 0;    // REF to ACT (all-bank refresh cycle)
  uint32_t tREFI = 0;   // refresh interval; 0 = no refresh
};

// One supply of the device, currents in mA per device as in a DRAMPower memspec.
struct DramSupply {
  std::string name;  // "VDD", "VDD2", "VDDQ", ...
  double volts = 0;
  double idd0 = 0, idd2n = 0, idd3n = 0, idd4r = 0, idd4w = 0, idd5 = 0;
};

struct DramSpec {
  std::string name;           // preset name, e.g. "lpddr4_3200"
  std::string source;         // where the figures come from
  double tck_ns = 0;          // DRAM command clock period
  uint32_t data_rate = 2;     // data beats per tCK (2 = DDR; LPDDR5 at WCK:CK 4:1 moves 8)
  uint32_t width_bits = 0;    // data width of the channel
  uint32_t burst_length = 0;  // beats per burst
  uint32_t bank_groups = 1;   // 1 = no bank groups (then the _S and _L timings are equal)
  uint32_t banks_per_group = 0;
  uint32_t rows = 0;                 // rows per bank
  uint32_t columns = 0;              // column addresses per row, each width_bits wide
  uint32_t devices_per_channel = 1;  // devices whose IDD currents add up (8 x8 parts on a DDR4 DIMM)
  uint32_t typical_channels = 1;     // channels of the usual configuration (HBM2: 8 per stack)
  bool interposer_phy = false;       // the host PHY drives microbumps on an interposer (HBM), not a board
  DramTimingParams t;
  std::vector<DramSupply> supplies;
  bool energy_estimated = false;  // true when no published IDD figures exist for this part

  uint32_t banks() const { return bank_groups * banks_per_group; }
  uint32_t burst_bytes() const { return width_bits / 8 * burst_length; }
  uint64_t page_bytes() const { return static_cast<uint64_t>(columns) * (width_bits / 8); }
  uint32_t bursts_per_row() const { return columns / burst_length; }
  uint64_t capacity_bytes() const { return page_bytes() * rows * banks(); }
  double peak_bytes_per_cycle() const { return static_cast<double>(burst_bytes()) / t.tBURST; }
  double peak_gbps() const { return peak_bytes_per_cycle() * 8.0 / tck_ns; }
  uint64_t ns_to_cycles(double ns) const;  // rounded up
};

// Problems with a spec as "field: expected ..." strings (empty = self-consistent): positive
// power-of-two geometry, tBURST x data_rate = burst_length, tRC >= tRAS + tRP, tRAS >= tRCD,
// tCCD >= tBURST, the _L timings >= the _S ones, tRTW lets the write data follow the read data,
// tREFI > tRFC, IDD0 >= IDD3N >= IDD2N and IDD4R/IDD4W/IDD5 >= IDD3N on every supply.
std::vector<std::string> validate(const DramSpec& spec);

// The named presets: "lpddr4_3200", "ddr4_3200", "lpddr5_6400", "hbm2" (sources in dram_timing.cpp).
std::vector<std::string> dram_preset_names();
std::optional<DramSpec> dram_preset(const std::string& name);

// Per-command energies of a spec (DRAMPower's method, see the top of this file).
struct DramCommandEnergy {
  double activate_pj = 0, precharge_pj = 0, read_pj = 0, write_pj = 0, refresh_pj = 0;
  double active_standby_mw = 0;      // IDD3N: some bank open
  double precharged_standby_mw = 0;  // IDD2N: all banks closed
};
DramCommandEnergy command_energy(const DramSpec& spec);

enum class DramAddressOrder {
  kRowBankColumnBankGroup,  // row:bank:column:bankgroup (default: bursts alternate bank groups)
  kRowBankGroupColumn,      // row:bank:bankgroup:column (a whole row in one bank group)
};

struct DramCoordinates {
  uint32_t bank_group = 0, bank = 0, row = 0, column = 0;  // column = burst index within the row
};

// The bit slicing described at the top of this file.
class DramAddressMapping {
 public:
  DramAddressMapping(const DramSpec& spec, DramAddressOrder order);
  DramCoordinates decode(uint64_t address) const;
  uint64_t encode(const DramCoordinates& c) const;  // address of the burst's first byte

 private:
  DramAddressOrder order_;
  uint32_t burst_bits_, column_bits_, group_bits_, bank_bits_;
  uint32_t rows_;
};

struct DramCounters {
  uint64_t requests = 0, bytes_read = 0, bytes_written = 0;
  uint64_t activates = 0, precharges = 0, reads = 0, writes = 0, refreshes = 0;  // commands
  uint64_t row_hits = 0, row_misses = 0, row_conflicts = 0;                      // per burst
  uint64_t busy_cycles = 0;  // cycles with at least one request between arrival and completion
};

enum class DramCommandKind { kActivate, kPrecharge, kRead, kWrite, kRefresh };

// One issued command, for tests and traces (recorded only when asked). A PREA before a refresh
// is logged as one kPrecharge per open bank, at the PREA's cycle.
struct DramCommandRecord {
  DramCommandKind kind;
  int64_t cycle;
  uint32_t bank_group, bank, row;
};

struct DramEnergy {
  double activate_pj = 0, precharge_pj = 0, read_pj = 0, write_pj = 0, refresh_pj = 0;
  double background_pj = 0;
  double total_pj() const {
    return activate_pj + precharge_pj + read_pj + write_pj + refresh_pj + background_pj;
  }
};

class DramTiming {
 public:
  explicit DramTiming(DramSpec spec, DramAddressOrder order = DramAddressOrder::kRowBankColumnBankGroup,
                      uint32_t queue_depth = 32);

  // Serves `bytes` at channel-local `address` (read or write), arriving at `arrival_cycle`.
  // Returns the cycle the last data beat of the request leaves the data bus (reads: data at the
  // controller; writes: data in the device, the write is then posted). Requests must come in
  // non-decreasing arrival order; an earlier one is treated as arriving at the latest arrival
  // seen. bytes == 0 returns arrival_cycle and changes nothing.
  uint64_t serve(uint64_t arrival_cycle, uint64_t address, uint64_t bytes, bool is_write);

  // The cycle the last burst of the most recent request got its controller queue slot: a DMA
  // that waits for the controller to accept its data (rather than for the data to move) may issue
  // its next request from then on. The arrival cycle while the queue has room.
  uint64_t last_accepted() const { return static_cast<uint64_t>(last_accepted_); }

  // Issues the refreshes due at or before `cycle` (for idle time at the end of a run).
  void advance_to(uint64_t cycle);

  const DramSpec& spec() const { return spec_; }
  const DramAddressMapping& mapping() const { return mapping_; }
  const DramCounters& counters() const { return counters_; }
  // Bursts that found their row open / (hits + misses + conflicts); 0 before any burst.
  double row_hit_rate() const;
  // Bytes moved / (peak bytes per cycle x busy cycles); 0 before any request.
  double efficiency() const;
  // Energy by command, and background from cycle 0 to `end_cycle` (call advance_to first so
  // refreshes in trailing idle time are counted).
  DramEnergy energy(uint64_t end_cycle) const;

  // Keeps a log of every command issued from now on (off by default: it grows with the run).
  void record_commands(bool on) { record_ = on; }
  const std::vector<DramCommandRecord>& command_log() const { return log_; }

 private:
  struct Bank {
    bool open = false;
    uint32_t row = 0;
    int64_t ready_act = 0, ready_pre = 0, ready_cas = 0;
  };
  static constexpr int64_t kNever = -(int64_t{1} << 60);

  int64_t serve_burst(int64_t arrival, const DramCoordinates& c, bool is_write);
  void refresh_if_due(int64_t time);
  void do_refresh(int64_t due);
  void open_any_bank(int64_t act);
  void log(DramCommandKind kind, int64_t cycle, uint32_t group, uint32_t bank, uint32_t row) {
    if (record_) log_.push_back({kind, cycle, group, bank, row});
  }

  DramSpec spec_;
  DramAddressMapping mapping_;
  DramCommandEnergy energy_per_command_;
  uint32_t queue_depth_;
  std::vector<Bank> banks_;
  std::vector<int64_t> group_last_act_, group_last_cas_, group_last_write_;
  int64_t last_act_ = kNever, last_cas_ = kNever, last_read_ = kNever, last_write_ = kNever;
  int64_t bus_free_ = 0;
  std::array<int64_t, 4> act_window_{kNever, kNever, kNever, kNever};  // last 4 ACTs, ring
  uint32_t act_window_next_ = 0;
  std::vector<int64_t> queue_done_;  // completion of the last queue_depth bursts, ring
  uint64_t bursts_ = 0;
  int64_t next_refresh_ = 0;
  uint32_t open_banks_ = 0;
  int64_t all_closed_since_ = 0;  // valid while open_banks_ == 0
  uint64_t precharged_cycles_ = 0;
  int64_t latest_arrival_ = 0, busy_until_ = 0, last_accepted_ = 0;
  DramCounters counters_;
  bool record_ = false;
  std::vector<DramCommandRecord> log_;
};

}  // namespace nm::hw
