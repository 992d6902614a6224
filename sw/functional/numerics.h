#pragma once
// The accelerator's number formats, bit-exact on every compiler and platform.
//
// fp16 (IEEE binary16), by bit manipulation only (no _Float16, no F16C):
//  - float_to_half: round to nearest, ties to even. Subnormal halves are produced exactly (no flush
//    to zero); |x| >= 65520 (the midpoint between 65504, the largest half, and 2^16) rounds to inf;
//    inf stays inf; NaN gives a quiet NaN with the sign and top payload bits of x. -0 stays -0.
//  - half_to_float: exact (every half is a float). round_to_half(x) = half_to_float(float_to_half(x)).
//
// Symmetric per-tensor int8, real value = q * scale with q in [-127, 127] (-128 is never produced):
//  - int8_scale_for(max_abs) = max_abs / 127 in float; 1.0f when max_abs is 0, negative, NaN or
//    inf, or so small that the quotient underflows to 0 (a tensor of zeros, or one that has no
//    usable range, must still have a positive finite scale; every value then quantizes to about 0).
//  - quantize_int8(x, scale): q = x / scale (one float division), rounded to nearest with ties to
//    even, saturated to [-127, 127]; NaN -> 0. Precondition: scale > 0 and finite.
//
// Requantization of an int32 accumulator to int8 (fixed point, as in gemmlowp/TFLite):
//  - make_requantizer(real) stores real ~= multiplier * 2^-31 * 2^-shift with multiplier in
//    [2^30, 2^31): multiplier = round(mantissa * 2^31) (half away from zero) for real = mantissa *
//    2^e, mantissa in [0.5, 1), shift = -e; a mantissa that rounds up to 2^31 becomes 2^30 with
//    shift - 1. Relative error of the stored value <= 2^-31. Throws std::invalid_argument unless
//    real > 0 and finite.
//  - requantize(acc, r), with s = 31 + r.shift and p = acc * r.multiplier (exact in int64):
//      q = sign(p) * floor((|p| + 2^(s-1)) / 2^s)   for 1 <= s <= 62, i.e. p / 2^s rounded to
//          nearest with ties away from zero, in a single rounding (TFLite's two-step
//          SaturatingRoundingDoublingHighMul + RoundingDivideByPOT can differ by 1 on ties);
//      q = 0 for s >= 63 (|p| < 2^62, so |p / 2^s| < 1/2);
//      q = p * 2^-s for s <= 0 (|q| >= 2^30 unless acc is 0, so it always saturates);
//    then saturated to [-127, 127]. Only integer arithmetic, no undefined behaviour for any input.
//
// Bias: quantize_bias_int32(bias, acc_scale) = bias / acc_scale (in double) rounded to nearest
// with ties away from zero, saturated to [INT32_MIN, INT32_MAX]; NaN -> 0. Throws
// std::invalid_argument unless acc_scale > 0 and finite.
#include <cstdint>

namespace nm::sw {

uint16_t float_to_half(float x);
float half_to_float(uint16_t h);
inline float round_to_half(float x) {
  return half_to_float(float_to_half(x));
}

constexpr int kInt8Max = 127;

float int8_scale_for(float max_abs);
int8_t quantize_int8(float x, float scale);

struct Requantizer {
  int32_t multiplier;  // in [2^30, 2^31)
  int shift;           // real = multiplier * 2^-31 * 2^-shift; negative for real >= 1
};

Requantizer make_requantizer(double real_multiplier);
int8_t requantize(int32_t acc, const Requantizer& r);

int32_t quantize_bias_int32(float bias, double accumulator_scale);

}  // namespace nm::sw
