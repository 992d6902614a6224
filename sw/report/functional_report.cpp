#include "sw/report/functional_report.h"

#include <fmt/format.h>

#include <map>
#include <string>
#include <vector>

namespace nm::sw {

namespace {

std::string describe_options(const FunctionalReport& r) {
  const FunctionalOptions& o = r.options;
  return fmt::format("{} data path, PWL {} g={}, seed {}, {} sample{}{}, {} weights",
                     numeric_mode_name(o.mode), pwl_method_name(o.pwl.method), o.pwl.granularity, o.seed,
                     o.samples, o.samples == 1 ? "" : "s",
                     o.inputs_file.empty() ? "" : " from " + o.inputs_file, r.weights);
}

std::string error_columns(const ErrorStats& s) {
  return fmt::format("{:>10.3g} {:>9.3g} {:>9.6f}", s.max_abs, s.rel_l2, s.cosine);
}

nlohmann::json error_json(const ErrorStats& s) {
  return {{"elements", s.elements}, {"max_abs", s.max_abs}, {"rel_l2", s.rel_l2}, {"cosine", s.cosine}};
}

}  // namespace

void write_functional_summary(std::ostream& out, const FunctionalReport& r, bool verbose) {
  out << "\nfunctional: " << describe_options(r) << "; errors against the fp32 reference\n";
  out << fmt::format("  {:<36} {:>10} {:>9} {:>9}   {:>9} {:>9}\n", verbose ? "op output" : "layer output",
                     "max abs", "rel L2", "cosine", "PWL rel", "PWL cos");
  // A layer's output is its last op in graph order.
  std::vector<const OpErrors*> rows;
  if (verbose) {
    for (const OpErrors& e : r.ops) rows.push_back(&e);
  } else {
    std::map<std::string, size_t> last;
    for (size_t i = 0; i < r.ops.size(); ++i) last[r.ops[i].layer] = i;
    for (size_t i = 0; i < r.ops.size(); ++i) {
      if (last[r.ops[i].layer] == i) rows.push_back(&r.ops[i]);
    }
  }
  for (const OpErrors* e : rows) {
    out << fmt::format("  {:<36} {}   {:>9.3g} {:>9.6f}\n", verbose ? e->name : e->layer,
                       error_columns(e->datatype), e->pwl_only.rel_l2, e->pwl_only.cosine);
  }
  for (const OutputErrors& o : r.outputs) {
    out << fmt::format("  output {}: max abs {:.3g}, rel L2 {:.3g}, cosine {:.6f}", o.name, o.first.max_abs,
                       o.first.rel_l2, o.first.cosine);
    if (r.options.samples > 1) {
      out << fmt::format(" (worst of {}: rel L2 {:.3g}, cosine {:.6f})", r.options.samples, o.worst.rel_l2,
                         o.worst.cosine);
    }
    if (o.logits) {
      out << fmt::format("; top-1 agreement {}/{} ({:.1f}%)", o.top1.agree, o.top1.rows,
                         100.0 * o.top1.fraction());
    }
    if (o.labelled) {
      out << fmt::format("; top-1 accuracy {:.2f}% (fp32 reference {:.2f}%) on {} labels",
                         100.0 * o.accuracy.fraction(), 100.0 * o.reference_accuracy.fraction(),
                         o.accuracy.rows);
    }
    out << "\n";
  }
}

nlohmann::json functional_to_json(const FunctionalReport& r) {
  using nlohmann::json;
  json j;
  j["datatype"] = numeric_mode_name(r.options.mode);
  j["pwl_method"] = pwl_method_name(r.options.pwl.method);
  j["pwl_granularity"] = r.options.pwl.granularity;
  j["seed"] = r.options.seed;
  j["samples"] = r.options.samples;
  j["weights"] = r.weights;
  if (!r.options.inputs_file.empty()) j["inputs"] = r.options.inputs_file;
  if (!r.options.labels_file.empty()) j["labels"] = r.options.labels_file;
  json ops = json::array();
  for (const OpErrors& e : r.ops) {
    json op = error_json(e.datatype);
    op["name"] = e.name;
    op["layer"] = e.layer;
    op["kind"] = e.kind;
    op["pwl_only"] = error_json(e.pwl_only);
    ops.push_back(std::move(op));
  }
  j["ops"] = std::move(ops);
  json outputs = json::array();
  for (const OutputErrors& o : r.outputs) {
    json out = {{"name", o.name}, {"sample0", error_json(o.first)}, {"worst", error_json(o.worst)}};
    if (o.logits) {
      out["top1_agree"] = o.top1.agree;
      out["top1_rows"] = o.top1.rows;
      out["top1_agreement"] = o.top1.fraction();
    }
    if (o.labelled) {
      out["top1_accuracy"] = o.accuracy.fraction();
      out["reference_top1_accuracy"] = o.reference_accuracy.fraction();
      out["labelled_rows"] = o.accuracy.rows;
    }
    outputs.push_back(std::move(out));
  }
  j["outputs"] = std::move(outputs);
  return j;
}

}  // namespace nm::sw
