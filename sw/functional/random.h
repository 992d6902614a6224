#pragma once
// Platform-independent random numbers for weights and inputs.
//
// std::mt19937_64 is fully specified by the standard, but std::normal_distribution and
// std::uniform_*_distribution are not (each library may produce different values), and libm's
// log/cos may differ in the last bit between platforms. So:
//  - uniform01(): the top 53 bits of one mt19937_64 draw, times 2^-53, in [0, 1).
//  - index(n): uniform in [0, n) by rejection (no modulo bias).
//  - normal(): Box-Muller, z0 = r cos(2 pi u2), z1 = r sin(2 pi u2), r = sqrt(-2 ln(1 - u1)), both
//    returned in turn. ln, cos and sin are evaluated by fixed series using only +, -, *, / and
//    sqrt (IEEE-exact operations) in double, so the same seed gives bit-identical values on every
//    IEEE-754 platform and compiler. The .cpp forbids FMA contraction by pragma (checked: GCC and
//    clang, -O0..-O3, -march=native, GCC -ffast-math); only an explicit clang
//    -ffp-contract=fast overrides that. Accuracy is about 1e-15, far below fp32 rounding.
//  - seed_for(seed, name): a per-tensor seed, so a tensor's values depend only on the seed and its
//    own name (not on the order or presence of other tensors).
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>

namespace nm::sw {

class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}

  uint64_t next() { return gen_(); }
  double uniform01() { return static_cast<double>(gen_() >> 11) * 0x1.0p-53; }
  uint64_t index(uint64_t n);
  double normal();
  // out[i] = float(scale * normal()) for i < n, the same values as n calls, computed faster.
  void fill_normal(float* out, size_t n, double scale);

 private:
  std::mt19937_64 gen_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

// SplitMix64 finalizer of `seed` combined with the FNV-1a hash of `name`.
uint64_t seed_for(uint64_t seed, const std::string& name);

// The series used by Rng::normal, exposed for tests: natural log for x > 0, and
// (cos(2 pi u), sin(2 pi u)) for u in [0, 1).
double portable_log(double x);
void portable_cos_sin_2pi(double u, double* cos_out, double* sin_out);

}  // namespace nm::sw
