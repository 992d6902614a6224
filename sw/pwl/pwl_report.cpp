#include "sw/pwl/pwl_report.h"

#include <fmt/format.h>

#include <cmath>
#include <sstream>

#include "sw/graph/workloads.h"

namespace nm::sw {

namespace {

// Breakpoints, slopes and intercepts: enough digits to rebuild the table.
std::string num(double v) {
  if (std::isinf(v)) return v < 0 ? "-inf" : "+inf";
  return fmt::format("{:.10g}", v == 0 ? 0.0 : v);
}

std::string sci(double v) {
  return fmt::format("{:.3e}", v);
}

std::string index_rule(const PwlFit& fit) {
  const std::string step = num(fit.index_step);
  std::string s =
      fmt::format("clamp(floor(x / {} - ({}) / {}), -1, {}) + 1", step, num(fit.lo), step, fit.index_cells);
  if (fit.segment_map.empty()) return "S = " + s + "  (1 MAC + output quantizer)";
  return "F = " + s + ", S = map[F]  (1 MAC + quantizer + one 1-byte gather)";
}

std::string reduction_rule(PwlReduction r) {
  switch (r) {
    case PwlReduction::kNone:
      return "";
    case PwlReduction::kReciprocal:
      return "x = m * 2^e (m in [1, 2), the fp exponent/mantissa fields); 1/x = T(m) * 2^-e, one extra MAC";
    case PwlReduction::kRsqrt:
      return "x = m * 2^e (e even, m in [1, 4)); 1/sqrt(x) = T(m) * 2^(-e/2), one extra MAC";
    case PwlReduction::kSqrt:
      return "x = m * 2^e (e even, m in [1, 4)); sqrt(x) = T(m) * 2^(e/2), one extra MAC";
  }
  return "";
}

std::string method_line(const PwlFit& fit) {
  if (fit.method == PwlMethod::kUniform || fit.segment_map.empty())
    return "uniform: breakpoints every granularity, knots on the curve (asymptote edges on the asymptote)";
  return fmt::format(
      "elastic: breakpoints on a {}-step grid minimising the max abs error (DP over the grid), then "
      "least-squares knot offsets (bias correction, scale {}); continuous",
      num(fit.index_step), num(fit.bias_correction_scale));
}

}  // namespace

std::string pwl_fit_text(const PwlFit& fit, const PwlErrors& e) {
  const PwlSpec& s = pwl_spec(fit.function);
  std::ostringstream out;
  const uint32_t n = fit.inner_segments();
  out << fmt::format("nm_pwl: {}, {}, granularity {}\n", s.name, pwl_method_name(fit.method),
                     num(fit.granularity));
  if (s.exact) {
    out << fmt::format("  domain          exact ({} segments, breakpoint at 0)\n", fit.segments());
  } else {
    out << fmt::format("  domain          [{}, {}] ({} segments: {} inner + 2 out-of-domain)\n", num(fit.lo),
                       num(fit.hi), fit.segments(), n);
  }
  out << fmt::format("  outside         {}\n", s.outside);
  if (s.range_reduced) out << fmt::format("  range reduction {}\n", reduction_rule(s.reduction));
  out << fmt::format("  method          {}\n", method_line(fit));
  out << fmt::format("  segment index   {}\n", index_rule(fit));
  out << "  evaluation      y = x * K[S] + B[S]\n\n";
  out << fmt::format("{:>4}  {:>14}  {:>14}  {:>17}  {:>17}\n", "S", "from", "to", "slope K", "intercept B");
  for (uint32_t i = 0; i < fit.segments(); ++i) {
    const double from = i == 0 ? -INFINITY : fit.breakpoints[i - 1];
    const double to = i == n + 1 ? INFINITY : fit.breakpoints[i];
    out << fmt::format("{:>4}  {:>14}  {:>14}  {:>17}  {:>17}\n", i, num(from), num(to), num(fit.slopes[i]),
                       num(fit.intercepts[i]));
  }
  out << fmt::format("\nerrors over [{}, {}], {} evenly spaced samples (fp64 tables):\n", num(e.range_lo),
                     num(e.range_hi), e.samples);
  out << fmt::format("  max abs         {} (at x = {})\n", sci(e.max_abs), fmt::format("{:.6g}", e.argmax));
  out << fmt::format("  mean abs        {}\n", sci(e.mean_abs));
  out << fmt::format("  rms             {}\n", sci(e.rms));
  out << fmt::format("  mean (bias)     {}\n", sci(e.mean));
  if (s.range_reduced) {
    out << fmt::format(
        "  max rel         {} on the mantissa; {} over x in [1e-3, 1e3] through the range reduction\n",
        sci(e.max_rel), sci(e.wide_max_rel));
  } else if (!s.exact) {
    out << fmt::format(
        "  outside         max abs {} below lo, {} above hi (one domain width, at least 4, "
        "beyond each edge)\n",
        sci(e.outside_below), sci(e.outside_above));
  }
  out << fmt::format("table bytes: {} at int8, {} at fp16 ({} segments x 2 parameters)", fit.table_bytes(1),
                     fit.table_bytes(2), fit.segments());
  if (!fit.segment_map.empty()) out << fmt::format(", plus the {}-byte segment map", fit.map_bytes());
  out << "\n";
  return out.str();
}

nlohmann::json pwl_fit_json(const PwlFit& fit, const PwlErrors& e) {
  const PwlSpec& s = pwl_spec(fit.function);
  nlohmann::json j;
  j["schema"] = "nm_pwl/1";
  j["function"] = s.name;
  j["method"] = pwl_method_name(fit.method);
  j["granularity"] = fit.granularity;
  j["exact"] = s.exact;
  j["domain"] = {fit.lo, fit.hi};
  j["outside"] = s.outside;
  j["range_reduction"] = reduction_rule(s.reduction);
  j["segments"] = fit.segments();
  j["breakpoints"] = fit.breakpoints;
  j["knot_values"] = fit.values;
  j["slopes"] = fit.slopes;
  j["intercepts"] = fit.intercepts;
  j["segment_index"] = {{"step", fit.index_step}, {"cells", fit.index_cells}, {"map", fit.segment_map}};
  if (fit.method == PwlMethod::kElastic) j["bias_correction_scale"] = fit.bias_correction_scale;
  j["errors"] = {{"samples", e.samples},
                 {"range", {e.range_lo, e.range_hi}},
                 {"max_abs", e.max_abs},
                 {"argmax", e.argmax},
                 {"mean_abs", e.mean_abs},
                 {"rms", e.rms},
                 {"mean", e.mean},
                 {"outside_below", e.outside_below},
                 {"outside_above", e.outside_above}};
  if (s.range_reduced) {
    j["errors"]["max_rel"] = e.max_rel;
    j["errors"]["wide_max_rel"] = e.wide_max_rel;
  }
  j["table_bytes"] = {{"int8", fit.table_bytes(1)}, {"fp16", fit.table_bytes(2)}, {"map", fit.map_bytes()}};
  return j;
}

std::vector<PwlSummaryRow> pwl_summary(const std::vector<double>& granularities) {
  std::vector<PwlSummaryRow> rows;
  for (PwlFunction f : pwl_fit_functions()) {
    for (double g : granularities) {
      for (PwlMethod m : {PwlMethod::kUniform, PwlMethod::kElastic}) {
        PwlFitOptions o;
        o.method = m;
        o.granularity = g;
        PwlFit fit = fit_pwl(f, o);
        PwlErrors e = measure_pwl(fit);
        rows.push_back({f, m, g, std::move(fit), e});
      }
    }
  }
  return rows;
}

std::string pwl_summary_text(const std::vector<PwlSummaryRow>& rows) {
  std::ostringstream out;
  out << fmt::format(
      "PWL error table: max abs / mean abs / rms / mean (bias) error over each domain ({} samples);\n"
      "elastic uses the uniform fit's segment count; bytes = segments x 2 parameters (+ the "
      "elastic segment map)\n\n",
      kErrorSamples);
  out << fmt::format("{:<11} {:>5} {:<8} {:>4}  {:>10} {:>10} {:>10} {:>11} {:>10}  {:>6} {:>6} {:>5}\n",
                     "function", "g", "method", "segs", "max abs", "mean abs", "rms", "mean", "max rel",
                     "int8 B", "fp16 B", "map B");
  for (const PwlSummaryRow& r : rows) {
    const bool reduced = pwl_spec(r.function).range_reduced;
    out << fmt::format("{:<11} {:>5} {:<8} {:>4}  {:>10} {:>10} {:>10} {:>11} {:>10}  {:>6} {:>6} {:>5}\n",
                       pwl_spec(r.function).name, num(r.granularity), pwl_method_name(r.method),
                       r.fit.segments(), sci(r.errors.max_abs), sci(r.errors.mean_abs), sci(r.errors.rms),
                       sci(r.errors.mean), reduced ? sci(r.errors.max_rel) : "-", r.fit.table_bytes(1),
                       r.fit.table_bytes(2), r.fit.map_bytes());
  }
  return out.str();
}

std::string pwl_summary_csv(const std::vector<PwlSummaryRow>& rows) {
  std::ostringstream out;
  out << "function,method,granularity,segments,domain_lo,domain_hi,max_abs,argmax,mean_abs,rms,mean,"
         "outside_below,outside_above,max_rel,wide_max_rel,table_bytes_int8,table_bytes_fp16,map_bytes\n";
  for (const PwlSummaryRow& r : rows) {
    const PwlErrors& e = r.errors;
    out << fmt::format(
        "{},{},{},{},{},{},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{},{},{}\n",
        pwl_spec(r.function).name, pwl_method_name(r.method), num(r.granularity), r.fit.segments(),
        num(r.fit.lo), num(r.fit.hi), e.max_abs, e.argmax, e.mean_abs, e.rms, e.mean, e.outside_below,
        e.outside_above, e.max_rel, e.wide_max_rel, r.fit.table_bytes(1), r.fit.table_bytes(2),
        r.fit.map_bytes());
  }
  return out.str();
}

std::string pwl_overhead_text(double granularity) {
  auto kb = [](uint64_t bytes) { return fmt::format("{:.2f}KB", static_cast<double>(bytes) / 1000.0); };
  auto pct = [](double f) { return fmt::format("{:.3g}%", 100.0 * f); };
  std::ostringstream out;
  out << fmt::format("PWL parameter overhead (the paper's Table 1) at granularity {}, uniform tables\n",
                     num(granularity));
  out << "KB = 1000 bytes; share = PWL parameters / learned model parameters (both stored at the same\n"
         "width, so the share is the same at int8 and fp16; the GCN's adjacency is not a parameter)\n";
  const std::vector<std::string> main_workloads = {"resnet50", "bert_base", "gcn"};
  std::vector<Graph> graphs;
  for (const std::string& w : main_workloads) graphs.push_back(build_builtin_workload(w, WorkloadOptions{}));
  for (PwlTableRule rule : {PwlTableRule::kPerLayer, PwlTableRule::kPerFunction, PwlTableRule::kPerChannel}) {
    out << fmt::format("\nrule: {}{}:\n  {}\n", pwl_table_rule_name(rule),
                       rule == PwlTableRule::kPerLayer ? " (nm_sim's)" : "", pwl_table_rule_text(rule));
    out << fmt::format("{:<10} {:>7} {:>11} {:>11} {:>11} {:>13} {:>10}   {:>8} {:>8} {:>11}\n", "workload",
                       "tables", "PWL params", "fp16", "int8", "model params", "share", "paper16", "paper8",
                       "paper share");
    for (size_t i = 0; i < graphs.size(); ++i) {
      const PwlOverhead o = pwl_overhead(graphs[i], granularity, rule);
      const PaperTable1Row& p = paper_table1()[i];
      out << fmt::format("{:<10} {:>7} {:>11} {:>11} {:>11} {:>13} {:>10}   {:>8} {:>8} {:>11}\n",
                         main_workloads[i], o.tables, o.parameters, kb(o.bytes(2)), kb(o.bytes(1)),
                         o.model_parameters, pct(o.fraction()), p.fp16, p.int8, p.normalized);
    }
  }
  // The paper's GCN share is a range, most likely over its citation datasets.
  out << "\nGCN share by dataset (2 layers, per layer rule; the paper gives a range):\n";
  for (const char* w : {"gcn_cora_l2", "gcn_citeseer_l2", "gcn_pubmed_l2"}) {
    const PwlOverhead o =
        pwl_overhead(build_builtin_workload(w, WorkloadOptions{}), granularity, PwlTableRule::kPerLayer);
    out << fmt::format("  {:<16} {:>7}  ({} PWL / {} model parameters)\n", w, pct(o.fraction()), o.parameters,
                       o.model_parameters);
  }
  out << "The paper's figures follow from none of these rules; README \"PWL approximations\" says why.\n";
  return out.str();
}

}  // namespace nm::sw
