#include "sw/pwl/pwl_fit.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace nm::sw {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Error samples per grid cell in the elastic search (the reported metrics use kErrorSamples).
constexpr uint32_t kSamplesPerCell = 4;

double edge_value(const PwlSpec& s, const PwlSide& side, double t) {
  return side.kind == PwlOutside::kAsymptote ? side.slope * t + side.intercept : s.f(t);
}

// K, B for the N + 2 pieces from the knots and the spec's outside rules.
void build_segments(const PwlSpec& s, PwlFit& fit) {
  const size_t n = fit.breakpoints.size() - 1;
  fit.slopes.assign(n + 2, 0.0);
  fit.intercepts.assign(n + 2, 0.0);
  for (size_t j = 1; j <= n; ++j) {
    const double t0 = fit.breakpoints[j - 1], t1 = fit.breakpoints[j];
    const double k = (fit.values[j] - fit.values[j - 1]) / (t1 - t0);
    fit.slopes[j] = k;
    fit.intercepts[j] = fit.values[j - 1] - k * t0;
  }
  auto outer = [&](const PwlSide& side, size_t piece, size_t knot) {
    if (side.kind == PwlOutside::kAsymptote) {
      fit.slopes[piece] = side.slope;
      fit.intercepts[piece] = side.intercept;
    } else {
      fit.slopes[piece] = 0;
      fit.intercepts[piece] = fit.values[knot];
    }
  };
  outer(s.below, 0, 0);
  outer(s.above, n + 1, n);
}

void set_uniform_index(PwlFit& fit) {
  fit.index_step = fit.granularity;
  fit.index_cells = fit.inner_segments();
  fit.segment_map.clear();
}

// Knots t_0..t_n at `grid` positions lo + i * step, values on the curve except asymptote edges.
void set_knots(const PwlSpec& s, PwlFit& fit, const std::vector<uint32_t>& grid, double step) {
  fit.breakpoints.clear();
  fit.values.clear();
  for (uint32_t i : grid) {
    const double t = fit.lo + i * step;
    fit.breakpoints.push_back(t);
    fit.values.push_back(s.f(t));
  }
  fit.breakpoints.back() = fit.hi;  // exact, whatever the rounding of lo + N * g
  fit.values.back() = s.f(fit.hi);
  if (s.below.kind == PwlOutside::kAsymptote) fit.values.front() = edge_value(s, s.below, fit.lo);
  if (s.above.kind == PwlOutside::kAsymptote) fit.values.back() = edge_value(s, s.above, fit.hi);
}

// Dense Gaussian elimination with partial pivoting (at most 255 unknowns).
std::vector<double> solve(std::vector<std::vector<double>> a, std::vector<double> b) {
  const size_t n = b.size();
  for (size_t c = 0; c < n; ++c) {
    size_t p = c;
    for (size_t r = c + 1; r < n; ++r) {
      if (std::fabs(a[r][c]) > std::fabs(a[p][c])) p = r;
    }
    std::swap(a[c], a[p]);
    std::swap(b[c], b[p]);
    for (size_t r = c + 1; r < n; ++r) {
      const double m = a[r][c] / a[c][c];
      if (m == 0) continue;
      for (size_t k = c; k < n; ++k) a[r][k] -= m * a[c][k];
      b[r] -= m * b[c];
    }
  }
  std::vector<double> x(n);
  for (size_t i = n; i-- > 0;) {
    double v = b[i];
    for (size_t k = i + 1; k < n; ++k) v -= a[i][k] * x[k];
    x[i] = v / a[i][i];
  }
  return x;
}

