// SystemC tests of each module's timing and counting. Each TEST elaborates its own system, so
// ctest runs every TEST in its own process.
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>

#include "hw/core/arch_config.h"
#include "hw/core/dram_system.h"
#include "hw/tlm/dram_channel.h"
#include "hw/tlm/l2_buffer.h"
#include "hw/tlm/noc.h"
#include "tlm_test_util.h"

namespace nm::test {
namespace {

using sc_core::SC_NS;
using sc_core::sc_time;

// Cycles beyond SystemC's time range (2^64 ps) and times beyond a cycle count throw instead of
// casting out of range (clock_ghz=1e30 used to give every run latency 0).
TEST(ClockDomain, ConversionsOutOfRangeThrow) {
  const hw::ClockDomain slow(0.01);  // 100 ns per cycle
  EXPECT_EQ(slow.to_time(3), sc_time(300, SC_NS));
  EXPECT_EQ(slow.to_cycles(sc_time(300, SC_NS)), 3u);
  EXPECT_THROW(slow.to_time(uint64_t{1} << 60), std::overflow_error);
  const hw::ClockDomain absurd(1e30);  // 1e-27 ps per cycle
  EXPECT_THROW(absurd.to_cycles(sc_time(1, SC_NS)), std::overflow_error);
}

TEST(DramChannel, ReadCompletesAfterLatencyPlusTransfer) {
  // 32 Gbps at 1 GHz = 4 B/cycle; 256 B take 64 cycles, plus 50 cycles of latency.
  hw::DramChannel dram("dram", 4.0, 50, hw::ClockDomain(1.0));
  ScriptedInitiator cpu("cpu");
  cpu.requests = {{tlm::TLM_READ_COMMAND, 256, {}}};
  cpu.socket.bind(dram.socket);
  CompletionProbe probe("probe", cpu, 114, 1);
  sc_core::sc_start();
  EXPECT_TRUE(probe.checked);
  EXPECT_EQ(dram.read_bytes(), 256u);
  EXPECT_EQ(dram.busy_cycles(), 64u);
}

TEST(DramChannel, BackToBackRequestsFromOneInitiatorQueue) {
  hw::DramChannel dram("dram", 4.0, 50, hw::ClockDomain(1.0));
  ScriptedInitiator cpu("cpu");
  cpu.requests = {{tlm::TLM_READ_COMMAND, 256, {}}, {tlm::TLM_READ_COMMAND, 400, {}}};
  cpu.socket.bind(dram.socket);
  CompletionProbe probe("probe", cpu, 114 + 100 + 50, 2);  // second issued at 114: 100 cycles + latency
  sc_core::sc_start();
  EXPECT_TRUE(probe.checked);
}

// Under a DRAM standard the module is a shell over TimedDramChannel: the same requests at the
// same addresses complete at exactly the plain model's cycles (tight gate: not done a cycle early).
TEST(DramChannel, StandardAddsNoTimeOfItsOwn) {
  const hw::DramSpec spec = *hw::dram_preset("lpddr4_3200");
  hw::TimedDramChannel plain(spec, 1.0);
  const uint64_t first = plain.serve(0, 0, 256, false);      // row miss: ACT, then 8 bursts
  const uint64_t second = plain.serve(first, 0, 400, true);  // write, same row: a hit
  hw::DramChannel dram("dram", spec, hw::ClockDomain(1.0));
  ScriptedInitiator cpu("cpu");
  cpu.requests = {{tlm::TLM_READ_COMMAND, 256, {}}, {tlm::TLM_WRITE_COMMAND, 400, {}}};
  cpu.socket.bind(dram.socket);
  CompletionProbe probe("probe", cpu, second, 2);
  sc_core::sc_start();
  EXPECT_TRUE(probe.checked);
  EXPECT_EQ(cpu.done.at(0), sc_time(static_cast<double>(first), SC_NS));
  EXPECT_EQ(dram.busy_cycles(), plain.busy_cycles());
  EXPECT_EQ(dram.command_counts(), plain.command_counts());
  EXPECT_EQ(dram.command_counts().dram_activates, 1u);
  EXPECT_GT(dram.command_counts().dram_row_hits, 0u);
  EXPECT_EQ(dram.read_bytes(), 256u);
  EXPECT_EQ(dram.write_bytes(), 400u);
}

TEST(L2Buffer, ServesAtBankedBandwidth) {
  hw::ArchConfig arch;  // 16 banks x 16 B/cycle = 256 B/cycle
  hw::L2Buffer l2("l2", arch, hw::ClockDomain(1.0));
  ScriptedInitiator dma("dma");
  dma.requests = {{tlm::TLM_WRITE_COMMAND, 2560, {}}, {tlm::TLM_READ_COMMAND, 256, {}}};
  dma.socket.bind(l2.socket);
  CompletionProbe probe("probe", dma, 11, 2);
  sc_core::sc_start();
  EXPECT_TRUE(probe.checked);
  EXPECT_EQ(dma.done.at(0), sc_time(10, SC_NS));
  EXPECT_EQ(l2.write_bytes(), 2560u);
  EXPECT_EQ(l2.read_bytes(), 256u);
}

TEST(L2Buffer, OverlappingRequestsContend) {
  hw::ArchConfig arch;
  hw::L2Buffer l2("l2", arch, hw::ClockDomain(1.0));
  ScriptedInitiator dma("dma"), noc("noc");
  dma.requests = {{tlm::TLM_WRITE_COMMAND, 2560, {}}};  // busy for cycles [0, 10)
  noc.requests = {{tlm::TLM_READ_COMMAND, 2560, {}}};
  noc.start = sc_time(5, SC_NS);  // arrives while the buffer is busy: waits until 10
  dma.socket.bind(l2.socket);
  noc.socket.bind(l2.socket);
  CompletionProbe probe("probe", noc, 20, 1);
  sc_core::sc_start();
  EXPECT_TRUE(probe.checked);
  EXPECT_EQ(dma.done.at(0), sc_time(10, SC_NS));
  EXPECT_EQ(l2.busy_cycles(), 20u);
}

TEST(L2Buffer, TracksAndEnforcesTheStagingCapacity) {
  hw::ArchConfig arch;
  arch.l2_bytes = 8192;  // staging region: 4096 B
  hw::L2Buffer l2("l2", arch, hw::ClockDomain(1.0));
  ScriptedInitiator dma("dma");
  hw::TransferExtension fill;
  fill.stage_bytes = 3000;
  hw::TransferExtension consume;
  consume.release_bytes = 3000;
  dma.requests = {{tlm::TLM_WRITE_COMMAND, 3000, fill},
                  {tlm::TLM_READ_COMMAND, 3000, consume},
                  {tlm::TLM_WRITE_COMMAND, 3000, fill},
                  {tlm::TLM_WRITE_COMMAND, 3000, fill}};  // 6000 B staged > 4096 B
  dma.socket.bind(l2.socket);
  sc_core::sc_start();
  EXPECT_TRUE(l2.overflowed());
  EXPECT_EQ(l2.peak_staged_bytes(), 6000u);
  EXPECT_EQ(l2.staged_bytes(), 6000u);
  EXPECT_EQ(l2.staging_capacity_bytes(), 4096u);
}

TEST(Noc, WritebackCrossesTheLinkAndLandsInL2) {
  hw::ArchConfig arch;  // 128 Gbps = 16 B/cycle, 1 cycle per hop
  hw::ClockDomain clock(1.0);
  hw::L2Buffer l2("l2", arch, clock);
  hw::Noc noc("noc", arch, clock);
  SinkTarget sink("sink");
  noc.l2_socket.bind(l2.socket);
  noc.cluster_socket.bind(sink.socket);
  ScriptedInitiator cluster("cluster0");
  cluster.requests = {{tlm::TLM_WRITE_COMMAND, 1600, {}}};
  cluster.socket.bind(noc.writeback_socket);        // binding 0 = cluster 0: one hop from L2
  CompletionProbe probe("probe", cluster, 101, 1);  // 1600 / 16 = 100 cycles + 1 hop
  sc_core::sc_start();
  EXPECT_TRUE(probe.checked);
  EXPECT_EQ(noc.bytes(), 1600u);
  EXPECT_EQ(noc.byte_hops(), 1600u);
  EXPECT_EQ(l2.write_bytes(), 1600u);
}

}  // namespace
}  // namespace nm::test
