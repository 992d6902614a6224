#pragma once
// Functional execution of a lowered KernelProgram: the numbers the NeuralMatrix data path
// produces, kernel by kernel, from the same kernels the cost model times (each LoweredKernel's
// KernelSemantics says what it computes), so softmax, layernorm and every PWL op run exactly as
// the lowering decomposed them.
//
// Number formats (NumericMode):
//  - int8: every operand tensor is int8, symmetric per tensor (sw/functional/numerics.h):
//    q = round_half_even(x / s) saturated to [-127, 127], s = max|x| / 127. Constants take s from
//    their own values; activations from `max_abs` (calibration: the fp32 mode's observed max|x|
//    of every tensor on a calibration input, see functional_run.h). Two exceptions keep data
//    movement exact: a DMA gather's output and a pairwise max's output reuse their input's scale.
//    -128 is free in a symmetric format and marks "no value" (-inf in fp16 and fp32): a pooling
//    window's padding, which never wins a max, and a causal mask's future keys, which the
//    softmax's exp table sends to exactly 0 (a PWL's lowest piece: its level when flat).
//    GEMMs (network GEMMs, row reductions, global average pooling, SpMM): int8 x int8 products
//    accumulated exactly in int32; the bias (int8, its own scale) or the reduction's preset is
//    converted once to the accumulator scale s_a * s_b (round half away from zero) and preset in
//    the accumulators; the result is requantized to the output's scale with a fixed-point
//    multiplier (make_requantizer / requantize: round half away from zero, saturate).
//    Element-wise kernels: the result is computed from the stored operands and table entries
//    without intermediate rounding (an int32 accumulator's view) and quantized once to the output.
//  - fp16: every tensor is IEEE binary16 (round to nearest even). GEMMs accumulate in fp32 over k
//    (gemm_f32.h's order) and round once to fp16; element-wise kernels compute in double from the
//    fp16 operands and round once.
//  - fp32: tensors are fp32; the PWL approximation is the only approximation (and the mode
//    calibration runs in).
// PWL tables (K and B per segment) are held in the datatype: int8 per table (one scale for K, one
// for B), fp16 rounded, fp32 as fitted. Segment indices are 1 byte per element, so a table may
// have at most 256 segments. LayerNorm's gamma and beta are per-column kernel parameters in the
// datatype, like the tables.
//
// Storage: every program tensor lives in a TensorStore as the bytes the accelerator stores:
// int8, fp16 bits or fp32 per element (little endian), segment indices 1 byte, a sparse constant
// as CSR (row_ptr: rows + 1 uint32, then col: nnz uint32, then nnz values), i.e. exactly
// tensor_bytes() of kernel_program.h for int8 and fp16.
//
// Errors: nm::InputError for semantics the PWL tables cannot express (leaky_relu alpha other
// than the table's 0.01, a table of more than 256 segments) or data the store does not hold.
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "sw/functional/tensor_data.h"
#include "sw/graph/graph.h"
#include "sw/lowering/kernel_program.h"
#include "sw/pwl/pwl_fit.h"

namespace nm::sw {

enum class NumericMode { kFp32, kFp16, kInt8 };
const char* numeric_mode_name(NumericMode mode);
NumericMode numeric_mode_for(hw::DataType type);

// Bytes of a program tensor in `mode` (tensor_bytes() for int8/fp16, 4 B per value for fp32).
uint64_t stored_bytes(const ProgramTensor& tensor, NumericMode mode);

// Where program tensors' bytes live: the host's memory, or the accelerator's DRAM and L2 models.
class TensorStore {
 public:
  virtual ~TensorStore() = default;
  virtual void write(int tensor, const std::vector<uint8_t>& bytes) = 0;
  // The bytes last written for `tensor`.
  virtual std::vector<uint8_t> read(int tensor) = 0;
};

class HostTensorStore : public TensorStore {
 public:
  void write(int tensor, const std::vector<uint8_t>& bytes) override;
  std::vector<uint8_t> read(int tensor) override;

 private:
  std::map<int, std::vector<uint8_t>> data_;
};

struct PwlTableOptions {
  PwlMethod method = PwlMethod::kUniform;
  double granularity = 0.25;
};

class ProgramExecutor {
 public:
  // `max_abs`: per program tensor, the calibrated max |value| (int8 activations only; may be
  // empty in the other modes).
  ProgramExecutor(const Graph& graph, const KernelProgram& program, NumericMode mode, PwlTableOptions pwl,
                  std::vector<float> max_abs = {});
  ~ProgramExecutor();

  // Writes every constant and graph input some kernel reads into `store` (token ids stay with the
  // host: the gather's address generation reads them). weights_and_inputs: as run_reference's.
  void load(const TensorMap& weights_and_inputs, TensorStore& store);
  // After load(): replaces the graph inputs (a new sample) and keeps the constants in place.
  void load_inputs(const TensorMap& inputs, TensorStore& store);
  // Runs kernel `index` (kernels must run in program order).
  void execute(size_t index, TensorStore& store);
  void execute_all(TensorStore& store);

  // The values of a program tensor (dequantized; -inf where int8 holds the no-value mark).
  std::vector<float> values(int tensor, TensorStore& store) const;
  // Max |finite value| of every program tensor written so far (0 if none): calibration data.
  const std::vector<float>& observed_max_abs() const { return observed_; }
  NumericMode mode() const { return mode_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  NumericMode mode_;
  std::vector<float> observed_;
};

}  // namespace nm::sw
