#pragma once
// A functional run: real tensors through the NeuralMatrix data path, compared with the fp32
// reference executor on the same weights and inputs.
//
// Contract:
//  - Weights: random from `seed` (weights.h), or every constant from an nm_weights/1 file.
//    Inputs of sample s: random_inputs(graph, seed) for s = 0, random_inputs(graph,
//    seed_for(seed, "sample<s>")) after; the calibration input is random_inputs(graph,
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
  uint32_t samples = 1;
  std::string weights_file;  // empty: random weights from seed
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
  ErrorStats first;     // sample 0
  ErrorStats worst;     // over all samples: largest max_abs and rel_l2, smallest cosine
  bool logits = false;  // class scores (logits or their softmax)
  Top1 top1;            // logits only: rows of every sample
};

struct FunctionalReport {
  FunctionalOptions options;
  std::vector<OpErrors> ops;
  std::vector<OutputErrors> outputs;
};

class FunctionalSession {
 public:
  FunctionalSession(const Graph& graph, const KernelProgram& program, FunctionalOptions options);
  ~FunctionalSession();

  void prepare();
  void load(TensorStore& store);
  void execute(size_t kernel, TensorStore& store);
  FunctionalReport finish(TensorStore& store);

 private:
  void set_inputs(uint32_t sample);
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
};

}  // namespace nm::sw
