#pragma once
// Tiling search: picks each kernel's mapping on the analytical cost model, as the paper does
// (tile sizes 2..128 in steps of 2 over M, N and K; minimum latency, energy as tie-break).
//
// Contract: map() returns a mapping that fits L1 and the L2 staging region (validated with
// hw::capacity_violation) or throws nm::InputError naming the buffer key that is too small.
// Results are memoized by kernel shape, so repeated layers cost one search. The whole space is
// ranked on a closed form and only the best candidates are re-ranked on the pipeline model, so
// the pick can miss the pipeline model's optimum by a little (tests hold it within 2% of fixed
// alternatives on a conv, BERT's FFN and attention, and a small GEMM).
#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "hw/core/arch_config.h"
#include "hw/core/energy.h"
#include "hw/core/kernel_desc.h"
#include "hw/core/noc_topology.h"
#include "hw/core/pipeline_model.h"

namespace nm::sw {

// What the mapping search minimises: latency (energy decides among mappings within 1% of the
// best latency), dynamic energy, or their product (energy-delay).
enum class MappingObjective { kLatency, kEnergy, kEdp };
const char* mapping_objective_name(MappingObjective objective);

struct MappingChoice {
  hw::Mapping mapping;
  hw::KernelTiming estimate;  // the pipeline model's timing of the chosen mapping
  double dynamic_energy_pj = 0;
  std::string reason;  // why this mapping won, for --verbose
};

// Closed-form quick cost of a candidate, used to rank the whole search space.
struct QuickCost {
  double cycles = 0;
  double energy_pj = 0;
};
QuickCost quick_cost(const hw::KernelDesc& kernel, const hw::Mapping& mapping, const hw::ArchConfig& arch,
                     const hw::EnergyTable& energy);

class Mapper {
 public:
  // latency_tolerance (kLatency): mappings within this fraction of the fastest count as equally
  // fast, and the least dynamic energy among them wins (0: strictly the fastest).
  Mapper(const hw::ArchConfig& arch, const hw::EnergyTable& energy, std::string config_source,
         MappingObjective objective = MappingObjective::kLatency, double latency_tolerance = 0.01);

  const MappingChoice& map(const hw::KernelDesc& kernel);
  size_t searches() const { return cache_.size(); }

  // How many of the best closed-form candidates are re-ranked on the pipeline model.
  static constexpr size_t kRerankCandidates = 16;
  // Finalists with more than this many times the leanest finalist's steps are not re-ranked.
  static constexpr uint64_t kMaxStepRatio = 4;
  // Under a DRAM standard, candidates are ranked with DRAM as a pipe at this share of the
  // standard's peak (ResNet-50, BERT-base and GCN reach 0.89-0.93 on the four presets).
  static constexpr double kRankDramEfficiency = 0.9;

 private:
  MappingChoice search(const hw::KernelDesc& kernel) const;
  // The streamed plan of `mapping` timed with the configured DRAM (not the ranking pipe).
  hw::KernelTiming timed_estimate(const hw::KernelDesc& kernel, const hw::Mapping& mapping) const;
  // PE grids worth searching for a GEMM: the default, plus for a skinny one every grid shape
  // (Mapping with only pe_rows, pe_cols and k_split set).
  std::vector<hw::Mapping> pe_grids(const hw::KernelDesc& kernel) const;
  // The best of the mappings the pipeline model evaluated, by the objective, with its reason.
  MappingChoice pick(const std::vector<MappingChoice>& evaluated) const;
  [[noreturn]] void throw_no_fit(const hw::KernelDesc& kernel) const;

  hw::ArchConfig arch_;
  hw::EnergyTable energy_;
  std::string config_source_;
  MappingObjective objective_;
  double latency_tolerance_;
  hw::NocTopology noc_;
  hw::ArchConfig rank_arch_;  // arch_, or under a DRAM standard the pipe candidates are ranked on
  // Every KernelDesc field that changes the search's answer; equal keys share one search.
  using ShapeKey = std::array<uint64_t, 27>;
  struct ShapeKeyHash {
    size_t operator()(const ShapeKey& key) const;
  };
  static ShapeKey shape_key(const hw::KernelDesc& kernel);
  std::unordered_map<ShapeKey, MappingChoice, ShapeKeyHash> cache_;
};

}  // namespace nm::sw
