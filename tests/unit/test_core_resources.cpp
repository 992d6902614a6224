// hw/core/bandwidth_resource.h, dram_model.h and noc_topology.h against hand-worked schedules.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <stdexcept>

#include "hw/core/arch_config.h"
#include "hw/core/bandwidth_resource.h"
#include "hw/core/dram_model.h"
#include "hw/core/noc_topology.h"

namespace nm::hw {
namespace {

// ---------------------------------------------------------------- BandwidthResource

TEST(CoreBandwidthResource, InOrderRequestsAreFifo) {
  BandwidthResource r(4.0, 10);      // 4 B/cycle, 10 cycles latency
  EXPECT_EQ(r.serve(0, 16), 14u);    // [0, 4) + 10
  EXPECT_EQ(r.serve(0, 16), 18u);    // queued behind: [4, 8) + 10
  EXPECT_EQ(r.serve(6, 4), 19u);     // [8, 9) + 10
  EXPECT_EQ(r.serve(100, 1), 111u);  // idle until 100: [100, 101) + 10
  EXPECT_EQ(r.busy_cycles(), 10u);   // 4 + 4 + 1 + 1
  EXPECT_EQ(r.busy_until(), 101u);
  EXPECT_EQ(r.bytes_served(), 37u);
}

TEST(CoreBandwidthResource, OccupancyRoundsUp) {
  BandwidthResource r(2.5, 0);
  EXPECT_EQ(r.occupancy_cycles(5), 2u);
  EXPECT_EQ(r.occupancy_cycles(6), 3u);
  EXPECT_EQ(r.occupancy_cycles(1), 1u);
  EXPECT_EQ(r.occupancy_cycles(0), 0u);
}

// A rate so low that the occupancy leaves uint64 is an error, not an undefined cast (which
// made dram.bandwidth_gbps=1e-300 run faster than the default).
TEST(CoreBandwidthResource, OccupancyBeyondUint64Throws) {
  EXPECT_THROW(BandwidthResource(1e-300, 0).occupancy_cycles(1), std::overflow_error);
  EXPECT_THROW(BandwidthResource(1.0 / 1024, 0).occupancy_cycles(uint64_t{1} << 60), std::overflow_error);
  EXPECT_EQ(BandwidthResource(1.0 / 1024, 0).occupancy_cycles(uint64_t{1} << 40), uint64_t{1} << 50);
}

TEST(CoreBandwidthResource, ZeroBytesCostOnlyLatency) {
  BandwidthResource r(4.0, 7);
  r.serve(0, 400);  // busy [0, 100)
  EXPECT_EQ(r.serve(5, 0), 12u);
  EXPECT_EQ(r.busy_cycles(), 100u);
}

TEST(CoreBandwidthResource, EarlierRequestFillsAnIdleGapThatFits) {
  BandwidthResource r(4.0, 0);
  EXPECT_EQ(r.serve(0, 16), 4u);    // [0, 4)
  EXPECT_EQ(r.serve(20, 16), 24u);  // [20, 24)
  // Out of order: arrives at 5, the gap [4, 20) has room for 4 cycles.
  EXPECT_EQ(r.serve(5, 16), 9u);  // [5, 9)
  // Needs 12 cycles from 8: the gap [9, 20) has only 11, so it goes after 24.
  EXPECT_EQ(r.serve(8, 48), 36u);  // [24, 36)
  // The gap [9, 20) is still there for something that fits.
  EXPECT_EQ(r.serve(0, 44), 20u);  // 11 cycles: [9, 20)
  EXPECT_EQ(r.busy_until(), 36u);
  EXPECT_EQ(r.busy_cycles(), 4u + 4u + 4u + 12u + 11u);
  // Now [0, 4) [5, 36) are busy: only the 1-cycle hole at 4 remains before 36.
  EXPECT_EQ(r.serve(0, 4), 5u);
  EXPECT_EQ(r.serve(0, 4), 37u);
}

TEST(CoreBandwidthResource, TouchingIntervalsMerge) {
  BandwidthResource r(4.0, 0);
  EXPECT_EQ(r.serve(0, 4), 1u);  // [0, 1)
  EXPECT_EQ(r.serve(2, 4), 3u);  // [2, 3)
  EXPECT_EQ(r.serve(1, 4), 2u);  // [1, 2) joins both
  EXPECT_EQ(r.busy_until(), 3u);
  EXPECT_EQ(r.serve(0, 4), 4u);  // no gap left before 3
  EXPECT_EQ(r.busy_cycles(), 4u);
}

TEST(CoreBandwidthResource, RetireBeforeKeepsLaterOccupancy) {
  BandwidthResource r(4.0, 0);
  r.serve(0, 16);   // [0, 4)
  r.serve(20, 16);  // [20, 24)
  r.retire_before(10);
  EXPECT_EQ(r.busy_until(), 24u);
  EXPECT_EQ(r.busy_cycles(), 8u);   // a running total: retiring does not change it
  EXPECT_EQ(r.serve(10, 16), 14u);  // [10, 14)
  // From 18 the gap before 20 is 2 cycles: too small for 4, so after [20, 24).
  EXPECT_EQ(r.serve(18, 16), 28u);
  // An interval that ends exactly at the retire point is kept.
  r.retire_before(14);
  EXPECT_EQ(r.serve(13, 4), 15u);  // [10, 14) still busy: [14, 15)
}

TEST(CoreBandwidthResource, RandomInOrderArrivalsMatchBusyUntilQueue) {
  std::mt19937_64 rng(1234);
  BandwidthResource r(3.0, 5);
  uint64_t t = 0, busy_until = 0, busy = 0;
  for (int i = 0; i < 2000; ++i) {
    t += rng() % 20;
    const uint64_t bytes = rng() % 100;
    const uint64_t occ = (bytes + 2) / 3;  // ceil(bytes / 3)
    uint64_t expected = t + 5;
    if (occ > 0) {
      const uint64_t start = std::max(t, busy_until);
      busy_until = start + occ;
      busy += occ;
      expected = busy_until + 5;
    }
    ASSERT_EQ(r.serve(t, bytes), expected) << "request " << i;
    if (i % 100 == 99) r.retire_before(t);
  }
  EXPECT_EQ(r.busy_cycles(), busy);
}

// ---------------------------------------------------------------- DramModel

TEST(CoreDramModel, OneChannelRoundsToBursts) {
  ArchConfig a;  // 4 B/cycle, 50 cycles latency, 64 B bursts, 1 channel
  DramModel d(a);
  EXPECT_EQ(d.serve(0, 100), 82u);  // 2 bursts = 128 B = 32 cycles, + 50
  EXPECT_EQ(d.serve(0, 1), 98u);    // 1 burst queued after: [32, 48) + 50
  EXPECT_EQ(d.busy_cycles(), 48u);
  ASSERT_EQ(d.channels().size(), 1u);
  EXPECT_EQ(d.channels()[0].bytes_served(), 192u);
}

TEST(CoreDramModel, StripesOverChannels) {
  ArchConfig a;
  a.dram_channels = 4;  // 1 B/cycle each
  {
    DramModel d(a);
    // 5 bursts: channel 0 gets bursts 0 and 4 (128 cycles), channels 1-3 one each (64).
    EXPECT_EQ(d.serve(0, 320), 178u);
    EXPECT_EQ(d.busy_cycles(), 128u);
    EXPECT_EQ(d.channels()[0].busy_cycles(), 128u);
    EXPECT_EQ(d.channels()[1].busy_cycles(), 64u);
    EXPECT_EQ(d.channels()[3].busy_cycles(), 64u);
  }
  {
    DramModel d(a);
    // 8 whole bursts: 2 per channel, 128 cycles in parallel: same time as 1 channel at 4 B/cycle.
    EXPECT_EQ(d.serve(10, 512), 10u + 128u + 50u);
  }
  {
    DramModel d(a);
    // 100 B = 2 bursts: channels 0 and 1, 64 cycles each; 2 and 3 untouched.
    EXPECT_EQ(d.serve(0, 100), 114u);
    EXPECT_EQ(d.channels()[2].busy_cycles(), 0u);
  }
}

TEST(CoreDramModel, ChannelsShareTheAggregateBandwidth) {
  ArchConfig a;
  a.dram_latency_ns = 0;
  for (uint32_t ch : {1u, 2u, 4u, 8u}) {
    a.dram_channels = ch;
    DramModel d(a);
    // 64 KiB split evenly: always 65536 / 4 B per cycle.
    EXPECT_EQ(d.serve(0, 65536), 16384u) << ch << " channels";
  }
}

// ---------------------------------------------------------------- NocTopology

// Default: 8 clusters on a 3-column mesh. Router coordinates (x, y):
//   c0 (0,0)  c1 (1,0)  c2 (2,0)
//   c3 (0,1)  c4 (1,1)  c5 (2,1)
//   c6 (0,2)  c7 (1,2)
uint64_t bit(uint32_t c) {
  return uint64_t{1} << c;
}

TEST(CoreNocTopology, SingleClusterRoutes) {
  NocTopology noc(8, 3);
  EXPECT_EQ(noc.tree_links(bit(0)), 1u);  // injection link only
  EXPECT_EQ(noc.max_hops(bit(0)), 1u);
  EXPECT_EQ(noc.tree_links(bit(2)), 3u);  // + (0,0)-(1,0)-(2,0)
  EXPECT_EQ(noc.max_hops(bit(2)), 3u);
  EXPECT_EQ(noc.tree_links(bit(7)), 4u);  // + (0,0)-(1,0), (1,0)-(1,1)-(1,2)
  EXPECT_EQ(noc.max_hops(bit(7)), 4u);
  EXPECT_EQ(noc.tree_links(bit(3)), 2u);  // + (0,0)-(0,1)
  EXPECT_EQ(noc.max_hops(bit(3)), 2u);
}

TEST(CoreNocTopology, MulticastSharesLinks) {
  NocTopology noc(8, 3);
  // c2 and c7 share (0,0)-(1,0): {01, 12, 1:01, 1:12} = 4 links + injection.
  EXPECT_EQ(noc.tree_links(bit(2) | bit(7)), 5u);
  EXPECT_EQ(noc.max_hops(bit(2) | bit(7)), 4u);
  // c0 and c1: one x link + injection.
  EXPECT_EQ(noc.tree_links(bit(0) | bit(1)), 2u);
  // c2 and c3: two x links on row 0 and one y link in column 0.
  EXPECT_EQ(noc.tree_links(bit(2) | bit(3)), 4u);
  EXPECT_EQ(noc.max_hops(bit(2) | bit(3)), 3u);
  // Broadcast to all 8: a spanning tree of the 8 routers (7 links) + injection.
  EXPECT_EQ(noc.tree_links(0xFF), 8u);
  EXPECT_EQ(noc.max_hops(0xFF), 4u);  // c5 (2,1) and c7 (1,2)
  // Cached answer is the same.
  EXPECT_EQ(noc.tree_links(0xFF), 8u);
  EXPECT_EQ(noc.tree_links(0), 0u);
  EXPECT_EQ(noc.max_hops(0), 0u);
}

TEST(CoreNocTopology, TreeLinksAtMostSumOfRoutes) {
  NocTopology noc(8, 3);
  for (uint64_t mask = 1; mask < 256; ++mask) {
    uint32_t sum = 0, longest = 0;
    for (uint32_t c = 0; c < 8; ++c) {
      if (mask & bit(c)) {
        sum += noc.tree_links(bit(c));
        longest = std::max(longest, noc.max_hops(bit(c)));
      }
    }
    EXPECT_LE(noc.tree_links(mask), sum) << mask;
    EXPECT_GE(noc.tree_links(mask), longest) << mask;
    EXPECT_EQ(noc.max_hops(mask), longest) << mask;
  }
}

TEST(CoreNocTopology, LineMesh) {
  NocTopology noc(4, 1);  // one column: clusters stacked along y
  EXPECT_EQ(noc.tree_links(bit(3)), 4u);
  EXPECT_EQ(noc.max_hops(bit(3)), 4u);
  EXPECT_EQ(noc.tree_links(0xF), 4u);
}

}  // namespace
}  // namespace nm::hw
