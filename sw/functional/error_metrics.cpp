#include "sw/functional/error_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace nm::sw {

ErrorStats compare_tensors(const std::vector<float>& reference, const std::vector<float>& test, uint64_t n) {
  if (reference.size() < n || test.size() < n)
    throw std::invalid_argument("compare_tensors: fewer than n values");
  ErrorStats s;
  s.elements = n;
  double diff2 = 0, ref2 = 0, test2 = 0, dot = 0;
  for (uint64_t i = 0; i < n; ++i) {
    const double r = reference[i], t = test[i];
    if (!std::isfinite(t)) {
      s.max_abs = s.rel_l2 = std::numeric_limits<double>::infinity();
      s.cosine = 0;
      return s;
    }
    const double d = t - r;
    s.max_abs = std::max(s.max_abs, std::fabs(d));
    diff2 += d * d;
    ref2 += r * r;
    test2 += t * t;
    dot += t * r;
  }
  s.rel_l2 = ref2 > 0 ? std::sqrt(diff2 / ref2) : std::sqrt(diff2);
  if (ref2 == 0 && test2 == 0) {
    s.cosine = 1;
  } else if (ref2 == 0 || test2 == 0) {
    s.cosine = 0;
  } else {
    s.cosine = dot / std::sqrt(ref2 * test2);
  }
  return s;
}

Top1 top1_agreement(const std::vector<float>& reference, const std::vector<float>& test, uint64_t rows,
                    uint64_t cols) {
  if (reference.size() < rows * cols || test.size() < rows * cols || cols == 0) {
    throw std::invalid_argument("top1_agreement: fewer than rows x cols values");
  }
  Top1 t;
  t.rows = rows;
  for (uint64_t r = 0; r < rows; ++r) {
    const auto rb = reference.begin() + static_cast<std::ptrdiff_t>(r * cols);
    const auto tb = test.begin() + static_cast<std::ptrdiff_t>(r * cols);
    const auto cols_d = static_cast<std::ptrdiff_t>(cols);
    t.agree += std::max_element(rb, rb + cols_d) - rb == std::max_element(tb, tb + cols_d) - tb;
  }
  return t;
}

}  // namespace nm::sw
