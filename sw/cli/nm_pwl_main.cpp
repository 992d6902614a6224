// nm_pwl: the PWL approximations the lowering uses. One function's fit (segments and errors), the
// error table of every function (uniform and elastic at 0.25, 0.5, 1.0), or the paper's Table 1
// (parameter overhead of the PWL tables in resnet50, bert_base and gcn).
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "hw/core/input_error.h"
#include "sw/cli/guarded_main.h"
#include "sw/proc/output_file.h"
#include "sw/pwl/pwl_fit.h"
#include "sw/pwl/pwl_report.h"

namespace {

namespace fs = std::filesystem;
using nm::InputError;
using namespace nm::sw;

constexpr const char* kUsage =
    "usage: nm_pwl --function NAME [--granularity G] [--method uniform|elastic] [--domain LO,HI] [--json "
    "FILE]\n"
    "       nm_pwl --all [--csv FILE]\n"
    "       nm_pwl --overhead [--granularity G]\n"
    "\n"
    "The continuous piecewise-linear (PWL) approximations nm_sim's lowering uses for nonlinear ops,\n"
    "evaluated as the accelerator computes them. Exactly one mode:\n"
    "  --function NAME       fit one function and print its segments (breakpoint, slope K,\n"
    "                        intercept B) and its errors against the exact function. NAME: relu,\n"
    "                        leaky_relu, gelu, sigmoid, tanh, silu, exp, reciprocal, rsqrt, sqrt, erf\n"
    "  --all                 the error table of every function at granularities 0.25, 0.5 and 1.0,\n"
    "                        uniform and elastic\n"
    "  --overhead            the paper's Table 1: PWL parameter bytes of resnet50, bert_base and gcn\n"
    "                        against their weight bytes\n"
    "Options:\n"
    "  --granularity G       segment width in the function's input units (> 0); default 0.25, the\n"
    "                        paper's. N = ceil((HI - LO) / G) inner segments (--function, --overhead)\n"
    "  --method uniform|elastic  uniform: breakpoints every G (the paper's); elastic: the same N\n"
    "                        segments with breakpoints placed to minimise the max error, plus a bias\n"
    "                        correction; default uniform (--function only)\n"
    "  --domain LO,HI        fit over [LO, HI] instead of the function's built-in domain, LO < HI\n"
    "                        (--function only; not for exact or range-reduced functions)\n"
    "  --json FILE           write the fit and its errors as JSON (--function only)\n"
    "  --csv FILE            write the --all table as CSV (--all only)\n"
    "  --help, -h            print this text\n"
    "Output files are written through a temporary file and a rename. Exit status: 0 done; 2 bad input\n"
    "(one 'error:' line on stderr); 3 internal error.\n";

struct Options {
  std::optional<std::string> function;
  bool all = false, overhead = false, help = false;
  std::optional<double> granularity;
  std::optional<PwlMethod> method;
  std::optional<std::pair<double, double>> domain;
  std::optional<std::string> json, csv;
};

double number(const std::string& flag, const std::string& v) {
  size_t pos = 0;
  double d = NAN;
  try {
    d = std::stod(v, &pos);
  } catch (const std::exception&) {
  }
  if (pos != v.size() || !std::isfinite(d))
    throw InputError("command line", flag, "expected a finite number, got '" + v + "'");
  return d;
}

Options parse(const std::vector<std::string>& args) {
  Options o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    // Values may start with '-' (--domain -8,8), but never with "--" (a missing value).
    auto value = [&](const char* expected) {
      if (i + 1 >= args.size() || args[i + 1].rfind("--", 0) == 0)
        throw InputError("command line", a, std::string("expected ") + expected + " after it");
      return args[++i];
    };
    if (a == "--function") {
      o.function = value("a function name");
    } else if (a == "--all") {
      o.all = true;
    } else if (a == "--overhead") {
      o.overhead = true;
    } else if (a == "--granularity") {
      const double g = number(a, value("a positive number"));
      if (g <= 0) throw InputError("command line", a, "expected a positive number, got " + args[i]);
      o.granularity = g;
    } else if (a == "--method") {
      const std::string m = value("uniform or elastic");
      if (m == "uniform") {
        o.method = PwlMethod::kUniform;
      } else if (m == "elastic") {
        o.method = PwlMethod::kElastic;
      } else {
        throw InputError("command line", a, "expected uniform or elastic, got '" + m + "'");
      }
    } else if (a == "--domain") {
      const std::string v = value("LO,HI");
      const size_t comma = v.find(',');
      if (comma == std::string::npos) throw InputError("command line", a, "expected LO,HI, got '" + v + "'");
      const double lo = number(a, v.substr(0, comma)), hi = number(a, v.substr(comma + 1));
      if (!(lo < hi)) throw InputError("command line", a, "expected LO < HI, got '" + v + "'");
      o.domain = {lo, hi};
    } else if (a == "--json") {
      o.json = value("an output JSON path");
    } else if (a == "--csv") {
      o.csv = value("an output CSV path");
    } else if (a == "--help" || a == "-h") {
      o.help = true;
    } else {
      throw InputError("command line", a, "unknown option; see nm_pwl --help");
    }
  }
  if (o.help) return o;
  const int modes = int{o.function.has_value()} + int{o.all} + int{o.overhead};
  if (modes != 1)
    throw InputError("command line", "mode", "expected exactly one of --function, --all, --overhead");
  auto only_with = [](bool given, const char* flag, const char* mode) {
    if (given) throw InputError("command line", flag, std::string("not used with ") + mode);
  };
  if (!o.function) {
    const char* mode = o.all ? "--all" : "--overhead";
    only_with(o.method.has_value(), "--method", mode);
    only_with(o.domain.has_value(), "--domain", mode);
    only_with(o.json.has_value(), "--json", mode);
  }
  if (!o.all) only_with(o.csv.has_value(), "--csv", o.function ? "--function" : "--overhead");
  // --all fixes its granularities (0.25, 0.5, 1.0).
  if (o.all) only_with(o.granularity.has_value(), "--granularity", "--all");
  return o;
}

