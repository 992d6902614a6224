// Packed dot-product GEMM for int8 in plain C++.
//
// SSE2 has no int8 multiply, but pmaddwd multiplies 8 int16 pairs and adds adjacent products into
// 4 int32: exactly GCC's dot-product pattern `int32 += int16 * int16` over a contiguous k loop.
// So A (rows) and B^T (columns of B) are widened to int16 once, with k zero-padded to a multiple of
// 8, and a 2 x 4 micro-kernel keeps 8 dot products in flight (8 pmaddwd per 8 k; GCC 12 -O3
// vectorizes it, checked with -fopt-info-vec and objdump). A micro-panel (2 rows x kKc) stays in
// L1 while a block of B^T (kNc columns x kKc) streams from L2. Integer sums are exact, so the
// blocking and summation order cannot change the result.
//
// Packing B^T costs about 0.5 ns per element of B whatever m is, so for fewer than
// kMinRowsForPacking rows it is cheaper to stream B directly: C row += a(i, p) * B row p (an int8
// product always fits int16, which GCC vectorizes as pmullw then widening adds).
#include "sw/functional/gemm_int8.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace nm::sw {
namespace {

constexpr int64_t kMr = 2;                 // micro-tile rows (A rows per kernel)
constexpr int64_t kNr = 4;                 // micro-tile columns (B^T rows per kernel)
constexpr int64_t kKAlign = 8;             // int16 lanes per SSE2 vector
constexpr int64_t kKc = 1024;              // k per block: a 2 KB int16 row, A micro-panel 4 KB (L1)
constexpr int64_t kNc = 256;               // columns per block: B^T block 512 KB (L2)
constexpr int64_t kMinRowsForPacking = 8;  // measured crossover against streaming B
static_assert(kKc % kKAlign == 0 && kNc % kNr == 0, "blocks must hold whole vectors and micro-tiles");

int64_t round_up(int64_t x, int64_t multiple) {
  return (x + multiple - 1) / multiple * multiple;
}

void check_arguments(int64_t m, int64_t n, int64_t k) {
  if (m < 0 || n < 0 || k < 0) throw std::invalid_argument("gemm_s8: negative dimension");
  if (k > kMaxGemmS8Depth) {
    throw std::invalid_argument("gemm_s8: k = " + std::to_string(k) + " exceeds " +
                                std::to_string(kMaxGemmS8Depth) + ", the int32 accumulator could overflow");
  }
}

int32_t saturate_int32(int64_t x) {
  return static_cast<int32_t>(
      std::clamp<int64_t>(x, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()));
}

// C = sat32(C + bias) row by row, once the sums of products are complete.
void add_bias(int64_t m, int64_t n, const int32_t* bias, int32_t* c, int64_t ldc) {
  if (bias == nullptr) return;
  for (int64_t i = 0; i < m; ++i) {
    int32_t* row = c + i * ldc;
    for (int64_t j = 0; j < n; ++j) row[j] = saturate_int32(int64_t{row[j]} + bias[j]);
  }
}

void zero_rows(int64_t m, int64_t n, int32_t* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, 0);
}

// dst[i * ldd + p] = src[i * lds + p] for i < rows, p < cols (dst already zeroed beyond).
void widen_rows(int64_t rows, int64_t cols, const int8_t* src, int64_t lds, int16_t* dst, int64_t ldd) {
  for (int64_t i = 0; i < rows; ++i) {
    const int8_t* __restrict in = src + i * lds;
    int16_t* __restrict out = dst + i * ldd;
    for (int64_t p = 0; p < cols; ++p) out[p] = in[p];
  }
}

// dst[j * ldd + p] = b[p * ldb + j]: B^T widened, in 64 x 64 tiles so both sides stay in cache.
void transpose_widen(int64_t k, int64_t n, const int8_t* b, int64_t ldb, int16_t* dst, int64_t ldd) {
  constexpr int64_t kTile = 64;
  for (int64_t j0 = 0; j0 < n; j0 += kTile) {
    const int64_t j1 = std::min(n, j0 + kTile);
    for (int64_t p0 = 0; p0 < k; p0 += kTile) {
      const int64_t p1 = std::min(k, p0 + kTile);
      for (int64_t j = j0; j < j1; ++j) {
        for (int64_t p = p0; p < p1; ++p) dst[j * ldd + p] = b[p * ldb + j];
      }
    }
  }
}