// Least-squares knot values for fixed breakpoints: minimise the integral of (p - f)^2, with the
// edge knots fixed, or (range-reduced) tied by v_n = ratio * v_0. Integrals by 8-point
// Gauss-Legendre per segment; the hat functions' mass matrix is exact.
std::vector<double> least_squares_values(const PwlSpec& s, const PwlFit& fit, bool coupled, double ratio) {
  static const double kNode[4] = {0.1834346424956498, 0.5255324099163290, 0.7966664774136267,
                                  0.9602898564975363};
  static const double kWeight[4] = {0.3626837833783620, 0.3137066458778873, 0.2223810344533745,
                                    0.1012285362903763};
  const size_t n = fit.breakpoints.size() - 1;
  std::vector<double> diag(n + 1, 0.0), off(n, 0.0), rhs(n + 1, 0.0);
  for (size_t j = 0; j < n; ++j) {
    const double a = fit.breakpoints[j], b = fit.breakpoints[j + 1], h = b - a;
    diag[j] += h / 3;
    diag[j + 1] += h / 3;
    off[j] += h / 6;
    for (int q = 0; q < 4; ++q) {
      for (double sign : {-1.0, 1.0}) {
        const double u = 0.5 * (1 + sign * kNode[q]);  // position in [0, 1]
        const double w = 0.5 * h * kWeight[q] * s.f(a + u * h);
        rhs[j] += w * (1 - u);
        rhs[j + 1] += w * u;
      }
    }
  }
  // Unknowns: the interior knots, plus v_0 when the edges are coupled.
  std::vector<size_t> free;
  if (coupled) free.push_back(0);
  for (size_t i = 1; i < n; ++i) free.push_back(i);
  if (free.empty()) return fit.values;
  auto mass = [&](size_t r, size_t c) {
    if (r == c) return diag[r];
    if (r + 1 == c) return off[r];
    if (c + 1 == r) return off[c];
    return 0.0;
  };
  // Knots an unknown sets: its own, and for a coupled v_0 also v_n = ratio * v_0.
  auto column = [&](size_t u) {
    std::vector<std::pair<size_t, double>> col = {{free[u], 1.0}};
    if (coupled && free[u] == 0) col.push_back({n, ratio});
    return col;
  };
  const size_t m = free.size();
  std::vector<std::vector<double>> a(m, std::vector<double>(m, 0.0));
  std::vector<double> b(m, 0.0);
  for (size_t r = 0; r < m; ++r) {
    for (auto [ri, rw] : column(r)) {
      b[r] += rw * rhs[ri];
      // Fixed edge knots move to the right-hand side.
      if (!coupled) {
        for (size_t k : {size_t{0}, n}) b[r] -= rw * mass(ri, k) * fit.values[k];
      }
      for (size_t c = 0; c < m; ++c) {
        for (auto [ci, cw] : column(c)) a[r][c] += rw * cw * mass(ri, ci);
      }
    }
  }
  const std::vector<double> u = solve(std::move(a), std::move(b));
  std::vector<double> v = fit.values;
  for (size_t k = 0; k < m; ++k) v[free[k]] = u[k];
  if (coupled) v[n] = ratio * v[0];
  return v;
}

// Max abs error of knots (t, v) against f on `xs`/`fx` (sorted samples inside [t_0, t_n]).
double max_error(const std::vector<double>& t, const std::vector<double>& v, const std::vector<double>& xs,
                 const std::vector<double>& fx) {
  double worst = 0;
  size_t j = 0;
  for (size_t s = 0; s < xs.size(); ++s) {
    while (j + 2 < t.size() && xs[s] > t[j + 1]) ++j;
    const double p = v[j] + (v[j + 1] - v[j]) * (xs[s] - t[j]) / (t[j + 1] - t[j]);
    worst = std::max(worst, std::fabs(p - fx[s]));
  }
  return worst;
}

