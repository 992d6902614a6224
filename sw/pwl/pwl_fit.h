#pragma once
// Continuous piecewise-linear (CPWL) fits of the functions in pwl_spec.h, evaluated exactly as the
// accelerator computes them, and their error metrics.
//
// A fit has N inner segments between knots (t_0, v_0) .. (t_N, v_N), t_0 = lo, t_N = hi, plus the
// two out-of-domain pieces of pwl_spec.h: N + 2 (slope K, intercept B) pairs, index 0 below lo,
// 1..N inside, N + 1 from hi on. Inner segment j joins knots j - 1 and j, so every fit is
// continuous at every inner knot; the outer pieces pass through the edge knots (a clamp holds the
// edge value, an asymptote edge knot is placed on the asymptote), so it is continuous there too.
//
// Methods (same segment budget N = ceil((hi - lo) / g)):
//  - uniform (the paper's): t_i = lo + i * g, v_i = f(t_i) (interpolation; an edge whose outside
//    is an asymptote takes the asymptote's value instead, which is what keeps it continuous).
//  - elastic (v2): (1) horizontal: breakpoints on a grid of step q = g / kElasticGridPerSegment
//    chosen by dynamic programming to minimise the max abs interpolation error over all
//    interpolating CPWLs with exactly N segments on that grid (ties broken by least squared
//    error); the uniform breakpoints are on the grid, so this is never worse than uniform.
//    (2) vertical bias correction: the knot values (not the breakpoints) are moved to minimise the
//    integral of (p(x) - f(x))^2 over [lo, hi]; edge knots stay fixed (for range-reduced
//    functions the two edges move together, v_N = v_0 * f(hi) / f(lo), so the octaves still
//    join). At the optimum every free knot's hat-weighted mean error is zero, so the mean signed
//    error over the domain is removed up to the fixed edges' share. Moving knots rather than
//    per-segment intercepts keeps the fit continuous. The correction is scaled back (halved until
//    it is not) only if it would raise the max abs error.
//
// Segment index (step 1 on the array): uniform S = clamp(floor(x / g - lo / g), -1, N) + 1, one MAC
// and the output quantizer's floor and saturation. Elastic: the same kernel at step q gives a fine
// index F = clamp(floor(x / q - lo / q), -1, Q) + 1 (Q = N * kElasticGridPerSegment cells), then a
// second-level 1-byte table gather S = map[F] (Q + 2 entries), then the K, B gather as usual. So a
// non-uniform index costs one extra gather and Q + 2 bytes of map, not a comparison chain.
#include <cstdint>
#include <string>
#include <vector>

#include "sw/pwl/pwl_spec.h"

namespace nm::sw {

enum class PwlMethod { kUniform, kElastic };

const char* pwl_method_name(PwlMethod method);

inline constexpr uint32_t kElasticGridPerSegment = 4;
// Elastic: the map stores the segment index in one byte, so at most 256 segments (254 inner).
inline constexpr uint32_t kMaxElasticInnerSegments = 254;
// Uniform: the segment index must fit the fp16 integer range.
inline constexpr uint32_t kMaxUniformInnerSegments = 65536;
// Dense sampling of the error metrics over [lo, hi], both ends included.
inline constexpr uint32_t kErrorSamples = 100001;

struct PwlFitOptions {
  PwlMethod method = PwlMethod::kUniform;
  double granularity = 0.25;
  bool custom_domain = false;  // fit [lo, hi] instead of the spec's domain (not for exact/reduced)
  double lo = 0;
  double hi = 0;
  bool bias_correction = true;  // elastic step (2); off shows the horizontal step alone
};

struct PwlFit {
  PwlFunction function = PwlFunction::kRelu;
  PwlMethod method = PwlMethod::kUniform;
  double granularity = 0.25;
  double lo = 0, hi = 0;             // fitted domain: hi = lo + N * granularity
  std::vector<double> breakpoints;   // t_0 .. t_N
  std::vector<double> values;        // v_0 .. v_N
  std::vector<double> slopes;        // K: N + 2 entries
  std::vector<double> intercepts;    // B: N + 2 entries
  double index_step = 0;             // g (uniform) or q (elastic)
  uint32_t index_cells = 0;          // N (uniform) or Q (elastic)
  std::vector<uint8_t> segment_map;  // elastic: fine index F -> segment S (Q + 2 entries)
  double bias_correction_scale = 0;  // elastic: 1 = full least-squares correction applied

  uint32_t inner_segments() const { return static_cast<uint32_t>(breakpoints.size()) - 1; }
  uint32_t segments() const { return static_cast<uint32_t>(slopes.size()); }
  // K and B tables: segments x 2 parameters x operand bytes.
  uint64_t table_bytes(uint32_t operand_bytes) const { return uint64_t{segments()} * 2 * operand_bytes; }
  uint64_t map_bytes() const { return segment_map.size(); }
};

// Throws std::invalid_argument for options outside the limits above (callers that take user input
// check them first and report an nm::InputError).
PwlFit fit_pwl(PwlFunction function, const PwlFitOptions& options);

// Step 1: the segment index exactly as the hardware computes it.
uint32_t pwl_segment_index(const PwlFit& fit, double x);
// Steps 1-3 on the table's own input (the mantissa for range-reduced functions): gather K[S], B[S],
// y = x * K + B.
double pwl_evaluate_table(const PwlFit& fit, double x);
// The range reduction of pwl_spec.h in its two halves, for a data path that stores the segment
// index in between: the table's input (x itself, or the mantissa) and how the table's output is
// scaled back (one multiply by sign * 2^shift). `special`: the input has no mantissa (1/0, rsqrt of
// x <= 0, sqrt of x <= 0) and the result is special_value without a table lookup.
struct PwlReducedInput {
  double table_x = 0;
  int shift = 0;
  double sign = 1;
  bool special = false;
  double special_value = 0;
};
PwlReducedInput pwl_reduce_input(PwlFunction function, double x);
double pwl_finish(const PwlReducedInput& reduced, double table_y);
// Any input: the exponent/mantissa split of pwl_spec.h for range-reduced functions, then the
// table, then the exponent applied (one multiply by a power of two); otherwise the table.
double pwl_evaluate(const PwlFit& fit, double x);
// The CPWL the fit defines, by interpolating the knots (for checking the table against).
double pwl_interpolate(const PwlFit& fit, double x);
// The exact function on any input (1/x, 1/sqrt(x), sqrt(x) for the range-reduced ones).
double pwl_reference(PwlFunction function, double x);

struct PwlErrors {
  uint32_t samples = 0;
  double range_lo = 0, range_hi = 0;  // where the samples were taken (exact functions: [-8, 8])
  double max_abs = 0;
  double argmax = 0;  // x of the max abs error
  double mean_abs = 0;
  double rms = 0;
  double mean = 0;  // mean signed error (bias)
  // Non-reduced: max abs error over one domain width (at least 4) beyond each edge; 0 if exact.
  double outside_below = 0, outside_above = 0;
  // Range-reduced only (else 0): max relative error over the mantissa domain, and over x in
  // [1e-3, 1e3] (10001 log-spaced samples) through the full range reduction.
  double max_rel = 0;
  double wide_max_rel = 0;
};

PwlErrors measure_pwl(const PwlFit& fit, uint32_t samples = kErrorSamples);

}  // namespace nm::sw
