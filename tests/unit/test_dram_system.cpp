// hw/core/dram_system.h and what dram.standard changes around it: the timed channel in
// accelerator cycles, the request addresses, DramModel under a standard (the analytical model's
// DRAM), the arch's peak bandwidth and latency, and pricing DRAM by command.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "hw/core/arch_config.h"
#include "hw/core/dram_model.h"
#include "hw/core/dram_system.h"
#include "hw/core/energy.h"
#include "hw/core/noc_topology.h"
#include "hw/core/pipeline_model.h"
#include "hw/core/tile_plan.h"
#include "kernel_factories.h"

namespace nm::hw {
namespace {

ArchConfig with_standard(const std::string& standard, uint32_t channels = 1) {
  ArchConfig a;
  a.dram_standard = standard;
  a.dram_channels = channels;
  return a;
}

TEST(DramStandard, ArchTakesPeakAndLatencyFromTheStandard) {
  ArchConfig pipe;
  EXPECT_FALSE(pipe.dram_timed());
  EXPECT_DOUBLE_EQ(pipe.dram_peak_gbps(), 32.0);
  const ArchConfig lp4 = with_standard("lpddr4_3200");
  EXPECT_TRUE(lp4.dram_timed());
  EXPECT_DOUBLE_EQ(lp4.dram_peak_gbps(), 51.2);       // 16 bit x 3.2 GT/s
  EXPECT_DOUBLE_EQ(lp4.dram_bytes_per_cycle(), 6.4);  // at 1 GHz
  EXPECT_EQ(lp4.dram_latency_cycles(), 36u);          // (tRCD 29 + CL 28) x 0.625 ns = 35.6 ns
  EXPECT_DOUBLE_EQ(with_standard("hbm2", 8).dram_peak_gbps(), 2048.0);  // one stack: 8 x 256 Gbit/s
  ArchConfig ideal;
  ideal.dram_standard = "ideal";  // issue 9's name for the pipe
  EXPECT_FALSE(ideal.dram_timed());
  EXPECT_TRUE(validate(ideal).empty());
}

TEST(DramStandard, ValidateNamesAnUnknownStandard) {
  const std::vector<std::string> problems = validate(with_standard("ddr6"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("dram.standard: expected bandwidth, lpddr4_3200, ddr4_3200, lpddr5_6400, hbm2"),
            std::string::npos)
      << problems[0];
  EXPECT_NE(problems[0].find("got ddr6"), std::string::npos);
}

// The channel converts cycles and nothing else: an idle row miss at 1 GHz takes
// ceil((tRCD + CL + tBURST) x tCK) accelerator cycles.
TEST(TimedDramChannel, ConvertsCyclesAndAddsNoTimeOfItsOwn) {
  const DramSpec spec = *dram_preset("ddr4_3200");
  TimedDramChannel channel(spec, 1.0);
  const uint64_t miss = (22 + 22 + 4) * 625;  // ps
  EXPECT_EQ(channel.serve(0, 0, 64, false), (miss + 999) / 1000);
  // A later request at an open row: a hit, CL + tBURST after its arrival's DRAM clock edge.
  const uint64_t arrival = 1000;  // 1 us: 1600 DRAM cycles, before the first refresh
  const uint64_t same_row = channel.timing().mapping().encode({0, 0, 0, 1});  // next column, bank 0
  EXPECT_EQ(channel.serve(arrival, same_row, 64, false),
            (1600 + 22 + 4) * 625 / 1000 + 1);  // 1016.25 -> 1017
  EXPECT_EQ(channel.command_counts().dram_row_hits, 1u);
  EXPECT_EQ(channel.command_counts().dram_activates, 1u);
  EXPECT_EQ(channel.command_counts().dram_read_bursts, 2u);
}

TEST(TimedDramChannel, StreamingHitsRowsAndRandomAccessDoesNot) {
  const DramSpec spec = *dram_preset("lpddr4_3200");
  TimedDramChannel stream(spec, 1.0), random(spec, 1.0);
  std::mt19937_64 rng(9);
  const uint64_t requests = 4096;
  uint64_t t_stream = 0, t_random = 0;
  for (uint64_t i = 0; i < requests; ++i) {
    t_stream = stream.serve(t_stream, i * 64, 64, false);
    t_random = random.serve(t_random, (rng() % (uint64_t{1} << 30)) / 64 * 64, 64, false);
  }
  const DramTiming& s = stream.timing();
  const DramTiming& r = random.timing();
  EXPECT_GT(s.row_hit_rate(), 0.95);
  EXPECT_LT(r.row_hit_rate(), 0.6);  // only the second burst of each 64 B request hits
  // One request at a time (no queue): latency dominates both, but random pays ACT (+ PRE) each.
  EXPECT_LT(t_stream * 3, t_random * 2) << t_stream << " vs " << t_random;
}

// Refresh is visible: the same back-to-back stream takes longer with tRFC every tREFI than with
// refresh off, by about tRFC / tREFI (LPDDR4: 448 / 6246 = 7.2%).
TEST(TimedDramChannel, RefreshOverheadIsVisible) {
  DramSpec spec = *dram_preset("lpddr4_3200");
  DramSpec no_refresh = spec;
  no_refresh.t.tREFI = 0;
  TimedDramChannel with(spec, 1.0), without(no_refresh, 1.0);
  uint64_t a = 0, b = 0;
  for (uint64_t i = 0; i < 2000; ++i) {  // 2000 x 2 KiB: about 640 us, some 160 refreshes
    a = std::max(a, with.serve(0, i * 2048, 2048, false));
    b = std::max(b, without.serve(0, i * 2048, 2048, false));
  }
  EXPECT_GT(with.timing().counters().refreshes, 100u);
  EXPECT_EQ(without.timing().counters().refreshes, 0u);
  const double overhead = static_cast<double>(a) / static_cast<double>(b) - 1;
  EXPECT_GT(overhead, 0.05);
  EXPECT_LT(overhead, 0.10);
  EXPECT_GT(without.timing().efficiency(), 0.9);  // a queued sequential stream is near peak
}

TEST(DramStreams, SplitsByTheBurstInterleaveAndKeepsReadsAndWritesApart) {
  ArchConfig a = with_standard("hbm2", 4);
  DramStreams streams(a);
  const std::vector<DramStreamPiece> first = streams.next(64 * 6, false);  // bursts 0..5
  ASSERT_EQ(first.size(), 4u);
  uint64_t bytes = 0;
  for (const DramStreamPiece& p : first) bytes += p.bytes;
  EXPECT_EQ(bytes, 64u * 6);
  EXPECT_EQ(first[0].channel, 0u);
  EXPECT_EQ(first[0].bytes, 128u);  // bursts 0 and 4
  EXPECT_EQ(first[2].channel, 2u);
  EXPECT_EQ(first[2].bytes, 64u);
  // The next read continues at global burst 6: channel 2, its second burst.
  const std::vector<DramStreamPiece> second = streams.next(64, false);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].channel, 2u);
  EXPECT_EQ(second[0].local_address, 64u);
  // Writes live in the upper half of each channel, in other banks than the reads start in.
  const DramSpec spec = *dram_preset("hbm2");
  const std::vector<DramStreamPiece> write = streams.next(64, true);
  ASSERT_EQ(write.size(), 1u);
  EXPECT_GE(write[0].local_address, spec.capacity_bytes() / 2);
  const DramAddressMapping map(spec, DramAddressOrder::kRowBankColumnBankGroup);
  EXPECT_NE(map.decode(write[0].local_address).bank, map.decode(0).bank);
}

// A step's read gathers tensors: each from its own stream (its own quarter of the channel, its
// cursor continuing where its last part ended), with exactly the bursts one contiguous read of the
// same bytes would move.
TEST(DramStreams, ReadsEachTensorFromItsOwnStream) {
  const ArchConfig a = with_standard("hbm2", 1);
  const DramSpec spec = *dram_preset("hbm2");
  const uint64_t quarter = spec.capacity_bytes() / 4;
  DramStreams streams(a);
  // A 100 B + B 100 B + other 0: ceil(200 / 64) = 4 bursts, A and B two each.
  std::vector<DramStreamPiece> pieces = streams.next_read({100, 100, 0});
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].local_address, 0u);
  EXPECT_EQ(pieces[0].bytes, 128u);
  EXPECT_GE(pieces[1].local_address, quarter);
  EXPECT_LT(pieces[1].local_address, 2 * quarter);
  EXPECT_EQ(pieces[1].bytes, 128u);
  const uint64_t b_start = pieces[1].local_address;
  // 64 + 64 + 1 B: three streams, three bursts; the other stream lives in the last quarter.
  pieces = streams.next_read({64, 64, 1});
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[0].local_address, 128u);           // A continues
  EXPECT_EQ(pieces[1].local_address, b_start + 128);  // so does B
  EXPECT_GE(pieces[2].local_address, 3 * quarter);
  // 40 + 40 + 40 B fit two bursts: the partial bursts go to A and B, none to other.
  pieces = streams.next_read({40, 40, 40});
  uint64_t bytes = 0;
  for (const DramStreamPiece& p : pieces) bytes += p.bytes;
  EXPECT_EQ(bytes, 128u);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].local_address, 192u);
  EXPECT_EQ(pieces[1].local_address, b_start + 192);
  // The streams start in different banks, so the first switches are conflicts, not all hits.
  const DramAddressMapping map(spec, DramAddressOrder::kRowBankColumnBankGroup);
  EXPECT_NE(map.decode(0).bank, map.decode(b_start).bank);
  // A plain read is stream A.
  pieces = streams.next(64, false);
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0].local_address, 256u);
}