PwlFit fit_elastic(const PwlSpec& s, PwlFit fit, uint32_t n, bool bias_correction) {
  const uint32_t cells = n * kElasticGridPerSegment;
  const double q = fit.granularity / kElasticGridPerSegment;
  const uint32_t per = kSamplesPerCell;
  const uint32_t samples = cells * per + 1;
  std::vector<double> xs(samples), fx(samples);
  for (uint32_t i = 0; i < samples; ++i) {
    xs[i] = i + 1 == samples ? fit.hi : fit.lo + i * (q / per);
    fx[i] = s.f(xs[i]);
  }
  std::vector<double> knot(cells + 1);
  for (uint32_t i = 0; i <= cells; ++i) knot[i] = fx[i * per];
  if (s.below.kind == PwlOutside::kAsymptote) knot[0] = edge_value(s, s.below, fit.lo);
  if (s.above.kind == PwlOutside::kAsymptote) knot[cells] = edge_value(s, s.above, fit.hi);

  // Max abs and squared error of the chord between grid points i < j, on the samples.
  const size_t w = cells + 1;
  std::vector<double> cost(w * w, kInf), sq(w * w, kInf);
  for (uint32_t i = 0; i < cells; ++i) {
    for (uint32_t j = i + 1; j <= cells; ++j) {
      const double span = (j - i) * per;
      double worst = 0, sum = 0;
      for (uint32_t k = i * per; k <= j * per; ++k) {
        const double p = knot[i] + (knot[j] - knot[i]) * ((k - i * per) / span);
        const double e = p - fx[k];
        worst = std::max(worst, std::fabs(e));
        sum += e * e;
      }
      cost[i * w + j] = worst;
      sq[i * w + j] = sum;
    }
  }
  // (1) minimax over exactly n segments: best[k][j] = min_i max(best[k-1][i], cost(i, j)).
  std::vector<double> prev(w, kInf), cur(w, kInf);
  prev[0] = 0;
  for (uint32_t k = 1; k <= n; ++k) {
    std::fill(cur.begin(), cur.end(), kInf);
    for (uint32_t j = k; j + (n - k) <= cells; ++j) {
      double best = kInf;
      for (uint32_t i = k - 1; i < j; ++i) best = std::min(best, std::max(prev[i], cost[i * w + j]));
      cur[j] = best;
    }
    std::swap(prev, cur);
  }
  const double limit = prev[cells] * (1 + 1e-12);
  // (2) among those within the minimax error, the least total squared error.
  std::vector<std::vector<uint32_t>> from(n + 1, std::vector<uint32_t>(w, 0));
  std::fill(prev.begin(), prev.end(), kInf);
  prev[0] = 0;
  for (uint32_t k = 1; k <= n; ++k) {
    std::fill(cur.begin(), cur.end(), kInf);
    for (uint32_t j = k; j + (n - k) <= cells; ++j) {
      for (uint32_t i = k - 1; i < j; ++i) {
        if (prev[i] == kInf || cost[i * w + j] > limit) continue;
        const double total = prev[i] + sq[i * w + j];
        if (total < cur[j]) {
          cur[j] = total;
          from[k][j] = i;
        }
      }
    }
    std::swap(prev, cur);
  }
  std::vector<uint32_t> grid(n + 1);
  grid[n] = cells;
  for (uint32_t k = n; k > 0; --k) grid[k - 1] = from[k][grid[k]];
  set_knots(s, fit, grid, q);

  // Vertical bias correction, scaled back only if it would raise the max abs error.
  const bool coupled = s.range_reduced && !s.exact && fit.lo == s.domain_lo && fit.hi == s.domain_hi;
  const double ratio = coupled ? s.f(fit.hi) / s.f(fit.lo) : 1.0;
  const std::vector<double> corrected =
      bias_correction ? least_squares_values(s, fit, coupled, ratio) : fit.values;
  const double before = max_error(fit.breakpoints, fit.values, xs, fx);
  std::vector<double> v = fit.values;
  fit.bias_correction_scale = 0;
  for (double scale = 1; bias_correction && scale >= 1.0 / 64; scale /= 2) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = fit.values[i] + scale * (corrected[i] - fit.values[i]);
    if (max_error(fit.breakpoints, v, xs, fx) <= before) {
      fit.values = v;
      fit.bias_correction_scale = scale;
      break;
    }
  }
  build_segments(s, fit);

  // Second-level map: fine cell c (index c + 1) -> the inner segment holding it.
  fit.index_step = q;
  fit.index_cells = cells;
  fit.segment_map.assign(cells + 2, 0);
  fit.segment_map[cells + 1] = static_cast<uint8_t>(n + 1);
  for (uint32_t seg = 1; seg <= n; ++seg) {
    for (uint32_t c = grid[seg - 1]; c < grid[seg]; ++c) fit.segment_map[c + 1] = static_cast<uint8_t>(seg);
  }
  return fit;
}

}  // namespace

