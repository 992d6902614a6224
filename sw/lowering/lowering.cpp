// Graph -> KernelProgram: the NeuralMatrix lowering rules, each written down where it happens.
#include <algorithm>
#include <stdexcept>

#include "sw/lowering/kernel_program.h"
#include "sw/pwl/pwl_overhead.h"
#include "sw/pwl/pwl_spec.h"

namespace nm::sw {

using hw::KernelDesc;
using hw::KernelKind;

uint64_t KernelProgram::network_macs() const {
  uint64_t macs = 0;
  for (const LoweredKernel& k : kernels) {
    if (k.desc.network_linear) macs += k.desc.macs() - k.desc.epilogue_macs();
  }
  return macs;
}

int KernelProgram::written_output(const LoweredKernel& k) const {
  return k.epilogue.empty() ? k.output : kernels[static_cast<size_t>(k.epilogue.back())].output;
}

std::vector<int> KernelProgram::reads(const LoweredKernel& k) const {
  std::vector<int> r = k.streams;
  if (k.b_operand >= 0) r.push_back(k.b_operand);
  r.insert(r.end(), k.b_extras.begin(), k.b_extras.end());
  std::vector<int> produced = {k.output};
  for (int e : k.epilogue) {
    const LoweredKernel& f = kernels[static_cast<size_t>(e)];
    for (int s : f.streams) {
      if (std::find(produced.begin(), produced.end(), s) == produced.end()) r.push_back(s);
    }
    produced.push_back(f.output);
  }
  return r;
}

std::vector<std::vector<int>> tensor_readers(const KernelProgram& p) {
  std::vector<std::vector<int>> readers(p.tensors.size());
  for (size_t i = 0; i < p.kernels.size(); ++i) {
    const LoweredKernel& k = p.kernels[i];
    for (int s : k.streams) readers[static_cast<size_t>(s)].push_back(static_cast<int>(i));
    if (k.b_operand >= 0) readers[static_cast<size_t>(k.b_operand)].push_back(static_cast<int>(i));
    for (int e : k.b_extras) readers[static_cast<size_t>(e)].push_back(static_cast<int>(i));
  }
  return readers;
}

uint64_t tensor_bytes(const ProgramTensor& t, hw::DataType type) {
  if (t.nonzeros >= 0)
    return static_cast<uint64_t>(t.nonzeros) * (hw::operand_bytes(type) + 4) + (t.rows + 1) * 4;
  return t.elements * (t.index ? 1 : hw::operand_bytes(type));
}

namespace {

class Lowerer {
 public:
  Lowerer(const Graph& graph, const LoweringOptions& options) : graph_(graph), options_(options) {
    program_.workload = graph.name();
    program_.batch = graph.batch();
    tensor_map_.assign(graph.tensors().size(), -1);
  }

  KernelProgram run() {
    for (int id : graph_.inputs()) program_.tensors[static_cast<size_t>(mapped(id))].pinned_dram = true;
    for (size_t i = 0; i < graph_.ops().size(); ++i) {
      current_op_ = static_cast<int>(i);
      lower_op(graph_.ops()[i]);
    }
    for (int id : graph_.outputs()) program_.tensors[static_cast<size_t>(mapped(id))].pinned_dram = true;
    program_.graph_tensor = tensor_map_;
    return std::move(program_);
  }

 private:
  // Program tensor for a graph tensor, created on first use.
  int mapped(int graph_id) {
    int& slot = tensor_map_.at(static_cast<size_t>(graph_id));
    if (slot < 0) {
      const Tensor& t = graph_.tensor(graph_id);
      slot = new_tensor(t.name, static_cast<uint64_t>(element_count(t.shape)), t.constant);
      if (t.nonzeros >= 0) {
        program_.tensors[static_cast<size_t>(slot)].nonzeros = t.nonzeros;
        program_.tensors[static_cast<size_t>(slot)].rows = static_cast<uint64_t>(t.shape[t.shape.size() - 2]);
      }
    }
    return slot;
  }

  int new_tensor(const std::string& name, uint64_t elements, bool constant = false, bool index = false) {
    ProgramTensor t;
    t.name = name;
    t.elements = elements;
    t.constant = constant;
    t.index = index;
    program_.tensors.push_back(t);
    return static_cast<int>(program_.tensors.size()) - 1;
  }

