#pragma once
// Kernel descriptors shared by the hw/core unit tests.
#include <cstdint>

#include "hw/core/kernel_desc.h"

namespace nm::hw::test {

// A single-batch GEMM with no DRAM bytes set; tests add bytes and flags as they need.
inline KernelDesc gemm(uint64_t m, uint64_t n, uint64_t k) {
  KernelDesc d;
  d.kind = KernelKind::kGemm;
  d.m = m;
  d.n = n;
  d.k = k;
  return d;
}

}  // namespace nm::hw::test