PwlFitOptions fit_options(PwlFunction f, const Options& o) {
  const PwlSpec& s = pwl_spec(f);
  PwlFitOptions fo;
  fo.method = o.method.value_or(PwlMethod::kUniform);
  fo.granularity = o.granularity.value_or(0.25);
  if (o.domain) {
    if (s.exact)
      throw InputError("command line", "--domain", std::string(s.name) + " is exact; it has no domain");
    if (s.range_reduced)
      throw InputError(
          "command line", "--domain",
          std::string(s.name) + " is range-reduced; its table covers the mantissa interval only");
    fo.custom_domain = true;
    fo.lo = o.domain->first;
    fo.hi = o.domain->second;
  }
  const double lo = fo.custom_domain ? fo.lo : s.domain_lo, hi = fo.custom_domain ? fo.hi : s.domain_hi;
  const double inner = s.exact ? 0.0 : std::ceil((hi - lo) / fo.granularity - 1e-9);
  const bool elastic = fo.method == PwlMethod::kElastic;
  const double limit = elastic ? kMaxElasticInnerSegments : kMaxUniformInnerSegments;
  if (inner > limit) {
    throw InputError("command line", "--granularity",
                     "expected at most " + std::to_string(static_cast<uint32_t>(limit)) + " inner segments" +
                         (elastic ? " for elastic (its segment map holds a 1-byte index)" : "") + ", got " +
                         std::to_string(static_cast<uint64_t>(std::min(inner, 1e18))) +
                         "; use a larger granularity");
  }
  return fo;
}

int run(const Options& o) {
  check_output_paths({{"--json", o.json.value_or("")}, {"--csv", o.csv.value_or("")}});
  if (o.function) {
    const PwlFunction f = pwl_function_by_name(*o.function, "command line", "--function");
    const PwlFit fit = fit_pwl(f, fit_options(f, o));
    const PwlErrors errors = measure_pwl(fit);
    // Files first: a write error leaves one error line and nothing on stdout.
    if (o.json) write_file_atomically(*o.json, pwl_fit_json(fit, errors).dump(2) + "\n");
    std::cout << pwl_fit_text(fit, errors);
    return 0;
  }
  if (o.all) {
    const std::vector<PwlSummaryRow> rows = pwl_summary({0.25, 0.5, 1.0});
    if (o.csv) write_file_atomically(*o.csv, pwl_summary_csv(rows));
    std::cout << pwl_summary_text(rows);
    return 0;
  }
  const double g = o.granularity.value_or(0.25);
  if (pwl_inner_segments(-8, 8, false, g) > kMaxUniformInnerSegments)
    throw InputError("command line", "--granularity", "expected a granularity of at least 16 / 65536");
  std::cout << pwl_overhead_text(g);
  return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
  return nm::sw::run_guarded([&] {
    const Options o = parse(std::vector<std::string>(argv + 1, argv + argc));
    if (o.help) {
      std::cout << kUsage;
      return 0;
    }
    return run(o);
  });
}