  uint64_t elements_of(int graph_id) const {
    return static_cast<uint64_t>(element_count(graph_.tensor(graph_id).shape));
  }
  const Shape& shape_of(int graph_id) const { return graph_.tensor(graph_id).shape; }
  uint32_t operand_bytes() const { return hw::operand_bytes(options_.datatype); }

  KernelDesc base_desc(const Op& op, const std::string& suffix, KernelKind kind) const {
    KernelDesc d;
    d.name = suffix.empty() ? op.name : op.name + "." + suffix;
    d.layer = op.layer;
    d.kind = kind;
    return d;
  }

  KernelSemantics semantics(KernelOp op) const {
    KernelSemantics s;
    s.op = op;
    s.graph_op = current_op_;
    return s;
  }

  void add_gemm(KernelDesc d, KernelSemantics sem, int a, int b, std::vector<int> extras, int out) {
    LoweredKernel k;
    k.desc = std::move(d);
    k.semantics = sem;
    k.streams = {a};
    k.b_operand = b;
    k.b_extras = std::move(extras);
    k.output = out;
    program_.kernels.push_back(std::move(k));
  }

  // Element-wise kernel over `elements`: streams are operand tensors (index tensors included).
  void add_elementwise(KernelDesc d, KernelSemantics sem, uint64_t elements, std::vector<int> streams,
                       uint32_t macs, uint64_t table_bytes, int out) {
    d.m = elements;
    d.n = 1;
    d.k = 1;
    d.macs_per_element = macs;
    d.table_bytes = table_bytes;
    d.input_streams = 0;
    d.index_input = 0;
    for (int s : streams) {
      if (program_.tensors[static_cast<size_t>(s)].index) {
        d.index_input += 1;
      } else {
        d.input_streams += 1;
      }
    }
    d.index_output = program_.tensors[static_cast<size_t>(out)].index;
    LoweredKernel k;
    k.desc = std::move(d);
    k.semantics = sem;
    k.streams = std::move(streams);
    k.output = out;
    program_.kernels.push_back(std::move(k));
  }

  // The paper's three PWL steps: (1) segment index S = clamp(floor(x / g - lo / g)) by one MAC
  // and the output quantizer; (2) gather slope K and intercept B from the table in L1;
  // (3) Y = X * K + B. Range-reduced functions spend one more MAC applying the exponent.
  int pwl_unary(const Op& op, const std::string& stem, PwlFunction f, int x, uint64_t elements,
                int out = -1) {
    const PwlSpec& spec = pwl_spec(f);
    const std::string prefix = stem.empty() ? std::string() : stem + ".";
    const int index = new_tensor(op.name + "." + prefix + spec.name + ".segment", elements, false, true);
    KernelSemantics sem = semantics(KernelOp::kSegmentIndex);
    sem.function = f;
    add_elementwise(base_desc(op, prefix + spec.name + ".segment_index", KernelKind::kSegmentIndex), sem,
                    elements, {x}, 1, 0, index);
    if (out < 0) out = new_tensor(op.name + "." + prefix + spec.name, elements);
    sem.op = KernelOp::kPwl;
    add_elementwise(base_desc(op, prefix + spec.name + ".pwl", KernelKind::kElementwise), sem, elements,
                    {x, index}, spec.range_reduced ? 2 : 1,
                    pwl_table_bytes(f, options_.pwl_granularity, operand_bytes()), out);
    return out;
  }

  // max(a, b) = b + relu(a - b): the segment index of a - b (1 MAC), then y = b + K * (a - b)
  // with K in {0, 1} gathered from the 2-segment relu table (2 MACs).
  // `sem` says how a and b are addressed (KernelSemantics::view).
  int pairwise_max(const Op& op, const std::string& stem, KernelSemantics sem, int a, int b,
                   uint64_t elements) {
    const int index = new_tensor(op.name + "." + stem + ".segment", elements, false, true);
    sem.op = KernelOp::kMaxSegment;
    add_elementwise(base_desc(op, stem + ".segment_index", KernelKind::kSegmentIndex), sem, elements, {a, b},
                    1, 0, index);
    const int out = new_tensor(op.name + "." + stem, elements);
    sem.op = KernelOp::kMax;
    add_elementwise(base_desc(op, stem + ".pwl", KernelKind::kElementwise), sem, elements, {a, b, index}, 2,
                    pwl_table_bytes(PwlFunction::kMax, options_.pwl_granularity, operand_bytes()), out);
    return out;
  }

