// Whole-accelerator SystemC tests: kernels issued by the driver through the command processor,
// DMA, L2, NoC, clusters and DRAM. One elaboration per process (ctest runs each TEST alone).
#include <gtest/gtest.h>

#include <cmath>

#include "hw/core/noc_topology.h"
#include "hw/core/os_dataflow.h"
#include "hw/core/pipeline_model.h"
#include "hw/core/tile_plan.h"
#include "hw/tlm/accelerator.h"
#include "sw/mapping/mapper.h"
#include "sw/runtime/driver.h"
#include "tlm_test_util.h"

namespace nm::test {
namespace {

struct System {
  hw::Accelerator accelerator;
  sw::Driver driver;
  System(const hw::ArchConfig& arch, std::vector<sw::IssuedKernel> kernels)
      : accelerator("accelerator", arch),
        driver("driver", accelerator, std::move(kernels), hw::ClockDomain(arch.clock_ghz)) {
    driver.socket.bind(accelerator.command_processor().socket);
  }
  const sw::KernelMeasurement& run_one() {
    sc_core::sc_start();
    EXPECT_TRUE(driver.finished());
    return driver.measurements().at(0);
  }
};

hw::KernelDesc gemm(uint64_t m, uint64_t n, uint64_t k) {
  hw::KernelDesc d;
  d.name = "gemm";
  d.kind = hw::KernelKind::kGemm;
  d.m = m;
  d.n = n;
  d.k = k;
  d.out_on_chip = true;
  return d;
}

TEST(Accelerator, TinyGemmCompletesAtTheExactCycle) {
  // One cluster of 2x2 PEs; operands and result on chip. NoC: A (2x4 B) then B (4x2 B), each
  // ceil(8/16) = 1 link cycle + 1 hop = 2 cycles -> 4; compute 4 * 1 * 1 + fill/drain (2+2)
  // = 8 -> 12; writeback of 4 B: 1 link cycle + 1 hop -> 14.
  hw::ArchConfig arch;
  arch.pe_count = 4;
  arch.clusters = 1;
  const hw::KernelDesc k = gemm(2, 2, 4);
  System sys(arch, {{&k, hw::Mapping{2, 2, 4, false, false}}});
  const auto& m = sys.run_one();
  EXPECT_EQ(m.end_cycle - m.start_cycle, 14u);
  EXPECT_EQ(m.counts.macs, 16u);
  EXPECT_EQ(m.counts.pe_busy_cycles, 8u);
  const hw::NocTopology noc(arch.clusters, arch.noc_mesh_cols());
  EXPECT_EQ(hw::estimate_plan_timing(hw::build_tile_plan(k, {2, 2, 4, false, false}, arch), arch, noc).cycles,
            14u);
}

TEST(Accelerator, ComputeBoundGemmWithinTwoPercentOfClosedForm) {
  hw::ArchConfig arch;
  arch.noc_bandwidth_gbps = 1e6;  // take the NoC and DRAM out of the way
  arch.dram_bandwidth_gbps = 1e6;
  const hw::KernelDesc k = gemm(1024, 1024, 1024);
  const hw::Mapping mapping{128, 128, 64, false, false};
  // Closed form: 64 output tiles on 8 clusters = 8 waves; a 128x128 tile on a 16x8 grid is
  // 8x16 outputs per PE, so K steps cost 1024 * 128 cycles, plus 16 + 8 fill/drain.
  const double closed_form = 8.0 * (1024.0 * 8 * 16 + 16 + 8);
  System sys(arch, {{&k, mapping}});
  const auto& m = sys.run_one();
  const double simulated = static_cast<double>(m.end_cycle - m.start_cycle);
  EXPECT_NEAR(simulated, closed_form, 0.02 * closed_form);
  EXPECT_GE(simulated, closed_form);
  EXPECT_EQ(m.busy.bound, hw::Bound::kCompute);
}

TEST(Accelerator, DramBoundGemmWithinTwoPercentOfBytesOverBandwidth) {
  // A 4096x4096 int8 weight matrix streamed once from DRAM (32 Gbps = 4 B/cycle) for 8 rows.
  hw::ArchConfig arch;
  hw::KernelDesc k = gemm(8, 4096, 4096);
  k.b_dram_bytes = 4096ull * 4096;
  hw::EnergyTable energy;
  sw::Mapper mapper(arch, energy, "test");
  const hw::Mapping mapping = mapper.map(k).mapping;
  System sys(arch, {{&k, mapping}});
  const auto& m = sys.run_one();
  EXPECT_EQ(m.counts.dram_read_bytes, k.b_dram_bytes);
  const double bound = static_cast<double>(k.b_dram_bytes) / arch.dram_bytes_per_cycle();
  const double simulated = static_cast<double>(m.end_cycle - m.start_cycle);
  EXPECT_NEAR(simulated, bound, 0.02 * bound);
  EXPECT_GE(simulated, bound);
  EXPECT_EQ(m.busy.bound, hw::Bound::kDram);
}

// The same kernel under LPDDR4-3200 (51.2 Gbit/s peak): a stream of weights runs at 85-100% of
// the standard's peak, and the analytical model times the same command stream within 1%.
TEST(Accelerator, DramBoundGemmUnderAStandardMatchesTheAnalyticalModel) {
  hw::ArchConfig arch;
  arch.dram_standard = "lpddr4_3200";
  hw::KernelDesc k = gemm(8, 4096, 4096);
  k.b_dram_bytes = 4096ull * 4096;
  hw::EnergyTable energy;
  sw::Mapper mapper(arch, energy, "test");
  const sw::MappingChoice& choice = mapper.map(k);
  System sys(arch, {{&k, choice.mapping}});
  const auto& m = sys.run_one();
  const double peak = static_cast<double>(k.b_dram_bytes) / arch.dram_bytes_per_cycle();
  const double simulated = static_cast<double>(m.end_cycle - m.start_cycle);
  EXPECT_GE(simulated, peak);
  EXPECT_LE(simulated, peak / 0.85);
  EXPECT_NEAR(static_cast<double>(choice.estimate.cycles), simulated, 0.01 * simulated);
  EXPECT_EQ(m.busy.bound, hw::Bound::kDram);
  EXPECT_EQ(m.counts.dram_read_bursts, k.b_dram_bytes / 32);  // LPDDR4: 32 B per BL16 burst
  EXPECT_GT(m.counts.dram_row_hits, m.counts.dram_read_bursts * 9 / 10);
  EXPECT_GT(m.counts.dram_refreshes, 0u);
}

TEST(Accelerator, ModulesCountExactlyWhatThePlanImplies) {
  hw::ArchConfig arch;
  hw::KernelDesc g = gemm(300, 200, 500);  // odd shapes: partial tiles everywhere
  g.a_dram_bytes = 300 * 500;
  g.b_dram_bytes = 500 * 200;
  g.out_on_chip = false;
  hw::KernelDesc e;
  e.name = "pwl";
  e.kind = hw::KernelKind::kElementwise;
  e.m = 100000;
  e.input_streams = 1;
  e.index_input = 1;
  e.table_bytes = 68;
  e.a_dram_bytes = 200000;
  hw::KernelDesc d;
  d.name = "gather";
  d.kind = hw::KernelKind::kDma;
  d.dram_read_bytes = 98304;
  d.out_on_chip = true;
  const hw::Mapping gm{64, 32, 32, false, true}, em{16, 1, 1, false, false}, dm{};
  System sys(arch, {{&g, gm}, {&e, em}, {&d, dm}});
  sc_core::sc_start();
  ASSERT_TRUE(sys.driver.finished());
  const hw::NocTopology noc(arch.clusters, arch.noc_mesh_cols());
  const std::vector<std::pair<const hw::KernelDesc*, hw::Mapping>> issued = {{&g, gm}, {&e, em}, {&d, dm}};
  for (size_t i = 0; i < issued.size(); ++i) {
    const hw::ActionCounts expected = hw::plan_action_counts(
        hw::build_tile_plan(*issued[i].first, issued[i].second, arch), noc, arch.dram_burst_bytes);
    const hw::ActionCounts& got = sys.driver.measurements()[i].counts;
    EXPECT_EQ(got.macs, expected.macs) << i;
    EXPECT_EQ(got.l1_read_bytes, expected.l1_read_bytes) << i;
    EXPECT_EQ(got.l1_write_bytes, expected.l1_write_bytes) << i;
    EXPECT_EQ(got.l2_read_bytes, expected.l2_read_bytes) << i;
    EXPECT_EQ(got.l2_write_bytes, expected.l2_write_bytes) << i;
    EXPECT_EQ(got.noc_bytes, expected.noc_bytes) << i;
    EXPECT_EQ(got.noc_byte_hops, expected.noc_byte_hops) << i;
    EXPECT_EQ(got.dram_read_bytes, expected.dram_read_bytes) << i;
    EXPECT_EQ(got.dram_write_bytes, expected.dram_write_bytes) << i;
    EXPECT_EQ(got.pe_busy_cycles, expected.pe_busy_cycles) << i;
  }
  EXPECT_EQ(sys.driver.measurements()[0].counts.macs, 300u * 200 * 500);
  EXPECT_FALSE(sys.accelerator.l2().overflowed());
}

TEST(CommandProcessor, StreamsALongPlanThroughABoundedWindowOfSteps) {
  // A decode-style GEMV with thousands of plan steps, then a DMA copy of many chunks (DMA-only
  // steps, released by the DMA itself): the command processor never holds more than its window,
  // and the run counts exactly what the whole plan implies.
  hw::ArchConfig arch;
  hw::KernelDesc g = gemm(1, 8192, 4096);
  g.a_dram_bytes = 4096;
  g.b_dram_bytes = 4096 * 8192;
  g.out_on_chip = false;
  hw::KernelDesc d;
  d.name = "copy";
  d.kind = hw::KernelKind::kDma;
  d.dram_read_bytes = 64 * arch.l2_staging_bytes();
  d.out_on_chip = false;
  const hw::Mapping gm{2, 64, 16, false, false}, dm{};
  const hw::TilePlan gemm_plan = hw::build_tile_plan(g, gm, arch);
  const hw::TilePlan dma_plan = hw::build_tile_plan(d, dm, arch);
  ASSERT_GT(gemm_plan.steps.size(), 1000u);
  ASSERT_GT(dma_plan.steps.size(), 100u);
  System sys(arch, {{&g, gm}, {&d, dm}});
  sc_core::sc_start();
  ASSERT_TRUE(sys.driver.finished());
  EXPECT_LE(sys.accelerator.command_processor().peak_steps_held(), hw::CommandProcessor::kStepWindow);
  EXPECT_GE(sys.accelerator.command_processor().peak_steps_held(), 4u);  // the DMA ran ahead
  const hw::NocTopology noc(arch.clusters, arch.noc_mesh_cols());
  const hw::ActionCounts planned[] = {hw::plan_action_counts(gemm_plan, noc, arch.dram_burst_bytes),
                                      hw::plan_action_counts(dma_plan, noc, arch.dram_burst_bytes)};
  for (size_t i = 0; i < 2; ++i) {
    const hw::ActionCounts& got = sys.driver.measurements()[i].counts;
    EXPECT_EQ(got.macs, planned[i].macs) << i;
    EXPECT_EQ(got.dram_read_bytes, planned[i].dram_read_bytes) << i;
    EXPECT_EQ(got.dram_write_bytes, planned[i].dram_write_bytes) << i;
    EXPECT_EQ(got.noc_bytes, planned[i].noc_bytes) << i;
    EXPECT_EQ(got.l1_read_bytes, planned[i].l1_read_bytes) << i;
  }
  EXPECT_EQ(sys.driver.measurements()[0].counts.macs, 8192u * 4096);
}

class BareCommandIssuer : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(BareCommandIssuer);
  tlm_utils::simple_initiator_socket<BareCommandIssuer> socket;
  tlm::tlm_response_status status = tlm::TLM_INCOMPLETE_RESPONSE;
  explicit BareCommandIssuer(sc_core::sc_module_name n) : sc_module(n), socket("socket") { SC_THREAD(run); }

 private:
  void run() {
    tlm::tlm_generic_payload p;
    hw::init_transfer(p, tlm::TLM_WRITE_COMMAND, 0, 0);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    socket->b_transport(p, delay);
    status = p.get_response_status();
  }
};

TEST(CommandProcessor, RejectsACommandWithoutItsMandatoryExtension) {
  hw::ArchConfig arch;
  hw::Accelerator accelerator("accelerator", arch);
  BareCommandIssuer issuer("issuer");
  issuer.socket.bind(accelerator.command_processor().socket);
  sc_core::sc_start();
  EXPECT_EQ(issuer.status, tlm::TLM_COMMAND_ERROR_RESPONSE);
}

}  // namespace
}  // namespace nm::test