// dram.layout: row_major: each tensor row of a tile is its own range, rounded out to whole 64 B
// bursts; rows that meet merge into one range; other bytes still come from the other stream.
TEST(DramStreams, RowMajorTilesReadOneRangePerRow) {
  const ArchConfig a = with_standard("hbm2", 1);
  DramStreams streams(a);
  // 4 rows of 16 B, 1 KiB apart: four bursts, one per row, at the rows' bursts.
  std::vector<DramStreamPiece> pieces = streams.next_read({0, 0, 0}, {{DramStream::kA, 0, 4, 16, 1024}});
  ASSERT_EQ(pieces.size(), 4u);
  for (uint64_t r = 0; r < 4; ++r) {
    EXPECT_EQ(pieces[r].local_address, r * 1024) << r;
    EXPECT_EQ(pieces[r].bytes, 64u) << r;
  }
  // A row straddling a burst boundary moves both bursts.
  pieces = streams.next_read({0, 0, 0}, {{DramStream::kA, 60, 1, 8, 0}});
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0].local_address, 0u);
  EXPECT_EQ(pieces[0].bytes, 128u);
  // Whole rows (row_bytes == pitch) are one contiguous range: 8 rows of 96 B = 12 bursts.
  pieces = streams.next_read({0, 0, 0}, {{DramStream::kA, 0, 8, 96, 96}});
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0].bytes, 768u);
  // B's tile lies in B's quarter; the other bytes follow in the other stream.
  const uint64_t quarter = dram_preset("hbm2")->capacity_bytes() / 4;
  pieces = streams.next_read({0, 0, 10}, {{DramStream::kB, 0, 1, 64, 64}});
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_GE(pieces[0].local_address, quarter);
  EXPECT_LT(pieces[0].local_address, 2 * quarter);
  EXPECT_GE(pieces[1].local_address, 3 * quarter);
  EXPECT_EQ(pieces[1].bytes, 64u);
}

