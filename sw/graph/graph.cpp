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
  }
  return "unknown";
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

}  // namespace nm::sw
