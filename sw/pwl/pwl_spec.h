#pragma once
// Which nonlinear functions the lowering can express as PWL, over what domain, what the
// approximation does outside that domain, and how many segments (and so table bytes) a
// granularity gives. This one table serves both the lowering (segment counts, table bytes,
// extra MACs for range reduction) and the fitter in sw/pwl/pwl_fit.h, so they cannot drift.
//
// Contract: segments(g) counts the linear pieces the segment index can select, including the
// two out-of-domain pieces (clamp or linear asymptote) at either end: ceil((hi - lo) / g) inner
// segments + 2. When g does not divide the domain the last inner segment overhangs hi (the fitted
// domain is [lo, lo + inner * g]), so the hardware index floor((x - lo) / g) stays exact.
// Exact functions (relu, leaky relu, max) have lo = hi = 0 and only the two outer pieces.
//
// Range reduction (reciprocal, rsqrt, sqrt; range_reduced = true): the table covers the
// mantissa interval and the exponent is applied with one extra MAC per element:
//  - reciprocal: x = m * 2^e, m in [1, 2):        1/x       = T(m) * 2^-e
//  - rsqrt:      x = m * 2^e, e even, m in [1, 4): 1/sqrt(x) = T(m) * 2^(-e/2)
//  - sqrt:       x = m * 2^e, e even, m in [1, 4): sqrt(x)   = T(m) * 2^(e/2)
// (pwl_fit.cpp's evaluate() is where the split is done.) The two outer pieces of a range-reduced
// table are never selected by a mantissa; they are kept so every table has the same layout.
#include <cstdint>
#include <string>
#include <vector>

namespace nm::sw {

// New functions go after kMax so existing enumerator values do not move.
enum class PwlFunction {
  kRelu,
  kLeakyRelu,
  kGelu,
  kTanh,
  kSigmoid,
  kExp,
  kReciprocal,
  kRsqrt,
  kMax,
  kSilu,
  kSqrt,
  kErf,
  kRelu6,
  kHardSigmoid,
  kHardSwish
};

// What the approximation is below lo / above hi.
enum class PwlOutside {
  kClamp,      // y = f(edge): the edge knot is on the curve, the piece is flat
  kAsymptote,  // y = slope * x + intercept (the function's asymptote); the edge knot sits on it
};

enum class PwlReduction { kNone, kReciprocal, kRsqrt, kSqrt };

struct PwlSide {
  PwlOutside kind = PwlOutside::kClamp;
  double slope = 0;      // kAsymptote only
  double intercept = 0;  // kAsymptote only
};

struct PwlSpec {
  const char* name;
  double domain_lo;
  double domain_hi;
  bool exact;           // already piecewise linear (relu, leaky relu, max): 2 segments
  bool range_reduced;   // exponent/mantissa split: one extra MAC per element
  double (*f)(double);  // the exact function on the table's own input (the mantissa if reduced)
  PwlSide below;
  PwlSide above;
  PwlReduction reduction;
  const char* outside;  // one line: what happens out of the domain and why
};

const PwlSpec& pwl_spec(PwlFunction function);
uint32_t pwl_segments(PwlFunction function, double granularity);
// Bytes of the slope + intercept table at `operand_bytes` per parameter.
uint64_t pwl_table_bytes(PwlFunction function, double granularity, uint32_t operand_bytes);

// Inner segments of a uniform fit of [lo, hi] at `granularity` (0 for an exact function).
uint32_t pwl_inner_segments(double lo, double hi, bool exact, double granularity);

// The functions nm_pwl fits, in its listing order (max is relu applied to a - b, so not listed).
const std::vector<PwlFunction>& pwl_fit_functions();
// Function by its spec name; throws nm::InputError naming `where` and `key` when unknown.
PwlFunction pwl_function_by_name(const std::string& name, const std::string& where, const std::string& key);

}  // namespace nm::sw
