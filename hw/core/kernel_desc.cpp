#include "hw/core/kernel_desc.h"

namespace nm::hw {

const char* kernel_kind_name(KernelKind kind) {
  switch (kind) {
    case KernelKind::kGemm:
      return "gemm";
    case KernelKind::kSegmentIndex:
      return "segment_index";
    case KernelKind::kElementwise:
      return "elementwise";
    case KernelKind::kDma:
      return "dma";
    case KernelKind::kSpmm:
      return "spmm";
    case KernelKind::kRowBlock:
      return "row_block";
  }
  return "unknown";
}

uint64_t KernelDesc::table_bytes_per_pe(uint32_t pes_per_cluster) const {
  if (table_columns == 0) return table_bytes;
  const uint64_t columns_per_pe = (table_columns + pes_per_cluster - 1) / pes_per_cluster;
  return table_bytes / table_columns * columns_per_pe;
}

uint64_t KernelDesc::macs() const {
  switch (kind) {
    case KernelKind::kGemm:
      return batch * m * n * (k + epilogue.macs_per_element);
    case KernelKind::kSegmentIndex:
    case KernelKind::kElementwise:
      return elements() * macs_per_element;
    case KernelKind::kDma:
      return 0;
    case KernelKind::kSpmm:
      return batch * nnz * n + elements() * epilogue.macs_per_element;
    case KernelKind::kRowBlock:
      return batch * m * row_macs;
  }
  return 0;
}

}  // namespace nm::hw
