#pragma once
// A functional run: real tensors through the NeuralMatrix data path, compared with the fp32
// reference executor on the same weights and inputs.
//
// Contract:
//  - Weights: every constant from an nm_weights/1 file, else the workload's own values (an
//    imported model's initializers), else random from `seed` (weights.h).
//    Inputs of sample s: from inputs_file when given (its first sample is also the calibration
//    input); else random_inputs(graph, seed) for s = 0, random_inputs(graph,
//    seed_for(seed, "sample<s>")) after, and the calibration input is random_inputs(graph,
//    seed_for(seed, "calibration")), so no evaluated sample calibrates its own scales.
//  - prepare(): the fp32 reference of sample 0, the calibration pass (the lowered program in fp32
//    with PWL on the calibration input; its max |x| per tensor sets the int8 scales), and the
//    "pwl_only" pass (fp32 with PWL on sample 0), which separates the approximation's error
//    from the datatype's.
//  - load() / execute(i): sample 0 in the accelerator's datatype through `store` (the simulator
//    calls them from the driver's thread, so data moves as the kernels complete).
//  - execute(i) scores the ops whose output kernel i produces, at once: an on-chip tensor's L2
//    space is reused by later kernels, as on the hardware.
//  - finish(): per-op errors of sample 0 (graph order; reshapes, which move no data, are
//    skipped), then samples 1..N-1 through the same store, and per graph output the errors of
//    sample 0, the worst over all samples and, for class scores (an output produced by a linear
//    or matmul op, i.e. logits, or by a softmax over them), the top-1 agreement of its rows (one
//    per image, sequence or graph node) over all samples.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sw/functional/error_metrics.h"
#include "sw/functional/program_executor.h"
#include "sw/functional/tensor_data.h"
#include "sw/graph/graph.h"
#include "sw/lowering/kernel_program.h"

namespace nm::sw {

struct FunctionalOptions {
  NumericMode mode = NumericMode::kInt8;
  PwlTableOptions pwl;
  uint64_t seed = 1;
  uint32_t samples = 0;      // 0: one random sample, or every sample of inputs_file
  std::string weights_file;  // empty: the workload's own values (an ONNX model's), else random
  // Real inputs (NumPy .npy, leading dimension = samples, each sample in the graph input's
  // user-facing layout: an ONNX model's own, NCHW for images). The graph must have one input.
  // Its first sample also calibrates the int8 scales (a deployment calibrates on real data).
  std::string inputs_file;
  // Class labels (.npy of integers, one per logits row of each sample): top-1 accuracy of the
  // data path and of the fp32 reference against them.
  std::string labels_file;
  // The data path's values of the first graph output, every sample: [samples, output dims].
  std::string outputs_file;
};

struct OpErrors {
  std::string name;
  std::string layer;
  std::string kind;
  ErrorStats datatype;  // the datatype with PWL vs the fp32 reference
  ErrorStats pwl_only;  // fp32 with PWL vs the fp32 reference
};

struct OutputErrors {
  std::string name;
  ErrorStats first;         // sample 0
  ErrorStats worst;         // over all samples: largest max_abs and rel_l2, smallest cosine
  bool logits = false;      // class scores (logits or their softmax)
  Top1 top1;                // logits only: rows of every sample
  bool labelled = false;    // labels_file scored this output
  Top1 accuracy;            // the data path's top-1 against the labels
  Top1 reference_accuracy;  // the fp32 reference's
};

struct FunctionalReport {
  FunctionalOptions options;
  std::string weights;  // "random", the weights file, or "the model's own"
  std::vector<OpErrors> ops;
  std::vector<OutputErrors> outputs;
};

class FunctionalSession {
 public:
  FunctionalSession(const Graph& graph, const KernelProgram& program, FunctionalOptions options);
  ~FunctionalSession();

  void prepare();
  NumericMode mode() const { return options_.mode; }
  void load(TensorStore& store);
  void execute(size_t kernel, TensorStore& store);
  FunctionalReport finish(TensorStore& store);

 private:
  void set_inputs(uint32_t sample);
  void load_input_file();
  void load_labels();
  std::vector<float> graph_values(int graph_tensor, ProgramExecutor& executor, TensorStore& store) const;

  const Graph& graph_;
  const KernelProgram& program_;
  FunctionalOptions options_;
  TensorMap data_;  // weights and the current sample's inputs
  TensorMap reference0_;
  std::vector<float> calibration_;
  std::vector<OpErrors> ops_;  // PWL-alone errors from prepare(); the datatype's filled as kernels run
  std::vector<bool> scored_;
  // Program tensor -> the (graph tensor, op row) pairs it holds: ops are scored when produced.
  std::map<int, std::vector<std::pair<int, size_t>>> rows_of_tensor_;
  std::unique_ptr<ProgramExecutor> executor_;
  // From inputs_file / labels_file: per sample, the input in IR layout and the labels.
  std::vector<std::vector<float>> file_inputs_;
  std::vector<std::vector<int64_t>> labels_;
  size_t label_output_ = 0;  // the output labels score
  std::string weights_source_;
};

}  // namespace nm::sw
