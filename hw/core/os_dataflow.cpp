#include "hw/core/os_dataflow.h"

#include <fmt/format.h>
#include <algorithm>

namespace nm::hw {

uint64_t os_chunk_cycles(uint64_t rows, uint64_t cols, uint64_t tkc, const ArchConfig& arch) {
  return os_chunk_cycles(rows, cols, tkc, arch.pe_rows(), arch.pe_cols());
}

PeGrid pe_grid(const Mapping& mapping, const ArchConfig& arch) {
  if (mapping.pe_rows == 0) return {arch.pe_rows(), arch.pe_cols(), 1};
  return {mapping.pe_rows, mapping.pe_cols, std::max<uint32_t>(mapping.k_split, 1)};
}

uint64_t reduction_steps(uint64_t k_split) {
  uint64_t steps = 0;
  while ((uint64_t{1} << steps) < k_split) ++steps;
  return steps;
}

uint64_t os_tile_overhead_cycles(uint64_t rows, uint64_t cols, const PeGrid& grid) {
  return grid.rows + grid.cols +
         reduction_steps(grid.k_split) * ceil_div(rows, grid.rows) * ceil_div(cols, grid.cols);
}

uint64_t os_fill_drain_cycles(const ArchConfig& arch) {
  return arch.pe_rows() + arch.pe_cols();
}

uint64_t elementwise_step_cycles(uint64_t cluster_elements, uint32_t macs_per_element,
                                 const ArchConfig& arch) {
  // One cycle per MAC per PE, plus one cycle to fill the PE pipeline.
  return ceil_div(cluster_elements, arch.pes_per_cluster()) * std::max<uint32_t>(macs_per_element, 1) + 1;
}

RowBlockStep row_block_step(const KernelDesc& k, uint64_t rows, const ArchConfig& arch) {
  const uint64_t p = arch.pes_per_cluster(), n = std::max<uint64_t>(k.n, 1);
  RowBlockStep s;
  s.elements_per_pe = ceil_div(rows * n, p);
  s.pes_per_row = rows >= p ? 1 : p / rows;
  // MACs are spread evenly over the block's elements; each pass refills the PE pipeline, and
  // each reduction of a row spread over several PEs takes a log2-deep tree of pairwise steps.
  s.compute_cycles =
      ceil_div(s.elements_per_pe * k.row_macs, n) + k.passes + k.reductions * reduction_steps(s.pes_per_row);
  // Per-column parameters: a PE holds the columns of its share of a row, or all of them.
  s.table_bytes_per_pe = k.table_bytes + k.column_table_bytes * std::min(n, s.elements_per_pe) / n;
  return s;
}

uint64_t elementwise_in_bytes_per_element(const KernelDesc& kernel, DataType type) {
  return kernel.input_streams * operand_bytes(type) + kernel.index_input;
}

uint64_t elementwise_out_bytes_per_element(const KernelDesc& kernel, DataType type) {
  return kernel.index_output ? 1 : operand_bytes(type);
}

SpmmBlock spmm_block(const KernelDesc& k, uint64_t row_start, uint64_t rows, const ArchConfig& arch) {
  // Floor differences of cumulative shares: the blocks of a kernel add up to exactly nnz and the
  // CSR's bytes.
  const auto share = [&k](uint64_t total, uint64_t start, uint64_t end) {
    return total * end / k.m - total * start / k.m;
  };
  SpmmBlock b;
  b.entries = share(k.nnz, row_start, row_start + rows);
  b.csr_bytes = share(k.a_dram_bytes, row_start, row_start + rows);
  b.gather_bytes = b.entries * k.n * operand_bytes(arch.datatype);
  return b;
}

namespace {

// The densest chunk a step can carry: `rows` rows' entries rounded up, at most `chunk` of them.
SpmmBlock spmm_peak_chunk(const KernelDesc& k, uint64_t rows, uint64_t chunk, const ArchConfig& arch) {
  SpmmBlock b;
  b.entries = std::min<uint64_t>(ceil_div(k.nnz * rows, k.m) + 1, chunk);
  b.csr_bytes = ceil_div(k.a_dram_bytes * b.entries, std::max<uint64_t>(k.nnz, 1)) + rows * 4 + 1;
  b.gather_bytes = b.entries * k.n * operand_bytes(arch.datatype);
  return b;
}

struct GemmGeometry {
  uint64_t rows, cols, depth;    // tile extents clipped to the problem
  uint64_t mt, nt;               // tiles along m and n
  uint64_t row_blocks_per_wave;  // distinct A row panels a wave can touch
  uint64_t col_blocks_per_wave;  // distinct B column panels a wave can touch
};

GemmGeometry gemm_geometry(const KernelDesc& k, const Mapping& mp, const ArchConfig& arch) {
  GemmGeometry g{};
  g.rows = std::min<uint64_t>(mp.tm, k.m);
  g.cols = std::min<uint64_t>(mp.tn, k.n);
  g.depth = std::min<uint64_t>(mp.tk, k.k);
  g.mt = ceil_div(k.m, g.rows);
  g.nt = ceil_div(k.n, g.cols);
  const uint64_t clusters = arch.clusters;
  // A wave is `clusters` consecutive tiles: along the fastest axis they touch up to `clusters`
  // panels; along the other, a new panel every mt (or nt) tiles, plus one at the wave's start.
  const uint64_t a_panels = g.mt * k.batch, b_panels = (k.b_per_batch ? k.batch : 1) * g.nt;
  if (mp.m_fastest) {
    g.row_blocks_per_wave = std::min(clusters, a_panels);
    g.col_blocks_per_wave = std::min({clusters, b_panels, ceil_div(clusters, g.mt) + 1});
  } else {
    g.row_blocks_per_wave = std::min(a_panels, ceil_div(clusters, g.nt) + 1);
    g.col_blocks_per_wave = std::min(clusters, b_panels);
  }
  return g;
}

// L2 staging the epilogue needs: its tables, and double-buffered residual tiles of every cluster
// when the residual operand comes from DRAM.
uint64_t epilogue_staging_bytes(const KernelDesc& k, uint64_t tile_outputs, const ArchConfig& arch) {
  const Epilogue& e = k.epilogue;
  const uint64_t residual = e.operand_dram_bytes > 0 ? 2 * uint64_t{arch.clusters} * tile_outputs *
                                                           e.operand_streams * operand_bytes(arch.datatype)
                                                     : 0;
  return e.table_bytes + residual;
}

}  // namespace

uint64_t l1_footprint_bytes(const KernelDesc& k, const Mapping& mp, const ArchConfig& arch) {
  const uint64_t in = operand_bytes(arch.datatype);
  switch (k.kind) {
    case KernelKind::kGemm: {
      const GemmGeometry g = gemm_geometry(k, mp, arch);
      const PeGrid grid = pe_grid(mp, arch);
      const uint64_t rows_pe = ceil_div(g.rows, grid.rows);
      const uint64_t cols_pe = ceil_div(g.cols, grid.cols);
      // A K split gives each PE a slice of every chunk. The epilogue adds its tables and the
      // tile's residual operands.
      return 2 * (rows_pe + cols_pe) * ceil_div(g.depth, grid.k_split) * in +
             rows_pe * cols_pe * accumulator_bytes(arch.datatype) + k.epilogue.table_bytes +
             rows_pe * cols_pe * k.epilogue.operand_streams * in;
    }
    case KernelKind::kSegmentIndex:
    case KernelKind::kElementwise:
      return 2 * mp.tm * elementwise_in_bytes_per_element(k, arch.datatype) +
             mp.tm * elementwise_out_bytes_per_element(k, arch.datatype) +
             k.table_bytes_per_pe(arch.pes_per_cluster());
    case KernelKind::kDma:
      return 0;
    case KernelKind::kRowBlock: {
      // The block stays in L1 through every pass: double-buffered input (the next block arrives
      // while this one computes), one intermediate of the same size, the tables.
      const RowBlockStep step = row_block_step(k, std::min<uint64_t>(mp.tm, k.m), arch);
      return 3 * step.elements_per_pe * in + step.table_bytes_per_pe;
    }
    case KernelKind::kSpmm: {
      const uint64_t rows = std::min<uint64_t>(mp.tm, k.m);
      const SpmmBlock b = spmm_peak_chunk(k, rows, mp.tk, arch);
      const uint64_t p = arch.pes_per_cluster();
      return 2 * ceil_div(b.csr_bytes + b.gather_bytes, p) +
             ceil_div(rows * k.n, p) * (accumulator_bytes(arch.datatype) + k.epilogue.operand_streams * in) +
             k.epilogue.table_bytes;
    }
  }
  return 0;
}

uint64_t l2_staging_footprint_bytes(const KernelDesc& k, const Mapping& mp, const ArchConfig& arch) {
  const uint64_t in = operand_bytes(arch.datatype);
  switch (k.kind) {
    case KernelKind::kGemm: {
      const GemmGeometry g = gemm_geometry(k, mp, arch);
      uint64_t bytes = 0;
      // A step's blocks carry their share of each operand's DRAM bytes: conv A's come from the
      // feature map, B's include the bias read with the weights. The plan splits bytes by batch,
      // then rows or columns, then K chunk, each a floor difference: a block's share exceeds its
      // proportional part by less than one byte per level.
      auto step_bytes = [](uint64_t dram_bytes, uint64_t blocks, uint64_t block_elements, uint64_t elements) {
        return blocks * (ceil_div(dram_bytes * block_elements, elements) + 2);
      };
      if (k.a_dram_bytes > 0) {
        const uint64_t a_step =
            step_bytes(k.a_dram_bytes, g.row_blocks_per_wave, g.rows * g.depth, k.batch * k.m * k.k);
        bytes += mp.a_resident ? k.a_dram_bytes : 2 * a_step;
      }
      if (k.b_dram_bytes > 0) {
        const uint64_t b_batches = k.b_per_batch ? k.batch : 1;
        const uint64_t b_step =
            step_bytes(k.b_dram_bytes, g.col_blocks_per_wave, g.depth * g.cols, b_batches * k.k * k.n);
        bytes += mp.b_resident ? k.b_dram_bytes : 2 * b_step;
      }
      if (!k.out_on_chip) bytes += static_cast<uint64_t>(arch.clusters) * g.rows * g.cols * in;
      return bytes + epilogue_staging_bytes(k, g.rows * g.cols, arch);
    }
    case KernelKind::kSegmentIndex:
    case KernelKind::kElementwise: {
      const uint64_t step_elements = static_cast<uint64_t>(arch.pe_count) * mp.tm;
      uint64_t bytes = k.table_bytes;
      if (k.a_dram_bytes > 0) bytes += 2 * step_elements * elementwise_in_bytes_per_element(k, arch.datatype);
      if (!k.out_on_chip) bytes += step_elements * elementwise_out_bytes_per_element(k, arch.datatype);
      return bytes;
    }
    case KernelKind::kDma:
      return std::min<uint64_t>(k.dram_read_bytes, arch.l2_staging_bytes() / 2) * 2;
    case KernelKind::kRowBlock: {
      const uint64_t step_bytes = arch.clusters * std::min<uint64_t>(mp.tm, k.m) * k.n * in;
      uint64_t bytes = k.table_bytes + k.column_table_bytes;
      if (k.a_dram_bytes > 0) bytes += 2 * step_bytes;
      if (!k.out_on_chip) bytes += step_bytes;
      return bytes;
    }
    case KernelKind::kSpmm: {
      const uint64_t rows = std::min<uint64_t>(mp.tm, k.m);
      const SpmmBlock b = spmm_peak_chunk(k, rows, mp.tk, arch);
      const uint64_t staged = b.csr_bytes + (k.b_dram_bytes > 0 ? b.gather_bytes : 0);
      uint64_t bytes = 2 * arch.clusters * staged;
      if (!k.out_on_chip) bytes += arch.clusters * rows * k.n * in;
      return bytes + epilogue_staging_bytes(k, rows * k.n, arch);
    }
  }
  return 0;
}

bool mapping_fits(const KernelDesc& k, const Mapping& mp, const ArchConfig& arch) {
  return l1_footprint_bytes(k, mp, arch) <= arch.l1_bytes_per_pe &&
         l2_staging_footprint_bytes(k, mp, arch) <= arch.l2_staging_bytes();
}

std::string capacity_violation(const KernelDesc& k, const Mapping& mp, const ArchConfig& arch) {
  const uint64_t l1 = l1_footprint_bytes(k, mp, arch);
  if (l1 > arch.l1_bytes_per_pe) {
    return fmt::format("L1 needs {} B per PE for tile {}x{}x{}, has {} B", l1, mp.tm, mp.tn, mp.tk,
                       arch.l1_bytes_per_pe);
  }
  const uint64_t l2 = l2_staging_footprint_bytes(k, mp, arch);
  if (l2 > arch.l2_staging_bytes()) {
    return fmt::format("L2 staging needs {} B for tile {}x{}x{}, has {} B", l2, mp.tm, mp.tn, mp.tk,
                       arch.l2_staging_bytes());
  }
  return {};
}

}  // namespace nm::hw
