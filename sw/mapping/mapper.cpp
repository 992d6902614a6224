#include "sw/mapping/mapper.h"

#include <fmt/format.h>
#include <algorithm>
#include <boost/container_hash/hash.hpp>
#include <cmath>
#include <optional>
#include <vector>

#include "hw/core/dram_system.h"
#include "hw/core/input_error.h"
#include "hw/core/os_dataflow.h"
#include "hw/core/tile_plan.h"

namespace nm::sw {

using hw::ceil_div;

namespace {

double average_hops(const hw::ArchConfig& arch) {
  return 1.0 + 0.5 * arch.noc_mesh_cols();
}

}  // namespace

const char* mapping_objective_name(MappingObjective objective) {
  switch (objective) {
    case MappingObjective::kLatency:
      return "latency";
    case MappingObjective::kEnergy:
      return "energy";
    case MappingObjective::kEdp:
      return "edp";
  }
  return "unknown";
}

QuickCost quick_cost(const hw::KernelDesc& k, const hw::Mapping& mp, const hw::ArchConfig& arch,
                     const hw::EnergyTable& energy) {
  const double in = hw::operand_bytes(arch.datatype);
  double compute = 0, noc_bytes = 0, dram_bytes = 0, exposed = 0;
  if (k.kind == hw::KernelKind::kSpmm) {
    const uint64_t rows = std::min<uint64_t>(mp.tm, k.m);
    const double waves = static_cast<double>(ceil_div(k.m, uint64_t{arch.clusters} * rows));
    const double entries = static_cast<double>(k.nnz), n = static_cast<double>(k.n);
    const double block_entries = entries * static_cast<double>(rows) / static_cast<double>(k.m);
    const double chunks = std::max(1.0, std::ceil(block_entries / std::max<double>(mp.tk, 1)));
    const double per_step_entries = block_entries / chunks;
    compute = waves * (chunks * std::ceil(per_step_entries * n / arch.pes_per_cluster()) +
                       static_cast<double>(hw::os_fill_drain_cycles(arch)));
    const double gather = entries * n * in, out = static_cast<double>(k.m) * n * in;
    noc_bytes = static_cast<double>(k.a_dram_bytes) + gather + out;
    dram_bytes = static_cast<double>(k.a_dram_bytes) + (k.b_dram_bytes > 0 ? gather : 0.0) +
                 (k.out_on_chip ? 0.0 : out);
    // The first step's operands arrive before compute, the last rows' outputs leave after it.
    const double first =
        (per_step_entries * n * in + static_cast<double>(k.a_dram_bytes) * rows / k.m) * arch.clusters;
    exposed = first / arch.noc_bytes_per_cycle() +
              static_cast<double>(rows) * n * in / arch.noc_bytes_per_cycle() +
              static_cast<double>(arch.dram_latency_cycles());
    compute += waves * std::ceil(static_cast<double>(rows) * n / arch.pes_per_cluster()) *
               k.epilogue.macs_per_element;
  } else if (k.kind == hw::KernelKind::kGemm) {
    const uint64_t rows = std::min<uint64_t>(mp.tm, k.m), cols = std::min<uint64_t>(mp.tn, k.n);
    const uint64_t mt = ceil_div(k.m, rows), nt = ceil_div(k.n, cols);
    const uint64_t tiles = k.batch * mt * nt;
    const uint64_t waves = ceil_div(tiles, arch.clusters);
    const hw::PeGrid grid = hw::pe_grid(mp, arch);
    const hw::PeGrid positions{grid.rows, grid.cols, 1};  // the epilogue runs per output position
    compute = static_cast<double>(waves) *
              static_cast<double>(hw::os_chunk_cycles(rows, cols, k.k, grid) +
                                  hw::os_tile_overhead_cycles(rows, cols, grid) +
                                  hw::os_chunk_cycles(rows, cols, k.epilogue.macs_per_element, positions));
    // Tiles go to clusters n-fastest: a wave shares ~1 A row panel and fetches up to one B
    // panel per cluster; every row panel boundary adds one more A transfer. When B differs per
    // batch entry and a batch has fewer tiles than a wave, a wave needs each entry's B panels.
    // m-fastest is the mirror image (A always differs per batch entry).
    const double clusters = arch.clusters;
    const double tiles_d = static_cast<double>(tiles), waves_d = static_cast<double>(waves);
    const double mt_d = static_cast<double>(mt), nt_d = static_cast<double>(nt);
    const double tiles_per_batch = static_cast<double>(mt * nt);
    const double batches_per_wave = std::max(1.0, std::ceil(clusters / tiles_per_batch));
    double a_transfers = 0, b_transfers = 0, a_per_wave = 0, b_per_wave = 0;
    if (mp.m_fastest) {
      a_per_wave = std::min(clusters, mt_d * batches_per_wave);
      a_transfers = std::min(tiles_d, waves_d * a_per_wave);
      b_transfers = std::min(tiles_d, waves_d + static_cast<double>(k.batch * nt));
      b_per_wave = std::min(clusters, b_transfers / waves_d);
    } else {
      b_per_wave = k.b_per_batch ? std::min(clusters, nt_d * batches_per_wave) : std::min(clusters, nt_d);
      b_transfers = std::min(tiles_d, waves_d * b_per_wave);
      a_transfers = std::min(tiles_d, waves_d + static_cast<double>(k.batch * mt));
      a_per_wave = std::min(clusters, a_transfers / waves_d);
    }
    const double out_bytes = static_cast<double>(k.batch * k.m * k.n) * in;
    noc_bytes = (a_transfers * rows + b_transfers * cols) * static_cast<double>(k.k) * in + out_bytes;
    const double a_panels = static_cast<double>(k.batch * mt);
    const double b_panels = static_cast<double>((k.b_per_batch ? k.batch : 1) * nt);
    dram_bytes = static_cast<double>(k.a_dram_bytes) * (mp.a_resident ? 1.0 : a_transfers / a_panels) +
                 static_cast<double>(k.b_dram_bytes) * (mp.b_resident ? 1.0 : b_transfers / b_panels) +
                 (k.out_on_chip ? 0.0 : out_bytes);
    // Exposed pipeline fill and drain: the first step's operands must arrive before any compute,
    // and the last wave's outputs leave after it.
    const double depth = static_cast<double>(std::min<uint64_t>(mp.tk, k.k));
    const double first_step_noc = (a_per_wave * rows + b_per_wave * cols) * depth * in;
    const double last_wave_out = std::min(clusters, tiles_d) * static_cast<double>(rows * cols) * in;
    exposed = (first_step_noc + last_wave_out) / arch.noc_bytes_per_cycle() +
              (k.a_dram_bytes + k.b_dram_bytes > 0 ? static_cast<double>(arch.dram_latency_cycles()) : 0.0);
  } else if (k.kind == hw::KernelKind::kRowBlock) {
    const uint64_t rows = std::min<uint64_t>(mp.tm, k.m), total_rows = k.batch * k.m;
    const double steps = static_cast<double>(ceil_div(total_rows, uint64_t{arch.clusters} * rows));
    compute = steps * static_cast<double>(hw::row_block_step(k, rows, arch).compute_cycles);
    const double bytes = static_cast<double>(total_rows * k.n) * in;
    const double tables = static_cast<double>(k.table_bytes + k.column_table_bytes);
    noc_bytes = 2 * bytes + tables;
    dram_bytes = static_cast<double>(k.a_dram_bytes) + tables + (k.out_on_chip ? 0.0 : bytes);
    // The first blocks arrive before any compute; the last ones leave after it.
    const double block = static_cast<double>(std::min(total_rows, uint64_t{arch.clusters} * rows) * k.n) * in;
    exposed =
        (tables + 2 * block) / arch.noc_bytes_per_cycle() + static_cast<double>(arch.dram_latency_cycles());
  } else {
    const uint64_t per_step = static_cast<uint64_t>(arch.pe_count) * mp.tm;
    const uint64_t per_cluster = static_cast<uint64_t>(arch.pes_per_cluster()) * mp.tm;
    const uint64_t steps = ceil_div(k.elements(), per_step);
    compute = static_cast<double>(steps) *
              static_cast<double>(hw::elementwise_step_cycles(per_cluster, k.macs_per_element, arch));
    const double e = static_cast<double>(k.elements());
    const double in_pe = static_cast<double>(hw::elementwise_in_bytes_per_element(k, arch.datatype));
    const double out_pe = static_cast<double>(hw::elementwise_out_bytes_per_element(k, arch.datatype));
    noc_bytes = e * (in_pe + out_pe);
    dram_bytes = static_cast<double>(k.a_dram_bytes + k.table_bytes) + (k.out_on_chip ? 0.0 : e * out_pe);
    // Exposed pipeline fill and drain grow with the chunk: the table and the first step's inputs
    // arrive before any compute, and the last chunk's outputs leave after it.
    const double latency = static_cast<double>(arch.dram_latency_cycles());
    const double first = std::min(e, static_cast<double>(per_step));
    const double last = std::min(e, static_cast<double>(per_cluster));
    exposed =
        (static_cast<double>(k.table_bytes) + first * in_pe + last * out_pe) / arch.noc_bytes_per_cycle() +
        (static_cast<double>(k.table_bytes) + first * static_cast<double>(k.a_dram_bytes) / e +
         (k.out_on_chip ? 0.0 : last * out_pe)) /
            arch.dram_bytes_per_cycle() +
        (k.a_dram_bytes + k.table_bytes > 0 ? latency : 0.0) + (k.out_on_chip ? 0.0 : latency);
  }
  if (k.epilogue.any() && k.kind != hw::KernelKind::kDma) {
    // The epilogue's tables (once) and residual operands (once per output).
    const double residual = static_cast<double>(k.elements() * k.epilogue.operand_streams) * in;
    const double table = static_cast<double>(k.epilogue.table_bytes);
    noc_bytes += residual + table;
    dram_bytes += static_cast<double>(k.epilogue.operand_dram_bytes) + table;
    exposed += table / arch.noc_bytes_per_cycle();
  }
  QuickCost cost;
  const double l2_bytes = noc_bytes + dram_bytes;
  cost.cycles = std::max({compute, noc_bytes / arch.noc_bytes_per_cycle(),
                          dram_bytes / arch.dram_bytes_per_cycle(), l2_bytes / arch.l2_bytes_per_cycle()}) +
                exposed;
  cost.energy_pj = dram_bytes * energy.dram_pj_per_byte +
                   noc_bytes * energy.noc_pj_per_byte_hop * average_hops(arch) +
                   l2_bytes * 0.5 * (energy.l2_read_pj_per_byte + energy.l2_write_pj_per_byte);
  return cost;
}

Mapper::Mapper(const hw::ArchConfig& arch, const hw::EnergyTable& energy, std::string config_source,
               MappingObjective objective, double latency_tolerance)
    : arch_(arch),
      energy_(energy),
      config_source_(std::move(config_source)),
      objective_(objective),
      latency_tolerance_(latency_tolerance),
      noc_(arch.clusters, arch.noc_mesh_cols()),
      rank_arch_(arch) {
  if (arch.dram_timed()) {
    // Candidates are ranked on a pipe at the standard's typical sustained bandwidth and row-miss
    // latency; only the chosen mapping is timed with the bank/row model (a full timing of every
    // candidate made ResNet-50's mapping 5x slower).
    rank_arch_.dram_standard = "bandwidth";
    rank_arch_.dram_bandwidth_gbps = arch.dram_peak_gbps() * kRankDramEfficiency;
    rank_arch_.dram_latency_ns = static_cast<double>(arch.dram_latency_cycles()) / arch.clock_ghz;
  }
}

Mapper::ShapeKey Mapper::shape_key(const hw::KernelDesc& k) {
  return {uint64_t(k.kind),
          k.batch,
          k.m,
          k.n,
          k.k,
          uint64_t(k.b_per_batch),
          k.a_dram_bytes,
          k.b_dram_bytes,
          uint64_t(k.out_on_chip),
          uint64_t(k.input_streams),
          uint64_t(k.index_input),
          uint64_t(k.macs_per_element),
          k.table_bytes,
          k.table_columns,
          uint64_t(k.index_output),
          k.dram_read_bytes,
          k.nnz,
          k.epilogue.ops,
          k.epilogue.macs_per_element,
          k.epilogue.table_lookups,
          k.epilogue.table_bytes,
          k.epilogue.operand_streams,
          k.epilogue.operand_dram_bytes,
          k.row_macs,
          k.passes,
          k.reductions,
          k.column_table_bytes};
}

size_t Mapper::ShapeKeyHash::operator()(const ShapeKey& key) const {
  return boost::hash_range(key.begin(), key.end());
}

const MappingChoice& Mapper::map(const hw::KernelDesc& kernel) {
  const ShapeKey key = shape_key(kernel);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  return cache_.emplace(key, search(kernel)).first->second;
}

void Mapper::throw_no_fit(const hw::KernelDesc& kernel) const {
  const hw::Mapping smallest{2, 2, 2, false, false};
  const std::string why = hw::capacity_violation(kernel, smallest, arch_);
  const bool l1 = why.rfind("L1", 0) == 0;
  throw InputError(config_source_, l1 ? "l1.bytes_per_pe" : "l2.bytes",
                   fmt::format("buffer too small for the smallest tile of kernel '{}': {}", kernel.name,
                               why.empty() ? std::string("no legal tiling") : why));
}

hw::KernelTiming Mapper::timed_estimate(const hw::KernelDesc& kernel, const hw::Mapping& mapping) const {
  hw::PlanTimer timer(arch_, noc_);
  hw::for_each_plan_step(kernel, mapping, arch_, [&timer](const hw::PlanStep& step) { timer.add(step); });
  return timer.finish();
}

MappingChoice Mapper::search(const hw::KernelDesc& kernel) const {
  struct Candidate {
    hw::Mapping mapping;
    QuickCost cost;
  };
  std::vector<Candidate> candidates;
  // The closed form ranks by the objective's own figure (cycles, energy, or their product).
  const MappingObjective objective = objective_;
  auto rank = [objective](const QuickCost& c) {
    switch (objective) {
      case MappingObjective::kLatency:
        return c.cycles;
      case MappingObjective::kEnergy:
        return c.energy_pj;
      case MappingObjective::kEdp:
        return c.cycles * c.energy_pj;
    }
    return c.cycles;
  };
  auto even_cap = [](uint64_t extent, uint64_t cap) {
    return static_cast<uint32_t>(std::min<uint64_t>(cap, std::max<uint64_t>(2, extent + (extent & 1))));
  };

  if (kernel.kind == hw::KernelKind::kDma) {
    MappingChoice choice;
    choice.estimate = timed_estimate(kernel, choice.mapping);
    return choice;
  }
  if (kernel.kind == hw::KernelKind::kGemm) {
    // Residency options, most reuse first; for each (tm, tn) the deepest tk that fits. tk does
    // not change the closed-form cost (only buffer use and pipeline granularity), so the
    // deepest legal tk stands for its column and the re-ranking below checks shallower ones.
    const bool a_dram = kernel.a_dram_bytes > 0, b_dram = kernel.b_dram_bytes > 0;
    const std::vector<std::pair<bool, bool>> residency = {
        {a_dram, b_dram}, {false, b_dram}, {a_dram, false}, {false, false}};
    const uint32_t tm_max = even_cap(kernel.m, 128), tn_max = even_cap(kernel.n, 128),
                   tk_max = even_cap(kernel.k, 128);
    const std::vector<hw::Mapping> grids = pe_grids(kernel);
    for (uint32_t tm = 2; tm <= tm_max; tm += 2) {
      for (uint32_t tn = 2; tn <= tn_max; tn += 2) {
        // Of the PE grids, only the best for this tile goes on (grids that tie on the closed form
        // would otherwise crowd the re-ranking with copies of one tile).
        std::optional<Candidate> tile_best;
        // The tile order matters only when both axes have several tiles.
        const bool orders = ceil_div(kernel.m, std::min<uint64_t>(tm, kernel.m)) > 1 &&
                            ceil_div(kernel.n, std::min<uint64_t>(tn, kernel.n)) > 1;
        for (const hw::Mapping& grid : grids) {
          for (const auto& [a_res, b_res] : residency) {
            hw::Mapping best = grid;
            best.tm = tm;
            best.tn = tn;
            best.tk = 0;
            best.a_resident = a_res;
            best.b_resident = b_res;
            // Buffer use grows with tk: binary search the deepest even tk that fits.
            uint32_t lo = 1, hi = tk_max / 2;
            while (lo <= hi) {
              const uint32_t mid = (lo + hi) / 2;
              hw::Mapping m = best;
              m.tk = 2 * mid;
              if (hw::mapping_fits(kernel, m, arch_)) {
                best.tk = 2 * mid;
                lo = mid + 1;
              } else {
                hi = mid - 1;
              }
            }
            if (best.tk == 0) continue;
            // Which operand's panels consecutive tiles share (loop order) decides which one is
            // re-fetched when it is not resident: both orders are ranked.
            for (const bool m_fastest : {false, true}) {
              if (m_fastest && (!orders || (a_res && b_res))) break;
              best.m_fastest = m_fastest;
              const Candidate c{best, quick_cost(kernel, best, arch_, energy_)};
              if (!tile_best || rank(c.cost) < rank(tile_best->cost) ||
                  (rank(c.cost) == rank(tile_best->cost) && c.cost.energy_pj < tile_best->cost.energy_pj))
                tile_best = c;
            }
            break;
          }
        }
        if (tile_best) candidates.push_back(*tile_best);
      }
    }
  } else if (kernel.kind == hw::KernelKind::kSpmm) {
    // Output rows per cluster, and for each the largest chunk of entries per step that fits.
    const uint32_t rows_max = even_cap(ceil_div(kernel.m, arch_.clusters), 1024);
    for (uint32_t rows = 2; rows <= rows_max; rows += 2) {
      const uint64_t entries = ceil_div(kernel.nnz * rows, kernel.m) + 1;
      uint64_t lo = 1, hi = entries, chunk = 0;
      while (lo <= hi) {
        const uint64_t mid = (lo + hi) / 2;
        if (hw::mapping_fits(kernel, {rows, 1, static_cast<uint32_t>(mid), false, false}, arch_)) {
          chunk = mid;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      if (chunk == 0) break;  // buffers grow with the rows
      const hw::Mapping m{rows, 1, static_cast<uint32_t>(chunk), false, false};
      candidates.push_back({m, quick_cost(kernel, m, arch_, energy_)});
    }
  } else if (kernel.kind == hw::KernelKind::kRowBlock) {
    // Rows per cluster block, up to what L1 holds.
    const uint32_t rows_max = even_cap(ceil_div(kernel.batch * kernel.m, arch_.clusters), 4096);
    for (uint32_t rows = 1; rows <= rows_max; rows = rows < 2 ? 2 : rows + 2) {
      const hw::Mapping m{rows, 1, 1, false, false};
      if (!hw::mapping_fits(kernel, m, arch_)) break;  // footprint grows with the rows
      candidates.push_back({m, quick_cost(kernel, m, arch_, energy_)});
    }
  } else {
    const uint32_t per_pe = static_cast<uint32_t>(ceil_div(kernel.elements(), arch_.pe_count));
    const uint32_t te_max = even_cap(per_pe, 1024);
    for (uint32_t te = 2; te <= te_max; te += 2) {
      const hw::Mapping m{te, 1, 1, false, false};
      if (!hw::mapping_fits(kernel, m, arch_)) break;  // footprint grows with te
      candidates.push_back({m, quick_cost(kernel, m, arch_, energy_)});
    }
  }
  if (candidates.empty()) throw_no_fit(kernel);

  auto better = [&rank](const Candidate& a, const Candidate& b) {
    const double ra = rank(a.cost), rb = rank(b.cost);
    if (ra != rb) return ra < rb;
    if (a.cost.cycles != b.cost.cycles) return a.cost.cycles < b.cost.cycles;
    if (a.cost.energy_pj != b.cost.energy_pj) return a.cost.energy_pj < b.cost.energy_pj;
    return std::tie(a.mapping.tm, a.mapping.tn, a.mapping.tk) >
           std::tie(b.mapping.tm, b.mapping.tn, b.mapping.tk);
  };
  const size_t keep = std::min(kRerankCandidates, candidates.size());
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<long>(keep), candidates.end(),
                    better);

  // Re-rank the best candidates (and half-depth variants) on the pipeline model of their plans.
  // A finalist with far more steps than the leanest one only adds per-step overhead to the same
  // closed-form cost, and its plan is costly to evaluate: skip it.
  auto steps_of = [&kernel, this](const hw::Mapping& m) {
    if (kernel.kind == hw::KernelKind::kSpmm) {
      const uint64_t entries = ceil_div(kernel.nnz * m.tm, kernel.m);
      return ceil_div(kernel.m, uint64_t{arch_.clusters} * m.tm) *
             ceil_div(std::max<uint64_t>(entries, 1), m.tk);
    }
    if (kernel.kind == hw::KernelKind::kRowBlock)
      return ceil_div(kernel.batch * kernel.m, uint64_t{arch_.clusters} * m.tm);
    if (kernel.kind != hw::KernelKind::kGemm)
      return ceil_div(kernel.elements(), uint64_t{arch_.pe_count} * m.tm);
    const uint64_t tiles = kernel.batch * ceil_div(kernel.m, m.tm) * ceil_div(kernel.n, m.tn);
    return ceil_div(tiles, arch_.clusters) * ceil_div(kernel.k, m.tk);
  };
  uint64_t fewest_steps = ~uint64_t{0};
  for (size_t i = 0; i < keep; ++i) fewest_steps = std::min(fewest_steps, steps_of(candidates[i].mapping));
  std::vector<hw::Mapping> finalists;
  // The closed form undervalues large tiles (it cannot see per-step latencies and the drain's
  // write-back slots), so the best square tiles are always re-ranked too.
  if (kernel.kind == hw::KernelKind::kGemm) {
    for (uint32_t t : {16u, 32u, 64u, 128u}) {
      const Candidate* square = nullptr;
      for (size_t i = keep; i < candidates.size(); ++i) {
        const hw::Mapping& m = candidates[i].mapping;
        if (m.tm == std::min<uint32_t>(t, even_cap(kernel.m, 128)) &&
            m.tn == std::min<uint32_t>(t, even_cap(kernel.n, 128)) &&
            (!square || better(candidates[i], *square)))
          square = &candidates[i];
      }
      if (square) finalists.push_back(square->mapping);
    }
  }
  for (size_t i = 0; i < keep; ++i) {
    if (steps_of(candidates[i].mapping) > kMaxStepRatio * fewest_steps) continue;
    finalists.push_back(candidates[i].mapping);
    if (kernel.kind == hw::KernelKind::kGemm && candidates[i].mapping.tk >= 4) {
      hw::Mapping half = candidates[i].mapping;
      half.tk = (half.tk / 2 + 1) / 2 * 2;
      finalists.push_back(half);
    }
    // The closed form sees the loop order only through DRAM and NoC volumes, not through which
    // clusters share a multicast: the other order of each finalist is re-ranked too.
    if (kernel.kind == hw::KernelKind::kGemm &&
        !(candidates[i].mapping.a_resident && candidates[i].mapping.b_resident)) {
      hw::Mapping flipped = candidates[i].mapping;
      flipped.m_fastest = !flipped.m_fastest;
      const bool orders = ceil_div(kernel.m, std::min<uint64_t>(flipped.tm, kernel.m)) > 1 &&
                          ceil_div(kernel.n, std::min<uint64_t>(flipped.tn, kernel.n)) > 1;
      if (orders) finalists.push_back(flipped);
    }
  }
  std::vector<MappingChoice> evaluated;
  auto consider = [&](const hw::Mapping& m) {
    // One pass over the streamed plan times it and counts its actions.
    hw::PlanTimer timer(rank_arch_, noc_);
    hw::PlanActionCounter counter(noc_, arch_.dram_burst_bytes);
    hw::for_each_plan_step(kernel, m, arch_, [&](const hw::PlanStep& step) {
      timer.add(step);
      counter.add(step);
    });
    MappingChoice c;
    c.mapping = m;
    c.estimate = timer.finish();
    hw::ActionCounts counts = counter.counts();
    hw::estimate_dram_commands(counts, arch_);  // a DRAM standard prices commands, not bytes
    c.dynamic_energy_pj = hw::price_actions(counts, 0.0, energy_, arch_).dynamic_j() * 1e12;
    evaluated.push_back(std::move(c));
  };
  for (const hw::Mapping& m : finalists) consider(m);
  if (kernel.kind == hw::KernelKind::kGemm) {
    // K depth only trades pipeline granularity against buffer use: refine it exhaustively for the
    // winning (tm, tn, residency), so a larger buffer only adds depths to choose from.
    // Around the fastest, whatever the objective, so every objective sees the same mappings.
    const hw::Mapping winner = std::min_element(evaluated.begin(), evaluated.end(),
                                                [](const MappingChoice& a, const MappingChoice& b) {
                                                  return a.estimate.cycles < b.estimate.cycles;
                                                })
                                   ->mapping;
    const uint32_t tk_cap = even_cap(kernel.k, 128);
    // Depths that give the same number of K chunks differ only in how unevenly the last chunk
    // is cut: of each, only the most even (the smallest depth with that chunk count) is tried.
    for (uint32_t tk = std::max<uint32_t>(2, winner.tk / 4 / 2 * 2); tk <= tk_cap; tk += 2) {
      const uint64_t chunks = ceil_div(kernel.k, tk);
      const uint64_t even_depth = (ceil_div(kernel.k, chunks) + 1) / 2 * 2;
      if (tk != even_depth && tk != tk_cap) continue;
      hw::Mapping m = winner;
      m.tk = tk;
      if (tk != winner.tk && hw::mapping_fits(kernel, m, arch_)) consider(m);
    }
  }
  MappingChoice chosen = pick(evaluated);
  if (arch_.dram_timed()) {
    chosen.estimate = timed_estimate(kernel, chosen.mapping);
    chosen.reason += fmt::format("; ranked with DRAM as a {:.4g} Gbit/s pipe, timed with {}: {} cycles",
                                 rank_arch_.dram_bandwidth_gbps, arch_.dram_standard, chosen.estimate.cycles);
  }
  return chosen;
}

std::vector<hw::Mapping> Mapper::pe_grids(const hw::KernelDesc& kernel) const {
  std::vector<hw::Mapping> grids = {hw::Mapping{}};  // the default grid
  const uint64_t p = arch_.pes_per_cluster();
  // Only a GEMM too narrow for the default grid (M below its rows or N below its columns) leaves
  // PEs idle that another shape could use; the search then tries every grid that fits the
  // problem: rows and columns at most M and N (or the smallest divisor that covers them), and a
  // K split no deeper than K.
  if (kernel.m >= arch_.pe_rows() && kernel.n >= arch_.pe_cols()) return grids;
  std::vector<uint64_t> divisors;
  for (uint64_t d = 1; d <= p; ++d) {
    if (p % d == 0) divisors.push_back(d);
  }
  auto covers = [&divisors](uint64_t d, uint64_t extent) {
    if (d <= extent) return true;
    const auto first = std::lower_bound(divisors.begin(), divisors.end(), extent);
    return first != divisors.end() && *first == d;  // the smallest divisor >= extent
  };
  for (uint64_t rows : divisors) {
    for (uint64_t cols : divisors) {
      if ((p / rows) % cols != 0) continue;
      const uint64_t split = p / rows / cols;
      if (!covers(rows, kernel.m) || !covers(cols, kernel.n) || split > kernel.k) continue;
      if (rows == arch_.pe_rows() && cols == arch_.pe_cols()) continue;
      hw::Mapping g;
      g.pe_rows = static_cast<uint32_t>(rows);
      g.pe_cols = static_cast<uint32_t>(cols);
      g.k_split = static_cast<uint32_t>(split);
      grids.push_back(g);
    }
  }
  return grids;
}

MappingChoice Mapper::pick(const std::vector<MappingChoice>& evaluated) const {
  uint64_t fastest = ~uint64_t{0};
  for (const MappingChoice& c : evaluated) fastest = std::min(fastest, c.estimate.cycles);
  const double window = static_cast<double>(fastest) * (1.0 + latency_tolerance_);
  auto key = [&](const MappingChoice& c) {
    const double cycles = static_cast<double>(c.estimate.cycles);
    switch (objective_) {
      case MappingObjective::kLatency:
        // Within the tolerance of the best latency, the least energy wins.
        return std::make_pair(cycles <= window ? 0.0 : cycles, c.dynamic_energy_pj);
      case MappingObjective::kEnergy:
        return std::make_pair(c.dynamic_energy_pj, cycles);
      case MappingObjective::kEdp:
        return std::make_pair(c.dynamic_energy_pj * cycles, cycles);
    }
    return std::make_pair(cycles, c.dynamic_energy_pj);
  };
  const MappingChoice* best = &evaluated.front();
  for (const MappingChoice& c : evaluated) {
    if (key(c) < key(*best)) best = &c;
  }
  MappingChoice chosen = *best;
  size_t near = 0;
  for (const MappingChoice& c : evaluated) near += static_cast<double>(c.estimate.cycles) <= window ? 1 : 0;
  const hw::Mapping& m = chosen.mapping;
  const hw::PeGrid grid = hw::pe_grid(m, arch_);
  chosen.reason = fmt::format(
      "{}: {} of {} mappings evaluated; {} cycles (fastest {}), {:.3g} uJ dynamic; {} within {:.3g}% of the "
      "fastest; tile {}x{}x{}, PE grid {}x{}x{}, {}, {}",
      mapping_objective_name(objective_),
      objective_ == MappingObjective::kLatency  ? "least energy among the fastest"
      : objective_ == MappingObjective::kEnergy ? "least dynamic energy"
                                                : "least energy x cycles",
      evaluated.size(), chosen.estimate.cycles, fastest, chosen.dynamic_energy_pj * 1e-6, near,
      latency_tolerance_ * 100, m.tm, m.tn, m.tk, grid.rows, grid.cols, grid.k_split,
      m.a_resident && m.b_resident ? "A and B resident in L2"
      : m.a_resident               ? "A resident in L2"
      : m.b_resident               ? "B resident in L2"
                                   : "no operand resident",
      m.m_fastest ? "tiles m-fastest (B panels shared)" : "tiles n-fastest (A panels shared)");
  return chosen;
}

}  // namespace nm::sw