// DramModel under a standard: a write computed ahead of later reads (the recurrence drains
// output tiles before it reaches the next step's DMA read) does not delay those reads.
TEST(DramModelStandard, WritesAheadOfTheReadsDoNotDelayThem) {
  const ArchConfig a = with_standard("ddr4_3200");
  DramModel plain(a), with_write(a);
  const uint64_t read1 = plain.serve(0, 4096);
  EXPECT_EQ(with_write.serve(0, 4096), read1);
  with_write.serve(100000, 4096, true);  // far in the future
  const uint64_t read2 = plain.serve(read1, 4096);
  EXPECT_EQ(with_write.serve(read1, 4096), read2);
  with_write.finish();
  plain.finish();
  EXPECT_GT(with_write.busy_cycles(), plain.busy_cycles());
}

TEST(DramModelStandard, MoreChannelsOrAFasterStandardNeverSlowAStream) {
  uint64_t previous = ~uint64_t{0};
  for (uint32_t channels : {1u, 2u, 4u, 8u}) {
    DramModel d(with_standard("lpddr4_3200", channels));
    uint64_t t = 0;
    for (int i = 0; i < 64; ++i) t = d.serve(t > 40 ? t - 40 : 0, 16384);
    EXPECT_LE(t, previous) << channels << " channels";
    previous = t;
  }
  uint64_t slow = 0, fast = 0;
  DramModel lp4(with_standard("lpddr4_3200")), lp5(with_standard("lpddr5_6400"));
  for (int i = 0; i < 64; ++i) {
    slow = lp4.serve(slow, 16384);
    fast = lp5.serve(fast, 16384);
  }
  EXPECT_LT(fast, slow);
}

