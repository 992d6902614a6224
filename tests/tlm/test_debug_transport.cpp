// Debug transport (TLM-2.0 transport_dbg): data held by the DRAM channels and the L2 activation
// region, moved without simulated time and without touching timing state or counters. One
// elaboration per process (ctest runs each TEST alone).
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "hw/core/dram_address_map.h"
#include "hw/core/noc_topology.h"
#include "hw/core/tile_plan.h"
#include "hw/tlm/accelerator.h"
#include "sw/runtime/driver.h"
#include "tlm_test_util.h"

namespace nm::test {
namespace {

using sc_core::SC_NS;
using sc_core::sc_time;
using sc_core::sc_time_stamp;

constexpr uint64_t kPageBytes = 64 * 1024;  // DramChannel's backing-store page
constexpr uint64_t kMiB = 1024 * 1024;

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> bytes(n);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
  return bytes;
}

// Runs `body` in a SystemC thread at `start`, once elaboration has bound every socket.
class HostThread : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(HostThread);
  std::function<void()> body;
  sc_time start = sc_core::SC_ZERO_TIME;
  bool ran = false;
  explicit HostThread(sc_core::sc_module_name name) : sc_module(name) { SC_THREAD(run); }

 private:
  void run() {
    wait(start);
    body();
    ran = true;
  }
};

// A host thread with its own socket, to reach one target directly.
class DebugInitiator : public HostThread {
 public:
  tlm_utils::simple_initiator_socket<DebugInitiator> socket;
  tlm::tlm_response_status status = tlm::TLM_INCOMPLETE_RESPONSE;
  explicit DebugInitiator(sc_core::sc_module_name name) : HostThread(name), socket("socket") {}

  unsigned int transfer(tlm::tlm_command command, uint64_t address, uint8_t* data, uint64_t bytes) {
    tlm::tlm_generic_payload payload;
    hw::init_transfer(payload, command, address, bytes);
    payload.set_data_ptr(data);
    const unsigned int moved = socket->transport_dbg(payload);
    status = payload.get_response_status();
    return moved;
  }
};

void expect_all_counters_zero(const hw::Accelerator& accelerator) {
  for (const auto& module : accelerator.module_stats()) {
    for (const auto& [counter, value] : module.counters)
      EXPECT_EQ(value, 0u) << module.name << "." << counter;
  }
}

TEST(DebugTransport, DramChannelStoresSparselyAndReadsZerosWhereNothingWasWritten) {
  hw::DramChannel dram("dram", 4.0, 50, hw::ClockDomain(1.0));
  DebugInitiator host("host");
  host.socket.bind(dram.socket);
  host.start = sc_time(5, SC_NS);
  host.body = [&] {
    const std::vector<uint8_t> pattern = random_bytes(1000, 1);
    std::vector<uint8_t> data = pattern;
    EXPECT_EQ(host.transfer(tlm::TLM_WRITE_COMMAND, kPageBytes - 500, data.data(), data.size()), 1000u);
    EXPECT_EQ(host.status, tlm::TLM_OK_RESPONSE);
    std::vector<uint8_t> back(1000, 0xff);
    EXPECT_EQ(host.transfer(tlm::TLM_READ_COMMAND, kPageBytes - 500, back.data(), back.size()), 1000u);
    EXPECT_EQ(back, pattern);
    std::vector<uint8_t> untouched(300, 0xff);
    EXPECT_EQ(host.transfer(tlm::TLM_READ_COMMAND, 1ull << 40, untouched.data(), untouched.size()), 300u);
    EXPECT_EQ(untouched, std::vector<uint8_t>(300, 0));
    EXPECT_EQ(sc_time_stamp(), sc_time(5, SC_NS));
  };
  sc_core::sc_start();
  ASSERT_TRUE(host.ran);
  EXPECT_EQ(dram.stored_bytes(), 2 * kPageBytes);  // the write straddles two pages; reads allocate none
  EXPECT_EQ(dram.read_bytes(), 0u);
  EXPECT_EQ(dram.write_bytes(), 0u);
  EXPECT_EQ(dram.busy_cycles(), 0u);
}