  // Row reduction as a GEMM with a ones (or 1/L) vector: [rows x len] x [len x 1].
  // Every vector entry is `value`; `preset` initialises the accumulators (like a bias).
  int row_reduce(const Op& op, const std::string& stem, int x, uint64_t rows, uint64_t len, double value,
                 double preset = 0) {
    KernelDesc d = base_desc(op, stem, KernelKind::kGemm);
    KernelSemantics sem = semantics(KernelOp::kRowReduce);
    sem.row_len = len;
    sem.vector_value = value;
    sem.preset = preset;
    d.m = rows;
    d.k = len;
    d.n = 1;
    const int ones = new_tensor(op.name + "." + stem + ".ones", len, true);
    const int out = new_tensor(op.name + "." + stem, rows);
    add_gemm(std::move(d), sem, x, ones, {}, out);
    return out;
  }

  void lower_op(const Op& op) {
    PwlFunction unary{};
    if (unary_pwl_function(op.kind, unary)) {
      pwl_unary(op, "", unary, mapped(op.inputs.at(0)), elements_of(op.output), mapped(op.output));
      return;
    }
    switch (op.kind) {
      case OpKind::kConv2d:
        return lower_conv(op);
      case OpKind::kLinear:
        return lower_linear(op);
      case OpKind::kMatMul:
        return lower_matmul(op);
      case OpKind::kEmbedding:
        return lower_embedding(op);
      case OpKind::kAdd:
      case OpKind::kMul:
        return lower_binary(op);
      case OpKind::kAffine:
        // y = x * K + B with one K and B for the whole tensor: the element-wise kernel itself.
        add_elementwise(base_desc(op, "", KernelKind::kElementwise), semantics(KernelOp::kAffine),
                        elements_of(op.output), {mapped(op.inputs.at(0))}, 1, 0, mapped(op.output));
        return;
      case OpKind::kReduceMean: {
        const uint64_t len = static_cast<uint64_t>(shape_of(op.inputs.at(0)).back());
        const uint64_t rows = elements_of(op.inputs.at(0)) / len;
        tensor_map_.at(static_cast<size_t>(op.output)) =
            row_reduce(op, "mean", mapped(op.inputs.at(0)), rows, len, 1.0 / static_cast<double>(len));
        return;
      }
      case OpKind::kConcat:
        if (op.attrs.append) return lower_append(op);
        [[fallthrough]];
      case OpKind::kTranspose:
      case OpKind::kSlice:
      case OpKind::kCausalMask: {
        // (kCausalMask: the same pass with B = 0 or kCausalMaskValue chosen by the address
        // generator from the element's row and column; no mask tensor is stored or read.)
        // Data movement through the element-wise datapath: every output element is read from its
        // source address and written once (Y = X * 1 + 0). A compiler that folded the permutation
        // into its consumer's DMA addressing would save this pass.
        std::vector<int> streams;
        for (int in : op.inputs) streams.push_back(mapped(in));
        add_elementwise(base_desc(op, "", KernelKind::kElementwise), semantics(KernelOp::kDataMove),
                        elements_of(op.output), std::move(streams), 1, 0, mapped(op.output));
        return;
      }
      case OpKind::kSoftmax:
        return lower_softmax(op);
      case OpKind::kLayerNorm:
        return lower_layernorm(op);
      case OpKind::kMaxPool2d:
        return lower_maxpool(op);
      case OpKind::kAvgPool2d:
        return lower_avgpool(op);
      case OpKind::kGlobalAvgPool:
        return lower_global_avgpool(op);
      case OpKind::kReshape:
        // A view change: the output is the input's storage read with other addresses.
        tensor_map_.at(static_cast<size_t>(op.output)) = mapped(op.inputs.at(0));
        return;
    }
    throw std::logic_error("lowering: unhandled op kind");
  }

