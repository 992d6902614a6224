#include "sw/functional/random.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

// Fused multiply-adds would round differently from separate ops on FMA hardware: forbid them
// (GCC fuses under -std=gnu++17 with -march supporting FMA; clang under its default "on").
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace nm::sw {
namespace {

constexpr double kLn2 = 0.6931471805599453094;
constexpr double kPiOver4 = 0.78539816339744830962;
constexpr double kSqrtHalf = 0.70710678118654752440;

// Taylor series on [0, pi/4] in Horner form: the first omitted term is below 2e-18. The
// coefficients are double constants (+-1/n!), so evaluation is a fixed sequence of * and +.
constexpr double kSinCoef[] = {1.0,
                               -1.0 / 6.0,
                               1.0 / 120.0,
                               -1.0 / 5040.0,
                               1.0 / 362880.0,
                               -1.0 / 39916800.0,
                               1.0 / 6227020800.0,
                               -1.0 / 1307674368000.0,
                               1.0 / 355687428096000.0};  // x^(2i+1) / (2i+1)!, i = 0..8
constexpr double kCosCoef[] = {1.0,
                               -1.0 / 2.0,
                               1.0 / 24.0,
                               -1.0 / 720.0,
                               1.0 / 40320.0,
                               -1.0 / 3628800.0,
                               1.0 / 479001600.0,
                               -1.0 / 87178291200.0,
                               1.0 / 20922789888000.0,
                               -1.0 / 6402373705728000.0};  // x^(2i) / (2i)!, i = 0..9

double sin_small(double x) {
  const double x2 = x * x;
  double p = kSinCoef[8];
  for (int i = 7; i >= 0; --i) p = kSinCoef[i] + x2 * p;
  return x * p;
}

double cos_small(double x) {
  const double x2 = x * x;
  double p = kCosCoef[9];
  for (int i = 8; i >= 0; --i) p = kCosCoef[i] + x2 * p;
  return p;
}

// 1 / (2i + 1) for the atanh series of the log.
constexpr double kInvOdd[] = {1.0,        1.0 / 3.0,  1.0 / 5.0,  1.0 / 7.0,  1.0 / 9.0,
                              1.0 / 11.0, 1.0 / 13.0, 1.0 / 15.0, 1.0 / 17.0, 1.0 / 19.0,
                              1.0 / 21.0, 1.0 / 23.0, 1.0 / 25.0};

inline double log_impl(double x) {
  if (!(x > 0.0)) return -std::numeric_limits<double>::infinity();
  // x = m * 2^e exactly, m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.172.
  int e = 0;
  double m;
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  const auto biased = static_cast<int>((bits >> 52) & 0x7ff);
  if (biased != 0 && biased != 0x7ff) {  // normal numbers: split the bits (frexp is an opaque call)
    e = biased - 1022;
    bits = (bits & 0x000fffffffffffffULL) | (uint64_t{1022} << 52);
    std::memcpy(&m, &bits, sizeof m);
  } else {
    m = std::frexp(x, &e);
  }
  if (m < kSqrtHalf) {
    m = m * 2.0;
    e -= 1;
  }
  const double s = (m - 1.0) / (m + 1.0);
  const double s2 = s * s;
  double sum = 0.0;  // sum_{i=0..12} s2^i / (2i+1), Horner from the top; next term < 1e-19
  for (int i = 12; i >= 0; --i) sum = sum * s2 + kInvOdd[i];
  return 2.0 * s * sum + static_cast<double>(e) * kLn2;
}

inline void cos_sin_2pi_impl(double u, double* cos_out, double* sin_out) {
  // Octant o of the turn, fraction f within it: 8u - o is exact for u = j * 2^-53.
  const double t = u * 8.0;
  const int octant = static_cast<int>(t) & 7;  // truncation = floor for t >= 0
  const double f = t - static_cast<double>(static_cast<int>(t));
  double c;  // cos and sin of the angle within the quadrant, in [0, pi/2)
  double s;
  if (octant % 2 == 0) {
    const double phi = f * kPiOver4;
    c = cos_small(phi);
    s = sin_small(phi);
  } else {  // quadrant angle = pi/2 - (1 - f) pi/4
    const double phi = (1.0 - f) * kPiOver4;
    c = sin_small(phi);
    s = cos_small(phi);
  }
  switch (octant / 2) {
    case 0:
      *cos_out = c;
      *sin_out = s;
      break;
    case 1:
      *cos_out = -s;
      *sin_out = c;
      break;
    case 2:
      *cos_out = -c;
      *sin_out = -s;
      break;
    default:
      *cos_out = s;
      *sin_out = -c;
      break;
  }
}

}  // namespace

double portable_log(double x) {
  return log_impl(x);
}

void portable_cos_sin_2pi(double u, double* cos_out, double* sin_out) {
  cos_sin_2pi_impl(u, cos_out, sin_out);
}

uint64_t Rng::index(uint64_t n) {
  if (n <= 1) return 0;
  // Largest multiple of n that fits: draws at or above it are rejected.
  const uint64_t limit = std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % n;
  uint64_t x;
  do {
    x = gen_();
  } while (x >= limit);
  return x % n;
}

double Rng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  const double u1 = 1.0 - uniform01();  // (0, 1]: the log stays finite
  const double u2 = uniform01();
  const double r = std::sqrt(-2.0 * log_impl(u1));
  double c;
  double s;
  cos_sin_2pi_impl(u2, &c, &s);
  spare_ = r * s;
  has_spare_ = true;
  return r * c;
}

void Rng::fill_normal(float* out, size_t n, double scale) {
  size_t i = 0;
  if (has_spare_ && n > 0) {
    out[i++] = static_cast<float>(scale * spare_);
    has_spare_ = false;
  }
  // Uniforms first, then the transforms: the transforms of a block are independent, so they
  // pipeline instead of waiting on one long series after another (about 3x faster).
  constexpr size_t kBlock = 256;
  double u1[kBlock];
  double u2[kBlock];
  while (n - i >= 2) {
    const size_t pairs = std::min(kBlock, (n - i) / 2);
    for (size_t p = 0; p < pairs; ++p) {
      u1[p] = 1.0 - uniform01();
      u2[p] = uniform01();
    }
    for (size_t p = 0; p < pairs; ++p) {
      const double r = std::sqrt(-2.0 * log_impl(u1[p]));
      double c;
      double s;
      cos_sin_2pi_impl(u2[p], &c, &s);
      const double z0 = r * c;
      const double z1 = r * s;
      out[i + 2 * p] = static_cast<float>(scale * z0);
      out[i + 2 * p + 1] = static_cast<float>(scale * z1);
    }
    i += 2 * pairs;
  }
  if (i < n) out[i] = static_cast<float>(scale * normal());  // keeps the second value as the spare
}

uint64_t seed_for(uint64_t seed, const std::string& name) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (unsigned char ch : name) {
    h ^= ch;
    h *= 0x100000001b3ULL;
  }
  uint64_t z = seed ^ (h + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;  // SplitMix64 finalizer
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace nm::sw
