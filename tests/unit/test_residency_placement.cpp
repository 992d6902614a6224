// plan_residency's L2 addresses (sw/lowering/lowering.cpp, place_on_chip_tensors): every on-chip
// tensor lies inside the activation region, and no two tensors that are live at the same time
// share a byte, re-derived here from the kernels' streams alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "hw/core/arch_config.h"
#include "sw/config/config_loader.h"
#include "sw/graph/graph.h"
#include "sw/graph/workloads.h"
#include "sw/lowering/kernel_program.h"

namespace nm::sw {
namespace {

struct Lifetime {
  int from = -1;  // the kernel that writes the tensor
  int to = -1;    // the last kernel that reads it (as a stream or B operand), or `from`
  int writers = 0;
};

std::vector<Lifetime> lifetimes(const KernelProgram& p) {
  std::vector<Lifetime> life(p.tensors.size());
  for (size_t i = 0; i < p.kernels.size(); ++i) {
    const LoweredKernel& k = p.kernels[i];
    const int at = static_cast<int>(i);
    auto read = [&](int t) {
      Lifetime& l = life.at(static_cast<size_t>(t));
      l.to = std::max(l.to, at);
    };
    for (int s : k.streams) read(s);
    if (k.b_operand >= 0) read(k.b_operand);
    Lifetime& out = life.at(static_cast<size_t>(k.output));
    if (out.writers++ == 0) out.from = at;
    out.to = std::max(out.to, at);
  }
  return life;
}

struct Placement {
  size_t on_chip = 0;
  size_t spilled = 0;  // activations (neither constant nor pinned) left in DRAM
  uint64_t peak_address = 0;
  std::vector<std::string> problems;  // every broken property, one line each
};

std::string describe(const KernelProgram& p, size_t t, uint64_t begin, uint64_t end, const Lifetime& l) {
  return p.tensors[t].name + " [" + std::to_string(begin) + ", " + std::to_string(end) + ") kernels [" +
         std::to_string(l.from) + ", " + std::to_string(l.to) + "]";
}

// Checks (a) bounds and (b) no overlap of simultaneously live tensors, plus what an on-chip
// tensor must be (an activation with one producer).
Placement check_placement(const KernelProgram& p, const hw::ArchConfig& arch) {
  const uint64_t region = arch.l2_activation_bytes();
  const std::vector<Lifetime> life = lifetimes(p);
  struct Placed {
    size_t tensor;
    uint64_t begin, end;
    Lifetime life;
  };
  std::vector<Placed> placed;
  Placement s;
  for (size_t t = 0; t < p.tensors.size(); ++t) {
    const ProgramTensor& pt = p.tensors[t];
    if (!pt.on_chip) {
      s.spilled += !pt.constant && !pt.pinned_dram && life[t].writers > 0;
      continue;
    }
    if (pt.constant || pt.pinned_dram) s.problems.push_back(pt.name + " is on chip but lives in DRAM");
    if (life[t].writers != 1) {
      s.problems.push_back(pt.name + " is on chip with " + std::to_string(life[t].writers) + " producers");
    }
    const uint64_t bytes = tensor_bytes(pt, arch.datatype);
    const Placed at{t, pt.l2_address, pt.l2_address + bytes, life[t]};
    // (a) inside [0, region).
    if (bytes == 0 || at.end > region) {
      s.problems.push_back(describe(p, t, at.begin, at.end, at.life) + " outside the region [0, " +
                           std::to_string(region) + ")");
    }
    placed.push_back(at);
    s.peak_address = std::max(s.peak_address, at.end);
  }
  s.on_chip = placed.size();
  // (b) live at the same time -> disjoint bytes. Sorted by address, only tensors that start
  // before one ends can overlap it.
  std::sort(placed.begin(), placed.end(), [](const Placed& a, const Placed& b) { return a.begin < b.begin; });
  for (size_t i = 0; i < placed.size(); ++i) {
    for (size_t j = i + 1; j < placed.size() && placed[j].begin < placed[i].end; ++j) {
      const Placed& a = placed[i];
      const Placed& b = placed[j];
      if (a.life.from <= b.life.to && b.life.from <= a.life.to) {
        s.problems.push_back(describe(p, a.tensor, a.begin, a.end, a.life) + " overlaps " +
                             describe(p, b.tensor, b.begin, b.end, b.life));
      }
    }
  }
  return s;
}

void expect_no_problems(const Placement& s) {
  EXPECT_TRUE(s.problems.empty()) << s.problems.size() << " problems, the first: "
                                  << (s.problems.empty() ? "" : s.problems.front());
}

hw::ArchConfig default_arch() {
  return builtin_default_config().arch;
}

KernelProgram planned(const Graph& g, const hw::ArchConfig& arch) {
  KernelProgram p = lower_graph(g, LoweringOptions{arch.datatype, arch.pwl_granularity});
  plan_residency(p, arch);
  return p;
}

const char* const kWorkloads[] = {"resnet50", "bert_base", "gcn"};

TEST(ResidencyPlacement, DefaultConfigPlacesLiveTensorsDisjointlyInsideTheRegion) {
  const hw::ArchConfig arch = default_arch();
  ASSERT_EQ(arch.l2_bytes, 1u << 20);
  ASSERT_EQ(arch.l2_activation_bytes(), 512u << 10);
  for (const char* name : kWorkloads) {
    SCOPED_TRACE(name);
    const Graph g = load_workload(name, WorkloadOptions{}, {});
    const KernelProgram p = planned(g, arch);
    const Placement s = check_placement(p, arch);
    expect_no_problems(s);
    EXPECT_GT(s.on_chip, 10u);  // the check is not vacuous
    EXPECT_LE(s.peak_address, arch.l2_activation_bytes());
  }
}

TEST(ResidencyPlacement, SmallL2KeepsThePropertiesAndSpills) {
  hw::ArchConfig arch = default_arch();
  arch.l2_bytes = 256u << 10;  // 128 KiB activation region
  for (const char* name : kWorkloads) {
    SCOPED_TRACE(name);
    const Graph g = load_workload(name, WorkloadOptions{}, {});
    const KernelProgram p = planned(g, arch);
    const Placement s = check_placement(p, arch);
    expect_no_problems(s);
    EXPECT_GT(s.on_chip, 10u);
    if (std::string(name) != "gcn") {
      EXPECT_GT(s.spilled, 0u);  // the region is really too small (gcn's activations all fit)
    }
  }
}

TEST(ResidencyPlacement, Fp16AndTinyRegionKeepTheProperties) {
  for (uint64_t l2 : {uint64_t{64} << 10, uint64_t{4} << 20}) {
    hw::ArchConfig arch = default_arch();
    arch.l2_bytes = l2;
    arch.datatype = hw::DataType::kFp16;
    SCOPED_TRACE("l2 " + std::to_string(l2));
    const KernelProgram p = planned(load_workload("bert_base", WorkloadOptions{}, {}), arch);
    const Placement s = check_placement(p, arch);
    expect_no_problems(s);
    EXPECT_GT(s.on_chip, 0u);
  }
}

TEST(ResidencyPlacement, CheckerDetectsInjectedOverlapAndOverflow) {
  // The checks above can fail: move a tensor onto the input of the kernel that produces it (both
  // live at that kernel), or past the region's end.
  const hw::ArchConfig arch = default_arch();
  const KernelProgram planned_gcn = planned(load_workload("gcn", WorkloadOptions{}, {}), arch);
  int producer = -1;
  for (size_t i = 0; i < planned_gcn.kernels.size() && producer < 0; ++i) {
    const LoweredKernel& k = planned_gcn.kernels[i];
    if (planned_gcn.tensors[static_cast<size_t>(k.output)].on_chip &&
        planned_gcn.tensors[static_cast<size_t>(k.streams.at(0))].on_chip) {
      producer = static_cast<int>(i);
    }
  }
  ASSERT_GE(producer, 0);
  const LoweredKernel& k = planned_gcn.kernels[static_cast<size_t>(producer)];
  KernelProgram overlap = planned_gcn;
  overlap.tensors[static_cast<size_t>(k.output)].l2_address =
      overlap.tensors[static_cast<size_t>(k.streams.at(0))].l2_address;
  const Placement bad_overlap = check_placement(overlap, arch);
  ASSERT_FALSE(bad_overlap.problems.empty());
  EXPECT_NE(bad_overlap.problems[0].find("overlaps"), std::string::npos) << bad_overlap.problems[0];
  KernelProgram overflow = planned_gcn;
  overflow.tensors[static_cast<size_t>(k.output)].l2_address = arch.l2_activation_bytes() - 1;
  const Placement bad_overflow = check_placement(overflow, arch);
  ASSERT_FALSE(bad_overflow.problems.empty());
  EXPECT_NE(bad_overflow.problems[0].find("outside the region"), std::string::npos)
      << bad_overflow.problems[0];
}

TEST(ResidencyPlacement, AddressesReuseFreedSpace) {
  // Far more bytes pass through L2 over a network than the region holds: space is reused.
  const hw::ArchConfig arch = default_arch();
  const KernelProgram p = planned(load_workload("resnet50", WorkloadOptions{}, {}), arch);
  uint64_t total = 0;
  for (const ProgramTensor& t : p.tensors) {
    if (t.on_chip) total += tensor_bytes(t, arch.datatype);
  }
  EXPECT_GT(total, 4 * arch.l2_activation_bytes());
}

}  // namespace
}  // namespace nm::sw
