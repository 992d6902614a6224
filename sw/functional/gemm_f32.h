#pragma once
// Single-threaded fp32 GEMM for the reference executor: C += A * B with arbitrary strides.
//
// A(i, k) = a[i * a_row_stride + k * a_col_stride] (M x K), B(k, j) = b[k * b_row_stride +
// j * b_col_stride] (K x N), C(i, j) = c[i * ldc + j] (M x N, accumulated into). Strides express
// transposes and group/column offsets without copies. Each C element is accumulated in fp32 over k
// in increasing order, blocks of 256 k at a time (so results do not depend on M, N or the strides).
#include <cstdint>

namespace nm::sw {

void gemm_f32(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_row_stride, int64_t a_col_stride,
              const float* b, int64_t b_row_stride, int64_t b_col_stride, float* c, int64_t ldc);

}  // namespace nm::sw
