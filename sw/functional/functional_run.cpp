#include "sw/functional/functional_run.h"

#include <algorithm>
#include <stdexcept>

#include "hw/core/input_error.h"
#include "sw/functional/npy.h"
#include "sw/functional/random.h"
#include "sw/functional/reference_executor.h"
#include "sw/functional/weights.h"

namespace nm::sw {

namespace {

// Class scores: logits (a linear or matmul output, no nonlinearity after it) or their softmax,
// seen through reshapes (an imported GCN's adjacency MatMul gives [1, n, c] in the IR, reshaped to
// the model's [n, c]).
bool is_logits(const Graph& graph, int tensor) {
  for (const Op& op : graph.ops()) {
    if (op.output != tensor) continue;
    if (op.kind == OpKind::kReshape && !op.inputs.empty()) return is_logits(graph, op.inputs[0]);
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
    : graph_(graph), program_(program), options_(std::move(options)) {}

FunctionalSession::~FunctionalSession() = default;

// The graph input's values in IR layout from one sample in the user-facing layout.
static std::vector<float> to_ir_layout(const Tensor& t, const double* sample) {
  const auto n = static_cast<size_t>(element_count(t.shape));
  std::vector<float> v(n);
  if (t.layout_perm.empty()) {
    for (size_t e = 0; e < n; ++e) v[e] = static_cast<float>(sample[e]);
    return v;
  }
  // IR dim j is user dim layout_perm[j]: walk the IR index, tracking the user-layout offset.
  const size_t r = t.shape.size();
  Shape user(r);
  for (size_t j = 0; j < r; ++j) user[static_cast<size_t>(t.layout_perm[j])] = t.shape[j];
  std::vector<int64_t> user_stride(r, 1), stride(r);
  for (size_t k = r; k-- > 1;) user_stride[k - 1] = user_stride[k] * user[k];
  for (size_t j = 0; j < r; ++j) stride[j] = user_stride[static_cast<size_t>(t.layout_perm[j])];
  std::vector<int64_t> idx(r, 0);
  int64_t src = 0;
  for (size_t e = 0; e < n; ++e) {
    v[e] = static_cast<float>(sample[src]);
    for (size_t j = r; j-- > 0;) {
      if (++idx[j] < t.shape[j]) {
        src += stride[j];
        break;
      }
      src -= stride[j] * (t.shape[j] - 1);
      idx[j] = 0;
    }
  }
  return v;
}

void FunctionalSession::load_input_file() {
  const std::string& path = options_.inputs_file;
  if (graph_.inputs().size() != 1) {
    throw InputError("command line", "--inputs",
                     "feeds one graph input; workload " + graph_.name() + " has " +
                         std::to_string(graph_.inputs().size()));
  }
  const Tensor& in = graph_.tensor(graph_.inputs()[0]);
  const NpyArray a = read_npy(path);
  const int64_t per_sample = element_count(in.shape);
  if (a.shape.empty() || a.shape[0] < 1 || static_cast<int64_t>(a.values.size()) != a.shape[0] * per_sample) {
    throw InputError(path, "shape",
                     "expected [samples, ...] with " + std::to_string(per_sample) +
                         " values per sample (input " + in.name + " is " + shape_to_string(in.shape) +
                         " in the IR), got " + shape_to_string(a.shape));
  }
  const auto available = static_cast<uint32_t>(std::min<int64_t>(a.shape[0], 1000000));
  if (options_.samples == 0) options_.samples = available;
  if (options_.samples > available) {
    throw InputError("command line", "--samples",
                     std::to_string(options_.samples) + " exceeds the " + std::to_string(available) +
                         " samples in " + path);
  }
  for (uint32_t s = 0; s < options_.samples; ++s)
    file_inputs_.push_back(
        to_ir_layout(in, a.values.data() + static_cast<size_t>(s) * static_cast<size_t>(per_sample)));
}

void FunctionalSession::set_inputs(uint32_t sample) {
  if (!file_inputs_.empty()) {
    const int id = graph_.inputs()[0];
    data_[id] = make_dense(graph_.tensor(id).shape, file_inputs_.at(sample));
    return;
  }
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

namespace {

bool every_constant_has_values(const Graph& graph) {
  for (const Tensor& t : graph.tensors()) {
    if (t.constant && !t.values) return false;
  }
  return true;
}

}  // namespace

void FunctionalSession::prepare() {
  // Precedence: a weights file, then values the workload carries (an imported model's
  // initializers), then random ones from the seed.
  if (!options_.weights_file.empty()) {
    data_ = load_weights(options_.weights_file, graph_);
    weights_source_ = options_.weights_file;
  } else if (has_embedded_weights(graph_) && every_constant_has_values(graph_)) {
    data_ = embedded_weights(graph_);
    weights_source_ = "the model's own";
  } else {
    data_ = random_weights(graph_, options_.seed);
    weights_source_ = "random";
    // Constants a built-in computes (a decoder's rotary sin/cos tables) keep their values.
    for (const Tensor& t : graph_.tensors()) {
      if (!t.constant || !t.values) continue;
      data_[t.id] = make_dense(t.shape, *t.values);
      weights_source_ = "random, with the workload's own tables";
    }
  }

  if (!options_.inputs_file.empty()) load_input_file();
  if (options_.samples == 0) options_.samples = 1;
  if (!options_.labels_file.empty()) load_labels();

  // Calibration: fp32 with PWL on an input no evaluated sample uses (with an input file, its
  // first sample: real data calibrates real scales).
  if (!file_inputs_.empty()) {
    set_inputs(0);
  } else {
    for (auto& [id, t] : random_inputs(graph_, seed_for(options_.seed, "calibration")))
      data_[id] = std::move(t);
  }
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
  std::vector<float> saved;  // outputs_file: output 0 of every sample
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
      if (j == 0 && !options_.outputs_file.empty()) saved.insert(saved.end(), test.begin(), test.end());
      if (o.logits) {
        const auto cols = static_cast<uint64_t>(shape.back());
        const uint64_t rows = static_cast<uint64_t>(element_count(shape)) / cols;
        const Top1 t = top1_agreement(ref, test, rows, cols);
        o.top1.rows += t.rows;
        o.top1.agree += t.agree;
        if (!labels_.empty() && j == label_output_) {
          o.labelled = true;
          const std::vector<int64_t>& labels = labels_.at(sample);
          for (uint64_t r = 0; r < rows; ++r) {
            auto argmax = [&](const std::vector<float>& v) {
              return std::max_element(v.begin() + static_cast<std::ptrdiff_t>(r * cols),
                                      v.begin() + static_cast<std::ptrdiff_t>((r + 1) * cols)) -
                     (v.begin() + static_cast<std::ptrdiff_t>(r * cols));
            };
            o.accuracy.rows += 1;
            o.reference_accuracy.rows += 1;
            o.accuracy.agree += argmax(test) == labels[r];
            o.reference_accuracy.agree += argmax(ref) == labels[r];
          }
        }
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
  if (!options_.outputs_file.empty()) {
    Shape shape = graph_.tensor(graph_.outputs().at(0)).shape;
    shape.insert(shape.begin(), options_.samples);
    write_npy(options_.outputs_file, shape, saved);
  }
  report.options = options_;
  report.weights = weights_source_;
  return report;
}

void FunctionalSession::load_labels() {
  const std::string& path = options_.labels_file;
  // The first output holding class scores is the one labels score.
  label_output_ = SIZE_MAX;
  for (size_t j = 0; j < graph_.outputs().size() && label_output_ == SIZE_MAX; ++j) {
    if (is_logits(graph_, graph_.outputs()[j])) label_output_ = j;
  }
  if (label_output_ == SIZE_MAX) {
    throw InputError(
        "command line", "--labels",
        "workload " + graph_.name() + " has no class-score output (a linear, matmul or softmax output)");
  }
  const Shape& shape = graph_.tensor(graph_.outputs()[label_output_]).shape;
  const int64_t rows = element_count(shape) / shape.back();
  const NpyArray a = read_npy(path);
  if (!a.integer) throw InputError(path, "dtype", "labels must be integers (class indices)");
  if (a.values.size() != static_cast<size_t>(options_.samples) * static_cast<size_t>(rows) &&
      !(a.shape.size() >= 1 && a.shape[0] >= options_.samples &&
        static_cast<int64_t>(a.values.size()) == a.shape[0] * rows)) {
    throw InputError(path, "shape",
                     "expected " + std::to_string(rows) + " label(s) per sample for " +
                         std::to_string(options_.samples) + " samples, got shape " +
                         shape_to_string(a.shape));
  }
  for (uint32_t s = 0; s < options_.samples; ++s) {
    std::vector<int64_t> l(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) {
      const double v = a.values[static_cast<size_t>(s) * static_cast<size_t>(rows) + static_cast<size_t>(r)];
      if (v < 0 || v >= static_cast<double>(shape.back()))
        throw InputError(path, "labels",
                         "label " + std::to_string(static_cast<int64_t>(v)) + " is not a class in [0, " +
                             std::to_string(shape.back()) + ")");
      l[static_cast<size_t>(r)] = static_cast<int64_t>(v);
    }
    labels_.push_back(std::move(l));
  }
}

}  // namespace nm::sw
