#include "sw/pwl/pwl_spec.h"

#include <cmath>

namespace nm::sw {

const PwlSpec& pwl_spec(PwlFunction f) {
  // Domains: where the function is not yet at its asymptote within int8/fp16 resolution.
  static const PwlSpec kRelu{"relu", 0, 0, true, false};
  static const PwlSpec kLeaky{"leaky_relu", 0, 0, true, false};
  static const PwlSpec kGelu{"gelu", -4, 4, false, false};        // outside: y = 0 / y = x
  static const PwlSpec kTanh{"tanh", -4, 4, false, false};        // outside: clamp to -1 / 1
  static const PwlSpec kSigmoid{"sigmoid", -8, 8, false, false};  // outside: clamp to 0 / 1
  static const PwlSpec kExp{"exp", -8, 0, false, false};          // softmax inputs after max subtraction
  static const PwlSpec kRecip{"reciprocal", 1, 2, false, true};   // mantissa in [1, 2)
  static const PwlSpec kRsqrt{"rsqrt", 1, 4, false, true};        // mantissa in [1, 4): even exponent
  static const PwlSpec kMax{"max", 0, 0, true, false};            // max(a,b) = b + relu(a - b)
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
  }
  return kRelu;
}

uint32_t pwl_segments(PwlFunction f, double granularity) {
  const PwlSpec& s = pwl_spec(f);
  if (s.exact) return 2;
  const auto inner = static_cast<uint32_t>(std::ceil((s.domain_hi - s.domain_lo) / granularity - 1e-9));
  return inner + 2;
}

uint64_t pwl_table_bytes(PwlFunction f, double granularity, uint32_t operand_bytes) {
  return uint64_t{pwl_segments(f, granularity)} * 2 * operand_bytes;
}

}  // namespace nm::sw
