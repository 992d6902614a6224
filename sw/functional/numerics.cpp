#include "sw/functional/numerics.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace nm::sw {
namespace {

uint32_t bits_of(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

float float_of(uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

// value >> shift rounded to nearest, ties to even (shift in [1, 31]).
uint32_t shift_right_rne(uint32_t value, int shift) {
  const uint32_t half = 1u << (shift - 1);
  const uint32_t rest = value & ((1u << shift) - 1);
  uint32_t q = value >> shift;
  if (rest > half || (rest == half && (q & 1u))) ++q;
  return q;
}

constexpr uint32_t kFloatInf = 0x7F800000u;
constexpr uint32_t kHalfInf = 0x7C00u;
constexpr uint32_t kHalfQuietBit = 0x0200u;
// |x| >= 65520 = 0x1.FFEp15 rounds to inf: the tie between 65504 (odd mantissa) and 2^16 goes up.
constexpr uint32_t kFloatHalfOverflow = 0x477FF000u;
constexpr uint32_t kFloatHalfMinNormal = 0x38800000u;  // 2^-14
constexpr uint32_t kFloatExpBias = 127;
constexpr uint32_t kHalfExpBias = 15;

// |x| in [2^-14, 65520): rebias the exponent and round the 23-bit mantissa to 10 bits. A carry out
// of the mantissa ripples into the exponent, which is exactly the correctly rounded result (it
// never reaches the inf encoding because the caller handles |x| >= 65520).
uint32_t normal_half_magnitude(uint32_t abs) {
  const uint32_t rebiased = abs - ((kFloatExpBias - kHalfExpBias) << 23);
  return shift_right_rne(rebiased, 13);
}

// |x| < 2^-14: the half is round(|x| / 2^-24) in units of the smallest subnormal. |x| = m * 2^(e -
// 150) with the implicit bit in m, so the count is m >> (126 - e). Rounding up to 0x400 yields the
// smallest normal half, whose encoding is that same integer.
uint32_t subnormal_half_magnitude(uint32_t abs) {
  const int exponent = static_cast<int>(abs >> 23);
  if (exponent < 102) return 0;  // |x| < 2^-25: below half the smallest subnormal
  const uint32_t mantissa = (abs & 0x7FFFFFu) | 0x800000u;
  return shift_right_rne(mantissa, 126 - exponent);
}

constexpr double kTwoPow31 = 2147483648.0;

}  // namespace

uint16_t float_to_half(float x) {
  const uint32_t u = bits_of(x);
  const uint32_t sign = (u >> 16) & 0x8000u;
  const uint32_t abs = u & 0x7FFFFFFFu;
  uint32_t magnitude;
  if (abs > kFloatInf) {
    magnitude = kHalfInf | kHalfQuietBit | ((abs >> 13) & 0x3FFu);
  } else if (abs >= kFloatHalfOverflow) {
    magnitude = kHalfInf;
  } else if (abs >= kFloatHalfMinNormal) {
    magnitude = normal_half_magnitude(abs);
  } else {
    magnitude = subnormal_half_magnitude(abs);
  }
  return static_cast<uint16_t>(sign | magnitude);
}

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1Fu;
  const uint32_t mantissa = h & 0x3FFu;
  if (exponent == 0) {
    // Subnormal or zero: mantissa * 2^-24 is exact in float (a 10-bit integer times a power of 2).
    const float magnitude = static_cast<float>(mantissa) * 0x1p-24f;
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 0x1F) return float_of(sign | kFloatInf | (mantissa << 13));
  return float_of(sign | ((exponent + kFloatExpBias - kHalfExpBias) << 23) | (mantissa << 13));
}

float int8_scale_for(float max_abs) {
  if (!(max_abs > 0.0f) || !std::isfinite(max_abs)) return 1.0f;
  const float scale = max_abs / static_cast<float>(kInt8Max);
  return scale > 0.0f ? scale : 1.0f;
}

int8_t quantize_int8(float x, float scale) {
  const float q = x / scale;
  if (std::isnan(q)) return 0;
  const float limit = static_cast<float>(kInt8Max);
  if (q >= limit) return kInt8Max;
  if (q <= -limit) return -kInt8Max;
  // Explicit ties-to-even rather than std::nearbyint, so the dynamic rounding mode cannot matter.
  // |q| < 127, so q - floor(q) is exact.
  const float below = std::floor(q);
  const float fraction = q - below;
  int rounded = static_cast<int>(below);
  if (fraction > 0.5f || (fraction == 0.5f && (rounded & 1))) ++rounded;
  return static_cast<int8_t>(rounded);
}

Requantizer make_requantizer(double real_multiplier) {
  if (!(real_multiplier > 0.0) || !std::isfinite(real_multiplier)) {
    throw std::invalid_argument("make_requantizer: the real multiplier must be positive and finite");
  }
  int exponent = 0;
  const double mantissa = std::frexp(real_multiplier, &exponent);  // in [0.5, 1)
  int64_t multiplier = std::llround(mantissa * kTwoPow31);         // exact scaling, then round
  if (multiplier == (int64_t{1} << 31)) {                          // mantissa rounded up to 1.0
    multiplier /= 2;
    ++exponent;
  }
  return Requantizer{static_cast<int32_t>(multiplier), -exponent};
}

int8_t requantize(int32_t acc, const Requantizer& r) {
  if (acc == 0) return 0;
  const int total_shift = 31 + r.shift;
  const bool negative = acc < 0;
  if (total_shift <= 0) return negative ? -kInt8Max : kInt8Max;  // |acc * real| >= 2^30
  if (total_shift >= 63) return 0;                               // |acc * real| < 1/2
  // |acc| <= 2^31 and multiplier < 2^31, so |p| < 2^62 and |p| + 2^61 cannot overflow.
  const uint64_t magnitude = static_cast<uint64_t>(negative ? -static_cast<int64_t>(acc) : acc) *
                             static_cast<uint64_t>(r.multiplier);
  const uint64_t rounded = (magnitude + (uint64_t{1} << (total_shift - 1))) >> total_shift;
  const int64_t saturated =
      rounded > static_cast<uint64_t>(kInt8Max) ? kInt8Max : static_cast<int64_t>(rounded);
  return static_cast<int8_t>(negative ? -saturated : saturated);
}

int32_t quantize_bias_int32(float bias, double accumulator_scale) {
  if (!(accumulator_scale > 0.0) || !std::isfinite(accumulator_scale)) {
    throw std::invalid_argument("quantize_bias_int32: the accumulator scale must be positive and finite");
  }
  const double q = std::round(static_cast<double>(bias) / accumulator_scale);  // ties away from zero
  if (std::isnan(q)) return 0;
  if (q >= static_cast<double>(std::numeric_limits<int32_t>::max()))
    return std::numeric_limits<int32_t>::max();
  if (q <= static_cast<double>(std::numeric_limits<int32_t>::min()))
    return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(q);
}

}  // namespace nm::sw