const char* pwl_method_name(PwlMethod m) {
  return m == PwlMethod::kElastic ? "elastic" : "uniform";
}

PwlFit fit_pwl(PwlFunction function, const PwlFitOptions& o) {
  const PwlSpec& s = pwl_spec(function);
  if (!(o.granularity > 0) || !std::isfinite(o.granularity))
    throw std::invalid_argument("pwl fit: granularity must be positive");
  if (o.custom_domain && (s.exact || s.range_reduced || !(o.lo < o.hi)))
    throw std::invalid_argument("pwl fit: a custom domain needs lo < hi and a fitted, unreduced function");
  PwlFit fit;
  fit.function = function;
  fit.method = o.method;
  fit.granularity = o.granularity;
  fit.lo = o.custom_domain ? o.lo : s.domain_lo;
  const double hi = o.custom_domain ? o.hi : s.domain_hi;
  const uint32_t n = pwl_inner_segments(fit.lo, hi, s.exact, o.granularity);
  const uint32_t limit =
      o.method == PwlMethod::kElastic ? kMaxElasticInnerSegments : kMaxUniformInnerSegments;
  if (n > limit) throw std::invalid_argument("pwl fit: too many segments");
  fit.hi = fit.lo + n * o.granularity;
  if (n > 0 && std::fabs(fit.hi - hi) < 1e-9 * std::max(1.0, std::fabs(hi))) fit.hi = hi;

  std::vector<uint32_t> grid(n + 1);
  for (uint32_t i = 0; i <= n; ++i) grid[i] = i;
  set_knots(s, fit, grid, o.granularity);
  if (o.method == PwlMethod::kElastic && n > 0) return fit_elastic(s, fit, n, o.bias_correction);
  // Exact functions have nothing to place: elastic is uniform there.
  build_segments(s, fit);
  set_uniform_index(fit);
  return fit;
}

uint32_t pwl_segment_index(const PwlFit& fit, double x) {
  // One MAC: u = x * (1 / step) + (-lo / step); the quantizer floors and saturates to [-1, cells].
  const double u = std::floor(x * (1.0 / fit.index_step) + (-fit.lo / fit.index_step));
  const double cells = fit.index_cells;
  const double clamped = std::isnan(u) ? -1.0 : std::min(std::max(u, -1.0), cells);
  const auto fine = static_cast<uint32_t>(clamped + 1);
  return fit.segment_map.empty() ? fine : fit.segment_map[fine];
}

double pwl_evaluate_table(const PwlFit& fit, double x) {
  const uint32_t s = pwl_segment_index(fit, x);
  return x * fit.slopes[s] + fit.intercepts[s];
}

PwlReducedInput pwl_reduce_input(PwlFunction function, double x) {
  PwlReducedInput r;
  r.table_x = x;
  const PwlSpec& s = pwl_spec(function);
  if (s.reduction == PwlReduction::kNone) return r;
  if (s.reduction == PwlReduction::kReciprocal) {
    if (x == 0) {
      r.special = true;
      r.special_value = std::copysign(kInf, x);  // saturates
      return r;
    }
    int e = 0;
    r.table_x = 2 * std::frexp(std::fabs(x), &e);  // |x| = m * 2^(e - 1), m in [1, 2)
    r.shift = -(e - 1);
    r.sign = std::copysign(1.0, x);
    return r;
  }
  if (x <= 0) {
    r.special = true;
    r.special_value = s.reduction == PwlReduction::kRsqrt ? kInf : 0.0;
    return r;
  }
  int e = 0;
  double m = 2 * std::frexp(x, &e);
  int exponent = e - 1;
  if (exponent % 2 != 0) {  // make the exponent even: m in [2, 4)
    m *= 2;
    exponent -= 1;
  }
  r.table_x = m;
  r.shift = s.reduction == PwlReduction::kRsqrt ? -exponent / 2 : exponent / 2;
  return r;
}

