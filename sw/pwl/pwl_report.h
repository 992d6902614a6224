#pragma once
// nm_pwl's reports: one fit (text, JSON schema nm_pwl/1), the error table of every function at
// several granularities (text, CSV), and the paper's Table 1 (text).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sw/pwl/pwl_fit.h"
#include "sw/pwl/pwl_overhead.h"

namespace nm::sw {

std::string pwl_fit_text(const PwlFit& fit, const PwlErrors& errors);
nlohmann::json pwl_fit_json(const PwlFit& fit, const PwlErrors& errors);

struct PwlSummaryRow {
  PwlFunction function;
  PwlMethod method;
  double granularity;
  PwlFit fit;
  PwlErrors errors;
};

// Every nm_pwl function at each granularity, uniform then elastic (same segment count).
std::vector<PwlSummaryRow> pwl_summary(const std::vector<double>& granularities);
std::string pwl_summary_text(const std::vector<PwlSummaryRow>& rows);
std::string pwl_summary_csv(const std::vector<PwlSummaryRow>& rows);

// Table 1 for resnet50, bert_base and gcn (plus the GCN's CiteSeer and PubMed for the paper's
// range), under every counting rule, the per-layer rule first.
std::string pwl_overhead_text(double granularity);

}  // namespace nm::sw
