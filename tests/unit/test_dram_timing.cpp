// hw/core/dram_timing.h: the per-channel DRAM device model (banks, rows, JEDEC timing, refresh,
// DRAMPower-style energy). Exact cycle counts below are worked out by hand from the preset's
// timings; the DDR4-3200 figures used most are tRCD = CL = tRP = 22, tBURST = 4, tRAS = 52,
// tRC = 74, CWL = 16, tRTP = 12, tCCD_S/L = 4/8, tRRD_S/L = 4/8, tFAW = 34, tWTR_S/L = 4/12,
// tRTW = 12, tRFC = 560, tREFI = 12480 (all in 625 ps cycles).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "hw/core/dram_timing.h"

namespace nm::hw {
namespace {

DramSpec preset(const std::string& name) {
  const std::optional<DramSpec> spec = dram_preset(name);
  if (!spec) throw std::runtime_error("no preset " + name);
  return *spec;
}

DramSpec without_refresh(DramSpec spec) {
  spec.t.tREFI = 0;
  return spec;
}

uint64_t at(const DramTiming& m, uint32_t group, uint32_t bank, uint32_t row, uint32_t column = 0) {
  return m.mapping().encode({group, bank, row, column});
}

// ---------------------------------------------------------------------------------------------
// Presets and their consistency
// ---------------------------------------------------------------------------------------------

TEST(DramTimingPresets, EveryPresetConstructsAndIsSelfConsistent) {
  ASSERT_EQ(dram_preset_names().size(), 4u);
  for (const std::string& name : dram_preset_names()) {
    SCOPED_TRACE(name);
    const DramSpec s = preset(name);
    EXPECT_EQ(s.name, name);
    EXPECT_FALSE(s.source.empty());
    EXPECT_TRUE(validate(s).empty()) << validate(s).front();
    EXPECT_NO_THROW(DramTiming{s});
    // tBURST is the burst's data beats over the beats per clock; the row holds whole bursts.
    EXPECT_EQ(s.t.tBURST * s.data_rate, s.burst_length);
    EXPECT_EQ(s.page_bytes() % s.burst_bytes(), 0u);
    EXPECT_GE(s.t.tRC, s.t.tRAS + s.t.tRP);
    EXPECT_GT(s.t.tREFI, s.t.tRFC);
    EXPECT_LT(static_cast<double>(s.t.tRFC) / s.t.tREFI, 0.1);  // refresh costs under 10%
  }
  EXPECT_FALSE(dram_preset("ddr3_1600").has_value());
}

TEST(DramTimingPresets, PeakBandwidthAndGeometryMatchTheStandards) {
  // LPDDR4-3200 x16: 3.2 GT/s x 2 B = 6.4 GB/s = 51.2 Gbit/s; 32 B bursts; 2 KiB page.
  const DramSpec lp4 = preset("lpddr4_3200");
  EXPECT_DOUBLE_EQ(lp4.peak_gbps(), 51.2);
  EXPECT_EQ(lp4.burst_bytes(), 32u);
  EXPECT_EQ(lp4.page_bytes(), 2048u);
  EXPECT_EQ(lp4.capacity_bytes(), 1ull << 30);  // 8 Gbit
  // DDR4-3200 x64: 25.6 GB/s; 64 B bursts; 8 KiB page over 8 x8 devices; 8 GiB.
  const DramSpec d4 = preset("ddr4_3200");
  EXPECT_DOUBLE_EQ(d4.peak_gbps(), 204.8);
  EXPECT_EQ(d4.burst_bytes(), 64u);
  EXPECT_EQ(d4.page_bytes(), 8192u);
  EXPECT_EQ(d4.capacity_bytes(), 8ull << 30);
  // LPDDR5-6400 x16: 12.8 GB/s; 32 B bursts in 2 CK at 800 MHz; 1 GiB (8 Gbit).
  const DramSpec lp5 = preset("lpddr5_6400");
  EXPECT_DOUBLE_EQ(lp5.peak_gbps(), 102.4);
  EXPECT_EQ(lp5.burst_bytes(), 32u);
  EXPECT_EQ(lp5.capacity_bytes(), 1ull << 30);
  // HBM2 legacy channel x128 at 2 Gbit/s/pin: 32 GB/s; 64 B bursts; 8 channels a stack.
  const DramSpec h2 = preset("hbm2");
  EXPECT_DOUBLE_EQ(h2.peak_gbps(), 256.0);
  EXPECT_EQ(h2.burst_bytes(), 64u);
  EXPECT_EQ(h2.typical_channels, 8u);
  // Nanoseconds to DRAM cycles, rounded up.
  EXPECT_EQ(d4.ns_to_cycles(50), 80u);
  EXPECT_EQ(d4.ns_to_cycles(0.1), 1u);
  EXPECT_EQ(lp5.ns_to_cycles(50), 40u);
  EXPECT_EQ(h2.ns_to_cycles(350), 350u);
  EXPECT_EQ(h2.capacity_bytes(), 512ull << 20);  // 4 dies of 8 Gbit = 4 GiB over 8 channels
}

TEST(DramTimingPresets, ValidateNamesEachInconsistency) {
  DramSpec s = preset("ddr4_3200");
  s.t.tRC = s.t.tRAS + s.t.tRP - 1;
  s.t.tCCD_S = s.t.tBURST - 1;
  s.rows = 65535;
  s.supplies[0].idd4r = s.supplies[0].idd3n - 1;
  const std::vector<std::string> problems = validate(s);
  const auto mentions = [&problems](const std::string& key) {
    return std::any_of(problems.begin(), problems.end(),
                       [&key](const std::string& p) { return p.rfind(key, 0) == 0; });
  };
  EXPECT_TRUE(mentions("tRC:"));
  EXPECT_TRUE(mentions("tCCD_S:"));
  EXPECT_TRUE(mentions("rows:"));
  EXPECT_TRUE(mentions("supplies.VDD:"));
  EXPECT_EQ(problems.size(), 4u);
  EXPECT_THROW(DramTiming{s}, std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// Address mapping
// ---------------------------------------------------------------------------------------------

TEST(DramTimingMapping, DefaultOrderAlternatesBankGroupsBurstByBurst) {
  const DramTiming m(preset("ddr4_3200"));  // 64 B bursts, 128 per 8 KiB row, 4 groups x 4 banks
  const DramAddressMapping& map = m.mapping();
  // row:bank:column:bankgroup, bits [5:0] byte, [7:6] bank group, [14:8] column (burst in row),
  // [16:15] bank, [32:17] row.
  EXPECT_EQ(map.decode(0x40).bank_group, 1u);
  EXPECT_EQ(map.decode(0x40).column, 0u);
  EXPECT_EQ(map.decode(0xC0).bank_group, 3u);
  EXPECT_EQ(map.decode(0x100).bank_group, 0u);
  EXPECT_EQ(map.decode(0x100).column, 1u);
  auto c = map.decode(0x7FC0);  // last burst of row 0 in every group of bank 0
  EXPECT_EQ(c.bank_group, 3u);
  EXPECT_EQ(c.column, 127u);
  EXPECT_EQ(c.bank, 0u);
  c = map.decode(0x8000);  // then bank 1
  EXPECT_EQ(c.bank, 1u);
  EXPECT_EQ(c.bank_group, 0u);
  EXPECT_EQ(c.column, 0u);
  c = map.decode((3ull << 17) | 0x40);
  EXPECT_EQ(c.row, 3u);
  EXPECT_EQ(c.bank_group, 1u);
  // Rows wrap modulo the bank's rows.
  EXPECT_EQ(map.decode(65536ull << 17).row, 0u);
  for (uint64_t a : {0ull, 64ull, 0x2040ull, 0x12345FC0ull, (8ull << 30) - 64}) {
    EXPECT_EQ(map.encode(map.decode(a)), a);
  }
  // Banks without groups (LPDDR4): [4:0] byte, [10:5] column (64 bursts of 32 B), [13:11] bank.
  const DramTiming lp4(preset("lpddr4_3200"));
  EXPECT_EQ(lp4.mapping().decode(0x7E0).column, 63u);
  EXPECT_EQ(lp4.mapping().decode(0x800).bank, 1u);
  EXPECT_EQ(lp4.mapping().decode(0x4000).row, 1u);
}

TEST(DramTimingMapping, RowBankGroupColumnKeepsARowInOneBankGroup) {
  const DramTiming m(preset("ddr4_3200"), DramAddressOrder::kRowBankGroupColumn);
  const DramAddressMapping& map = m.mapping();
  // row:bank:bankgroup:column, bits [5:0] byte, [12:6] column, [14:13] bank group, [16:15] bank.
  EXPECT_EQ(map.decode(0x1FC0).column, 127u);
  EXPECT_EQ(map.decode(0x1FC0).bank_group, 0u);
  EXPECT_EQ(map.decode(0x2000).bank_group, 1u);
  EXPECT_EQ(map.decode(0x2000).column, 0u);
  EXPECT_EQ(map.decode(0x8000).bank, 1u);
  for (uint64_t a : {0ull, 64ull, 0x2040ull, 0x12345FC0ull}) EXPECT_EQ(map.encode(map.decode(a)), a);
}

// ---------------------------------------------------------------------------------------------
// Single-access latencies
// ---------------------------------------------------------------------------------------------

TEST(DramTimingLatency, Ddr4HitMissConflictTakeTheStandardFormulas) {
  DramTiming m(preset("ddr4_3200"));
  const uint64_t row5 = at(m, 0, 0, 5), row5_col1 = at(m, 0, 0, 5, 1), row6 = at(m, 0, 0, 6);
  // Miss (bank closed): ACT 100, RD 100 + tRCD = 122, data 144..148: tRCD + CL + tBURST = 48.
  EXPECT_EQ(m.serve(100, row5, 64, false), 148u);
  // Hit: RD 1000, data until 1000 + CL + tBURST = 1026.
  EXPECT_EQ(m.serve(1000, row5_col1, 64, false), 1026u);
  // Conflict (row 5 open, tRAS and tRTP long past): PRE 2000, ACT 2022, RD 2044, data until 2070:
  // tRP + tRCD + CL + tBURST = 70.
  EXPECT_EQ(m.serve(2000, row6, 64, false), 2070u);
  const DramCounters& c = m.counters();
  EXPECT_EQ(c.row_misses, 1u);
  EXPECT_EQ(c.row_hits, 1u);
  EXPECT_EQ(c.row_conflicts, 1u);
  EXPECT_EQ(c.activates, 2u);
  EXPECT_EQ(c.precharges, 1u);
  EXPECT_EQ(c.reads, 3u);
  EXPECT_EQ(c.refreshes, 0u);
  EXPECT_DOUBLE_EQ(m.row_hit_rate(), 1.0 / 3.0);
}

TEST(DramTimingLatency, EveryPresetHitMissConflictFollowTheFormulas) {
  for (const std::string& name : dram_preset_names()) {
    SCOPED_TRACE(name);
    DramTiming m(preset(name));
    const DramTimingParams& t = m.spec().t;
    const uint32_t burst = m.spec().burst_bytes();
    EXPECT_EQ(m.serve(100, at(m, 0, 1, 5), burst, false), 100u + t.tRCD + t.CL + t.tBURST);
    EXPECT_EQ(m.serve(1000, at(m, 0, 1, 5, 1), burst, false), 1000u + t.CL + t.tBURST);
    EXPECT_EQ(m.serve(2000, at(m, 0, 1, 6), burst, false), 2000u + t.tRP + t.tRCD + t.CL + t.tBURST);
    // A write hit completes when its data is in: CWL + tBURST.
    EXPECT_EQ(m.serve(2500, at(m, 0, 1, 6, 1), burst, true), 2500u + t.CWL + t.tBURST);
  }
}

TEST(DramTimingLatency, ConflictWaitsForTrasAndTrtp) {
  DramTiming m(preset("ddr4_3200"));
  m.record_commands(true);
  // Miss at 100: ACT 100, RD 122, data until 148.
  EXPECT_EQ(m.serve(100, at(m, 0, 0, 5), 64, false), 148u);
  // Row 6 of the same bank at 101: PRE waits for ACT + tRAS = 152 (RD + tRTP = 134 is earlier),
  // ACT at 152 + tRP = 174 (= first ACT + tRC), RD 196, data until 222.
  EXPECT_EQ(m.serve(101, at(m, 0, 0, 6), 64, false), 222u);
  EXPECT_EQ(m.counters().row_conflicts, 1u);
  const std::vector<DramCommandRecord>& log = m.command_log();
  ASSERT_EQ(log.size(), 5u);  // ACT RD PRE ACT RD
  EXPECT_EQ(log[2].kind, DramCommandKind::kPrecharge);
  EXPECT_EQ(log[2].cycle, 152);
  EXPECT_EQ(log[2].row, 5u);
  EXPECT_EQ(log[3].kind, DramCommandKind::kActivate);
  EXPECT_EQ(log[3].cycle, 174);
  EXPECT_EQ(log[4].cycle, 196);
  // tRTP alone: a later conflict after a hit at 1000 (RD 1000) precharges at RD + tRTP = 1012,
  // since ACT 174 + tRAS is long past: ACT 1034, RD 1056, data until 1082.
  EXPECT_EQ(m.serve(1000, at(m, 0, 0, 6, 1), 64, false), 1026u);
  EXPECT_EQ(m.serve(1001, at(m, 0, 0, 7), 64, false), 1082u);
  EXPECT_EQ(m.command_log()[6].cycle, 1012);
}

TEST(DramTimingLatency, RequestsSplitIntoBursts) {
  DramTiming m(preset("ddr4_3200"));
  // 256 B at 32 = bytes 32..287: bursts 0..4 (5 bursts, the first and last partial), which the
  // default mapping puts in bank groups 0, 1, 2, 3, 0 (column 1 for the last). Four misses:
  // ACTs at 0, 4, 8, 12 (tRRD_S), RDs at 22, 26, 30, 34; then a hit in group 0, RD at 38 (tCCD_S
  // after 34; tCCD_L after 22 allows 30); the last data until 38 + CL + tBURST = 64.
  EXPECT_EQ(m.serve(0, 32, 256, false), 64u);
  EXPECT_EQ(m.counters().reads, 5u);
  EXPECT_EQ(m.counters().row_misses, 4u);
  EXPECT_EQ(m.counters().row_hits, 1u);
  EXPECT_EQ(m.counters().bytes_read, 5u * 64);
}

TEST(DramTimingLatency, TheQueueHoldsQueueDepthBursts) {
  // Queue depth 2, four reads of one DDR4 row arriving at 0 (bank groups 0, 1, 2, 3; ACTs at 0,
  // 4, 8, 12 without the queue). Burst 3 gets a slot when burst 1 completes (48), burst 4 when
  // burst 2 does (52): ACT 48, RD 70, data until 96; ACT 52, RD 74, data until 100.
  DramTiming m(preset("ddr4_3200"), DramAddressOrder::kRowBankColumnBankGroup, 2);
  EXPECT_EQ(m.serve(0, 0, 64, false), 48u);
  EXPECT_EQ(m.last_accepted(), 0u);
  EXPECT_EQ(m.serve(0, 64, 64, false), 52u);
  EXPECT_EQ(m.last_accepted(), 0u);
  EXPECT_EQ(m.serve(0, 128, 64, false), 96u);
  EXPECT_EQ(m.last_accepted(), 48u);
  EXPECT_EQ(m.serve(0, 192, 64, false), 100u);
  EXPECT_EQ(m.last_accepted(), 52u);
  // The default depth of 32 accepts all four at once: ACTs at 0, 4, 8, 12, last data until 60.
  DramTiming deep(preset("ddr4_3200"));
  EXPECT_EQ(deep.serve(0, 0, 256, false), 60u);
  EXPECT_EQ(deep.last_accepted(), 0u);
}

// ---------------------------------------------------------------------------------------------
// Refresh
// ---------------------------------------------------------------------------------------------

TEST(DramTimingRefresh, ARequestAtTrefiWaitsTrfc) {
  DramTiming m(preset("ddr4_3200"));
  // REF due and issued at 12480 (all banks closed, nothing to precharge); no ACT before
  // 12480 + tRFC = 13040; then ACT 13040, RD 13062, data until 13088: tRFC + tRCD + CL + tBURST.
  EXPECT_EQ(m.serve(12480, at(m, 0, 0, 0), 64, false), 12480u + 560 + 22 + 22 + 4);
  EXPECT_EQ(m.counters().refreshes, 1u);
  // One cycle earlier the same request sees no refresh.
  DramTiming early(preset("ddr4_3200"));
  EXPECT_EQ(early.serve(12479, at(early, 0, 0, 0), 64, false), 12479u + 48);
  EXPECT_EQ(early.counters().refreshes, 0u);
}

TEST(DramTimingRefresh, RefreshClosesOpenRowsAndStealsTheHit) {
  DramTiming m(preset("ddr4_3200"));
  // Miss at 12479: ACT 12479, RD 12501, data until 12527.
  EXPECT_EQ(m.serve(12479, at(m, 0, 0, 0), 64, false), 12527u);
  // The same row at 12490 would hit (RD 12505, data until 12531), but REF is due at 12480 and the
  // burst cannot issue before 12501: PREA at ACT + tRAS = 12531, REF at 12531 + tRPab = 12553,
  // ACT at 12553 + tRFC = 13113, RD 13135, data until 13161.
  EXPECT_EQ(m.serve(12490, at(m, 0, 0, 0, 1), 64, false), 13161u);
  EXPECT_EQ(m.counters().refreshes, 1u);
  EXPECT_EQ(m.counters().precharges, 1u);  // the PREA closed one open bank
  EXPECT_EQ(m.counters().row_hits, 0u);
  EXPECT_EQ(m.counters().row_misses, 2u);
}

TEST(DramTimingRefresh, OneRefreshPerTrefiWhileIdle) {
  DramTiming m(preset("lpddr4_3200"));
  m.advance_to(10 * 6246 - 1);
  EXPECT_EQ(m.counters().refreshes, 9u);
  m.advance_to(10 * 6246);
  EXPECT_EQ(m.counters().refreshes, 10u);
  DramTiming none(without_refresh(preset("lpddr4_3200")));
  none.advance_to(1000000);
  EXPECT_EQ(none.counters().refreshes, 0u);
}

// A stream of `count` 64 B requests, all arriving at cycle 0; returns the last completion.
uint64_t stream(DramTiming& m, uint64_t count, bool random, bool write = false, uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  const uint64_t span = m.spec().capacity_bytes() / 64;
  uint64_t done = 0;
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t address = (random ? rng() % span : i) * 64;
    done = std::max(done, m.serve(0, address, 64, write));
  }
  return done;
}

TEST(DramTimingRefresh, RefreshStealsAboutTrfcEveryTrefiFromAStream) {
  for (const std::string& name : dram_preset_names()) {
    SCOPED_TRACE(name);
    const DramSpec s = preset(name);
    DramTiming with(s), without(without_refresh(s));
    const auto n = static_cast<uint64_t>(20 * s.t.tREFI * s.peak_bytes_per_cycle() / 64);  // ~20 tREFI
    const uint64_t end_with = stream(with, n, false), end_without = stream(without, n, false);
    // One refresh per tREFI of the run (the last one may fall just after the last burst issues).
    EXPECT_NEAR(static_cast<double>(with.counters().refreshes), static_cast<double>(end_with) / s.t.tREFI,
                1.0);
    // Each refresh costs tRFC plus reopening the row: between tRFC and
    // tRFC + tRPab + tRTP + tRCD + tRAS per refresh.
    const double lost = static_cast<double>(end_with - end_without) / with.counters().refreshes;
    EXPECT_GE(lost, s.t.tRFC);
    EXPECT_LE(lost, s.t.tRFC + s.t.tRPab + s.t.tRTP + s.t.tRCD + s.t.tRAS);
  }
}

// ---------------------------------------------------------------------------------------------
// Bandwidth
// ---------------------------------------------------------------------------------------------

struct Efficiency {
  double sequential, random, random_hit_rate;
};

Efficiency measure(const std::string& name) {
  DramTiming seq(preset(name)), rnd(preset(name));
  stream(seq, 100000, false);
  stream(rnd, 50000, true);
  return {seq.efficiency(), rnd.efficiency(), rnd.row_hit_rate()};
}

TEST(DramTimingBandwidth, SequentialReadsReach85To97PercentOfPeak) {
  for (const std::string& name : dram_preset_names()) {
    SCOPED_TRACE(name);
    DramTiming m(preset(name));
    const uint64_t end = stream(m, 100000, false);
    const double e = m.efficiency();
    std::printf("%-12s sequential 64 B reads: efficiency %.3f, row hit rate %.3f, %llu cycles\n",
                name.c_str(), e, m.row_hit_rate(), static_cast<unsigned long long>(end));
    EXPECT_GE(e, 0.85);
    EXPECT_LE(e, 0.97);
    // One miss per row of each bank; 16 bursts per 1 KiB HBM2 row, 64 to 128 elsewhere.
    EXPECT_GT(m.row_hit_rate(), 1.0 - 1.2 / m.spec().bursts_per_row());
    // Without refresh, the stream runs at the bus's pace apart from the first access.
    DramTiming none(without_refresh(preset(name)));
    stream(none, 100000, false);
    EXPECT_GT(none.efficiency(), 0.99);
  }
}

TEST(DramTimingBandwidth, AStreamInOneBankGroupRunsAtTccdL) {
  // row:bank:bankgroup:column keeps 128 consecutive DDR4 bursts in one bank group: RDs tCCD_L = 8
  // apart for 4-cycle bursts, half the peak (no refresh, so only row switches add to it).
  DramTiming m(without_refresh(preset("ddr4_3200")), DramAddressOrder::kRowBankGroupColumn);
  stream(m, 20000, false);
  EXPECT_NEAR(m.efficiency(), 0.5, 0.005);
  DramTiming interleaved(without_refresh(preset("ddr4_3200")));
  stream(interleaved, 20000, false);
  EXPECT_GT(interleaved.efficiency(), 0.99);
}

TEST(DramTimingBandwidth, RandomReadsReachFarLess) {
  // Measured with seed 1, 50,000 requests spread over the whole channel, all waiting at cycle 0,
  // queue depth 32: random 64 B reads are nearly all row conflicts, so activates (tRRD, tFAW,
  // tRC of a bank that a recent request opened, in order behind it) pace the channel, not the
  // bus. LPDDR4 (no bank groups, one 64 B request = 2 bursts in one row) 0.406; DDR4 0.204;
  // LPDDR5 (its 2 bursts land in 2 bank groups: 2 activates per request) 0.204; HBM2 (tFAW = 30
  // for 2-cycle bursts) 0.143. Sequential streams reach 0.92 to 0.95.
  const std::map<std::string, double> measured = {
      {"lpddr4_3200", 0.406}, {"ddr4_3200", 0.204}, {"lpddr5_6400", 0.204}, {"hbm2", 0.143}};
  for (const std::string& name : dram_preset_names()) {
    SCOPED_TRACE(name);
    const Efficiency e = measure(name);
    std::printf("%-12s random 64 B reads: efficiency %.3f (sequential %.3f), row hit rate %.3f\n",
                name.c_str(), e.random, e.sequential, e.random_hit_rate);
    EXPECT_LT(e.random, 0.5 * e.sequential);
    EXPECT_NEAR(e.random, measured.at(name), 0.01);
  }
}

// ---------------------------------------------------------------------------------------------
// Turnaround and activation limits
// ---------------------------------------------------------------------------------------------

TEST(DramTimingTurnaround, Ddr4WriteToReadAndReadToWrite) {
  DramTiming m(preset("ddr4_3200"));
  const uint64_t a = at(m, 0, 0, 5), c = at(m, 1, 0, 5);
  EXPECT_EQ(m.serve(100, a, 64, false), 148u);  // ACT 100, RD 122
  EXPECT_EQ(m.serve(100, c, 64, false), 152u);  // ACT 104 (tRRD_S), RD 126 (tRCD), data to 152
  // Write hit in group 0 at 1000: WR 1000, data 1016..1020.
  EXPECT_EQ(m.serve(1000, at(m, 0, 0, 5, 1), 64, true), 1020u);
  // Read in group 1 (tWTR_S): RD at WR + CWL + tBURST + tWTR_S = 1000 + 16 + 4 + 4 = 1024.
  EXPECT_EQ(m.serve(1001, at(m, 1, 0, 5, 1), 64, false), 1024u + 26);
  // Write in group 0 again (RD to WR: tRTW = 12 after the read at 1024): WR 1036, data to 1056.
  EXPECT_EQ(m.serve(1002, at(m, 0, 0, 5, 2), 64, true), 1036u + 20);
  // Read in group 0 (tWTR_L): RD at 1036 + 16 + 4 + 12 = 1068, data to 1094.
  EXPECT_EQ(m.serve(1003, at(m, 0, 0, 5, 3), 64, false), 1068u + 26);
}

TEST(DramTimingTurnaround, EveryPresetPaysCwlPlusBurstPlusTwtrAndTrtw) {
  for (const std::string& name : dram_preset_names()) {
    SCOPED_TRACE(name);
    DramTiming m(without_refresh(preset(name)));
    const DramTimingParams& t = m.spec().t;
    const uint32_t b = m.spec().burst_bytes();
    m.serve(100, at(m, 0, 0, 3), b, false);                                          // open the row
    EXPECT_EQ(m.serve(1000, at(m, 0, 0, 3, 1), b, true), 1000u + t.CWL + t.tBURST);  // WR at 1000
    const uint64_t rd = 1000u + t.CWL + t.tBURST + t.tWTR_L;                         // same bank group
    EXPECT_EQ(m.serve(1001, at(m, 0, 0, 3, 2), b, false), rd + t.CL + t.tBURST);
    EXPECT_EQ(m.serve(1002, at(m, 0, 0, 3, 3), b, true), rd + t.tRTW + t.CWL + t.tBURST);
  }
}

TEST(DramTimingActivates, TfawAllowsFourActivatesPerWindow) {
  DramTiming m(preset("ddr4_3200"));
  // Five reads at 0 to five closed banks: groups 0..3 of bank 0, then group 0 of bank 1.
  // ACTs at 0, 4, 8, 12 (tRRD_S); the fifth waits for the first + tFAW = 34 (tRRD would allow 16).
  // RDs at ACT + tRCD (22, 26, 30, 34) and 56; data until RD + 26.
  const std::vector<uint64_t> expected = {48, 52, 56, 60, 82};
  const std::vector<std::pair<uint32_t, uint32_t>> targets = {{0, 0}, {1, 0}, {2, 0}, {3, 0}, {0, 1}};
  for (size_t i = 0; i < targets.size(); ++i) {
    EXPECT_EQ(m.serve(0, at(m, targets[i].first, targets[i].second, 0), 64, false), expected[i]) << i;
  }
  EXPECT_EQ(m.counters().activates, 5u);
}

TEST(DramTimingActivates, SameBankGroupActivatesWaitTrrdL) {
  DramTiming m(preset("ddr4_3200"));
  EXPECT_EQ(m.serve(0, at(m, 0, 0, 0), 64, false), 48u);  // ACT 0
  // Bank 1 of group 0: ACT at tRRD_L = 8, RD at 30 (tCCD_L from 22 allows 30), data to 56.
  EXPECT_EQ(m.serve(0, at(m, 0, 1, 0), 64, false), 56u);
}

// Every command of a random mixed run obeys every timing rule of the header.
TEST(DramTimingRules, RandomMixedTrafficRespectsEveryConstraint) {
  for (const std::string& name : dram_preset_names()) {
    SCOPED_TRACE(name);
    DramTiming m(preset(name));
    const DramSpec& s = m.spec();
    const DramTimingParams& t = s.t;
    m.record_commands(true);
    std::mt19937_64 rng(7);
    uint64_t arrival = 0;
    for (int i = 0; i < 20000; ++i) {
      arrival += rng() % 8;
      // Mostly a few hot rows so hits, misses and conflicts all occur.
      const uint64_t address = (rng() % 4) * s.page_bytes() * s.banks() * 3 + (rng() % 64) * 64 +
                               (rng() % s.banks()) * s.page_bytes();
      m.serve(arrival, address, 64, rng() % 3 == 0);
    }
    const std::vector<DramCommandRecord>& log = m.command_log();
    ASSERT_GT(m.counters().refreshes, 0u);
    ASSERT_GT(m.counters().row_conflicts, 0u);
    ASSERT_GT(m.counters().row_hits, 0u);
    std::vector<int64_t> acts;
    std::map<uint32_t, int64_t> bank_act, bank_pre, bank_last_rd, bank_last_wr;
    std::map<uint32_t, bool> open;
    int64_t last_rd = -1000000, last_wr = -1000000, last_ref = -1000000, data_end = 0;
    std::map<uint32_t, int64_t> group_wr;
    int violations = 0;
    const auto check = [&violations](bool ok, const char* rule, int64_t cycle) {
      if (!ok && ++violations < 5) ADD_FAILURE() << rule << " at cycle " << cycle;
    };
    for (const DramCommandRecord& r : log) {
      const uint32_t id = r.bank_group * s.banks_per_group + r.bank;
      switch (r.kind) {
        case DramCommandKind::kActivate:
          if (bank_act.count(id)) check(r.cycle >= bank_act[id] + t.tRC, "tRC", r.cycle);
          if (bank_pre.count(id)) check(r.cycle >= bank_pre[id] + t.tRP, "tRP", r.cycle);
          if (!acts.empty()) check(r.cycle >= acts.back() + t.tRRD_S, "tRRD_S", r.cycle);
          if (acts.size() >= 4) check(r.cycle >= acts[acts.size() - 4] + t.tFAW, "tFAW", r.cycle);
          check(r.cycle >= last_ref + t.tRFC, "tRFC", r.cycle);
          check(!open[id], "ACT to an open bank", r.cycle);
          open[id] = true;
          acts.push_back(r.cycle);
          bank_act[id] = r.cycle;
          break;
        case DramCommandKind::kPrecharge:
          check(r.cycle >= bank_act[id] + t.tRAS, "tRAS", r.cycle);
          if (bank_last_rd.count(id)) check(r.cycle >= bank_last_rd[id] + t.tRTP, "tRTP", r.cycle);
          if (bank_last_wr.count(id))
            check(r.cycle >= bank_last_wr[id] + t.CWL + t.tBURST + t.tWR, "tWR", r.cycle);
          check(open[id], "PRE to a closed bank", r.cycle);
          open[id] = false;
          bank_pre[id] = r.cycle;
          break;
        case DramCommandKind::kRead:
          check(r.cycle >= bank_act[id] + t.tRCD, "tRCD", r.cycle);
          check(r.cycle >= last_wr + t.CWL + t.tBURST + t.tWTR_S, "tWTR_S", r.cycle);
          if (group_wr.count(r.bank_group))
            check(r.cycle >= group_wr[r.bank_group] + t.CWL + t.tBURST + t.tWTR_L, "tWTR_L", r.cycle);
          check(r.cycle >= std::max(last_rd, last_wr) + t.tCCD_S, "tCCD_S", r.cycle);
          check(open[id], "RD to a closed bank", r.cycle);
          check(r.cycle + t.CL >= data_end, "data bus overlap", r.cycle);
          data_end = r.cycle + t.CL + t.tBURST;
          last_rd = r.cycle;
          bank_last_rd[id] = r.cycle;
          break;
        case DramCommandKind::kWrite:
          check(r.cycle >= bank_act[id] + t.tRCD, "tRCD", r.cycle);
          check(r.cycle >= last_rd + t.tRTW, "tRTW", r.cycle);
          check(r.cycle >= std::max(last_rd, last_wr) + t.tCCD_S, "tCCD_S", r.cycle);
          check(open[id], "WR to a closed bank", r.cycle);
          check(r.cycle + t.CWL >= data_end, "data bus overlap", r.cycle);
          data_end = r.cycle + t.CWL + t.tBURST;
          last_wr = r.cycle;
          group_wr[r.bank_group] = r.cycle;
          bank_last_wr[id] = r.cycle;
          break;
        case DramCommandKind::kRefresh:
          for (const auto& [bank, is_open] : open) check(!is_open, "bank open at REF", r.cycle);
          for (const auto& [bank, pre] : bank_pre) check(r.cycle >= pre + t.tRP, "tRP before REF", r.cycle);
          for (const auto& [bank, act] : bank_act) check(r.cycle >= act + t.tRC, "tRC before REF", r.cycle);
          last_ref = r.cycle;
          break;
      }
    }
    EXPECT_EQ(violations, 0);
    EXPECT_EQ(acts.size(), m.counters().activates);
  }
}

// ---------------------------------------------------------------------------------------------
// Energy
// ---------------------------------------------------------------------------------------------

TEST(DramTimingEnergy, Lpddr4CommandEnergiesMatchThe45nmTableDerivation) {
  const DramCommandEnergy e = command_energy(preset("lpddr4_3200"));
  // configs/energy/45nm.yaml: ACT + PRE = (1.8 V x 128.5 + 1.1 V x 1542) mA*clk x 0.625 ns.
  // ACT: (1.8 x 1.25 + 1.1 x 15) mA*V x 68 clk x 0.625 ns = 18.75 x 42.5 = 796.875 pJ.
  EXPECT_NEAR(e.activate_pj, 796.875, 1e-9);
  // PRE: (1.8 x 1.5 + 1.1 x 18) x (97 - 68) x 0.625 = 22.5 x 18.125 = 407.8125 pJ.
  EXPECT_NEAR(e.precharge_pj, 407.8125, 1e-9);
  EXPECT_NEAR(e.activate_pj + e.precharge_pj, 1204.6875, 1e-9);
  // RD burst (32 B): (1.1 x 245 + 1.1 x 149.25) x 8 x 0.625 = 433.675 x 5 = 2168.375 pJ = 67.76 pJ/B.
  EXPECT_NEAR(e.read_pj, 2168.375, 1e-9);
  EXPECT_NEAR(e.read_pj / 32, 67.76, 0.01);
  // WR burst: (1.1 x 180 + 1.1 x 54.25) x 5 = 1288.375 pJ.
  EXPECT_NEAR(e.write_pj, 1288.375, 1e-9);
  // REF: (1.8 x 7.75 + 1.1 x 60) x 448 x 0.625 = 79.95 x 280 = 22386 pJ.
  EXPECT_NEAR(e.refresh_pj, 22386.0, 1e-9);
  // IDD3N standby: 1.8 x 2.25 + 1.1 x 30 + 1.1 x 0.75 = 37.875 mW (45nm.yaml: 37.9).
  EXPECT_NEAR(e.active_standby_mw, 37.875, 1e-9);
  EXPECT_NEAR(e.precharged_standby_mw, 1.8 * 2.0 + 1.1 * 27 + 1.1 * 0.75, 1e-9);
}

TEST(DramTimingEnergy, Ddr4EnergyByCommandAndBackground) {
  const DramCommandEnergy e = command_energy(preset("ddr4_3200"));
  // Eight devices at 1.2 V: ACT 8 x 1.2 x (57 - 52) x 52 x 0.625 = 1560 pJ;
  // PRE 8 x 1.2 x (57 - 37) x 22 x 0.625 = 2640 pJ; RD 8 x 1.2 x 116 x 4 x 0.625 = 2784 pJ;
  // WR 8 x 1.2 x 98 x 2.5 = 2352 pJ; REF 8 x 1.2 x 198 x 560 x 0.625 = 665280 pJ.
  EXPECT_NEAR(e.activate_pj, 1560.0, 1e-9);
  EXPECT_NEAR(e.precharge_pj, 2640.0, 1e-9);
  EXPECT_NEAR(e.read_pj, 2784.0, 1e-9);
  EXPECT_NEAR(e.write_pj, 2352.0, 1e-9);
  EXPECT_NEAR(e.refresh_pj, 665280.0, 1e-6);

  DramTiming m(preset("ddr4_3200"));
  m.serve(100, at(m, 0, 0, 5), 64, false);   // miss: ACT 100
  m.serve(1000, at(m, 0, 0, 5), 64, false);  // hit
  m.serve(2000, at(m, 0, 0, 6), 64, false);  // conflict: PRE 2000, ACT 2022
  const DramEnergy used = m.energy(3000);
  EXPECT_NEAR(used.activate_pj, 2 * 1560.0, 1e-9);
  EXPECT_NEAR(used.precharge_pj, 2640.0, 1e-9);
  EXPECT_NEAR(used.read_pj, 3 * 2784.0, 1e-9);
  EXPECT_EQ(used.write_pj, 0.0);
  EXPECT_EQ(used.refresh_pj, 0.0);
  // All banks precharged for 0..100 and 2000..2022 (122 cycles, IDD2N), some bank open for the
  // other 2878 (IDD3N): (8 x 1.2 x 52 x 2878 + 8 x 1.2 x 37 x 122) mW x 0.625 ns.
  EXPECT_NEAR(used.background_pj, (499.2 * 2878 + 355.2 * 122) * 0.625, 1e-6);
  EXPECT_NEAR(used.total_pj(), 2 * 1560.0 + 2640.0 + 3 * 2784.0 + (499.2 * 2878 + 355.2 * 122) * 0.625, 1e-6);
}

TEST(DramTimingEnergy, RefreshEnergyCountsEveryRefresh) {
  DramTiming m(preset("hbm2"));
  m.advance_to(3 * 3900);
  const DramEnergy e = m.energy(3 * 3900);
  // HBM2: (250 - 55) mA x 1.2 V x 260 ns = 60840 pJ per REF, at 3900, 7800 and 11700.
  EXPECT_NEAR(e.refresh_pj, 3 * 60840.0, 1e-6);
  // Background (1 ns cycles): refreshing 3900..4160 and 7800..8060 is active standby (IDD3N,
  // DRAMPower's convention), and so is 11700, the end; the other 11180 cycles all banks are closed
  // (IDD2N): 1.2 V x (55 mA x 520 + 40 mA x 11180) x 1 ns.
  EXPECT_NEAR(e.background_pj, 1.2 * (55.0 * 520 + 40.0 * 11180), 1e-6);
}

TEST(DramTimingEnergy, Lpddr5IsMarkedAsAnEstimate) {
  EXPECT_TRUE(preset("lpddr5_6400").energy_estimated);
  for (const char* name : {"lpddr4_3200", "ddr4_3200", "hbm2"}) EXPECT_FALSE(preset(name).energy_estimated);
}

}  // namespace
}  // namespace nm::hw
