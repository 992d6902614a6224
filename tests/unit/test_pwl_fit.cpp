// sw/pwl/pwl_fit.h: exactness, the interpolation bound, elastic vs uniform, continuity, the
// hardware evaluation path, range reduction and table sizes.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "hw/core/input_error.h"
#include "sw/pwl/pwl_fit.h"

namespace nm::sw {
namespace {

PwlFit fit(PwlFunction f, PwlMethod m, double g) {
  PwlFitOptions o;
  o.method = m;
  o.granularity = g;
  return fit_pwl(f, o);
}

std::vector<PwlFunction> smooth_functions() {
  std::vector<PwlFunction> out;
  for (PwlFunction f : pwl_fit_functions()) {
    if (!pwl_spec(f).exact) out.push_back(f);
  }
  return out;
}

const PwlMethod kMethods[] = {PwlMethod::kUniform, PwlMethod::kElastic};

TEST(PwlFit, ReluAndLeakyReluAreExact) {
  for (PwlFunction f : {PwlFunction::kRelu, PwlFunction::kLeakyRelu}) {
    for (PwlMethod m : kMethods) {
      const PwlFit p = fit(f, m, 0.25);
      EXPECT_EQ(p.segments(), 2u);
      for (int i = -20000; i <= 20000; ++i) {
        const double x = i * 0.0137;
        EXPECT_EQ(pwl_evaluate(p, x), pwl_reference(f, x)) << pwl_spec(f).name << " x=" << x;
      }
      for (double x : {-1e30, -1e-300, 0.0, 1e-300, 1e30}) EXPECT_EQ(pwl_evaluate(p, x), pwl_reference(f, x));
      const PwlErrors e = measure_pwl(p);
      EXPECT_EQ(e.max_abs, 0.0);
      EXPECT_EQ(e.mean_abs, 0.0);
      EXPECT_EQ(e.rms, 0.0);
    }
  }
}

TEST(PwlFit, GeluUniformWithinInterpolationBound) {
  // GELU(x) = x Phi(x): f' = Phi + x phi, f'' = 2 phi - x^2 phi = phi(x) (2 - x^2). f''' = -x phi
  // (4 - x^2) vanishes at 0 and +-2 only, so max |f''| = max(|f''(0)|, |f''(2)|) = 2 phi(0).
  const double phi0 = 1.0 / std::sqrt(2 * M_PI);
  auto f2 = [&](double x) { return phi0 * std::exp(-x * x / 2) * (2 - x * x); };
  const double max_f2 = 2 * phi0;
  EXPECT_GT(max_f2, std::fabs(f2(2.0)));
  for (int i = -4000; i <= 4000; ++i) EXPECT_LE(std::fabs(f2(i * 1e-3)), max_f2 + 1e-15);

  const double h = 0.25;
  const double bound = h * h / 8 * max_f2;  // 6.233e-3
  const PwlErrors e = measure_pwl(fit(PwlFunction::kGelu, PwlMethod::kUniform, h));
  std::cout << "gelu uniform 0.25: max abs " << e.max_abs << " at x = " << e.argmax
            << ", bound h^2/8 max|f''| = " << bound << "\n";
  EXPECT_LE(e.max_abs, bound);
  EXPECT_GE(e.max_abs, 0.95 * bound);  // the worst segments straddle x = 0, where |f''| peaks
  EXPECT_NEAR(e.max_abs, 6.121e-3, 1e-6);
  EXPECT_LT(std::fabs(e.argmax), 0.25);
}

TEST(PwlFit, ElasticBelowUniformAtEqualSegmentCount) {
  for (PwlFunction f : smooth_functions()) {
    for (double g : {0.25, 0.5, 1.0}) {
      const PwlFit u = fit(f, PwlMethod::kUniform, g);
      const PwlFit el = fit(f, PwlMethod::kElastic, g);
      ASSERT_EQ(el.segments(), u.segments());
      const PwlErrors eu = measure_pwl(u), ee = measure_pwl(el);
      EXPECT_LT(ee.max_abs, eu.max_abs) << pwl_spec(f).name << " g=" << g;
      EXPECT_LT(ee.rms, eu.rms) << pwl_spec(f).name << " g=" << g;
    }
  }
}

TEST(PwlFit, BiasCorrectionLowersRmsAndBias) {
  for (PwlFunction f : smooth_functions()) {
    PwlFitOptions o;
    o.method = PwlMethod::kElastic;
    o.bias_correction = false;
    const PwlErrors horizontal = measure_pwl(fit_pwl(f, o));
    const PwlFit corrected = fit(f, PwlMethod::kElastic, 0.25);
    const PwlErrors e = measure_pwl(corrected);
    EXPECT_EQ(corrected.bias_correction_scale, 1.0) << pwl_spec(f).name;
    EXPECT_LE(e.max_abs, horizontal.max_abs) << pwl_spec(f).name;
    EXPECT_LT(e.rms, horizontal.rms) << pwl_spec(f).name;
    EXPECT_LT(std::fabs(e.mean), std::fabs(horizontal.mean) + 1e-12) << pwl_spec(f).name;
  }
}

TEST(PwlFit, ContinuousAtEveryBreakpoint) {
  for (PwlFunction f : pwl_fit_functions()) {
    for (PwlMethod m : kMethods) {
      for (double g : {0.25, 0.3, 0.5, 1.0}) {
        const PwlFit p = fit(f, m, g);
        ASSERT_EQ(p.segments(), p.inner_segments() + 2);
        // Piece i ends and piece i + 1 starts at breakpoint t_i (outer pieces included).
        for (uint32_t i = 0; i < p.breakpoints.size(); ++i) {
          const double t = p.breakpoints[i];
          const double left = t * p.slopes[i] + p.intercepts[i];
          const double right = t * p.slopes[i + 1] + p.intercepts[i + 1];
          EXPECT_NEAR(left, right, 1e-12 * (1 + std::fabs(t)))
              << pwl_spec(f).name << " " << pwl_method_name(m) << " g=" << g << " t=" << t;
          EXPECT_NEAR(left, p.values[i], 1e-12 * (1 + std::fabs(t)));
        }
      }
    }
  }
}

TEST(PwlFit, HardwareEvaluationEqualsFittedFunction) {
  for (PwlFunction f : pwl_fit_functions()) {
    for (PwlMethod m : kMethods) {
      for (double g : {0.25, 0.3, 1.0}) {
        const PwlFit p = fit(f, m, g);
        const double width = std::max(p.hi - p.lo, 4.0);
        for (int i = 0; i <= 20000; ++i) {
          const double x = p.lo - width + (p.hi - p.lo + 2 * width) * i / 20000.0;
          EXPECT_NEAR(pwl_evaluate_table(p, x), pwl_interpolate(p, x), 1e-12 * (1 + std::fabs(x)))
              << pwl_spec(f).name << " " << pwl_method_name(m) << " g=" << g << " x=" << x;
        }
        // Step 1 alone: the midpoint of inner segment j has index j; outside, 0 and N + 1.
        const uint32_t n = p.inner_segments();
        for (uint32_t j = 1; j <= n; ++j) {
          EXPECT_EQ(pwl_segment_index(p, 0.5 * (p.breakpoints[j - 1] + p.breakpoints[j])), j);
        }
        EXPECT_EQ(pwl_segment_index(p, p.lo - 1e-6), 0u);
        EXPECT_EQ(pwl_segment_index(p, p.hi + 1e-6), n + 1);
        EXPECT_EQ(pwl_segment_index(p, -1e300), 0u);
        EXPECT_EQ(pwl_segment_index(p, 1e300), n + 1);
      }
    }
  }
}

TEST(PwlFit, ElasticIndexUsesTheSecondLevelMap) {
  const PwlFit p = fit(PwlFunction::kGelu, PwlMethod::kElastic, 0.25);
  EXPECT_DOUBLE_EQ(p.index_step, 0.25 / kElasticGridPerSegment);
  EXPECT_EQ(p.index_cells, 32u * kElasticGridPerSegment);
  ASSERT_EQ(p.map_bytes(), 32u * kElasticGridPerSegment + 2);
  EXPECT_EQ(p.segment_map.front(), 0);
  EXPECT_EQ(p.segment_map.back(), 33);
  // Breakpoints sit on the grid, and the map is non-decreasing and covers every segment.
  for (double t : p.breakpoints) {
    const double cells = (t - p.lo) / p.index_step;
    EXPECT_NEAR(cells, std::round(cells), 1e-9);
  }
  for (size_t i = 1; i < p.segment_map.size(); ++i) {
    EXPECT_LE(p.segment_map[i - 1], p.segment_map[i]);
    EXPECT_LE(p.segment_map[i] - p.segment_map[i - 1], 1);
  }
  // Not uniform: the segment holding 0 (|f''| largest) is shorter than the first one (tail).
  const uint32_t mid = pwl_segment_index(p, 0.0);
  EXPECT_LT(p.breakpoints[mid] - p.breakpoints[mid - 1], p.breakpoints[1] - p.breakpoints[0]);
}

TEST(PwlFit, RangeReductionAccurateOverWideRange) {
  // Relative interpolation bound on the mantissa, h^2/8 max |f''/f|: reciprocal h^2/4 x^-2,
  // rsqrt 3 h^2/32 x^-2, sqrt h^2/32 x^-2, largest at x = 1.
  const double h = 0.25;
  const struct {
    PwlFunction f;
    double bound;
  } cases[] = {{PwlFunction::kReciprocal, h * h / 4},
               {PwlFunction::kRsqrt, 3 * h * h / 32},
               {PwlFunction::kSqrt, h * h / 32}};
  for (const auto& c : cases) {
    for (PwlMethod m : kMethods) {
      const PwlFit p = fit(c.f, m, h);
      const PwlErrors e = measure_pwl(p);
      EXPECT_LE(e.max_rel, c.bound) << pwl_spec(c.f).name;
      for (int i = 0; i <= 60000; ++i) {
        const double x = std::pow(10.0, -3.0 + 6.0 * i / 60000.0);  // 1e-3 .. 1e3
        const double ref = pwl_reference(c.f, x);
        EXPECT_LE(std::fabs(pwl_evaluate(p, x) - ref), (e.max_rel * (1 + 1e-6) + 1e-12) * std::fabs(ref))
            << pwl_spec(c.f).name << " " << pwl_method_name(m) << " x=" << x;
      }
      // Octaves join: no jump where the exponent changes.
      for (int k = -10; k <= 10; ++k) {
        const double x = std::ldexp(1.0, k);
        const double below = pwl_evaluate(p, std::nextafter(x, 0.0)), at = pwl_evaluate(p, x);
        EXPECT_NEAR(below, at, 1e-9 * std::fabs(at))
            << pwl_spec(c.f).name << " " << pwl_method_name(m) << " x=" << x;
      }
    }
  }
  const PwlFit r = fit(PwlFunction::kReciprocal, PwlMethod::kUniform, h);
  EXPECT_DOUBLE_EQ(pwl_evaluate(r, -3.0), -pwl_evaluate(r, 3.0));
  EXPECT_TRUE(std::isinf(pwl_evaluate(r, 0.0)));
  EXPECT_NEAR(pwl_evaluate(r, 1.0), 1.0, 1e-15);  // uniform knots are on the curve
  EXPECT_NEAR(pwl_evaluate(r, 0.25), 4.0, 4e-15);
  const PwlFit rs = fit(PwlFunction::kRsqrt, PwlMethod::kUniform, h);
  EXPECT_NEAR(pwl_evaluate(rs, 4.0), 0.5, 1e-15);
  EXPECT_NEAR(pwl_evaluate(rs, 8.0), 1.0 / std::sqrt(8.0), 1e-15);  // 8 = 2 * 4: knot m = 2
  EXPECT_TRUE(std::isinf(pwl_evaluate(rs, 0.0)));
  const PwlFit sq = fit(PwlFunction::kSqrt, PwlMethod::kUniform, h);
  EXPECT_NEAR(pwl_evaluate(sq, 16.0), 4.0, 1e-14);
  EXPECT_EQ(pwl_evaluate(sq, 0.0), 0.0);
}

TEST(PwlFit, TableBytesAgreeWithTheLoweringsCount) {
  for (PwlFunction f : pwl_fit_functions()) {
    for (double g : {0.1, 0.25, 0.3, 0.5, 1.0, 8.0}) {
      const PwlFit p = fit(f, PwlMethod::kUniform, g);
      EXPECT_EQ(p.segments(), pwl_segments(f, g)) << pwl_spec(f).name << " g=" << g;
      EXPECT_EQ(p.table_bytes(1), pwl_table_bytes(f, g, 1));
      EXPECT_EQ(p.table_bytes(2), pwl_table_bytes(f, g, 2));
      EXPECT_EQ(p.map_bytes(), 0u);
    }
  }
  const PwlFit gelu = fit(PwlFunction::kGelu, PwlMethod::kUniform, 0.25);
  EXPECT_EQ(gelu.table_bytes(1), 68u);  // 34 segments x 2 x 1 B
  EXPECT_EQ(gelu.table_bytes(2), 136u);
  const PwlFit elastic = fit(PwlFunction::kGelu, PwlMethod::kElastic, 0.25);
  EXPECT_EQ(elastic.table_bytes(1), 68u);
  EXPECT_EQ(elastic.map_bytes(), 130u);                                           // 32 x 4 cells + 2 outer
  EXPECT_EQ(fit(PwlFunction::kSilu, PwlMethod::kUniform, 0.25).segments(), 82u);  // [-10, 10]
  EXPECT_EQ(fit(PwlFunction::kErf, PwlMethod::kUniform, 0.25).segments(), 26u);   // [-3, 3]
  EXPECT_EQ(fit(PwlFunction::kSqrt, PwlMethod::kUniform, 0.25).segments(), 14u);  // [1, 4]
}

TEST(PwlFit, GranularityNotDividingTheDomainOverhangs) {
  const PwlFit p = fit(PwlFunction::kGelu, PwlMethod::kUniform, 0.3);
  EXPECT_EQ(p.inner_segments(), 27u);  // ceil(8 / 0.3)
  EXPECT_DOUBLE_EQ(p.lo, -4.0);
  EXPECT_NEAR(p.hi, -4.0 + 27 * 0.3, 1e-12);
  EXPECT_EQ(pwl_segment_index(p, 4.05), 27u);  // still the last inner segment
}

TEST(PwlFit, OutOfDomainRules) {
  const PwlFit gelu = fit(PwlFunction::kGelu, PwlMethod::kUniform, 0.25);
  EXPECT_EQ(pwl_evaluate(gelu, -10.0), 0.0);
  EXPECT_DOUBLE_EQ(pwl_evaluate(gelu, 10.0), 10.0);
  EXPECT_EQ(pwl_evaluate(gelu, -4.0), 0.0);  // the edge knot sits on the asymptote
  const PwlErrors eg = measure_pwl(gelu);
  EXPECT_NEAR(eg.outside_below, std::fabs(pwl_reference(PwlFunction::kGelu, -4.0)), 1e-6);  // sampled
  const PwlFit tanh = fit(PwlFunction::kTanh, PwlMethod::kElastic, 0.25);
  EXPECT_DOUBLE_EQ(pwl_evaluate(tanh, 100.0), std::tanh(4.0));  // clamp at the edge value
  EXPECT_DOUBLE_EQ(pwl_evaluate(tanh, -100.0), -std::tanh(4.0));
  const PwlFit exp = fit(PwlFunction::kExp, PwlMethod::kElastic, 0.25);
  EXPECT_EQ(pwl_evaluate(exp, -20.0), 0.0);
  EXPECT_DOUBLE_EQ(pwl_evaluate(exp, 0.0), 1.0);  // the row maximum maps to exactly 1
}

TEST(PwlFit, CustomDomain) {
  PwlFitOptions o;
  o.custom_domain = true;
  o.lo = -8;
  o.hi = 8;
  const PwlFit p = fit_pwl(PwlFunction::kGelu, o);
  EXPECT_EQ(p.segments(), 66u);
  const PwlErrors e = measure_pwl(p);
  EXPECT_LT(e.outside_below, 1e-12);  // GELU(-8) is ~5e-15
  o.method = PwlMethod::kElastic;
  EXPECT_LT(measure_pwl(fit_pwl(PwlFunction::kGelu, o)).max_abs, e.max_abs);
  o.method = PwlMethod::kUniform;
  EXPECT_THROW(fit_pwl(PwlFunction::kRelu, o), std::invalid_argument);
  EXPECT_THROW(fit_pwl(PwlFunction::kReciprocal, o), std::invalid_argument);
}

TEST(PwlFit, RejectsBadOptions) {
  PwlFitOptions o;
  o.granularity = 0;
  EXPECT_THROW(fit_pwl(PwlFunction::kGelu, o), std::invalid_argument);
  o.granularity = 0.001;
  o.method = PwlMethod::kElastic;  // 8000 segments > the 1-byte map
  EXPECT_THROW(fit_pwl(PwlFunction::kGelu, o), std::invalid_argument);
  EXPECT_THROW(pwl_function_by_name("softplus", "command line", "--function"), InputError);
  EXPECT_EQ(pwl_function_by_name("silu", "x", "y"), PwlFunction::kSilu);
}

// A granularity whose segment count leaves uint32 is refused, not cast (1e-300 gave 0 segments).
TEST(PwlSpec, SegmentCountsNeverWrap) {
  EXPECT_THROW(pwl_inner_segments(-8, 8, false, 1e-300), std::invalid_argument);
  EXPECT_THROW(pwl_segments(PwlFunction::kSilu, 1e-300), std::invalid_argument);
  EXPECT_EQ(pwl_inner_segments(-8, 8, false, 0.5), 32u);
}

// The config's pwl.granularity range [0.001, 64] (hw/core/arch_config.h) gives every function at
// least one inner segment and a uniform table the fitter accepts.
TEST(PwlSpec, ConfigGranularityRangeFitsEveryTable) {
  for (PwlFunction f : pwl_fit_functions()) {
    const PwlSpec& s = pwl_spec(f);
    EXPECT_LE(pwl_inner_segments(s.domain_lo, s.domain_hi, s.exact, 0.001), kMaxUniformInnerSegments)
        << s.name;
    if (!s.exact) {
      EXPECT_GE(pwl_inner_segments(s.domain_lo, s.domain_hi, s.exact, 64), 1u) << s.name;
    }
    PwlFitOptions o;
    o.granularity = 0.001;
    EXPECT_NO_THROW(fit_pwl(f, o)) << s.name;
  }
}

TEST(PwlSpec, ReferenceFunctions) {
  EXPECT_NEAR(pwl_reference(PwlFunction::kGelu, 1.0), 0.8413447460685429, 1e-15);
  EXPECT_NEAR(pwl_reference(PwlFunction::kSilu, 1.0), 0.7310585786300049, 1e-15);
  EXPECT_NEAR(pwl_reference(PwlFunction::kErf, 0.5), 0.5204998778130465, 1e-15);
  EXPECT_DOUBLE_EQ(pwl_reference(PwlFunction::kLeakyRelu, -2.0), -0.02);
  EXPECT_DOUBLE_EQ(pwl_reference(PwlFunction::kRsqrt, 16.0), 0.25);
  for (PwlFunction f : pwl_fit_functions()) {
    const PwlSpec& s = pwl_spec(f);
    EXPECT_EQ(s.exact, s.domain_lo == s.domain_hi) << s.name;
    EXPECT_EQ(s.range_reduced, s.reduction != PwlReduction::kNone) << s.name;
  }
}

}  // namespace
}  // namespace nm::sw
