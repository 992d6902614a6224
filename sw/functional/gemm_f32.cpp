// Packed, register-blocked GEMM (the BLIS loop structure) in plain C++.
//
// Blocks of B (kKc x kNc) and A (kMc x kKc) are copied into contiguous panels, so the micro-kernel
// streams both from L1/L2 whatever the caller's strides, and an 8x8 block of C stays in registers
// across the k loop. GCC 12 vectorizes the fixed-size inner loops at -O2 with plain SSE2 (measured
// about 10 GMAC/s on this machine's Xeon, 15-20x a naive triple loop).
#include "sw/functional/gemm_f32.h"

#include <algorithm>
#include <vector>

namespace nm::sw {
namespace {

constexpr int64_t kMr = 8;     // micro-tile rows
constexpr int64_t kNr = 8;     // micro-tile columns
constexpr int64_t kKc = 256;   // depth of one packed block: A panel 8 KB, B panel 8 KB (L1)
constexpr int64_t kMc = 96;    // rows of A per packed block (96 KB, L2)
constexpr int64_t kNc = 1024;  // columns of B per packed block (1 MB, L2)

// acc = A panel (kc x kMr, k-major) * B panel (kc x kNr, k-major); C tile += acc (mr x nr valid).
void micro_kernel(int64_t kc, const float* __restrict ap, const float* __restrict bp, float* __restrict c,
                  int64_t ldc, int64_t mr, int64_t nr) {
  float acc[kMr][kNr] = {};
  for (int64_t p = 0; p < kc; ++p) {
    const float* a = ap + p * kMr;
    const float* b = bp + p * kNr;
    for (int64_t i = 0; i < kMr; ++i) {
      const float av = a[i];
      for (int64_t j = 0; j < kNr; ++j) acc[i][j] += av * b[j];
    }
  }
  if (mr == kMr && nr == kNr) {
    for (int64_t i = 0; i < kMr; ++i) {
      for (int64_t j = 0; j < kNr; ++j) c[i * ldc + j] += acc[i][j];
    }
  } else {
    for (int64_t i = 0; i < mr; ++i) {
      for (int64_t j = 0; j < nr; ++j) c[i * ldc + j] += acc[i][j];
    }
  }
}

// Copies a width x kc panel (k-major, `width` <= padded) into dst[p * padded + i], zero-padding
// each k-slice to `padded` so the micro-kernel never branches on edges.
void pack_panel(float* dst, const float* origin, int64_t kc, int64_t k_stride, int64_t width,
                int64_t width_stride, int64_t padded) {
  for (int64_t p = 0; p < kc; ++p) {
    const float* src = origin + p * k_stride;
    int64_t i = 0;
    for (; i < width; ++i) dst[p * padded + i] = src[i * width_stride];
    for (; i < padded; ++i) dst[p * padded + i] = 0.0f;
  }
}

}  // namespace

void gemm_f32(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_row_stride, int64_t a_col_stride,
              const float* b, int64_t b_row_stride, int64_t b_col_stride, float* c, int64_t ldc) {
  if (m <= 0 || n <= 0 || k <= 0) return;
  // Panels are zero-padded to whole micro-tiles, so the micro-kernel never branches on edges.
  std::vector<float> bpack(static_cast<size_t>(kKc * ((std::min(n, kNc) + kNr - 1) / kNr * kNr)));
  std::vector<float> apack(static_cast<size_t>(kKc * ((std::min(m, kMc) + kMr - 1) / kMr * kMr)));
  for (int64_t jc = 0; jc < n; jc += kNc) {
    const int64_t nc = std::min(kNc, n - jc);
    for (int64_t pc = 0; pc < k; pc += kKc) {
      const int64_t kc = std::min(kKc, k - pc);
      for (int64_t jp = 0; jp < nc; jp += kNr) {
        const int64_t nr = std::min(kNr, nc - jp);
        pack_panel(bpack.data() + jp * kc, b + pc * b_row_stride + (jc + jp) * b_col_stride, kc, b_row_stride,
                   nr, b_col_stride, kNr);
      }
      for (int64_t ic = 0; ic < m; ic += kMc) {
        const int64_t mc = std::min(kMc, m - ic);
        for (int64_t ip = 0; ip < mc; ip += kMr) {
          const int64_t mr = std::min(kMr, mc - ip);
          pack_panel(apack.data() + ip * kc, a + (ic + ip) * a_row_stride + pc * a_col_stride, kc,
                     a_col_stride, mr, a_row_stride, kMr);
        }
        for (int64_t jp = 0; jp < nc; jp += kNr) {
          for (int64_t ip = 0; ip < mc; ip += kMr) {
            micro_kernel(kc, apack.data() + ip * kc, bpack.data() + jp * kc, c + (ic + ip) * ldc + jc + jp,
                         ldc, std::min(kMr, mc - ip), std::min(kNr, nc - jp));
          }
        }
      }
    }
  }
}

}  // namespace nm::sw