// The kMr x kNr dot products of A rows a[i * ld + p] and B^T rows bt[j * ld + p] over p < kc
// (a multiple of kKAlign); the valid mr x nr corner is stored into C, or added to it.
void micro_kernel(int64_t kc, const int16_t* __restrict a, const int16_t* __restrict bt, int64_t ld,
                  int32_t* __restrict c, int64_t ldc, int64_t mr, int64_t nr, bool accumulate) {
  int32_t acc[kMr][kNr] = {};
  for (int64_t p = 0; p < kc; ++p) {
    for (int64_t i = 0; i < kMr; ++i) {
      for (int64_t j = 0; j < kNr; ++j) acc[i][j] += int32_t{a[i * ld + p]} * int32_t{bt[j * ld + p]};
    }
  }
  for (int64_t i = 0; i < mr; ++i) {
    for (int64_t j = 0; j < nr; ++j) {
      c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
    }
  }
}

void gemm_packed(int64_t m, int64_t n, int64_t k, const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb,
                 int32_t* c, int64_t ldc) {
  // Rows padded to whole micro-tiles and k to whole vectors, with zeros, so kernels never branch.
  const int64_t kp = round_up(k, kKAlign);
  const int64_t mp = round_up(m, kMr);
  const int64_t np = round_up(n, kNr);
  std::vector<int16_t> a16(static_cast<size_t>(mp * kp), 0);
  std::vector<int16_t> bt16(static_cast<size_t>(np * kp), 0);
  widen_rows(m, k, a, lda, a16.data(), kp);
  transpose_widen(k, n, b, ldb, bt16.data(), kp);
  for (int64_t pc = 0; pc < kp; pc += kKc) {
    const int64_t kc = std::min(kKc, kp - pc);
    for (int64_t jc = 0; jc < np; jc += kNc) {
      const int64_t jc_end = std::min(np, jc + kNc);
      for (int64_t ir = 0; ir < mp; ir += kMr) {
        for (int64_t jr = jc; jr < jc_end; jr += kNr) {
          micro_kernel(kc, a16.data() + ir * kp + pc, bt16.data() + jr * kp + pc, kp, c + ir * ldc + jr, ldc,
                       std::min(kMr, m - ir), std::min(kNr, n - jr), pc > 0);
        }
      }
    }
  }
}

// C row (n entries, zeroed by the caller) += sum_p a_row[p] * B row p.
void row_times_b(int64_t n, int64_t k, const int8_t* __restrict a_row, const int8_t* __restrict b,
                 int64_t ldb, int32_t* __restrict c_row) {
  for (int64_t p = 0; p < k; ++p) {
    const int16_t a_value = a_row[p];
    const int8_t* __restrict b_row = b + p * ldb;
    for (int64_t j = 0; j < n; ++j) c_row[j] += static_cast<int16_t>(a_value * b_row[j]);
  }
}

}  // namespace

void gemm_s8(int64_t m, int64_t n, int64_t k, const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb,
             const int32_t* bias, int32_t* c, int64_t ldc) {
  check_arguments(m, n, k);
  if (m == 0 || n == 0) return;
  if (k == 0 || m < kMinRowsForPacking) {
    zero_rows(m, n, c, ldc);
    for (int64_t i = 0; i < m && k > 0; ++i) row_times_b(n, k, a + i * lda, b, ldb, c + i * ldc);
  } else {
    gemm_packed(m, n, k, a, lda, b, ldb, c, ldc);
  }
  add_bias(m, n, bias, c, ldc);
}

void gemm_s8_direct(int64_t m, int64_t n, int64_t k, const int8_t* a, int64_t lda, const int8_t* b,
                    int64_t ldb, const int32_t* bias, int32_t* c, int64_t ldc) {
  check_arguments(m, n, k);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      int64_t sum = bias ? bias[j] : 0;
      for (int64_t p = 0; p < k; ++p) sum += int64_t{a[i * lda + p]} * b[p * ldb + j];
      c[i * ldc + j] = saturate_int32(sum);
    }
  }
}

}  // namespace nm::sw
