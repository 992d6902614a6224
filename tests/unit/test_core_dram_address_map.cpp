// hw/core/dram_address_map.h: the burst-granular channel interleave of the global DRAM space.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "hw/core/dram_address_map.h"

namespace nm::hw {
namespace {

TEST(CoreDramAddressMap, OneChannelIsTheIdentity) {
  for (uint64_t a : {0ull, 1ull, 63ull, 64ull, 123457ull, 1ull << 40}) {
    const DramLocation l = dram_location(a, 1, 64);
    EXPECT_EQ(l.channel, 0u);
    EXPECT_EQ(l.local_address, a);
  }
}

TEST(CoreDramAddressMap, BurstsGoRoundRobinOverTheChannels) {
  // 4 channels, 64 B bursts: burst b lives in channel b % 4 at local burst b / 4.
  EXPECT_EQ(dram_location(0, 4, 64).channel, 0u);
  EXPECT_EQ(dram_location(63, 4, 64).channel, 0u);
  EXPECT_EQ(dram_location(63, 4, 64).local_address, 63u);
  EXPECT_EQ(dram_location(64, 4, 64).channel, 1u);
  EXPECT_EQ(dram_location(64, 4, 64).local_address, 0u);
  EXPECT_EQ(dram_location(255, 4, 64).channel, 3u);
  EXPECT_EQ(dram_location(255, 4, 64).local_address, 63u);
  EXPECT_EQ(dram_location(256, 4, 64).channel, 0u);
  EXPECT_EQ(dram_location(256, 4, 64).local_address, 64u);
  // 1000 = burst 15 (channel 3, local burst 3) + 40.
  EXPECT_EQ(dram_location(1000, 4, 64).channel, 3u);
  EXPECT_EQ(dram_location(1000, 4, 64).local_address, 3u * 64 + 40);
}

TEST(CoreDramAddressMap, EveryGlobalByteHasItsOwnPlaceAndChannelsFillFromZero) {
  const uint32_t channels = 3, burst = 16;
  const uint64_t bytes = channels * burst * 20;  // whole rounds: every channel gets the same
  std::set<std::pair<uint32_t, uint64_t>> seen;
  std::vector<uint64_t> highest(channels, 0);
  for (uint64_t a = 0; a < bytes; ++a) {
    const DramLocation l = dram_location(a, channels, burst);
    ASSERT_LT(l.channel, channels);
    EXPECT_TRUE(seen.insert({l.channel, l.local_address}).second) << a;
    highest[l.channel] = std::max(highest[l.channel], l.local_address);
  }
  for (uint64_t h : highest) EXPECT_EQ(h, bytes / channels - 1);  // dense: no holes
}

TEST(CoreDramAddressMap, PiecesStayInsideOneBurstAndCoverTheRangeInOrder) {
  const uint32_t channels = 4, burst = 64;
  const uint64_t address = 100, length = 300;
  std::vector<uint64_t> lengths;
  std::vector<uint64_t> per_channel(channels, 0);
  uint64_t covered = 0;
  for_each_dram_piece(address, length, channels, burst, [&](const DramPiece& p) {
    EXPECT_EQ(p.offset, covered);
    const DramLocation first = dram_location(address + p.offset, channels, burst);
    EXPECT_EQ(p.location.channel, first.channel);
    EXPECT_EQ(p.location.local_address, first.local_address);
    // Contiguous inside the channel: the piece's last byte is where the map puts it.
    const DramLocation last = dram_location(address + p.offset + p.length - 1, channels, burst);
    EXPECT_EQ(last.channel, first.channel);
    EXPECT_EQ(last.local_address, first.local_address + p.length - 1);
    lengths.push_back(p.length);
    per_channel[p.location.channel] += p.length;
    covered += p.length;
  });
  EXPECT_EQ(covered, length);
  EXPECT_EQ(lengths, (std::vector<uint64_t>{28, 64, 64, 64, 64, 16}));
  // Bursts 1..6 touched: channels 1 and 2 hold two pieces each, 0 and 3 one.
  EXPECT_EQ(per_channel, (std::vector<uint64_t>{64, 28 + 64, 64 + 16, 64}));
}

TEST(CoreDramAddressMap, AnEmptyRangeHasNoPieces) {
  int pieces = 0;
  for_each_dram_piece(12345, 0, 4, 64, [&](const DramPiece&) { ++pieces; });
  EXPECT_EQ(pieces, 0);
}

}  // namespace
}  // namespace nm::hw
