#pragma once
// How far a tensor computed on the NeuralMatrix data path is from the fp32 reference.
//
// Contract (over the first n elements of both, as doubles):
//  - max_abs = max |t - r|;
//  - rel_l2 = ||t - r|| / ||r|| (||t - r|| when the reference is all zero);
//  - cosine = <t, r> / (||t|| ||r||); 1 when both are all zero, 0 when exactly one is;
//  - a non-finite test value (an int8 saturation cannot produce one, an fp16 overflow can) makes
//    max_abs and rel_l2 infinite and cosine 0, so it cannot hide.
// top1_agreement: the fraction of rows (row length `cols`) whose argmax (first maximum) agrees.
#include <cstdint>
#include <vector>

namespace nm::sw {

struct ErrorStats {
  uint64_t elements = 0;
  double max_abs = 0;
  double rel_l2 = 0;
  double cosine = 1;
};

ErrorStats compare_tensors(const std::vector<float>& reference, const std::vector<float>& test, uint64_t n);

struct Top1 {
  uint64_t rows = 0;
  uint64_t agree = 0;
  double fraction() const { return rows == 0 ? 0.0 : static_cast<double>(agree) / static_cast<double>(rows); }
};
Top1 top1_agreement(const std::vector<float>& reference, const std::vector<float>& test, uint64_t rows,
                    uint64_t cols);

}  // namespace nm::sw
