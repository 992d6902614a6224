#pragma once
// Single-threaded int8 x int8 -> int32 GEMM, as the accelerator's integer datapath computes it.
//
// C(i, j) = sat32(bias[j] + sum_p A(i, p) * B(p, j)) (bias term 0 when bias is null), with
// A(i, p) = a[i * lda + p] (M x K), B(p, j) = b[p * ldb + j] (K x N), C(i, j) = c[i * ldc + j]
// (M x N, overwritten, not accumulated into). C must not overlap A, B or bias.
//
// Exactness: every int8 product is at most 128 * 128 = 2^14 in magnitude, so for
// k <= kMaxGemmS8Depth (= 131,071, the largest k with k * 2^14 <= 2^31 - 1) the sum of products is
// exact in int32 whatever the summation order (any int8 input, -128 included; with symmetric
// [-127, 127] inputs the true limit would be 133,143). The bias is then added in 64 bits and the
// total saturated to [INT32_MIN, INT32_MAX], which only matters when |bias| is near 2^31. So the
// result is a well-defined integer for every input, and gemm_s8 and gemm_s8_direct agree bit for
// bit. Both throw std::invalid_argument for k > kMaxGemmS8Depth or a negative dimension; k == 0
// gives C = bias (or 0).
//
// gemm_s8 widens A and B^T to int16 and runs dot-product micro-kernels that GCC vectorizes to
// pmaddwd with plain SSE2 (about 30 GMAC/s on this machine's Xeon); for a handful of rows it
// skips the packing and streams B instead. gemm_s8_direct is the plain triple loop (int64
// accumulation), the test oracle.
#include <cstdint>

namespace nm::sw {

constexpr int64_t kMaxGemmS8Depth = 131071;

void gemm_s8(int64_t m, int64_t n, int64_t k, const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb,
             const int32_t* bias, int32_t* c, int64_t ldc);

void gemm_s8_direct(int64_t m, int64_t n, int64_t k, const int8_t* a, int64_t lda, const int8_t* b,
                    int64_t ldb, const int32_t* bias, int32_t* c, int64_t ldc);

}  // namespace nm::sw
