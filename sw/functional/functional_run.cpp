#include "sw/functional/functional_run.h"

#include <algorithm>
#include <stdexcept>

#include "sw/functional/random.h"
#include "sw/functional/reference_executor.h"
#include "sw/functional/weights.h"

namespace nm::sw {

namespace {

// Class scores: logits (a linear or matmul output, no nonlinearity after it) or their softmax.
bool is_logits(const Graph& graph, int tensor) {
  for (const Op& op : graph.ops()) {
    if (op.output == tensor)
      return op.kind == OpKind::kLinear || op.kind == OpKind::kMatMul || op.kind == OpKind::kSoftmax;
  }
  return false;
}

void keep_worst(ErrorStats& worst, const ErrorStats& s) {
  worst.elements = s.elements;
  worst.max_abs = std::max(worst.max_abs, s.max_abs);
  worst.rel_l2 = std::max(worst.rel_l2, s.rel_l2);
  worst.cosine = std::min(worst.cosine, s.cosine);
}

}  // namespace

FunctionalSession::FunctionalSession(const Graph& graph, const KernelProgram& program,
                                     FunctionalOptions options)
    : graph_(graph), program_(program), options_(std::move(options)) {
  if (options_.samples == 0) throw std::invalid_argument("functional run: samples must be at least 1");
}

FunctionalSession::~FunctionalSession() = default;

void FunctionalSession::set_inputs(uint32_t sample) {
  const uint64_t seed =
      sample == 0 ? options_.seed : seed_for(options_.seed, "sample" + std::to_string(sample));
  for (auto& [id, t] : random_inputs(graph_, seed)) data_[id] = std::move(t);
}

std::vector<float> FunctionalSession::graph_values(int graph_tensor, ProgramExecutor& executor,
                                                   TensorStore& store) const {
  const int t = program_.graph_tensor.at(static_cast<size_t>(graph_tensor));
  std::vector<float> v = executor.values(t, store);
  v.resize(static_cast<size_t>(element_count(graph_.tensor(graph_tensor).shape)));
  return v;
}

void FunctionalSession::prepare() {
  data_ = options_.weights_file.empty() ? random_weights(graph_, options_.seed)
                                        : load_weights(options_.weights_file, graph_);

  // Calibration: fp32 with PWL on an input no evaluated sample uses.
  for (auto& [id, t] : random_inputs(graph_, seed_for(options_.seed, "calibration")))
    data_[id] = std::move(t);
  {
    HostTensorStore store;
    ProgramExecutor calibrate(graph_, program_, NumericMode::kFp32, options_.pwl);
    calibrate.load(data_, store);
    calibrate.execute_all(store);
    calibration_ = calibrate.observed_max_abs();
  }

  set_inputs(0);
  reference0_ = run_reference(graph_, data_);

  // PWL alone: fp32 data path on sample 0.
  HostTensorStore store;
  ProgramExecutor fp32(graph_, program_, NumericMode::kFp32, options_.pwl);
  fp32.load(data_, store);
  fp32.execute_all(store);
  for (const Op& op : graph_.ops()) {
    if (op.kind == OpKind::kReshape) continue;
    OpErrors e;
    e.name = op.name;
    e.layer = op.layer;
    e.kind = op_kind_name(op.kind);
    e.pwl_only = compare_tensors(reference0_.at(op.output).values, graph_values(op.output, fp32, store),
                                 static_cast<uint64_t>(element_count(graph_.tensor(op.output).shape)));
    ops_.push_back(std::move(e));
    rows_of_tensor_[program_.graph_tensor.at(static_cast<size_t>(op.output))].push_back(
        {op.output, ops_.size() - 1});
  }

  scored_.assign(ops_.size(), false);
  executor_ = std::make_unique<ProgramExecutor>(graph_, program_, options_.mode, options_.pwl, calibration_);
}

void FunctionalSession::load(TensorStore& store) {
  if (!executor_) throw std::logic_error("FunctionalSession::load before prepare");
  executor_->load(data_, store);
}

void FunctionalSession::execute(size_t kernel, TensorStore& store) {
  executor_->execute(kernel, store);
  // Score the ops this kernel completes now: an on-chip tensor's L2 space is reused later.
  auto it = rows_of_tensor_.find(program_.kernels.at(kernel).output);
  if (it == rows_of_tensor_.end()) return;
  for (const auto& [graph_tensor, row] : it->second) {
    ops_[row].datatype =
        compare_tensors(reference0_.at(graph_tensor).values, graph_values(graph_tensor, *executor_, store),
                        static_cast<uint64_t>(element_count(graph_.tensor(graph_tensor).shape)));
    scored_[row] = true;
  }
}

FunctionalReport FunctionalSession::finish(TensorStore& store) {
  FunctionalReport report;
  report.options = options_;
  if (std::find(scored_.begin(), scored_.end(), false) != scored_.end()) {
    throw std::logic_error(
        "functional run: an op output was never computed (finish before every kernel ran)");
  }
  report.ops = ops_;

  for (int out : graph_.outputs()) {
    OutputErrors o;
    o.name = graph_.tensor(out).name;
    o.logits = is_logits(graph_, out);
    report.outputs.push_back(o);
  }
  auto score = [&](const TensorMap& reference, uint32_t sample) {
    for (size_t j = 0; j < graph_.outputs().size(); ++j) {
      const int out = graph_.outputs()[j];
      const Shape& shape = graph_.tensor(out).shape;
      const std::vector<float> test = graph_values(out, *executor_, store);
      const std::vector<float>& ref = reference.at(out).values;
      OutputErrors& o = report.outputs[j];
      const ErrorStats s = compare_tensors(ref, test, static_cast<uint64_t>(element_count(shape)));
      if (sample == 0) o.first = s;
      keep_worst(o.worst, s);
      if (o.logits) {
        const auto cols = static_cast<uint64_t>(shape.back());
        const Top1 t = top1_agreement(ref, test, static_cast<uint64_t>(element_count(shape)) / cols, cols);
        o.top1.rows += t.rows;
        o.top1.agree += t.agree;
      }
    }
  };
  score(reference0_, 0);
  for (uint32_t s = 1; s < options_.samples; ++s) {
    set_inputs(s);
    const TensorMap reference = run_reference(graph_, data_);
    executor_ =
        std::make_unique<ProgramExecutor>(graph_, program_, options_.mode, options_.pwl, calibration_);
    executor_->load(data_, store);
    executor_->execute_all(store);
    score(reference, s);
  }
  return report;
}

}  // namespace nm::sw
