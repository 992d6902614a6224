#pragma once
// Graph IR: a network as ops on named tensors, before any lowering.
//
// Contract:
//  - Tensor shapes are element counts per dimension (int64, all > 0). Layouts:
//    CNN activations NHWC [N, H, W, C]; conv weights [KH, KW, Cin/groups, Cout];
//    transformer activations [S, H] (batch 1) or per-head [heads, S, d];
//    GCN node features [nodes, features]; adjacency [1, nodes, nodes].
//  - A tensor is `constant` when it is a parameter known before inference (weights, biases,
//    adjacency): it lives in DRAM and is read by the op that uses it.
//  - Ops appear in topological order; op.output is produced by exactly that op.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nm::sw {

using Shape = std::vector<int64_t>;

int64_t element_count(const Shape& shape);
std::string shape_to_string(const Shape& shape);

struct Tensor {
  int id = -1;
  std::string name;
  Shape shape;
  bool constant = false;  // parameter (weights, bias, adjacency): resident in DRAM
  // A sparse constant (a graph adjacency) stores only this many entries; -1 means dense.
  int64_t nonzeros = -1;
  // A constant's values when the workload brings its own (an imported ONNX model's
  // initializers), in this tensor's IR layout; null: functional runs draw or load them.
  std::shared_ptr<const std::vector<float>> values;
  // The layout users give this tensor's values in (--inputs), when it differs from the IR's:
  // IR dim j is user dim layout_perm[j] (an ONNX image input: NCHW given, NHWC stored, so
  // {0, 2, 3, 1}). Empty: the IR layout.
  std::vector<int64_t> layout_perm;
};

enum class OpKind {
  kConv2d,         // inputs: x[N,H,W,Cin], w[KH,KW,Cin/g,Cout] (+ optional bias[Cout]); BN folded in
  kLinear,         // inputs: x[..., in], w[in, out] (+ optional bias[out])
  kMatMul,         // inputs: a[B,M,K] (or [B,K,M] with transpose_a), b[B,K,N] (or [B,N,K] with transpose_b)
  kEmbedding,      // inputs: table[V,H] (constant); attrs.rows = looked-up rows; output [rows, H]
  kRelu,           // unary element-wise
  kLeakyRelu,      // unary element-wise (attrs.alpha)
  kGelu,           // unary element-wise
  kTanh,           // unary element-wise
  kSigmoid,        // unary element-wise
  kAdd,            // binary element-wise, same shapes (residual add, embedding sums)
  kSoftmax,        // over the last axis
  kLayerNorm,      // over the last axis, with gamma/beta constants as inputs 1 and 2; attrs.eps
  kMaxPool2d,      // NHWC, attrs.kernel/stride/pad
  kAvgPool2d,      // NHWC, attrs.kernel/stride/pad
  kGlobalAvgPool,  // NHWC -> [N,1,1,C]
  kReshape,        // view change only (head split/merge, flatten): address generation, no data moved
  // Added for imported models (sw/frontend/onnx_import.h); new kinds go last.
  kSilu,        // unary element-wise x * sigmoid(x)
  kErf,         // unary element-wise
  kExp,         // unary element-wise
  kSqrt,        // unary element-wise
  kReciprocal,  // unary element-wise 1 / x
  kRelu6,       // unary element-wise min(max(x, 0), 6) (ONNX Clip(0, 6))
  kMul,         // binary element-wise; input 1 broadcast (see Broadcast below)
  kAffine,      // unary element-wise y = x * attrs.scale + attrs.shift (scalar constants)
  kReduceMean,  // mean over the last axis: [..., L] -> [..., 1]
  kTranspose,   // data movement: output dim i is input dim attrs.perm[i]
  kConcat,      // data movement: inputs joined along attrs.axis
  kSlice,       // data movement: attrs.start, attrs.step, output's extent along attrs.axis
  // Added for LLM decoders (sw/graph/decoder_builder.cpp).
  kCausalMask,  // x[..., Sq, Sk] -> y: element (i, j) kept when j <= i + Sk - Sq (query i sits at
                // key position i + Sk - Sq), else kCausalMaskValue; one element-wise pass
  // Added for MobileNetV3-style imports (ONNX HardSigmoid, HardSwish).
  kHardSigmoid,  // unary element-wise min(max(x / 6 + 1/2, 0), 1) (PyTorch's; other slopes via affine)
  kHardSwish,    // unary element-wise x * hardsigmoid(x)
};

