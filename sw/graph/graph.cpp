#include "sw/graph/graph.h"

#include <stdexcept>

namespace nm::sw {

int64_t element_count(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shape_to_string(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

const char* op_kind_name(OpKind kind) {
  switch (kind) {
    case OpKind::kConv2d:
      return "conv2d";
    case OpKind::kLinear:
      return "linear";
    case OpKind::kMatMul:
      return "matmul";
    case OpKind::kEmbedding:
      return "embedding";
    case OpKind::kRelu:
      return "relu";
    case OpKind::kLeakyRelu:
      return "leaky_relu";
    case OpKind::kGelu:
      return "gelu";
    case OpKind::kTanh:
      return "tanh";
    case OpKind::kSigmoid:
      return "sigmoid";
    case OpKind::kAdd:
      return "add";
    case OpKind::kSoftmax:
      return "softmax";
    case OpKind::kLayerNorm:
      return "layernorm";
    case OpKind::kMaxPool2d:
      return "maxpool2d";
    case OpKind::kAvgPool2d:
      return "avgpool2d";
    case OpKind::kGlobalAvgPool:
      return "global_avgpool";
    case OpKind::kReshape:
      return "reshape";
    case OpKind::kSilu:
      return "silu";
    case OpKind::kErf:
      return "erf";
    case OpKind::kExp:
      return "exp";
    case OpKind::kSqrt:
      return "sqrt";
    case OpKind::kReciprocal:
      return "reciprocal";
    case OpKind::kRelu6:
      return "relu6";
    case OpKind::kMul:
      return "mul";
    case OpKind::kAffine:
      return "affine";
    case OpKind::kReduceMean:
      return "reduce_mean";
    case OpKind::kTranspose:
      return "transpose";
    case OpKind::kConcat:
      return "concat";
    case OpKind::kSlice:
      return "slice";
    case OpKind::kCausalMask:
      return "causal_mask";
    case OpKind::kHardSigmoid:
      return "hardsigmoid";
    case OpKind::kHardSwish:
      return "hardswish";
  }
  return "unknown";
}

bool broadcast_pattern(const Shape& a, const Shape& b, Broadcast& out) {
  if (b.size() > a.size()) return false;
  out = Broadcast{};
  const size_t lead = a.size() - b.size();
  // Dimensions where b repeats (b is 1, a is not) must form one contiguous run.
  int64_t first = -1, last = -1;
  for (size_t i = 0; i < a.size(); ++i) {
    const int64_t bd = i < lead ? 1 : b[i - lead];
    if (bd == a[i]) continue;
    if (bd != 1) return false;
    if (first < 0) first = static_cast<int64_t>(i);
    if (last >= 0 && last + 1 != static_cast<int64_t>(i)) return false;
    last = static_cast<int64_t>(i);
  }
  for (size_t i = 0; i < a.size(); ++i) {
    const auto at = static_cast<int64_t>(i);
    if (first < 0 || at < first) {
      out.outer *= a[i];
    } else if (at <= last) {
      out.mid *= a[i];
    } else {
      out.inner *= a[i];
    }
  }
  if (first < 0) {  // equal shapes
    out.inner = out.outer;
    out.outer = 1;
  }
  return true;
}

int Graph::add_tensor(const std::string& name, Shape shape, bool constant) {
  for (int64_t d : shape) {
    if (d <= 0) throw std::invalid_argument("tensor " + name + " has a non-positive dimension");
  }
  Tensor t;
  t.id = static_cast<int>(tensors_.size());
  t.name = name;
  t.shape = std::move(shape);
  t.constant = constant;
  tensors_.push_back(std::move(t));
  return tensors_.back().id;
}

int Graph::add_op(Op op) {
  auto valid = [this](int id) { return id >= 0 && static_cast<size_t>(id) < tensors_.size(); };
  if (!valid(op.output)) throw std::invalid_argument("op " + op.name + " has no valid output tensor");
  for (int id : op.inputs) {
    if (!valid(id)) throw std::invalid_argument("op " + op.name + " has an invalid input tensor");
  }
  ops_.push_back(std::move(op));
  return static_cast<int>(ops_.size()) - 1;
}

void Graph::set_nonzeros(int tensor_id, int64_t nonzeros) {
  Tensor& t = tensors_.at(static_cast<size_t>(tensor_id));
  if (!t.constant || nonzeros < 0 || nonzeros > element_count(t.shape)) {
    throw std::invalid_argument("tensor " + t.name +
                                ": sparse entries must be a constant's, within its size");
  }
  t.nonzeros = nonzeros;
}

int64_t Graph::parameter_count() const {
  int64_t n = 0;
  for (const Tensor& t : tensors_) {
    if (t.constant) n += t.nonzeros >= 0 ? t.nonzeros : element_count(t.shape);
  }
  return n;
}

void Graph::set_values(int tensor_id, std::shared_ptr<const std::vector<float>> values) {
  Tensor& t = tensors_.at(static_cast<size_t>(tensor_id));
  if (!t.constant) throw std::invalid_argument("tensor " + t.name + " is not a constant");
  if (!values || static_cast<int64_t>(values->size()) != element_count(t.shape))
    throw std::invalid_argument("tensor " + t.name + ": values do not match shape " +
                                shape_to_string(t.shape));
  t.values = std::move(values);
}

void Graph::set_layout_perm(int tensor_id, std::vector<int64_t> perm) {
  Tensor& t = tensors_.at(static_cast<size_t>(tensor_id));
  if (perm.size() != t.shape.size())
    throw std::invalid_argument("tensor " + t.name + ": layout rank differs");
  t.layout_perm = std::move(perm);
}

void Graph::add_op_input(size_t op_index, int tensor_id) {
  tensor(tensor_id);  // throws for an unknown id
  ops_.at(op_index).inputs.push_back(tensor_id);
}

}  // namespace nm::sw