  // KV-cache append: the cache (input 0) already sits in DRAM where the output lives, so the
  // kernel moves only the new rows (input 1) into their slots; the output tensor is the cache
  // and stays in DRAM for the attention GEMMs that read it whole. The cache stream is listed for
  // functional execution; it moves no data (its DRAM read is not counted).
  void lower_append(const Op& op) {
    const int out = mapped(op.output);
    program_.tensors[static_cast<size_t>(out)].pinned_dram = true;
    add_elementwise(base_desc(op, "", KernelKind::kElementwise), semantics(KernelOp::kDataMove),
                    elements_of(op.inputs.at(1)), {mapped(op.inputs.at(0)), mapped(op.inputs.at(1))}, 1, 0,
                    out);
    program_.kernels.back().semantics.append = true;
  }

  // Add and Mul: y = a * 1 + b and y = a * b + 0, one MAC per element. A broadcast operand
  // (a per-channel scale, a squeeze-excite gate) repeats over the middle of a's elements.
  void lower_binary(const Op& op) {
    Broadcast bc;
    if (!broadcast_pattern(shape_of(op.inputs.at(0)), shape_of(op.inputs.at(1)), bc)) {
      throw std::logic_error("lowering: op " + op.name + " broadcasts " +
                             shape_to_string(shape_of(op.inputs.at(1))) + " over " +
                             shape_to_string(shape_of(op.inputs.at(0))) + " outside [outer, 1, inner]");
    }
    const bool same = elements_of(op.inputs.at(0)) == elements_of(op.inputs.at(1));
    KernelSemantics sem = semantics(op.kind == OpKind::kMul ? KernelOp::kMul
                                    : same                  ? KernelOp::kAdd
                                                            : KernelOp::kAddBroadcast);
    sem.broadcast = bc;
    add_elementwise(base_desc(op, "", KernelKind::kElementwise), sem, elements_of(op.output),
                    {mapped(op.inputs.at(0)), mapped(op.inputs.at(1))}, 1, 0, mapped(op.output));
  }

  // Conv2d -> GEMM: M = N*Ho*Wo output pixels, K = KH*KW*Cin/g, N = Cout/g, one GEMM per group.
  // im2col is address generation on the L2 -> L1 path, so A's DRAM bytes are the feature map's.
  void lower_conv(const Op& op) {
    const Shape& w = shape_of(op.inputs.at(1));
    const Shape& y = shape_of(op.output);
    const auto groups = static_cast<uint64_t>(op.attrs.groups);
    KernelDesc d = base_desc(op, "", KernelKind::kGemm);
    d.batch = groups;
    d.m = static_cast<uint64_t>(y[0] * y[1] * y[2]);
    d.n = static_cast<uint64_t>(y[3]) / groups;
    d.k = static_cast<uint64_t>(w[0] * w[1] * w[2]);
    d.b_per_batch = groups > 1;
    d.network_linear = true;
    std::vector<int> extras;
    for (size_t i = 2; i < op.inputs.size(); ++i) extras.push_back(mapped(op.inputs[i]));
    add_gemm(std::move(d), semantics(KernelOp::kNetworkGemm), mapped(op.inputs.at(0)),
             mapped(op.inputs.at(1)), std::move(extras), mapped(op.output));
    const Shape& x = shape_of(op.inputs.at(0));
    const uint64_t used = static_cast<uint64_t>(x[0] * x[3]) *
                          touched_positions(x[1], y[1], op.attrs.kernel_h, op.attrs.stride, op.attrs.pad) *
                          touched_positions(x[2], y[2], op.attrs.kernel_w, op.attrs.stride, op.attrs.pad);
    if (used < elements_of(op.inputs.at(0))) program_.kernels.back().a_used_elements = used;
  }

  // Input positions along one axis that some window reads: output o reads o*stride - pad + [0, window).
  static uint64_t touched_positions(int64_t in, int64_t out, int64_t window, int64_t stride, int64_t pad) {
    std::vector<char> touched(static_cast<size_t>(in), 0);
    for (int64_t o = 0; o < out; ++o) {
      for (int64_t w = 0; w < window; ++w) {
        const int64_t at = o * stride - pad + w;
        if (at >= 0 && at < in) touched[static_cast<size_t>(at)] = 1;
      }
    }
    return static_cast<uint64_t>(std::count(touched.begin(), touched.end(), 1));
  }

