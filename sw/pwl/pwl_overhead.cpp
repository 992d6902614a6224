#include "sw/pwl/pwl_overhead.h"

#include <set>

namespace nm::sw {

const char* pwl_table_rule_name(PwlTableRule rule) {
  switch (rule) {
    case PwlTableRule::kPerLayer:
      return "per layer";
    case PwlTableRule::kPerFunction:
      return "per function";
    case PwlTableRule::kPerChannel:
      return "per channel";
  }
  return "per layer";
}

const char* pwl_table_rule_text(PwlTableRule rule) {
  switch (rule) {
    case PwlTableRule::kPerLayer:
      return "one table per (nonlinear op instance, PWL function): each PWL kernel loads its own,\n"
             "  and at int8 each is expressed in its layer's quantization scales";
    case PwlTableRule::kPerFunction:
      return "one table per distinct PWL function in the network (all instances share it)";
    case PwlTableRule::kPerChannel:
      return "activation and max-pool tables once per output channel (a per-channel affine folded\n"
             "  in); softmax and layernorm tables once per op";
  }
  return "";
}

bool unary_pwl_function(OpKind kind, PwlFunction& function) {
  switch (kind) {
    case OpKind::kRelu:
      function = PwlFunction::kRelu;
      return true;
    case OpKind::kLeakyRelu:
      function = PwlFunction::kLeakyRelu;
      return true;
    case OpKind::kGelu:
      function = PwlFunction::kGelu;
      return true;
    case OpKind::kTanh:
      function = PwlFunction::kTanh;
      return true;
    case OpKind::kSigmoid:
      function = PwlFunction::kSigmoid;
      return true;
    case OpKind::kSilu:
      function = PwlFunction::kSilu;
      return true;
    case OpKind::kErf:
      function = PwlFunction::kErf;
      return true;
    case OpKind::kExp:
      function = PwlFunction::kExp;
      return true;
    case OpKind::kSqrt:
      function = PwlFunction::kSqrt;
      return true;
    case OpKind::kReciprocal:
      function = PwlFunction::kReciprocal;
      return true;
    case OpKind::kRelu6:
      function = PwlFunction::kRelu6;
      return true;
    case OpKind::kHardSigmoid:
      function = PwlFunction::kHardSigmoid;
      return true;
    case OpKind::kHardSwish:
      function = PwlFunction::kHardSwish;
      return true;
    default:
      return false;
  }
}

std::vector<PwlTableUse> pwl_table_uses(const Graph& g) {
  std::vector<PwlTableUse> uses;
  for (const Op& op : g.ops()) {
    const Shape& out = g.tensor(op.output).shape;
    const int64_t channels = out.empty() ? 1 : out.back();
    auto add = [&](PwlFunction f, int64_t c) { uses.push_back({op.name, f, c}); };
    PwlFunction unary{};
    if (unary_pwl_function(op.kind, unary)) {
      add(unary, channels);
      continue;
    }
    switch (op.kind) {
      case OpKind::kSoftmax:
        // Pairwise max tree only when a row has two or more entries (as the lowering).
        if (channels > 1) add(PwlFunction::kMax, 1);
        add(PwlFunction::kExp, 1);
        add(PwlFunction::kReciprocal, 1);
        break;
      case OpKind::kLayerNorm:
        add(PwlFunction::kRsqrt, 1);
        break;
      case OpKind::kMaxPool2d:
        if (op.attrs.kernel_h * op.attrs.kernel_w > 1) add(PwlFunction::kMax, channels);
        break;
      default:
        break;
    }
  }
  return uses;
}

int64_t learned_parameter_count(const Graph& g) {
  std::set<int> structure;
  for (const Op& op : g.ops()) {
    if (op.kind != OpKind::kMatMul) continue;
    for (int id : op.inputs) {
      if (g.tensor(id).constant) structure.insert(id);
    }
  }
  int64_t excluded = 0;
  for (int id : structure) {
    const Tensor& t = g.tensor(id);
    excluded += t.nonzeros >= 0 ? t.nonzeros : element_count(t.shape);  // as parameter_count() counts it
  }
  return g.parameter_count() - excluded;
}

PwlOverhead pwl_overhead(const Graph& g, double granularity, PwlTableRule rule) {
  PwlOverhead r;
  r.workload = g.name();
  r.rule = rule;
  r.granularity = granularity;
  r.model_parameters = learned_parameter_count(g);
  std::set<PwlFunction> seen;
  for (const PwlTableUse& u : pwl_table_uses(g)) {
    uint64_t copies = 1;
    if (rule == PwlTableRule::kPerFunction && !seen.insert(u.function).second) copies = 0;
    if (rule == PwlTableRule::kPerChannel) copies = static_cast<uint64_t>(u.channels);
    r.tables += copies;
    r.parameters += copies * uint64_t{pwl_segments(u.function, granularity)} * 2;
  }
  return r;
}

const std::vector<PaperTable1Row>& paper_table1() {
  // Sun et al., NeuralMatrix, Table 1 (granularity 0.25).
  static const std::vector<PaperTable1Row> kRows = {{"resnet50", "114KB", "57KB", "0.46%"},
                                                    {"bert_base", "49.2KB", "24.6KB", "0.01%"},
                                                    {"gcn", "0.24KB", "0.12KB", "0.10-0.74%"}};
  return kRows;
}

}  // namespace nm::sw
