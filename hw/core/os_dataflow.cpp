#include "hw/core/os_dataflow.h"

#include <fmt/format.h>
#include <algorithm>

namespace nm::hw {

uint64_t os_chunk_cycles(uint64_t rows, uint64_t cols, uint64_t tkc, const ArchConfig& arch) {
  return os_chunk_cycles(rows, cols, tkc, arch.pe_rows(), arch.pe_cols());
}

uint64_t os_fill_drain_cycles(const ArchConfig& arch) {
  return arch.pe_rows() + arch.pe_cols();
}

uint64_t elementwise_step_cycles(uint64_t cluster_elements, uint32_t macs_per_element,
                                 const ArchConfig& arch) {
  // One cycle per MAC per PE, plus one cycle to fill the PE pipeline.
  return ceil_div(cluster_elements, arch.pes_per_cluster()) * std::max<uint32_t>(macs_per_element, 1) + 1;
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
  g.row_blocks_per_wave = std::min<uint64_t>(g.mt * k.batch, ceil_div(clusters, g.nt) + 1);
  g.col_blocks_per_wave = std::min<uint64_t>(clusters, (k.b_per_batch ? k.batch : 1) * g.nt);
  return g;
}

}  // namespace

uint64_t l1_footprint_bytes(const KernelDesc& k, const Mapping& mp, const ArchConfig& arch) {
  const uint64_t in = operand_bytes(arch.datatype);
  switch (k.kind) {
    case KernelKind::kGemm: {
      const GemmGeometry g = gemm_geometry(k, mp, arch);
      const uint64_t rows_pe = ceil_div(g.rows, arch.pe_rows());
      const uint64_t cols_pe = ceil_div(g.cols, arch.pe_cols());
      return 2 * (rows_pe + cols_pe) * g.depth * in + rows_pe * cols_pe * accumulator_bytes(arch.datatype);
    }
    case KernelKind::kSegmentIndex:
    case KernelKind::kElementwise:
      return 2 * mp.tm * elementwise_in_bytes_per_element(k, arch.datatype) +
             mp.tm * elementwise_out_bytes_per_element(k, arch.datatype) +
             k.table_bytes_per_pe(arch.pes_per_cluster());
    case KernelKind::kDma:
      return 0;
    case KernelKind::kSpmm: {
      const uint64_t rows = std::min<uint64_t>(mp.tm, k.m);
      const SpmmBlock b = spmm_peak_chunk(k, rows, mp.tk, arch);
      const uint64_t p = arch.pes_per_cluster();
      return 2 * ceil_div(b.csr_bytes + b.gather_bytes, p) +
             ceil_div(rows * k.n, p) * accumulator_bytes(arch.datatype);
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
      return bytes;
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
    case KernelKind::kSpmm: {
      const uint64_t rows = std::min<uint64_t>(mp.tm, k.m);
      const SpmmBlock b = spmm_peak_chunk(k, rows, mp.tk, arch);
      const uint64_t staged = b.csr_bytes + (k.b_dram_bytes > 0 ? b.gather_bytes : 0);
      uint64_t bytes = 2 * arch.clusters * staged;
      if (!k.out_on_chip) bytes += arch.clusters * rows * k.n * in;
      return bytes;
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