  // Linear -> GEMM: M = rows, K = in, N = out; the bias initialises the accumulators.
  void lower_linear(const Op& op) {
    const Shape& w = shape_of(op.inputs.at(1));
    KernelDesc d = base_desc(op, "", KernelKind::kGemm);
    d.k = static_cast<uint64_t>(w[0]);
    d.n = static_cast<uint64_t>(w[1]);
    d.m = elements_of(op.inputs.at(0)) / d.k;
    d.network_linear = true;
    std::vector<int> extras;
    for (size_t i = 2; i < op.inputs.size(); ++i) extras.push_back(mapped(op.inputs[i]));
    add_gemm(std::move(d), semantics(KernelOp::kNetworkGemm), mapped(op.inputs.at(0)),
             mapped(op.inputs.at(1)), std::move(extras), mapped(op.output));
  }

  // MatMul -> batched GEMM (attention: one GEMM per head; GCN: A_hat x H). Transposes are
  // address generation.
  void lower_matmul(const Op& op) {
    const Shape& a = shape_of(op.inputs.at(0));
    const Shape& b = shape_of(op.inputs.at(1));
    const Shape& y = shape_of(op.output);
    KernelDesc d = base_desc(op, "", KernelKind::kGemm);
    d.batch = static_cast<uint64_t>(y[0]);
    d.m = static_cast<uint64_t>(y[1]);
    d.n = static_cast<uint64_t>(y[2]);
    d.k = static_cast<uint64_t>(op.attrs.transpose_a ? a[1] : a[2]);
    d.b_per_batch = b[0] > 1;
    d.network_linear = true;
    // A sparse A (a graph adjacency) multiplies without touching its zeros: SpMM, nnz x n MACs.
    const Tensor& a_tensor = graph_.tensor(op.inputs.at(0));
    if (a_tensor.nonzeros >= 0 && d.batch == 1 && !op.attrs.transpose_a) {
      d.kind = KernelKind::kSpmm;
      d.nnz = static_cast<uint64_t>(a_tensor.nonzeros);
    }
    add_gemm(std::move(d), semantics(KernelOp::kNetworkGemm), mapped(op.inputs.at(0)),
             mapped(op.inputs.at(1)), {}, mapped(op.output));
  }

  // Embedding lookup: the DMA gathers the looked-up rows from the table in DRAM into L2.
  void lower_embedding(const Op& op) {
    LoweredKernel k;
    k.desc = base_desc(op, "gather", KernelKind::kDma);
    k.semantics = semantics(KernelOp::kGather);
    const Shape& y = shape_of(op.output);
    k.desc.m = static_cast<uint64_t>(y[0]);
    k.desc.n = static_cast<uint64_t>(element_count(y)) / k.desc.m;
    k.streams = {mapped(op.inputs.back())};
    k.output = mapped(op.output);
    program_.kernels.push_back(std::move(k));
  }

  // Softmax over rows of length L: max subtraction by a pairwise max tree, exp by PWL, the row
  // sum as a GEMM with a ones vector, the reciprocal by range-reduced PWL, then a multiply.
  void lower_softmax(const Op& op) {
    const int x = mapped(op.inputs.at(0));
    const uint64_t len = static_cast<uint64_t>(shape_of(op.output).back());
    const uint64_t total = elements_of(op.output);
    const uint64_t rows = total / len;
    int cur = x;
    uint64_t cur_len = len;
    for (int pass = 0; cur_len > 1; ++pass) {
      const uint64_t pairs = cur_len / 2;  // an odd leftover passes through by addressing
      KernelSemantics tree = semantics(KernelOp::kMax);
      tree.view = OperandView::kTreePairs;
      tree.tree_len = cur_len;
      const int reduced = pairwise_max(op, "max" + std::to_string(pass), tree, cur, cur, rows * pairs);
      program_.tensors[static_cast<size_t>(reduced)].elements = rows * (cur_len - pairs);
      cur = reduced;
      cur_len -= pairs;
    }
    const int shifted = new_tensor(op.name + ".shifted", total);
    KernelSemantics row_op = semantics(KernelOp::kSubRow);
    row_op.row_len = len;
    add_elementwise(base_desc(op, "sub_max", KernelKind::kElementwise), row_op, total, {x, cur}, 1, 0,
                    shifted);
    const int e = pwl_unary(op, "", PwlFunction::kExp, shifted, total);
    const int sum = row_reduce(op, "row_sum", e, rows, len, 1.0);
    const int inv = pwl_unary(op, "", PwlFunction::kReciprocal, sum, rows);
    row_op.op = KernelOp::kMulRow;
    add_elementwise(base_desc(op, "normalize", KernelKind::kElementwise), row_op, total, {e, inv}, 1, 0,
                    mapped(op.output));
  }

