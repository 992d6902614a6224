#include "sw/pwl/pwl_spec.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "hw/core/input_error.h"

namespace nm::sw {

namespace {

double sigmoid(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}

constexpr PwlSide kClamp{PwlOutside::kClamp, 0, 0};
constexpr PwlSide kZero{PwlOutside::kAsymptote, 0, 0};
constexpr PwlSide kIdentity{PwlOutside::kAsymptote, 1, 0};

// exact: lo == hi (only the two outer pieces); range_reduced: any reduction.
PwlSpec make(const char* name, double lo, double hi, double (*f)(double), PwlSide below, PwlSide above,
             PwlReduction reduction, const char* outside) {
  PwlSpec s{};
  s.name = name;
  s.domain_lo = lo;
  s.domain_hi = hi;
  s.exact = lo == hi;
  s.range_reduced = reduction != PwlReduction::kNone;
  s.f = f;
  s.below = below;
  s.above = above;
  s.reduction = reduction;
  s.outside = outside;
  return s;
}

}  // namespace

const PwlSpec& pwl_spec(PwlFunction f) {
  using R = PwlReduction;
  // Domains: where the function is not yet at its asymptote within int8/fp16 resolution (the gap
  // at the edge is at most ~7e-4; nm_pwl reports it as the out-of-domain error).
  static const PwlSpec kRelu = make(
      "relu", 0, 0, [](double x) { return x > 0 ? x : 0.0; }, kZero, kIdentity, R::kNone,
      "exact: y = 0 below 0, y = x above");
  static const PwlSpec kLeaky = make(
      "leaky_relu", 0, 0, [](double x) { return x > 0 ? x : 0.01 * x; }, {PwlOutside::kAsymptote, 0.01, 0},
      kIdentity, R::kNone, "exact: y = 0.01 x below 0, y = x above");
  // The exact erf form, not the tanh approximation.
  static const PwlSpec kGelu = make(
      "gelu", -4, 4, [](double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }, kZero,
      kIdentity, R::kNone, "linear asymptotes: y = 0 below lo, y = x above hi");
  static const PwlSpec kTanh = make(
      "tanh", -4, 4, [](double x) { return std::tanh(x); }, kClamp, kClamp, R::kNone,
      "clamp: y = tanh(lo) below lo, y = tanh(hi) above hi");
  static const PwlSpec kSigmoid = make("sigmoid", -8, 8, sigmoid, kClamp, kClamp, R::kNone,
                                       "clamp: y = sigmoid(lo) below lo, y = sigmoid(hi) above hi");
  // Softmax feeds exp x - max(x) <= 0; below -8 a term is under int8/fp16 resolution of the sum,
  // and sending it to 0 (not exp(-8)) keeps long rows from summing the floor.
  static const PwlSpec kExp = make(
      "exp", -8, 0, [](double x) { return std::exp(x); }, kZero, kClamp, R::kNone,
      "y = 0 below lo (asymptote); clamp y = exp(hi) above hi (softmax inputs are <= 0)");
  static const PwlSpec kRecip = make(
      "reciprocal", 1, 2, [](double x) { return 1.0 / x; }, kClamp, kClamp, R::kReciprocal,
      "range-reduced: x = m * 2^e, m in [1, 2), y = T(m) * 2^-e; x < 0 by symmetry, x = 0 saturates");
  static const PwlSpec kRsqrt = make(
      "rsqrt", 1, 4, [](double x) { return 1.0 / std::sqrt(x); }, kClamp, kClamp, R::kRsqrt,
      "range-reduced: x = m * 2^e, e even, m in [1, 4), y = T(m) * 2^(-e/2); x <= 0 saturates");
  static const PwlSpec kMax = make(
      "max", 0, 0, [](double x) { return x > 0 ? x : 0.0; }, kZero, kIdentity, R::kNone,
      "exact: max(a, b) = b + relu(a - b)");
  // x * sigmoid(x) nears its asymptotes more slowly than sigmoid: the gap is 2.7e-3 at |x| = 8,
  // 4.5e-4 at 10.
  static const PwlSpec kSilu = make(
      "silu", -10, 10, [](double x) { return x * sigmoid(x); }, kZero, kIdentity, R::kNone,
      "linear asymptotes: y = 0 below lo, y = x above hi");
  static const PwlSpec kSqrt = make(
      "sqrt", 1, 4, [](double x) { return std::sqrt(x); }, kClamp, kClamp, R::kSqrt,
      "range-reduced: x = m * 2^e, e even, m in [1, 4), y = T(m) * 2^(e/2); x <= 0 gives 0");
  static const PwlSpec kErf = make(
      "erf", -3, 3, [](double x) { return std::erf(x); }, kClamp, kClamp, R::kNone,
      "clamp: y = erf(lo) below lo, y = erf(hi) above hi");
  // ONNX Clip(0, 6) (MobileNet's ReLU6): linear inside [0, 6], so the uniform fit is exact at any
  // granularity; the clamps are the function itself.
  static const PwlSpec kRelu6 = make(
      "relu6", 0, 6, [](double x) { return x; }, kClamp, kClamp, R::kNone,
      "exact: clamp y = 0 below 0, y = 6 above 6");
  // PyTorch's hardsigmoid x / 6 + 1/2 clamped to [0, 1]: linear inside [-3, 3], exact at any
  // granularity like relu6.
  static const PwlSpec kHardSigmoid = make(
      "hardsigmoid", -3, 3, [](double x) { return x / 6.0 + 0.5; }, kClamp, kClamp, R::kNone,
      "exact: clamp y = 0 below -3, y = 1 above 3");
  // x * hardsigmoid(x): a parabola x (x + 3) / 6 inside [-3, 3], exactly its asymptotes outside.
  static const PwlSpec kHardSwish = make(
      "hardswish", -3, 3, [](double x) { return x * (x + 3.0) / 6.0; }, kZero, kIdentity, R::kNone,
      "exact asymptotes: y = 0 below lo, y = x above hi");
  switch (f) {
    case PwlFunction::kRelu:
      return kRelu;
    case PwlFunction::kLeakyRelu:
      return kLeaky;
    case PwlFunction::kGelu:
      return kGelu;
    case PwlFunction::kTanh:
      return kTanh;
    case PwlFunction::kSigmoid:
      return kSigmoid;
    case PwlFunction::kExp:
      return kExp;
    case PwlFunction::kReciprocal:
      return kRecip;
    case PwlFunction::kRsqrt:
      return kRsqrt;
    case PwlFunction::kMax:
      return kMax;
    case PwlFunction::kSilu:
      return kSilu;
    case PwlFunction::kSqrt:
      return kSqrt;
    case PwlFunction::kErf:
      return kErf;
    case PwlFunction::kRelu6:
      return kRelu6;
    case PwlFunction::kHardSigmoid:
      return kHardSigmoid;
    case PwlFunction::kHardSwish:
      return kHardSwish;
  }
  return kRelu;
}

uint32_t pwl_inner_segments(double lo, double hi, bool exact, double granularity) {
  if (exact) return 0;
  // The 1e-9 slack keeps 8 / 0.1 at 80 segments despite rounding.
  const double n = std::ceil((hi - lo) / granularity - 1e-9);
  // Checked before the cast: granularity 1e-300 gave 0 segments. The config's pwl.granularity
  // bounds (hw/core/arch_config.h) keep every table far inside this.
  if (!(n >= 0 && n <= 4294967295.0)) {
    throw std::invalid_argument("pwl: granularity " + std::to_string(granularity) +
                                " does not give a 32-bit segment count over [" + std::to_string(lo) + ", " +
                                std::to_string(hi) + "]");
  }
  return static_cast<uint32_t>(n);
}

uint32_t pwl_segments(PwlFunction f, double granularity) {
  const PwlSpec& s = pwl_spec(f);
  return pwl_inner_segments(s.domain_lo, s.domain_hi, s.exact, granularity) + 2;
}

uint64_t pwl_table_bytes(PwlFunction f, double granularity, uint32_t operand_bytes) {
  return uint64_t{pwl_segments(f, granularity)} * 2 * operand_bytes;
}

const std::vector<PwlFunction>& pwl_fit_functions() {
  static const std::vector<PwlFunction> kAll = {
      PwlFunction::kRelu,  PwlFunction::kLeakyRelu, PwlFunction::kGelu, PwlFunction::kSigmoid,
      PwlFunction::kTanh,  PwlFunction::kSilu,      PwlFunction::kExp,  PwlFunction::kReciprocal,
      PwlFunction::kRsqrt, PwlFunction::kSqrt,      PwlFunction::kErf,  PwlFunction::kHardSwish};
  return kAll;
}

PwlFunction pwl_function_by_name(const std::string& name, const std::string& where, const std::string& key) {
  std::string known;
  for (PwlFunction f : pwl_fit_functions()) {
    if (name == pwl_spec(f).name) return f;
    known += (known.empty() ? "" : ", ") + std::string(pwl_spec(f).name);
  }
  throw InputError(where, key, "expected one of " + known + ", got '" + name + "'");
}

}  // namespace nm::sw