const char* op_kind_name(OpKind kind);

// LayerNorm's default epsilon (BERT's layer_norm_eps); OpAttrs::eps carries an op's own.
constexpr double kLayerNormEps = 1e-12;

// What kCausalMask writes at a future position in the fp32 reference: far below the exp PWL
// domain's lower end (-8), so softmax gives such a key a weight of exactly 0 (exp(-1e4)
// underflows to 0). The data path writes its "no value" code instead (int8 -128, -inf in fp16
// and fp32; sw/functional/program_executor.h), which quantization never confuses with a score.
constexpr float kCausalMaskValue = -1.0e4f;

struct OpAttrs {
  // Conv2d / pools
  int64_t kernel_h = 1, kernel_w = 1, stride = 1, pad = 0, groups = 1;
  // MatMul
  bool transpose_a = false;
  bool transpose_b = false;
  // LeakyRelu
  double alpha = 0.01;
  // Embedding: number of rows looked up
  int64_t rows = 0;
  // LayerNorm epsilon (the exporter's; BERT's by default)
  double eps = kLayerNormEps;
  // Affine
  double scale = 1.0, shift = 0.0;
  // Transpose
  std::vector<int64_t> perm;
  // Concat / Slice; start is also a position lookup's first position (an embedding without ids:
  // a decode step's token sits after the cached ones)
  int64_t axis = 0, start = 0, step = 1;
  // Concat: a KV-cache append. Input 0 (the cache, DRAM resident) is the output's storage, so
  // only input 1's rows are written (the lowering moves those elements, not the whole cache).
  bool append = false;
};

// How kAdd and kMul read input 1 when its shape differs from input 0's: viewing input 0 as
// [outer, mid, inner] (contiguous), input 1 holds [outer, inner] and is repeated over mid.
// Equal shapes are mid = 1. Anything else is not a broadcast the element-wise kernel addresses.
struct Broadcast {
  int64_t outer = 1, mid = 1, inner = 1;
};
// Input 1's broadcast over input 0 for a binary element-wise op; false when shapes do not fit
// the [outer, 1, inner] pattern (numpy rules, input 1 right-aligned).
bool broadcast_pattern(const Shape& a, const Shape& b, Broadcast& out);

struct Op {
  OpKind kind{};
  std::string name;         // unique, e.g. "layer1.0.conv1", "encoder.3.attention.scores"
  std::string layer;        // the network layer it belongs to, e.g. "layer1.0", "encoder.3"
  std::vector<int> inputs;  // tensor ids; activations first, then constants
  int output = -1;          // tensor id
  OpAttrs attrs;
};

class Graph {
 public:
  explicit Graph(std::string name = "") : name_(std::move(name)) {}

  const std::string& name() const { return name_; }
  // Inferences one run of the graph performs (a batch of images or sequences); 1 by default.
  int64_t batch() const { return batch_; }
  void set_batch(int64_t batch) { batch_ = batch; }
  int add_tensor(const std::string& name, Shape shape, bool constant = false);
  // Appends an op; the output tensor must already exist. Returns the op index.
  int add_op(Op op);

  const Tensor& tensor(int id) const { return tensors_.at(static_cast<size_t>(id)); }
  const std::vector<Tensor>& tensors() const { return tensors_; }
  const std::vector<Op>& ops() const { return ops_; }
  const std::vector<int>& inputs() const { return inputs_; }
  const std::vector<int>& outputs() const { return outputs_; }
  void mark_input(int tensor_id) { inputs_.push_back(tensor_id); }
  void mark_output(int tensor_id) { outputs_.push_back(tensor_id); }

  // Marks a constant as sparse with `nonzeros` stored entries (CSR in DRAM).
  void set_nonzeros(int tensor_id, int64_t nonzeros);
  // Gives a constant its own values (element_count(shape) of them, in its IR layout).
  void set_values(int tensor_id, std::shared_ptr<const std::vector<float>> values);
  void set_layout_perm(int tensor_id, std::vector<int64_t> perm);
  // Appends an input to an existing op (a bias folded in after the op was added).
  void add_op_input(size_t op_index, int tensor_id);

  // Sum of element counts of constant tensors (parameter count); sparse ones count their entries.
  int64_t parameter_count() const;

 private:
  std::string name_;
  int64_t batch_ = 1;
  std::vector<Tensor> tensors_;
  std::vector<Op> ops_;
  std::vector<int> inputs_;
  std::vector<int> outputs_;
};

}  // namespace nm::sw