  // LayerNorm over rows of length L: mean and variance as GEMMs with a 1/L vector, rsqrt by
  // range-reduced PWL (epsilon is the variance GEMM's accumulator preset, like a bias, so it is
  // added before the range reduction), then y = d * r * gamma + beta with gamma and beta in L1,
  // split across each cluster's PEs by column.
  void lower_layernorm(const Op& op) {
    const int x = mapped(op.inputs.at(0));
    const uint64_t len = static_cast<uint64_t>(shape_of(op.output).back());
    const uint64_t total = elements_of(op.output);
    const uint64_t rows = total / len;
    const double inv_len = 1.0 / static_cast<double>(len);
    const int mean = row_reduce(op, "mean", x, rows, len, inv_len);
    const int centered = new_tensor(op.name + ".centered", total);
    KernelSemantics row_op = semantics(KernelOp::kSubRow);
    row_op.row_len = len;
    add_elementwise(base_desc(op, "center", KernelKind::kElementwise), row_op, total, {x, mean}, 1, 0,
                    centered);
    const int squared = new_tensor(op.name + ".squared", total);
    add_elementwise(base_desc(op, "square", KernelKind::kElementwise), semantics(KernelOp::kSquare), total,
                    {centered}, 1, 0, squared);
    const int var = row_reduce(op, "variance", squared, rows, len, inv_len, op.attrs.eps);
    const int inv_std = pwl_unary(op, "", PwlFunction::kRsqrt, var, rows);
    const uint64_t affine_bytes = 2 * len * operand_bytes();
    row_op.op = KernelOp::kScaleShift;
    add_elementwise(base_desc(op, "scale_shift", KernelKind::kElementwise), row_op, total,
                    {centered, inv_std}, 2, affine_bytes, mapped(op.output));
    // Gamma and beta are per-column: each PE keeps only the columns it processes.
    program_.kernels.back().desc.table_columns = len;
  }

  // Max pooling: a window of KH*KW values takes KH*KW - 1 pairwise maxima per output element.
  void lower_maxpool(const Op& op) {
    const int x = mapped(op.inputs.at(0));
    const uint64_t out_elements = elements_of(op.output);
    const int64_t window = op.attrs.kernel_h * op.attrs.kernel_w;
    int cur = x;
    for (int64_t i = 1; i < window; ++i) {
      KernelSemantics sem = semantics(KernelOp::kMax);
      sem.view = OperandView::kPoolWindow;
      sem.window = i;
      sem.first = i == 1;
      const int next = pairwise_max(op, "max" + std::to_string(i), sem, cur, x, out_elements);
      cur = next;
    }
    // The last maximum is the pooled output.
    tensor_map_.at(static_cast<size_t>(op.output)) = cur;
  }

  // Average pooling: KH*KW - 1 adds per output element; the last also scales by 1/(KH*KW).
  void lower_avgpool(const Op& op) {
    const int x = mapped(op.inputs.at(0));
    const uint64_t out_elements = elements_of(op.output);
    const int64_t window = op.attrs.kernel_h * op.attrs.kernel_w;
    int cur = x;
    for (int64_t i = 1; i < window; ++i) {
      const bool last = i + 1 == window;
      const int next =
          last ? mapped(op.output) : new_tensor(op.name + ".sum" + std::to_string(i), out_elements);
      KernelSemantics sem = semantics(KernelOp::kPoolSum);
      sem.view = OperandView::kPoolWindow;
      sem.window = i;
      sem.first = i == 1;
      sem.last = last;
      add_elementwise(base_desc(op, "sum" + std::to_string(i), KernelKind::kElementwise), sem, out_elements,
                      {cur, x}, last ? 2 : 1, 0, next);
      cur = next;
    }
  }