double pwl_finish(const PwlReducedInput& r, double table_y) {
  if (r.special) return r.special_value;
  return r.sign * std::ldexp(table_y, r.shift);
}

double pwl_evaluate(const PwlFit& fit, double x) {
  const PwlReducedInput r = pwl_reduce_input(fit.function, x);
  if (r.special) return r.special_value;
  return pwl_finish(r, pwl_evaluate_table(fit, r.table_x));
}

double pwl_interpolate(const PwlFit& fit, double x) {
  const PwlSpec& s = pwl_spec(fit.function);
  const auto& t = fit.breakpoints;
  const auto& v = fit.values;
  if (x < fit.lo) {
    return s.below.kind == PwlOutside::kAsymptote ? s.below.slope * x + s.below.intercept : v.front();
  }
  if (x >= fit.hi) {
    return s.above.kind == PwlOutside::kAsymptote ? s.above.slope * x + s.above.intercept : v.back();
  }
  const size_t j = static_cast<size_t>(std::upper_bound(t.begin(), t.end(), x) - t.begin()) - 1;
  return v[j] + (v[j + 1] - v[j]) * (x - t[j]) / (t[j + 1] - t[j]);
}

double pwl_reference(PwlFunction function, double x) {
  const PwlSpec& s = pwl_spec(function);
  switch (s.reduction) {
    case PwlReduction::kNone:
      return s.f(x);
    case PwlReduction::kReciprocal:
      return 1.0 / x;
    case PwlReduction::kRsqrt:
      return x > 0 ? 1.0 / std::sqrt(x) : kInf;
    case PwlReduction::kSqrt:
      return x > 0 ? std::sqrt(x) : 0.0;
  }
  return s.f(x);
}

PwlErrors measure_pwl(const PwlFit& fit, uint32_t samples) {
  const PwlSpec& s = pwl_spec(fit.function);
  PwlErrors r;
  r.samples = samples;
  r.range_lo = s.exact ? -8.0 : fit.lo;
  r.range_hi = s.exact ? 8.0 : fit.hi;
  double sum_abs = 0, sum_sq = 0, sum = 0;
  for (uint32_t i = 0; i < samples; ++i) {
    const double x =
        i + 1 == samples ? r.range_hi : r.range_lo + (r.range_hi - r.range_lo) * i / (samples - 1);
    const double f = s.f(x);
    const double e = pwl_evaluate_table(fit, x) - f;
    if (std::fabs(e) > r.max_abs) {
      r.max_abs = std::fabs(e);
      r.argmax = x;
    }
    sum_abs += std::fabs(e);
    sum_sq += e * e;
    sum += e;
    if (s.range_reduced) r.max_rel = std::max(r.max_rel, std::fabs(e) / std::fabs(f));
  }
  r.mean_abs = sum_abs / samples;
  r.rms = std::sqrt(sum_sq / samples);
  r.mean = sum / samples;
  if (s.range_reduced) {
    constexpr uint32_t kWide = 10001;
    for (uint32_t i = 0; i < kWide; ++i) {
      const double x = std::pow(10.0, -3.0 + 6.0 * i / (kWide - 1));
      const double ref = pwl_reference(fit.function, x);
      r.wide_max_rel = std::max(r.wide_max_rel, std::fabs(pwl_evaluate(fit, x) - ref) / std::fabs(ref));
    }
  } else if (!s.exact) {
    constexpr uint32_t kOutside = 10001;
    const double width = std::max(fit.hi - fit.lo, 4.0);
    for (uint32_t i = 1; i <= kOutside; ++i) {
      const double d = width * i / kOutside;
      r.outside_below =
          std::max(r.outside_below, std::fabs(pwl_evaluate_table(fit, fit.lo - d) - s.f(fit.lo - d)));
      r.outside_above =
          std::max(r.outside_above, std::fabs(pwl_evaluate_table(fit, fit.hi + d) - s.f(fit.hi + d)));
    }
  }
  return r;
}

}  // namespace nm::sw