// A DRAM-bound GEMM through the analytical model: a standard is slower than a pipe of its own
// peak bandwidth and latency (rows, refresh and turnarounds cost time), but not by more than the
// stream's inefficiency allows.
TEST(DramModelStandard, PipelineModelUsesTheTimingModel) {
  KernelDesc k = test::gemm(512, 512, 512);
  k.a_dram_bytes = 512 * 512;
  k.b_dram_bytes = 512 * 512;
  const Mapping mp{64, 64, 64, false, false};
  ArchConfig timed = with_standard("lpddr4_3200");
  ArchConfig pipe;
  pipe.dram_bandwidth_gbps = timed.dram_peak_gbps();
  pipe.dram_latency_ns = static_cast<double>(timed.dram_latency_cycles());
  const NocTopology noc(timed.clusters, timed.noc_mesh_cols());
  const KernelTiming t = estimate_plan_timing(build_tile_plan(k, mp, timed), timed, noc);
  const KernelTiming p = estimate_plan_timing(build_tile_plan(k, mp, pipe), pipe, noc);
  EXPECT_EQ(p.bound, Bound::kDram);
  EXPECT_GT(t.cycles, p.cycles);
  EXPECT_LT(static_cast<double>(t.cycles), 1.25 * static_cast<double>(p.cycles));
}

TEST(DramEnergyByCommand, AStandardPricesCommandsAndStandby) {
  EnergyTable table;
  table.dram_pj_per_byte = 68.4;
  table.leakage_dram_mw_per_channel = 43.6;
  EXPECT_EQ(with_dram_figures(table, ArchConfig{}).dram_by_command, false);  // the pipe: unchanged
  const ArchConfig a = with_standard("lpddr4_3200");
  const EnergyTable t = with_dram_figures(table, a);
  const DramCommandEnergy e = command_energy(*dram_preset("lpddr4_3200"));
  ASSERT_TRUE(t.dram_by_command);
  EXPECT_DOUBLE_EQ(t.dram_activate_pj, e.activate_pj);
  EXPECT_DOUBLE_EQ(t.dram_read_burst_pj, e.read_pj);
  EXPECT_DOUBLE_EQ(t.dram_refresh_pj, e.refresh_pj);
  EXPECT_DOUBLE_EQ(t.leakage_dram_mw_per_channel, e.active_standby_mw);
  ActionCounts c;
  c.dram_read_bytes = 1 << 20;  // bytes no longer priced: commands are
  c.dram_activates = 10;
  c.dram_precharges = 9;
  c.dram_read_bursts = 100;
  c.dram_write_bursts = 50;
  c.dram_refreshes = 2;
  const DramEnergyByCommand by = dram_energy_by_command(c, t);
  EXPECT_DOUBLE_EQ(by.bytes_j, 0.0);
  EXPECT_NEAR(by.activate_j, 10 * e.activate_pj * 1e-12, 1e-18);
  EXPECT_NEAR(by.write_j, 50 * e.write_pj * 1e-12, 1e-18);
  EXPECT_NEAR(by.refresh_j, 2 * e.refresh_pj * 1e-12, 1e-18);
  EXPECT_DOUBLE_EQ(price_actions(c, 0.0, t, a).dram_j, by.total_j());
  // Per byte, a streamed LPDDR4 read costs what configs/energy/45nm.yaml derives (68.4 pJ/B).
  EXPECT_NEAR(t.dram_pj_per_byte, 68.4, 0.5);
}

TEST(DramEnergyByCommand, TheMapperEstimatesOneActivatePerPage) {
  ActionCounts c;
  c.dram_read_bytes = 8192;
  c.dram_write_bytes = 2048;
  estimate_dram_commands(c, with_standard("lpddr4_3200"));  // 32 B bursts, 2 KiB pages
  EXPECT_EQ(c.dram_read_bursts, 256u);
  EXPECT_EQ(c.dram_write_bursts, 64u);
  EXPECT_EQ(c.dram_activates, 5u);
  EXPECT_EQ(c.dram_precharges, 5u);
  ActionCounts pipe;
  pipe.dram_read_bytes = 8192;
  estimate_dram_commands(pipe, ArchConfig{});
  EXPECT_EQ(pipe.dram_read_bursts, 0u);
}

}  // namespace
}  // namespace nm::hw
