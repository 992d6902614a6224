#pragma once
// Which nonlinear functions the lowering can express as PWL, over what domain, and how many
// segments (and so table bytes) a granularity gives.
//
// Contract: segments(g) counts the linear pieces the segment index can select, including the
// two out-of-domain pieces (clamp or linear asymptote) at either end. Functions with a large
// dynamic range (reciprocal, rsqrt) are range-reduced: x = m * 2^e, the table covers the
// mantissa interval and the exponent is applied with one extra MAC per element.
#include <cstdint>
#include <string>

namespace nm::sw {

enum class PwlFunction { kRelu, kLeakyRelu, kGelu, kTanh, kSigmoid, kExp, kReciprocal, kRsqrt, kMax };

struct PwlSpec {
  const char* name;
  double domain_lo;
  double domain_hi;
  bool exact;          // already piecewise linear (relu, leaky relu, max): 2 segments
  bool range_reduced;  // exponent/mantissa split: one extra MAC per element
};

const PwlSpec& pwl_spec(PwlFunction function);
uint32_t pwl_segments(PwlFunction function, double granularity);
// Bytes of the slope + intercept table at `operand_bytes` per parameter.
uint64_t pwl_table_bytes(PwlFunction function, double granularity, uint32_t operand_bytes);

}  // namespace nm::sw
