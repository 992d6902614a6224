#include "hw/core/tile_plan.h"

#include <algorithm>
#include <cmath>

#include "hw/core/os_dataflow.h"

namespace nm::hw {
namespace {

// Operand tiles a step needs, grouped by identity so each is fetched and multicast once.
struct TileGroup {
  uint64_t key;
  uint64_t mask;
  uint64_t extent;  // rows of an A tile or columns of a B tile
};

void add_to_group(std::vector<TileGroup>& groups, uint64_t key, uint32_t cluster, uint64_t extent) {
  for (TileGroup& g : groups) {
    if (g.key == key) {
      g.mask |= uint64_t{1} << cluster;
      return;
    }
  }
  groups.push_back({key, uint64_t{1} << cluster, extent});
}

// Bytes of `total` that fall in [start, end) of `whole`: floor differences of cumulative
// shares, so the pieces of a partition add up to exactly `total`.
uint64_t share(uint64_t total, uint64_t start, uint64_t end, uint64_t whole) {
  const auto cumulative = [&](uint64_t x) { return total * x / whole; };  // < 2^64 for any real tensor
  return cumulative(end) - cumulative(start);
}

// Empties a step for reuse; its vectors keep their capacity, so streaming a plan allocates nothing
// per step.
void reset(PlanStep& step) {
  step.dram_read_bytes = 0;
  step.dram_read_b_bytes = 0;
  step.dram_read_other_bytes = 0;
  step.dram_rows.clear();
  step.resident_bytes = 0;
  step.dram_write_bytes = 0;
  step.multicasts.clear();
  step.work.clear();
}

uint64_t all_clusters_mask(uint64_t clusters) {
  return clusters >= 64 ? ~uint64_t{0} : (uint64_t{1} << clusters) - 1;
}

// dram.layout: row_major. The rows of a row-major [rows_total][row_elems] tensor of `total` DRAM
// bytes that a tile covers: `rows` rows from `row0`, elements [e0, e0 + elems) of each. The pitch
// is the tensor's bytes per row (DRAM bytes need not be elements x operand bytes: a convolution's
// A is its input feature map, which im2col reads more than once); a tensor smaller than one byte
// per row is read as one range.
TensorRows tile_rows(DramStream stream, uint64_t total, uint64_t rows_total, uint64_t row0, uint64_t rows,
                     uint64_t row_elems, uint64_t e0, uint64_t elems, uint64_t bytes) {
  const uint64_t pitch = total / rows_total;
  if (pitch == 0) return {stream, share(total, 0, row0, rows_total), 1, bytes, 0};
  const uint64_t row_bytes = std::max<uint64_t>(1, share(pitch, e0, e0 + elems, row_elems));
  return {stream, row0 * pitch + share(pitch, 0, e0, row_elems), rows, row_bytes, pitch};
}

// Tables (PWL slopes and intercepts, per-column parameters) are pre-stored in DRAM and copied
// into the PEs' L1s before the kernel streams: one step that reads them once and multicasts
// them to every cluster; each PE keeps `bytes_per_pe`.
PlanStep table_load_step(uint64_t table_bytes, uint64_t bytes_per_pe, const ArchConfig& arch) {
  PlanStep load;
  load.dram_read_bytes = table_bytes;
  load.dram_read_other_bytes = table_bytes;
  load.multicasts.push_back({all_clusters_mask(arch.clusters), table_bytes});
  for (uint32_t c = 0; c < arch.clusters; ++c) {
    ClusterWork w;
    w.cluster = c;
    w.l1_write_bytes = bytes_per_pe * arch.pes_per_cluster();
    load.work.push_back(w);
  }
  return load;
}

// The epilogue of a finished output tile of `outputs` elements, `outputs_per_pe` of them in the
// busiest PE: each PE applies the fused ops to the accumulators it holds (MACs in sequence),
// reads K and B from its L1 table per lookup, and reads the residual operands, which arrive
// over the NoC with the tile's last K step (`operand_bytes` of them, `operand_dram` from DRAM).
void add_epilogue(const Epilogue& e, uint64_t outputs, uint64_t outputs_per_pe, uint64_t operand_bytes,
                  uint64_t operand_dram, uint32_t cluster, DataType type, PlanStep& step, ClusterWork& w) {
  if (!e.any()) return;
  const uint64_t in = hw::operand_bytes(type);
  w.compute_cycles += outputs_per_pe * e.macs_per_element;
  w.macs += outputs * e.macs_per_element;
  w.l1_read_bytes += outputs * e.table_lookups * 2 * in + operand_bytes;
  if (operand_bytes > 0) {
    w.l1_write_bytes += operand_bytes;
    step.multicasts.push_back({uint64_t{1} << cluster, operand_bytes});
    step.dram_read_bytes += operand_dram;
    step.dram_read_other_bytes += operand_dram;
  }
}

void stream_gemm_plan(const KernelDesc& k, const Mapping& mp, const ArchConfig& arch,
                      const PlanStepVisitor& emit) {
  const uint64_t in = operand_bytes(arch.datatype);
  const uint64_t acc = accumulator_bytes(arch.datatype);
  const uint64_t rows_max = std::min<uint64_t>(mp.tm, k.m);
  const uint64_t cols_max = std::min<uint64_t>(mp.tn, k.n);
  const uint64_t depth = std::min<uint64_t>(mp.tk, k.k);
  const uint64_t mt = ceil_div(k.m, rows_max), nt = ceil_div(k.n, cols_max), kt = ceil_div(k.k, depth);
  const uint64_t tiles = k.batch * mt * nt;
  const uint64_t clusters = arch.clusters;
  const uint64_t b_batches = k.b_per_batch ? k.batch : 1;
  std::vector<char> a_fetched(mp.a_resident ? k.batch * mt * kt : 0, 0);
  std::vector<char> b_fetched(mp.b_resident ? b_batches * nt * kt : 0, 0);
  const PeGrid grid = pe_grid(mp, arch);
  const uint64_t pr = grid.rows, pc = grid.cols, ks = grid.k_split;
  const uint64_t tree_steps = reduction_steps(ks);

  const Epilogue& ep = k.epilogue;
  const bool row_major = arch.dram_row_major && arch.dram_timed();

  if (ep.table_bytes > 0) emit(table_load_step(ep.table_bytes, ep.table_bytes, arch));
  std::vector<TileGroup> a_groups, b_groups;
  PlanStep step;
  for (uint64_t t0 = 0; t0 < tiles; t0 += clusters) {
    const uint64_t wave = std::min(clusters, tiles - t0);
    for (uint64_t kc = 0; kc < kt; ++kc) {
      const uint64_t tkc = std::min(depth, k.k - kc * depth);
      reset(step);
      a_groups.clear();
      b_groups.clear();
      for (uint64_t c = 0; c < wave; ++c) {
        const uint64_t t = t0 + c;
        const uint64_t b = t / (mt * nt);
        const uint64_t i = mp.m_fastest ? t % mt : (t / nt) % mt, j = mp.m_fastest ? (t / mt) % nt : t % nt;
        const uint64_t rows = std::min(rows_max, k.m - i * rows_max);
        const uint64_t cols = std::min(cols_max, k.n - j * cols_max);
        add_to_group(a_groups, b * mt + i, static_cast<uint32_t>(c), rows);
        add_to_group(b_groups, (k.b_per_batch ? b : 0) * nt + j, static_cast<uint32_t>(c), cols);

        ClusterWork w;
        w.cluster = static_cast<uint32_t>(c);
        const uint64_t outputs_pe = ceil_div(rows, pr) * ceil_div(cols, pc);
        w.compute_cycles = os_chunk_cycles(rows, cols, tkc, grid) + (kc == 0 ? pr + pc : 0);
        w.macs = rows * cols * tkc;
        // Each A element lands in every active PE of its PE row (of its K slice), each B element
        // in its PE column.
        const uint64_t operand_bytes = (rows * std::min(cols, pc) + cols * std::min(rows, pr)) * tkc * in;
        w.l1_write_bytes = operand_bytes;
        // With operand registers each PE fetches every operand it received once per K step (its
        // rows' A values and its columns' B values) and reuses it across the outputs it holds;
        // without, two operand reads per MAC. Partial sums (one per K slice) spill to L1 between
        // k-chunks.
        const uint64_t partials = rows * cols * std::min(ks, tkc);
        w.l1_read_bytes =
            (arch.pe_operand_registers ? operand_bytes : w.macs * 2 * in) + (kc > 0 ? partials * acc : 0);
        if (kc + 1 < kt) w.l1_write_bytes += partials * acc;
        if (kc + 1 == kt && ks > 1) {
          // The K split's partial-sum tree: each level sends half the partials to a neighbour,
          // which adds them (one add per cycle per PE): ks - 1 adds per output in all. The adds
          // are not MACs (KernelDesc::macs() stays the mapping-independent M*N*K); their cycles
          // and the partials' L1 traffic are counted.
          w.compute_cycles += tree_steps * outputs_pe;
          w.l1_write_bytes += rows * cols * (ks - 1) * acc;
          w.l1_read_bytes += rows * cols * (ks - 1) * acc;
        }
        if (kc + 1 == kt) {
          w.writeback_bytes = rows * cols * in;
          w.writeback_dram_bytes = k.out_on_chip ? 0 : w.writeback_bytes;
          if (ep.any()) {
            // The residual operands' share of this tile: its batch entry, rows and columns.
            const uint64_t batch_dram = share(ep.operand_dram_bytes, b, b + 1, k.batch);
            const uint64_t row_dram = share(batch_dram, i * rows_max, i * rows_max + rows, k.m);
            add_epilogue(ep, rows * cols, outputs_pe, rows * cols * ep.operand_streams * in,
                         share(row_dram, j * cols_max, j * cols_max + cols, k.n), w.cluster, arch.datatype,
                         step, w);
          }
        }
        step.work.push_back(w);
      }
      for (const TileGroup& g : a_groups) {
        step.multicasts.push_back({g.mask, g.extent * tkc * in});
        if (k.a_dram_bytes == 0) continue;
        const uint64_t id = g.key * kt + kc;
        if (mp.a_resident && a_fetched[id]) continue;
        // This A block's part of the operand's DRAM bytes: its batch entry, rows and K chunk.
        const uint64_t b = g.key / mt, i = g.key % mt;
        const uint64_t batch_bytes = share(k.a_dram_bytes, b, b + 1, k.batch);
        const uint64_t row_bytes = share(batch_bytes, i * rows_max, i * rows_max + g.extent, k.m);
        const uint64_t bytes = share(row_bytes, kc * depth, kc * depth + tkc, k.k);
        step.dram_read_bytes += bytes;
        if (row_major) {
          step.dram_rows.push_back(tile_rows(DramStream::kA, k.a_dram_bytes, k.batch * k.m,
                                             b * k.m + i * rows_max, g.extent, k.k, kc * depth, tkc, bytes));
        }
        if (mp.a_resident) {
          a_fetched[id] = 1;
          step.resident_bytes += bytes;
        }
      }
      for (const TileGroup& g : b_groups) {
        step.multicasts.push_back({g.mask, g.extent * tkc * in});
        if (k.b_dram_bytes == 0) continue;
        const uint64_t id = g.key * kt + kc;
        if (mp.b_resident && b_fetched[id]) continue;
        const uint64_t bb = g.key / nt, j = g.key % nt;
        const uint64_t batch_bytes = share(k.b_dram_bytes, bb, bb + 1, b_batches);
        const uint64_t col_bytes = share(batch_bytes, j * cols_max, j * cols_max + g.extent, k.n);
        const uint64_t bytes = share(col_bytes, kc * depth, kc * depth + tkc, k.k);
        step.dram_read_bytes += bytes;
        step.dram_read_b_bytes += bytes;
        if (row_major) {  // B is [k][n]: the tile is tkc rows of its columns
          step.dram_rows.push_back(tile_rows(DramStream::kB, k.b_dram_bytes, b_batches * k.k,
                                             bb * k.k + kc * depth, tkc, k.n, j * cols_max, g.extent, bytes));
        }
        if (mp.b_resident) {
          b_fetched[id] = 1;
          step.resident_bytes += bytes;
        }
      }
      emit(step);
    }
  }
}

void stream_elementwise_plan(const KernelDesc& k, const Mapping& mp, const ArchConfig& arch,
                             const PlanStepVisitor& emit) {
  const uint64_t in_pe = elementwise_in_bytes_per_element(k, arch.datatype);
  const uint64_t out_pe = elementwise_out_bytes_per_element(k, arch.datatype);
  const uint64_t table_entry_bytes = 2 * operand_bytes(arch.datatype);  // slope + intercept
  const uint64_t elements = k.elements();
  const uint64_t cluster_elements = static_cast<uint64_t>(arch.pes_per_cluster()) * mp.tm;
  const uint64_t clusters = arch.clusters;

  if (k.table_bytes > 0)
    emit(table_load_step(k.table_bytes, k.table_bytes_per_pe(arch.pes_per_cluster()), arch));
  PlanStep step;
  for (uint64_t off = 0; off < elements; off += clusters * cluster_elements) {
    reset(step);
    uint64_t step_elements = 0;
    for (uint32_t c = 0; c < clusters; ++c) {
      const uint64_t start = off + c * cluster_elements;
      if (start >= elements) break;
      const uint64_t e = std::min(cluster_elements, elements - start);
      step_elements += e;
      step.multicasts.push_back({uint64_t{1} << c, e * in_pe});
      ClusterWork w;
      w.cluster = c;
      w.compute_cycles = elementwise_step_cycles(e, k.macs_per_element, arch);
      w.macs = e * k.macs_per_element;
      w.l1_write_bytes = e * in_pe;
      w.l1_read_bytes = e * in_pe + (k.table_bytes > 0 ? e * table_entry_bytes : 0);
      w.writeback_bytes = e * out_pe;
      w.writeback_dram_bytes = k.out_on_chip ? 0 : w.writeback_bytes;
      step.work.push_back(w);
    }
    step.dram_read_bytes = share(k.a_dram_bytes, off, off + step_elements, elements);
    emit(step);
  }
}

void stream_spmm_plan(const KernelDesc& k, const Mapping& mp, const ArchConfig& arch,
                      const PlanStepVisitor& emit) {
  const uint64_t in = operand_bytes(arch.datatype);
  const uint64_t rows_max = std::min<uint64_t>(mp.tm, k.m);
  const uint64_t chunk_max = std::max<uint32_t>(mp.tk, 1);
  const uint64_t clusters = arch.clusters;
  const uint64_t pr = arch.pe_rows(), pc = arch.pe_cols();
  const Epilogue& ep = k.epilogue;
  if (ep.table_bytes > 0) emit(table_load_step(ep.table_bytes, ep.table_bytes, arch));
  PlanStep step;
  for (uint64_t r0 = 0; r0 < k.m; r0 += clusters * rows_max) {
    // Each cluster's row block, split into chunks of at most chunk_max entries.
    std::vector<SpmmBlock> blocks;
    std::vector<uint64_t> rows_of, chunks;
    uint64_t wave_steps = 1;
    for (uint64_t c = 0; c < clusters && r0 + c * rows_max < k.m; ++c) {
      const uint64_t start = r0 + c * rows_max;
      rows_of.push_back(std::min(rows_max, k.m - start));
      blocks.push_back(spmm_block(k, start, rows_of.back(), arch));
      chunks.push_back(std::max<uint64_t>(1, ceil_div(blocks.back().entries, chunk_max)));
      wave_steps = std::max(wave_steps, chunks.back());
    }
    for (uint64_t j = 0; j < wave_steps; ++j) {
      reset(step);
      for (uint32_t c = 0; c < blocks.size(); ++c) {
        if (j >= chunks[c]) continue;
        const SpmmBlock& b = blocks[c];
        const uint64_t entries = share(b.entries, j, j + 1, chunks[c]);
        const uint64_t csr = share(b.csr_bytes, j, j + 1, chunks[c]);
        const uint64_t gather = entries * k.n * in;
        // The CSR always comes from DRAM; the gathered B rows too unless B is already on chip.
        step.dram_read_bytes += csr + (k.b_dram_bytes > 0 ? gather : 0);
        step.dram_read_b_bytes += k.b_dram_bytes > 0 ? gather : 0;
        step.multicasts.push_back({uint64_t{1} << c, csr + gather});
        ClusterWork w;
        w.cluster = c;
        // Each entry adds a B row (n MACs) into an output row, spread over the cluster's PEs.
        w.compute_cycles = ceil_div(entries * k.n, pr * pc) + (j == 0 ? pr + pc : 0);
        w.macs = entries * k.n;
        w.l1_write_bytes = csr + gather;
        // Each gathered B element is read once; an entry's A value is latched once by every PE
        // that holds a share of its row (without operand registers: both per MAC).
        w.l1_read_bytes = arch.pe_operand_registers
                              ? (entries * k.n + entries * std::min<uint64_t>(k.n, pr * pc)) * in
                              : w.macs * 2 * in;
        if (j + 1 == chunks[c]) {
          w.writeback_bytes = rows_of[c] * k.n * in;
          w.writeback_dram_bytes = k.out_on_chip ? 0 : w.writeback_bytes;
          const uint64_t row0 = r0 + c * rows_max, outputs = rows_of[c] * k.n;
          add_epilogue(ep, outputs, ceil_div(outputs, pr * pc), outputs * ep.operand_streams * in,
                       share(ep.operand_dram_bytes, row0, row0 + rows_of[c], k.m), c, arch.datatype, step, w);
        }
        step.work.push_back(w);
      }
      emit(step);
    }
  }
}

// Row blocks: each step deals a block of tm rows to every cluster; the block arrives once, stays
// in the PEs' L1 through all passes, and leaves once (no intermediate leaves the cluster).
void stream_row_block_plan(const KernelDesc& k, const Mapping& mp, const ArchConfig& arch,
                           const PlanStepVisitor& emit) {
  const uint64_t in = operand_bytes(arch.datatype);
  const uint64_t rows_max = std::min<uint64_t>(std::max<uint32_t>(mp.tm, 1), k.m);
  const uint64_t rows_total = k.batch * k.m;
  if (k.table_bytes + k.column_table_bytes > 0) {
    const RowBlockStep full = row_block_step(k, rows_max, arch);
    emit(table_load_step(k.table_bytes + k.column_table_bytes, full.table_bytes_per_pe, arch));
  }
  PlanStep step;
  for (uint64_t r0 = 0; r0 < rows_total; r0 += arch.clusters * rows_max) {
    reset(step);
    uint64_t step_rows = 0;
    for (uint32_t c = 0; c < arch.clusters; ++c) {
      const uint64_t start = r0 + c * rows_max;
      if (start >= rows_total) break;
      const uint64_t rows = std::min(rows_max, rows_total - start);
      step_rows += rows;
      const RowBlockStep rb = row_block_step(k, rows, arch);
      const uint64_t bytes = rows * k.n * in;
      step.multicasts.push_back({uint64_t{1} << c, bytes});
      ClusterWork w;
      w.cluster = c;
      w.compute_cycles = rb.compute_cycles;
      w.macs = rows * k.row_macs;
      // The block lands once; every pass reads its operand and writes its result in L1 (the
      // last pass's result is the writeback), and every table lookup reads K and B.
      w.l1_write_bytes = bytes * k.passes;
      w.l1_read_bytes = bytes * k.passes + w.macs * in;
      w.writeback_bytes = bytes;
      w.writeback_dram_bytes = k.out_on_chip ? 0 : bytes;
      step.work.push_back(w);
    }
    step.dram_read_bytes = share(k.a_dram_bytes, r0, r0 + step_rows, rows_total);
    emit(step);
  }
}

void stream_dma_plan(const KernelDesc& k, const ArchConfig& arch, const PlanStepVisitor& emit) {
  const uint64_t chunk = std::max<uint64_t>(arch.l2_staging_bytes() / 2, 1);
  PlanStep step;
  for (uint64_t off = 0; off < k.dram_read_bytes; off += chunk) {
    step.dram_read_bytes = std::min(chunk, k.dram_read_bytes - off);
    step.dram_write_bytes = k.out_on_chip ? 0 : step.dram_read_bytes;
    emit(step);
  }
}

}  // namespace

void for_each_plan_step(const KernelDesc& kernel, const Mapping& mapping, const ArchConfig& arch,
                        const PlanStepVisitor& visit) {
  switch (kernel.kind) {
    case KernelKind::kGemm:
      return stream_gemm_plan(kernel, mapping, arch, visit);
    case KernelKind::kSegmentIndex:
    case KernelKind::kElementwise:
      return stream_elementwise_plan(kernel, mapping, arch, visit);
    case KernelKind::kDma:
      return stream_dma_plan(kernel, arch, visit);
    case KernelKind::kSpmm:
      return stream_spmm_plan(kernel, mapping, arch, visit);
    case KernelKind::kRowBlock:
      return stream_row_block_plan(kernel, mapping, arch, visit);
  }
}

TilePlan build_tile_plan(const KernelDesc& kernel, const Mapping& mapping, const ArchConfig& arch) {
  TilePlan plan;
  for_each_plan_step(kernel, mapping, arch, [&plan](const PlanStep& step) { plan.steps.push_back(step); });
  return plan;
}

void PlanActionCounter::add(const PlanStep& s) {
  auto bursts = [this](uint64_t bytes) { return ceil_div(bytes, dram_burst_bytes_) * dram_burst_bytes_; };
  const NocTopology& noc = *noc_;
  ActionCounts& a = counts_;
  a.dram_read_bytes += bursts(s.dram_read_bytes);
  a.l2_write_bytes += s.dram_read_bytes;
  a.l2_read_bytes += s.dram_write_bytes;
  a.dram_write_bytes += bursts(s.dram_write_bytes);
  for (const Multicast& m : s.multicasts) {
    a.l2_read_bytes += m.bytes;
    a.noc_bytes += m.bytes;
    a.noc_byte_hops += m.bytes * noc.tree_links(m.cluster_mask);
  }
  for (const ClusterWork& w : s.work) {
    a.macs += w.macs;
    a.pe_busy_cycles += w.compute_cycles;
    a.l1_read_bytes += w.l1_read_bytes;
    a.l1_write_bytes += w.l1_write_bytes;
    if (w.writeback_bytes > 0) {
      a.noc_bytes += w.writeback_bytes;
      a.noc_byte_hops += w.writeback_bytes * noc.max_hops(uint64_t{1} << w.cluster);
      a.l2_write_bytes += w.writeback_bytes;
    }
    a.l2_read_bytes += w.writeback_dram_bytes;
    a.dram_write_bytes += bursts(w.writeback_dram_bytes);
  }
}

ActionCounts plan_action_counts(const TilePlan& plan, const NocTopology& noc, uint32_t dram_burst_bytes) {
  PlanActionCounter counter(noc, dram_burst_bytes);
  for (const PlanStep& s : plan.steps) counter.add(s);
  return counter.counts();
}

}  // namespace nm::hw
