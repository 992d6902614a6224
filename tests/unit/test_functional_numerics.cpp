// The accelerator's number formats (sw/functional/numerics.h) and the int8 GEMM
// (sw/functional/gemm_int8.h), each against an independent oracle: fp16 against an exhaustive
// nearest-value search, requantization against exact long double arithmetic, gemm_s8 against the
// plain triple loop and closed-form sums.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <vector>

#include "sw/functional/gemm_int8.h"
#include "sw/functional/numerics.h"
#include "sw/functional/random.h"

namespace nm::sw {
namespace {

constexpr int32_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int32_t kInt32Min = std::numeric_limits<int32_t>::min();

float float_from_bits(uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

// ---------------------------------------------------------------- fp16

bool is_half_nan(uint16_t h) {
  return (h & 0x7C00u) == 0x7C00u && (h & 0x3FFu) != 0;
}

// The value of a non-negative half pattern, from the binary16 definition alone (not
// half_to_float); 0x7C00 (inf) is given the value 2^16 it would have with an unbounded exponent,
// which makes it the right upper neighbour of 65504 for round-to-nearest.
double half_value(uint16_t h) {
  const int exponent = (h >> 10) & 0x1F;
  const int mantissa = h & 0x3FF;
  if (exponent == 0) return std::ldexp(mantissa, -24);
  return std::ldexp(1024 + mantissa, exponent - 25);
}

// Round-to-nearest-even by search over the sorted non-negative finite halves.
uint16_t nearest_half_oracle(float x) {
  const double target = std::fabs(static_cast<double>(x));
  const uint16_t sign = std::signbit(x) ? 0x8000 : 0;
  if (target >= 65536.0) return sign | 0x7C00;
  uint16_t lo = 0, hi = 0x7C00;  // half_value(lo) <= target < half_value(hi)
  while (hi - lo > 1) {
    const uint16_t mid = static_cast<uint16_t>((lo + hi) / 2);
    (half_value(mid) <= target ? lo : hi) = mid;
  }
  const double below = target - half_value(lo);
  const double above = half_value(hi) - target;
  if (below < above || (below == above && (lo & 1) == 0)) return sign | lo;
  return sign | hi;
}

TEST(NumericsHalf, KnownBitPatterns) {
  EXPECT_EQ(float_to_half(1.0f), 0x3C00);
  EXPECT_EQ(float_to_half(-2.0f), 0xC000);
  EXPECT_EQ(float_to_half(0.0f), 0x0000);
  EXPECT_EQ(float_to_half(-0.0f), 0x8000);
  EXPECT_EQ(float_to_half(65504.0f), 0x7BFF);
  EXPECT_EQ(float_to_half(65519.996f), 0x7BFF);
  EXPECT_EQ(float_to_half(65520.0f), 0x7C00);
  EXPECT_EQ(float_to_half(-65520.0f), 0xFC00);
  EXPECT_EQ(float_to_half(5.96e-8f), 0x0001);
  EXPECT_EQ(float_to_half(0x1p-24f), 0x0001);
  EXPECT_EQ(float_to_half(0x1p-25f), 0x0000);  // tie between 0 and 2^-24: even is 0
  EXPECT_EQ(float_to_half(-0x1p-25f), 0x8000);
  EXPECT_EQ(float_to_half(0x1.000002p-25f), 0x0001);
  EXPECT_EQ(float_to_half(3 * 0x1p-25f), 0x0002);         // tie between 1 and 2 ulps: even is 2
  EXPECT_EQ(float_to_half(0x1p-14f), 0x0400);             // smallest normal
  EXPECT_EQ(float_to_half(0x1.ffcp-15f), 0x0400);         // largest subnormal + 1/2 ulp, rounds up to normal
  EXPECT_EQ(float_to_half(1.0f + 0x1p-11f), 0x3C00);      // tie: even mantissa 0
  EXPECT_EQ(float_to_half(1.0f + 3 * 0x1p-11f), 0x3C02);  // tie: even mantissa 2
  EXPECT_EQ(float_to_half(0.1f), 0x2E66);
  EXPECT_EQ(float_to_half(1e-10f), 0x0000);
}

TEST(NumericsHalf, InfinityAndNan) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(float_to_half(inf), 0x7C00);
  EXPECT_EQ(float_to_half(-inf), 0xFC00);
  EXPECT_EQ(float_to_half(1e30f), 0x7C00);
  EXPECT_EQ(float_to_half(std::numeric_limits<float>::max()), 0x7C00);
  EXPECT_TRUE(std::isinf(half_to_float(0x7C00)));
  EXPECT_TRUE(std::isinf(half_to_float(0xFC00)) && half_to_float(0xFC00) < 0);

  const uint16_t quiet = float_to_half(std::numeric_limits<float>::quiet_NaN());
  EXPECT_TRUE(is_half_nan(quiet));
  // A signalling NaN whose payload lies entirely in the bits a half drops must still be a NaN.
  const uint16_t from_signalling = float_to_half(float_from_bits(0x7F800001u));
  EXPECT_TRUE(is_half_nan(from_signalling));
  EXPECT_NE(from_signalling & 0x0200, 0) << "quiet bit set";
  EXPECT_EQ(float_to_half(float_from_bits(0xFFC00000u)) & 0x8000, 0x8000) << "sign kept";
  EXPECT_TRUE(std::isnan(half_to_float(0x7E00)));
  EXPECT_TRUE(std::isnan(round_to_half(std::numeric_limits<float>::quiet_NaN())));
}

TEST(NumericsHalf, EveryHalfRoundTripsAndHasItsDefinedValue) {
  for (uint32_t h = 0; h <= 0xFFFF; ++h) {
    const auto half = static_cast<uint16_t>(h);
    if (is_half_nan(half)) continue;
    const float value = half_to_float(half);
    ASSERT_EQ(float_to_half(value), half) << std::hex << h;
    if ((h & 0x7C00u) == 0x7C00u) continue;  // infinities
    const double magnitude = half_value(static_cast<uint16_t>(h & 0x7FFF));
    ASSERT_EQ(static_cast<double>(value), (h & 0x8000) ? -magnitude : magnitude) << std::hex << h;
    ASSERT_EQ(std::signbit(value), (h & 0x8000) != 0) << std::hex << h;
  }
}

// Every midpoint between adjacent halves (exact in float) goes to the even neighbour, and the
// floats one ulp either side of it go to the nearer one.
TEST(NumericsHalf, EveryTieRoundsToEven) {
  for (uint16_t h = 0; h < 0x7C00; ++h) {
    const auto mid = static_cast<float>((half_value(h) + half_value(static_cast<uint16_t>(h + 1))) / 2);
    ASSERT_EQ(static_cast<double>(mid), (half_value(h) + half_value(static_cast<uint16_t>(h + 1))) / 2);
    const uint16_t even = (h & 1) ? static_cast<uint16_t>(h + 1) : h;
    ASSERT_EQ(float_to_half(mid), even) << std::hex << h;
    ASSERT_EQ(float_to_half(-mid), even | 0x8000) << std::hex << h;
    ASSERT_EQ(float_to_half(std::nextafter(mid, 0.0f)), h) << std::hex << h;
    ASSERT_EQ(float_to_half(std::nextafter(mid, 1e30f)), h + 1) << std::hex << h;
  }
}

TEST(NumericsHalf, RandomFloatsMatchNearestSearch) {
  Rng rng(7);
  for (int trial = 0; trial < 200000; ++trial) {
    // Exponents 2^-30 .. 2^17 cover underflow to zero, subnormals, normals and overflow.
    const auto exponent = static_cast<uint32_t>(97 + rng.index(48));
    const uint32_t bits = (static_cast<uint32_t>(rng.index(2)) << 31) | (exponent << 23) |
                          static_cast<uint32_t>(rng.index(1u << 23));
    const float x = float_from_bits(bits);
    ASSERT_EQ(float_to_half(x), nearest_half_oracle(x)) << std::hexfloat << x;
    ASSERT_EQ(round_to_half(x), half_to_float(nearest_half_oracle(x))) << std::hexfloat << x;
  }
}

// ---------------------------------------------------------------- int8

TEST(NumericsInt8, ScaleFor) {
  EXPECT_EQ(int8_scale_for(127.0f), 1.0f);
  EXPECT_EQ(int8_scale_for(2.0f), 2.0f / 127.0f);
  EXPECT_EQ(int8_scale_for(0.0f), 1.0f);
  EXPECT_EQ(int8_scale_for(-3.0f), 1.0f);
  EXPECT_EQ(int8_scale_for(std::numeric_limits<float>::infinity()), 1.0f);
  EXPECT_EQ(int8_scale_for(std::numeric_limits<float>::quiet_NaN()), 1.0f);
  EXPECT_EQ(int8_scale_for(std::numeric_limits<float>::denorm_min()), 1.0f);  // quotient underflows
  // The tensor's largest magnitude maps to exactly +-127.
  const float max_abs = 3.7f;
  EXPECT_EQ(quantize_int8(max_abs, int8_scale_for(max_abs)), 127);
  EXPECT_EQ(quantize_int8(-max_abs, int8_scale_for(max_abs)), -127);
}

TEST(NumericsInt8, TiesRoundToEven) {
  const float scale = 0.5f;  // a power of two, so x / scale is exact
  EXPECT_EQ(quantize_int8(2.5f * scale, scale), 2);
  EXPECT_EQ(quantize_int8(3.5f * scale, scale), 4);
  EXPECT_EQ(quantize_int8(0.5f * scale, scale), 0);
  EXPECT_EQ(quantize_int8(1.5f * scale, scale), 2);
  EXPECT_EQ(quantize_int8(-2.5f * scale, scale), -2);
  EXPECT_EQ(quantize_int8(-3.5f * scale, scale), -4);
  EXPECT_EQ(quantize_int8(-0.5f * scale, scale), 0);
  EXPECT_EQ(quantize_int8(126.5f * scale, scale), 126);
  EXPECT_EQ(quantize_int8(2.5001f * scale, scale), 3);
  EXPECT_EQ(quantize_int8(-2.4999f * scale, scale), -2);
  EXPECT_EQ(quantize_int8(-7.0f * scale, scale), -7);
}

TEST(NumericsInt8, SaturatesSymmetricallyAndNeverGivesMinus128) {
  const float scale = 0.25f;
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(quantize_int8(127.0f * scale, scale), 127);
  EXPECT_EQ(quantize_int8(127.5f * scale, scale), 127);
  EXPECT_EQ(quantize_int8(1e30f, scale), 127);
  EXPECT_EQ(quantize_int8(inf, scale), 127);
  EXPECT_EQ(quantize_int8(-127.5f * scale, scale), -127);
  EXPECT_EQ(quantize_int8(-128.0f * scale, scale), -127);
  EXPECT_EQ(quantize_int8(-1e30f, scale), -127);
  EXPECT_EQ(quantize_int8(-inf, scale), -127);
  EXPECT_EQ(quantize_int8(std::numeric_limits<float>::quiet_NaN(), scale), 0);
  Rng rng(11);
  for (int trial = 0; trial < 100000; ++trial) {
    const auto x = static_cast<float>(rng.normal() * 100.0);
    ASSERT_GE(quantize_int8(x, 0.5f), -127) << x;
  }
}

// Under the default rounding mode std::nearbyint is round-half-even, an independent reference.
TEST(NumericsInt8, MatchesNearbyintInRange) {
  Rng rng(5);
  for (int trial = 0; trial < 100000; ++trial) {
    const auto scale = static_cast<float>(0.01 + rng.uniform01());
    const auto x = static_cast<float>(rng.normal() * 60.0 * scale);
    const float q = x / scale;
    const float expected = std::max(-127.0f, std::min(127.0f, std::nearbyint(q)));
    ASSERT_EQ(quantize_int8(x, scale), static_cast<int>(expected)) << x << " / " << scale;
  }
}

// ---------------------------------------------------------------- requantization

TEST(NumericsRequant, MakeRequantizerNormalizesTheMultiplier) {
  const Requantizer half = make_requantizer(0.5);
  EXPECT_EQ(half.multiplier, 1 << 30);
  EXPECT_EQ(half.shift, 0);
  const Requantizer one = make_requantizer(1.0);
  EXPECT_EQ(one.multiplier, 1 << 30);
  EXPECT_EQ(one.shift, -1);
  // The mantissa 1 - 2^-40 rounds to 2^31, which must be renormalized to 2^30 with one less shift.
  const Requantizer almost_one = make_requantizer(1.0 - 0x1p-40);
  EXPECT_EQ(almost_one.multiplier, 1 << 30);
  EXPECT_EQ(almost_one.shift, -1);

  Rng rng(3);
  for (int trial = 0; trial < 10000; ++trial) {
    const double real = std::exp((rng.uniform01() - 0.5) * 60.0);
    const Requantizer r = make_requantizer(real);
    ASSERT_GE(r.multiplier, 1 << 30);
    const double stored = std::ldexp(static_cast<double>(r.multiplier), -31 - r.shift);
    ASSERT_LE(std::fabs(stored - real), real * 0x1p-31) << real;
  }
}

TEST(NumericsRequant, MakeRequantizerRejectsNonPositive) {
  EXPECT_THROW(make_requantizer(0.0), std::invalid_argument);
  EXPECT_THROW(make_requantizer(-0.25), std::invalid_argument);
  EXPECT_THROW(make_requantizer(std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
  EXPECT_THROW(make_requantizer(std::numeric_limits<double>::infinity()), std::invalid_argument);
}

// The documented rule evaluated in long double: acc * multiplier (< 2^62) and the division by a
// power of two are exact with a 64-bit significand, and std::round rounds half away from zero.
int oracle_requantize(int32_t acc, const Requantizer& r) {
  const long double product = static_cast<long double>(acc) * static_cast<long double>(r.multiplier);
  const long double rounded = std::round(std::ldexp(product, -31 - r.shift));
  return static_cast<int>(std::max(-127.0L, std::min(127.0L, rounded)));
}

double log_uniform(Rng& rng, double lo, double hi) {
  return std::exp(std::log(lo) + rng.uniform01() * (std::log(hi) - std::log(lo)));
}

TEST(NumericsRequant, MatchesExactOracleOnRandomPairs) {
  if (std::numeric_limits<long double>::digits < 62) {
    GTEST_SKIP() << "long double cannot hold a 62-bit product exactly on this platform";
  }
  Rng rng(13);
  int saturated = 0, zero = 0;
  for (int trial = 0; trial < 100000; ++trial) {
    const double real = log_uniform(rng, 1e-6, 100.0);
    const Requantizer r = make_requantizer(real);
    // Mostly accumulators whose result lands in or near [-127, 127], some anywhere in int32.
    int64_t acc64;
    if (trial % 4 == 0) {
      acc64 = static_cast<int64_t>(rng.next() >> 32) + kInt32Min;  // any int32
    } else {
      const double target = (rng.uniform01() - 0.5) * 300.0;
      acc64 = std::llround(target / real) + static_cast<int64_t>(rng.index(5)) - 2;
    }
    const auto acc = static_cast<int32_t>(std::max<int64_t>(kInt32Min, std::min<int64_t>(kInt32Max, acc64)));
    const int got = requantize(acc, r);
    ASSERT_EQ(got, oracle_requantize(acc, r)) << "acc " << acc << " real " << real;
    saturated += std::abs(got) == 127;
    zero += got == 0;
  }
  // The sample must exercise both saturation and the interior.
  EXPECT_GT(saturated, 10000);
  EXPECT_LT(saturated + zero, 60000);
}

// Against the unquantized real multiplier: the stored one is within 2^-31 relative, so results
// may only differ (by one) where acc * real is that close to a half-integer.
TEST(NumericsRequant, AgreesWithRealMultiplierAwayFromTies) {
  Rng rng(17);
  for (int trial = 0; trial < 100000; ++trial) {
    const double real = log_uniform(rng, 1e-6, 100.0);
    const double target = (rng.uniform01() - 0.5) * 300.0;
    const auto acc =
        static_cast<int32_t>(std::max<double>(kInt32Min, std::min<double>(kInt32Max, target / real)));
    const double exact = static_cast<double>(acc) * real;
    const int expected = static_cast<int>(std::max(-127.0, std::min(127.0, std::round(exact))));
    const int got = requantize(acc, make_requantizer(real));
    const double distance_to_tie = std::fabs(std::fabs(exact - std::floor(exact)) - 0.5);
    if (distance_to_tie > std::fabs(exact) * 0x1p-29 + 1e-9) {
      ASSERT_EQ(got, expected) << "acc " << acc << " real " << real;
    } else {
      ASSERT_LE(std::abs(got - expected), 1) << "acc " << acc << " real " << real;
    }
  }
}

TEST(NumericsRequant, HandWorkedCasesAndExtremeShifts) {
  const Requantizer quarter = make_requantizer(0.25);
  EXPECT_EQ(requantize(2, quarter), 1);    // 0.5 -> away from zero
  EXPECT_EQ(requantize(-2, quarter), -1);  // -0.5 -> away from zero
  EXPECT_EQ(requantize(6, quarter), 2);    // 1.5 -> 2
  EXPECT_EQ(requantize(10, quarter), 3);   // 2.5 -> 3 (not even)
  EXPECT_EQ(requantize(-10, quarter), -3);
  EXPECT_EQ(requantize(5, quarter), 1);  // 1.25
  EXPECT_EQ(requantize(7, quarter), 2);  // 1.75
  EXPECT_EQ(requantize(0, quarter), 0);
  EXPECT_EQ(requantize(508, quarter), 127);
  EXPECT_EQ(requantize(600, quarter), 127);
  EXPECT_EQ(requantize(-600, quarter), -127);
  EXPECT_EQ(requantize(kInt32Min, quarter), -127);
  EXPECT_EQ(requantize(kInt32Max, quarter), 127);

  // 31 + shift == 62: INT32_MIN * 2^-32 is exactly -0.5, which rounds to -1.
  const Requantizer r62 = make_requantizer(0x1p-32);
  EXPECT_EQ(31 + r62.shift, 62);
  EXPECT_EQ(requantize(kInt32Min, r62), -1);
  EXPECT_EQ(requantize(kInt32Max, r62), 0);  // just under 0.5
  // 31 + shift >= 63: everything rounds to 0.
  EXPECT_EQ(requantize(kInt32Min, make_requantizer(0x1p-33)), 0);
  EXPECT_EQ(requantize(kInt32Max, make_requantizer(1e-300)), 0);
  EXPECT_EQ(requantize(kInt32Min, make_requantizer(std::numeric_limits<double>::denorm_min())), 0);
  // 31 + shift <= 0: any nonzero accumulator saturates.
  const Requantizer huge = make_requantizer(1e12);
  EXPECT_LE(31 + huge.shift, 0);
  EXPECT_EQ(requantize(1, huge), 127);
  EXPECT_EQ(requantize(-1, huge), -127);
  EXPECT_EQ(requantize(0, huge), 0);
  EXPECT_EQ(requantize(kInt32Min, make_requantizer(1e300)), -127);
  EXPECT_EQ(requantize(1, make_requantizer(126.5)), 127);  // rounds away to 127
  EXPECT_EQ(requantize(1, make_requantizer(125.5)), 126);
}

// ---------------------------------------------------------------- bias

TEST(NumericsBias, RoundsHalfAwayAndSaturates) {
  EXPECT_EQ(quantize_bias_int32(2.5f, 1.0), 3);
  EXPECT_EQ(quantize_bias_int32(-2.5f, 1.0), -3);
  EXPECT_EQ(quantize_bias_int32(2.4f, 1.0), 2);
  EXPECT_EQ(quantize_bias_int32(1.0f, 0x1p-10), 1024);
  EXPECT_EQ(quantize_bias_int32(-0.75f, 0.5), -2);
  EXPECT_EQ(quantize_bias_int32(1e10f, 1.0), kInt32Max);
  EXPECT_EQ(quantize_bias_int32(-1e10f, 1.0), kInt32Min);
  EXPECT_EQ(quantize_bias_int32(1.0f, 1e-300), kInt32Max);
  EXPECT_EQ(quantize_bias_int32(std::numeric_limits<float>::infinity(), 1.0), kInt32Max);
  EXPECT_EQ(quantize_bias_int32(std::numeric_limits<float>::quiet_NaN(), 1.0), 0);
  EXPECT_THROW(quantize_bias_int32(1.0f, 0.0), std::invalid_argument);
  EXPECT_THROW(quantize_bias_int32(1.0f, -1.0), std::invalid_argument);
}

// ---------------------------------------------------------------- int8 GEMM

struct GemmCase {
  int64_t m, n, k;
  int64_t lda_pad = 0, ldb_pad = 0, ldc_pad = 0;
};

std::vector<int8_t> random_int8(size_t count, Rng& rng) {
  std::vector<int8_t> v(count);
  for (int8_t& x : v) x = static_cast<int8_t>(static_cast<int>(rng.index(256)) - 128);
  return v;
}

// Runs gemm_s8 and gemm_s8_direct on the same inputs and expects identical C, including the
// untouched padding between rows of C.
void expect_same_as_direct(const GemmCase& g, const std::vector<int8_t>& a, const std::vector<int8_t>& b,
                           const int32_t* bias) {
  const int64_t ldc = g.n + g.ldc_pad;
  const int32_t sentinel = 0x5A5A5A5A;
  std::vector<int32_t> fast(static_cast<size_t>(g.m * ldc), sentinel);
  std::vector<int32_t> direct = fast;
  gemm_s8(g.m, g.n, g.k, a.data(), g.k + g.lda_pad, b.data(), g.n + g.ldb_pad, bias, fast.data(), ldc);
  gemm_s8_direct(g.m, g.n, g.k, a.data(), g.k + g.lda_pad, b.data(), g.n + g.ldb_pad, bias, direct.data(),
                 ldc);
  ASSERT_EQ(fast, direct) << g.m << "x" << g.n << "x" << g.k << (bias ? " with bias" : "");
  for (int64_t i = 0; i < g.m; ++i) {
    for (int64_t j = g.n; j < ldc; ++j) ASSERT_EQ(fast[static_cast<size_t>(i * ldc + j)], sentinel);
  }
}

TEST(GemmInt8, MatchesDirectOnOddShapes) {
  const std::vector<GemmCase> cases = {
      {1, 1, 1},
      {3, 5, 7},
      {17, 33, 65},
      {129, 257, 31},
      {61, 1, 1000},
      {7, 9, 13},
      {8, 9, 13},
      {2, 1000, 2048},
      {9, 300, 2100},
      {40, 4, 8},
      {3, 5, 7, 2, 3, 1},
      {17, 33, 65, 5, 1, 7},
      {129, 257, 31, 1, 9, 3},
      {6, 70, 50, 3, 3, 3},
      {33, 260, 1030, 8, 16, 4},
  };
  Rng rng(21);
  for (const GemmCase& g : cases) {
    const auto a = random_int8(static_cast<size_t>(g.m * (g.k + g.lda_pad)), rng);
    const auto b = random_int8(static_cast<size_t>(g.k * (g.n + g.ldb_pad)), rng);
    std::vector<int32_t> bias(static_cast<size_t>(g.n));
    for (int32_t& x : bias) x = static_cast<int32_t>(rng.index(2000001)) - 1000000;
    expect_same_as_direct(g, a, b, nullptr);
    expect_same_as_direct(g, a, b, bias.data());
  }
}

// All-extreme inputs against the closed form k * a * b + bias, on both the streaming (m < 8) and
// the packed path.
TEST(GemmInt8, ExtremeValuesGiveClosedFormSums) {
  for (const int64_t m : {3, 20}) {
    for (const int8_t a_value : {int8_t{127}, int8_t{-127}, int8_t{-128}}) {
      for (const int8_t b_value : {int8_t{127}, int8_t{-127}, int8_t{-128}}) {
        const int64_t n = 11, k = 4099;
        const std::vector<int8_t> a(static_cast<size_t>(m * k), a_value);
        const std::vector<int8_t> b(static_cast<size_t>(k * n), b_value);
        const std::vector<int32_t> bias(static_cast<size_t>(n), -12345);
        std::vector<int32_t> c(static_cast<size_t>(m * n));
        gemm_s8(m, n, k, a.data(), k, b.data(), n, bias.data(), c.data(), n);
        const int64_t expected = k * a_value * b_value - 12345;
        for (const int32_t v : c) ASSERT_EQ(v, expected) << int{a_value} << " * " << int{b_value};
      }
    }
  }
}

TEST(GemmInt8, DeepestAllowedKIsExact) {
  const int64_t k = kMaxGemmS8Depth, n = 5;
  for (const int64_t m : {1, 8}) {
    const std::vector<int8_t> a(static_cast<size_t>(m * k), -128);
    const std::vector<int8_t> b(static_cast<size_t>(k * n), -128);
    std::vector<int32_t> c(static_cast<size_t>(m * n));
    gemm_s8(m, n, k, a.data(), k, b.data(), n, nullptr, c.data(), n);
    for (const int32_t v : c) ASSERT_EQ(v, k * 16384);
  }
}

TEST(GemmInt8, BiasAdditionSaturates) {
  const int64_t m = 9, n = 2, k = 3;
  const std::vector<int8_t> a(static_cast<size_t>(m * k), 100);
  const std::vector<int8_t> b = {100, -100, 100, -100, 100, -100};
  const std::vector<int32_t> bias = {kInt32Max - 5, kInt32Min + 5};
  std::vector<int32_t> c(static_cast<size_t>(m * n)), direct(c.size());
  gemm_s8(m, n, k, a.data(), k, b.data(), n, bias.data(), c.data(), n);
  gemm_s8_direct(m, n, k, a.data(), k, b.data(), n, bias.data(), direct.data(), n);
  for (int64_t i = 0; i < m; ++i) {
    EXPECT_EQ(c[static_cast<size_t>(i * n)], kInt32Max);
    EXPECT_EQ(c[static_cast<size_t>(i * n + 1)], kInt32Min);
  }
  EXPECT_EQ(c, direct);
}

TEST(GemmInt8, ZeroDepthGivesBias) {
  const std::vector<int32_t> bias = {4, -7, 9};
  std::vector<int32_t> c(6, 99), c_no_bias(6, 99);
  gemm_s8(2, 3, 0, nullptr, 0, nullptr, 3, bias.data(), c.data(), 3);
  gemm_s8(2, 3, 0, nullptr, 0, nullptr, 3, nullptr, c_no_bias.data(), 3);
  EXPECT_EQ(c, (std::vector<int32_t>{4, -7, 9, 4, -7, 9}));
  EXPECT_EQ(c_no_bias, std::vector<int32_t>(6, 0));
}

TEST(GemmInt8, RejectsOversizedDepthAndNegativeSizes) {
  const int64_t k = kMaxGemmS8Depth + 1;
  const std::vector<int8_t> a(static_cast<size_t>(k), 1), b(static_cast<size_t>(k), 1);
  int32_t c = 0;
  EXPECT_THROW(gemm_s8(1, 1, k, a.data(), k, b.data(), 1, nullptr, &c, 1), std::invalid_argument);
  EXPECT_THROW(gemm_s8_direct(1, 1, k, a.data(), k, b.data(), 1, nullptr, &c, 1), std::invalid_argument);
  EXPECT_THROW(gemm_s8(-1, 1, 1, a.data(), 1, b.data(), 1, nullptr, &c, 1), std::invalid_argument);
  EXPECT_NO_THROW(gemm_s8(1, 1, kMaxGemmS8Depth, a.data(), kMaxGemmS8Depth, b.data(), 1, nullptr, &c, 1));
  EXPECT_EQ(c, kMaxGemmS8Depth);
}

}  // namespace
}  // namespace nm::sw