TEST(DebugTransport, L2BufferHoldsTheActivationRegionAndRejectsAccessesBeyondIt) {
  hw::ArchConfig arch;
  arch.l2_bytes = 8192;  // activation region: [0, 4096)
  hw::L2Buffer l2("l2", arch, hw::ClockDomain(1.0));
  DebugInitiator host("host");
  host.socket.bind(l2.socket);
  host.body = [&] {
    std::vector<uint8_t> untouched(16, 0xff);
    EXPECT_EQ(host.transfer(tlm::TLM_READ_COMMAND, 0, untouched.data(), untouched.size()), 16u);
    EXPECT_EQ(untouched, std::vector<uint8_t>(16, 0));
    const std::vector<uint8_t> pattern = random_bytes(96, 2);
    std::vector<uint8_t> data = pattern;
    EXPECT_EQ(host.transfer(tlm::TLM_WRITE_COMMAND, 4000, data.data(), data.size()), 96u);  // ends at 4096
    std::vector<uint8_t> back(96);
    EXPECT_EQ(host.transfer(tlm::TLM_READ_COMMAND, 4000, back.data(), back.size()), 96u);
    EXPECT_EQ(back, pattern);
    EXPECT_EQ(host.transfer(tlm::TLM_WRITE_COMMAND, 4001, data.data(), data.size()), 0u);  // one byte over
    EXPECT_EQ(host.status, tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(host.transfer(tlm::TLM_READ_COMMAND, 5000, back.data(), 1), 0u);
    EXPECT_EQ(host.status, tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(host.transfer(tlm::TLM_READ_COMMAND, 4000, back.data(), back.size()), 96u);
    EXPECT_EQ(back, pattern);  // the rejected write moved nothing
  };
  sc_core::sc_start();
  ASSERT_TRUE(host.ran);
  EXPECT_EQ(l2.read_bytes(), 0u);
  EXPECT_EQ(l2.write_bytes(), 0u);
  EXPECT_EQ(l2.busy_cycles(), 0u);
  EXPECT_EQ(l2.peak_staged_bytes(), 0u);
}

hw::KernelDesc gemm(uint64_t m, uint64_t n, uint64_t k, bool operands_in_dram) {
  hw::KernelDesc d;
  d.name = "gemm";
  d.kind = hw::KernelKind::kGemm;
  d.m = m;
  d.n = n;
  d.k = k;
  d.out_on_chip = !operands_in_dram;
  if (operands_in_dram) {
    d.a_dram_bytes = m * k;
    d.b_dram_bytes = k * n;
  }
  return d;
}

// The accelerator with its driver (which binds the command socket); no kernels means the driver
// finishes at once and leaves the memories to the test.
struct System {
  hw::Accelerator accelerator;
  sw::Driver driver;
  System(const std::string& prefix, const hw::ArchConfig& arch, std::vector<sw::IssuedKernel> kernels = {})
      : accelerator((prefix + "_accelerator").c_str(), arch),
        driver((prefix + "_driver").c_str(), accelerator, std::move(kernels),
               hw::ClockDomain(arch.clock_ghz)) {
    driver.socket.bind(accelerator.command_processor().socket);
  }
};

TEST(DebugTransport, AcceleratorDramDataIsInterleavedOverTheChannelsWithoutTimeOrCounters) {
  hw::ArchConfig arch;
  arch.dram_channels = 4;  // 64 B bursts
  System system("system", arch);
  hw::Accelerator& accelerator = system.accelerator;
  HostThread host("host");
  host.start = sc_time(7, SC_NS);
  const uint64_t address = 3 * kMiB + 37;  // not burst aligned
  const std::vector<uint8_t> pattern = random_bytes(kMiB, 3);
  host.body = [&] {
    // Burst c of the global space lands in channel c alone.
    for (uint32_t c = 0; c < arch.dram_channels; ++c) {
      uint8_t byte = static_cast<uint8_t>(0xa0 + c);
      EXPECT_EQ(accelerator.debug_dram(tlm::TLM_WRITE_COMMAND, c * arch.dram_burst_bytes + 5, &byte, 1), 1u);
      for (uint32_t d = 0; d < arch.dram_channels; ++d)
        EXPECT_EQ(accelerator.dram_channel(d).stored_bytes(), d <= c ? kPageBytes : 0) << c << " " << d;
    }
    std::vector<uint8_t> data = pattern;
    EXPECT_EQ(accelerator.debug_dram(tlm::TLM_WRITE_COMMAND, address, data.data(), data.size()), kMiB);
    std::vector<uint8_t> back(kMiB);
    EXPECT_EQ(accelerator.debug_dram(tlm::TLM_READ_COMMAND, address, back.data(), back.size()), kMiB);
    EXPECT_TRUE(back == pattern);
    // Read again in slices that straddle bursts differently: the same bytes.
    std::vector<uint8_t> sliced(kMiB);
    for (uint64_t offset = 0; offset < kMiB; offset += 1000) {
      const uint64_t n = std::min<uint64_t>(1000, kMiB - offset);
      accelerator.debug_dram(tlm::TLM_READ_COMMAND, address + offset, sliced.data() + offset, n);
    }
    EXPECT_TRUE(sliced == pattern);
    uint8_t first = 0;
    accelerator.debug_dram(tlm::TLM_READ_COMMAND, 2 * arch.dram_burst_bytes + 5, &first, 1);
    EXPECT_EQ(first, 0xa2);
    EXPECT_EQ(sc_time_stamp(), sc_time(7, SC_NS));
  };
  sc_core::sc_start();
  ASSERT_TRUE(host.ran);

  // Each channel took its share of the 1 MiB (within one burst) and holds exactly the pages the
  // address map says the writes touched.
  std::map<uint32_t, uint64_t> share;
  std::map<uint32_t, std::set<uint64_t>> pages;
  for (uint32_t c = 0; c < arch.dram_channels; ++c) pages[c].insert(0);  // the single bytes
  hw::for_each_dram_piece(
      address, kMiB, arch.dram_channels, arch.dram_burst_bytes, [&](const hw::DramPiece& p) {
        share[p.location.channel] += p.length;
        pages[p.location.channel].insert(p.location.local_address / kPageBytes);
        pages[p.location.channel].insert((p.location.local_address + p.length - 1) / kPageBytes);
      });
  for (uint32_t c = 0; c < arch.dram_channels; ++c) {
    EXPECT_NEAR(static_cast<double>(share[c]), kMiB / arch.dram_channels, arch.dram_burst_bytes) << c;
    EXPECT_EQ(accelerator.dram_channel(c).stored_bytes(), pages[c].size() * kPageBytes) << c;
  }
  expect_all_counters_zero(accelerator);
  EXPECT_EQ(sc_time_stamp(), sc_time(7, SC_NS));
}

TEST(DebugTransport, AcceleratorL2DataStaysInTheActivationRegionAndOutOfRangeThrows) {
  hw::ArchConfig arch;  // 1 MiB L2, half of it activations
  System system("system", arch);
  hw::Accelerator& accelerator = system.accelerator;
  HostThread host("host");
  host.body = [&] {
    const uint64_t region = arch.l2_activation_bytes();
    const std::vector<uint8_t> pattern = random_bytes(4096, 4);
    std::vector<uint8_t> data = pattern;
    EXPECT_EQ(accelerator.debug_l2(tlm::TLM_WRITE_COMMAND, region - 4096, data.data(), data.size()), 4096u);
    std::vector<uint8_t> back(4096);
    EXPECT_EQ(accelerator.debug_l2(tlm::TLM_READ_COMMAND, region - 4096, back.data(), back.size()), 4096u);
    EXPECT_EQ(back, pattern);
    EXPECT_THROW(accelerator.debug_l2(tlm::TLM_READ_COMMAND, region - 10, back.data(), 11),
                 std::runtime_error);
    EXPECT_THROW(accelerator.debug_l2(tlm::TLM_WRITE_COMMAND, region, data.data(), 1), std::runtime_error);
    EXPECT_EQ(sc_time_stamp(), sc_core::SC_ZERO_TIME);
  };
  sc_core::sc_start();
  ASSERT_TRUE(host.ran);
  expect_all_counters_zero(accelerator);
}

TEST(DebugTransport, AccessBeforeElaborationThrowsAndWorksOnceItCompleted) {
  hw::ArchConfig arch;
  System system("system", arch);
  hw::Accelerator& accelerator = system.accelerator;
  uint8_t byte = 42;
  EXPECT_THROW(accelerator.debug_dram(tlm::TLM_WRITE_COMMAND, 0, &byte, 1), std::runtime_error);
  EXPECT_THROW(accelerator.debug_l2(tlm::TLM_WRITE_COMMAND, 0, &byte, 1), std::runtime_error);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);  // elaborates; the host may then call from outside a process
  EXPECT_EQ(accelerator.debug_dram(tlm::TLM_WRITE_COMMAND, 0, &byte, 1), 1u);
  byte = 0;
  EXPECT_EQ(accelerator.debug_dram(tlm::TLM_READ_COMMAND, 0, &byte, 1), 1u);
  EXPECT_EQ(byte, 42);
}

TEST(DebugTransport, DriverHooksMoveDataWithoutChangingTimingOrCounts) {
  // Two identical systems in one elaboration (they share nothing): one with hooks that move
  // data between kernels, one without. Every measurement must agree.
  hw::ArchConfig arch;
  arch.pe_count = 16;
  arch.clusters = 2;
  arch.dram_channels = 2;
  const hw::KernelDesc on_chip = gemm(8, 8, 16, false);
  const hw::KernelDesc from_dram = gemm(24, 20, 40, true);
  hw::KernelDesc gather;
  gather.name = "gather";
  gather.kind = hw::KernelKind::kDma;
  gather.dram_read_bytes = 4096;
  gather.out_on_chip = true;
  const std::vector<sw::IssuedKernel> kernels = {
      {&on_chip, {4, 4, 8, false, false}}, {&from_dram, {8, 8, 16, false, false}}, {&gather, {}}};
  System hooked("hooked", arch, kernels);
  System plain("plain", arch, kernels);

  const uint64_t dram_address = 1000003, l2_address = 123;
  std::vector<uint8_t> dram_expected = random_bytes(256 * 1024, 5);
  std::vector<uint8_t> l2_expected = random_bytes(8192, 6);
  std::vector<size_t> hook_calls;
  hw::Accelerator& accelerator = hooked.accelerator;
  auto write_both = [&] {
    std::vector<uint8_t> dram = dram_expected, l2 = l2_expected;
    accelerator.debug_dram(tlm::TLM_WRITE_COMMAND, dram_address, dram.data(), dram.size());
    accelerator.debug_l2(tlm::TLM_WRITE_COMMAND, l2_address, l2.data(), l2.size());
  };
  hooked.driver.set_hooks(
      [&] {
        EXPECT_EQ(sc_time_stamp(), sc_core::SC_ZERO_TIME);
        EXPECT_TRUE(hooked.driver.measurements().empty());
        write_both();
      },
      [&](size_t i) {
        hook_calls.push_back(i);
        EXPECT_EQ(hooked.driver.measurements().size(), i + 1);  // recorded before the hook
        const sc_time before = sc_time_stamp();
        std::vector<uint8_t> dram(dram_expected.size()), l2(l2_expected.size());
        accelerator.debug_dram(tlm::TLM_READ_COMMAND, dram_address, dram.data(), dram.size());
        accelerator.debug_l2(tlm::TLM_READ_COMMAND, l2_address, l2.data(), l2.size());
        EXPECT_TRUE(dram == dram_expected) << i;
        EXPECT_TRUE(l2 == l2_expected) << i;
        dram_expected = random_bytes(dram_expected.size(), 10 + static_cast<uint32_t>(i));
        l2_expected = random_bytes(l2_expected.size(), 20 + static_cast<uint32_t>(i));
        write_both();
        EXPECT_EQ(sc_time_stamp(), before);
      });
  sc_core::sc_start();
  ASSERT_TRUE(hooked.driver.finished());
  ASSERT_TRUE(plain.driver.finished());
  EXPECT_EQ(hook_calls, (std::vector<size_t>{0, 1, 2}));

  const hw::NocTopology noc(arch.clusters, arch.noc_mesh_cols());
  for (size_t i = 0; i < kernels.size(); ++i) {
    const sw::KernelMeasurement& with = hooked.driver.measurements().at(i);
    const sw::KernelMeasurement& without = plain.driver.measurements().at(i);
    EXPECT_EQ(with.start_cycle, without.start_cycle) << i;
    EXPECT_EQ(with.end_cycle, without.end_cycle) << i;
    EXPECT_EQ(with.busy.compute_busy_cycles, without.busy.compute_busy_cycles) << i;
    EXPECT_EQ(with.busy.noc_busy_cycles, without.busy.noc_busy_cycles) << i;
    EXPECT_EQ(with.busy.l2_busy_cycles, without.busy.l2_busy_cycles) << i;
    EXPECT_EQ(with.busy.dram_busy_cycles, without.busy.dram_busy_cycles) << i;
    EXPECT_TRUE(with.counts == without.counts) << i;
    const hw::ActionCounts planned = hw::plan_action_counts(
        hw::build_tile_plan(*kernels[i].kernel, kernels[i].mapping, arch), noc, arch.dram_burst_bytes);
    EXPECT_TRUE(with.counts == planned) << i;
  }
  const auto with_stats = hooked.accelerator.module_stats();
  const auto without_stats = plain.accelerator.module_stats();
  ASSERT_EQ(with_stats.size(), without_stats.size());
  for (size_t m = 0; m < with_stats.size(); ++m)
    EXPECT_EQ(with_stats[m].counters, without_stats[m].counters) << with_stats[m].name;
  EXPECT_GT(hooked.accelerator.dram_channel(0).stored_bytes(), 0u);
  EXPECT_EQ(plain.accelerator.dram_channel(0).stored_bytes(), 0u);
}

}  // namespace
}  // namespace nm::test