  // Global average pooling: per image, [1 x HW] (1/HW vector) x [HW x C] activations.
  void lower_global_avgpool(const Op& op) {
    const Shape& x = shape_of(op.inputs.at(0));
    KernelDesc d = base_desc(op, "", KernelKind::kGemm);
    d.batch = static_cast<uint64_t>(x[0]);
    d.m = 1;
    d.k = static_cast<uint64_t>(x[1] * x[2]);
    d.n = static_cast<uint64_t>(x[3]);
    d.b_per_batch = x[0] > 1;
    // A is the constant averaging vector; B is the activation.
    const int avg = new_tensor(op.name + ".average", d.k, true);
    add_gemm(std::move(d), semantics(KernelOp::kGlobalAvgPool), avg, mapped(op.inputs.at(0)), {},
             mapped(op.output));
  }

  const Graph& graph_;
  LoweringOptions options_;
  KernelProgram program_;
  std::vector<int> tensor_map_;
  int current_op_ = -1;
};

}  // namespace

KernelProgram lower_graph(const Graph& graph, const LoweringOptions& options) {
  return Lowerer(graph, options).run();
}

namespace {

// Addresses in the L2 activation region, decided offline as a compiler does once every
// lifetime is known (greedy by size, as TensorFlow Lite's arena planner): largest tensor first,
// each at the lowest offset that overlaps no placed tensor whose lifetime [produced, released]
// intersects its own. The byte-count admission above guarantees the live bytes fit, not that a
// contiguous place exists; a tensor that finds none spills to DRAM (none does for the built-in
// workloads on the default config).
void place_on_chip_tensors(KernelProgram& program, const std::vector<int>& produced,
                           const std::vector<int>& released, hw::DataType type, uint64_t capacity) {
  struct Block {
    size_t tensor;
    int from, to;
    uint64_t bytes;
  };
  std::vector<Block> blocks;
  for (size_t t = 0; t < program.tensors.size(); ++t) {
    if (!program.tensors[t].on_chip) continue;
    blocks.push_back({t, produced[t], -2 - released[t], tensor_bytes(program.tensors[t], type)});
  }
  std::stable_sort(blocks.begin(), blocks.end(),
                   [](const Block& a, const Block& b) { return a.bytes > b.bytes; });
  std::vector<std::pair<uint64_t, const Block*>> placed;  // by offset
  for (const Block& b : blocks) {
    uint64_t offset = 0;
    for (const auto& [at, other] : placed) {  // ascending offsets: slide past every conflict
      const bool lifetimes_meet = other->from <= b.to && b.from <= other->to;
      if (lifetimes_meet && at < offset + b.bytes && offset < at + other->bytes) offset = at + other->bytes;
    }
    ProgramTensor& t = program.tensors[b.tensor];
    if (offset + b.bytes > capacity) {
      t.on_chip = false;
      continue;
    }
    t.l2_address = offset;
    placed.insert(std::upper_bound(placed.begin(), placed.end(), std::make_pair(offset, &b),
                                   [](const auto& x, const auto& y) { return x.first < y.first; }),
                  {offset, &b});
  }
}

}  // namespace

void plan_residency(KernelProgram& program, const hw::ArchConfig& arch) {
  const hw::DataType type = arch.datatype;
  // Positions are kernel indices; fused kernels are never issued, their host reads and writes
  // for them (KernelProgram::reads / written_output).
  std::vector<int> last_use(program.tensors.size(), -1);
  for (size_t i = 0; i < program.kernels.size(); ++i) {
    const LoweredKernel& k = program.kernels[i];
    if (!k.issued()) continue;
    for (int r : program.reads(k)) last_use[static_cast<size_t>(r)] = static_cast<int>(i);
  }
  for (ProgramTensor& t : program.tensors) {
    t.on_chip = false;
    t.l2_address = 0;
  }

  // Greedy in execution order: a produced activation stays in the L2 activation region when it
  // fits beside the activations still live; otherwise it spills to DRAM.
  const uint64_t capacity = arch.l2_activation_bytes();
  uint64_t live_bytes = 0;
  std::vector<int> produced(program.tensors.size(), -1);
  for (size_t i = 0; i < program.kernels.size(); ++i) {
    const LoweredKernel& k = program.kernels[i];
    if (!k.issued()) continue;
    const int written = program.written_output(k);
    ProgramTensor& out = program.tensors[static_cast<size_t>(written)];
    const uint64_t out_bytes = tensor_bytes(out, type);
    if (!out.constant && !out.pinned_dram && !out.on_chip && live_bytes + out_bytes <= capacity) {
      out.on_chip = true;
      live_bytes += out_bytes;
      produced[static_cast<size_t>(written)] = static_cast<int>(i);
    }
    auto release = [&](int id) {
      ProgramTensor& t = program.tensors[static_cast<size_t>(id)];
      if (t.on_chip && last_use[static_cast<size_t>(id)] == static_cast<int>(i)) {
        live_bytes -= tensor_bytes(t, type);
        last_use[static_cast<size_t>(id)] = -2 - static_cast<int>(i);  // released once, at kernel i
      }
    };
    for (int r : program.reads(k)) release(r);
    if (last_use[static_cast<size_t>(written)] == -1 && out.on_chip) {
      live_bytes -= out_bytes;  // produced but never read: its space is free again
      last_use[static_cast<size_t>(written)] = -2 - static_cast<int>(i);
    }
  }
  place_on_chip_tensors(program, produced, last_use, type, capacity);

  for (LoweredKernel& k : program.kernels) {
    if (!k.issued()) continue;
    hw::KernelDesc& d = k.desc;
    const ProgramTensor& out = program.tensors[static_cast<size_t>(program.written_output(k))];
    d.out_on_chip = out.on_chip;
    auto in_dram = [&](int id) { return !program.tensors[static_cast<size_t>(id)].on_chip; };
    auto bytes_of = [&](int id) { return tensor_bytes(program.tensors[static_cast<size_t>(id)], type); };
    switch (d.kind) {
      case hw::KernelKind::kGemm:
      case hw::KernelKind::kSpmm: {
        const int a = k.streams.at(0);
        const uint64_t a_used = k.a_used_elements > 0
                                    ? std::min(bytes_of(a), k.a_used_elements * hw::operand_bytes(type))
                                    : bytes_of(a);
        d.a_dram_bytes = in_dram(a) ? a_used : 0;
        d.b_dram_bytes = in_dram(k.b_operand) ? bytes_of(k.b_operand) : 0;
        for (int e : k.b_extras) d.b_dram_bytes += bytes_of(e);
        // The epilogue's residual operands: everything it reads beyond the GEMM's own operands.
        d.epilogue.operand_dram_bytes = 0;
        const std::vector<int> reads = program.reads(k);
        const size_t own = k.streams.size() + 1 + k.b_extras.size();
        for (size_t r = own; r < reads.size(); ++r) {
          if (in_dram(reads[r])) d.epilogue.operand_dram_bytes += bytes_of(reads[r]);
        }
        break;
      }
      case hw::KernelKind::kSegmentIndex:
      case hw::KernelKind::kElementwise: {
        // Each stream contributes one element per processed element (broadcast row operands are
        // streamed per element too: conservative, the hardware could read them once per row); a
        // window block's input, larger than its output, is read whole once.
        d.a_dram_bytes = 0;
        for (size_t i = 0; i < k.streams.size(); ++i) {
          const int s = k.streams[i];
          if (!in_dram(s) || (k.semantics.append && i == 0)) continue;  // the cache is not read
          const bool window_block = k.semantics.op == KernelOp::kRowBlock;
          d.a_dram_bytes += window_block ? bytes_of(s)
                                         : d.elements() * (program.tensors[static_cast<size_t>(s)].index
                                                               ? 1
                                                               : hw::operand_bytes(type));
        }
        break;
      }
      case hw::KernelKind::kDma:
        d.dram_read_bytes = d.m * d.n * hw::operand_bytes(type);
        break;
      case hw::KernelKind::kRowBlock:
        d.a_dram_bytes = in_dram(k.streams.at(0)) ? bytes_of(k.streams.at(0)) : 0;
        break;
    }
  }
}

}  // namespace nm::sw
