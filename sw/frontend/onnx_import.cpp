// ONNX -> Graph IR (contract in onnx_import.h).
#include "sw/frontend/onnx_import.h"

#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <numeric>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/core/input_error.h"

namespace nm::sw {

namespace fs = std::filesystem;

bool is_onnx_path(const std::string& path) {
  return fs::path(path).extension() == ".onnx";
}

const std::vector<std::string>& supported_onnx_ops() {
  static const std::vector<std::string> kOps = {"Add",
                                                "AveragePool",
                                                "BatchNormalization",
                                                "Cast",
                                                "Clip",
                                                "Concat",
                                                "Constant",
                                                "ConstantOfShape",
                                                "Conv",
                                                "Div",
                                                "Dropout",
                                                "Equal",
                                                "Erf",
                                                "Exp",
                                                "Expand",
                                                "Flatten",
                                                "Gather",
                                                "Gemm",
                                                "GlobalAveragePool",
                                                "HardSigmoid",
                                                "HardSwish",
                                                "Identity",
                                                "LayerNormalization",
                                                "LeakyRelu",
                                                "MatMul",
                                                "MaxPool",
                                                "Mul",
                                                "Pow",
                                                "Range",
                                                "Reciprocal",
                                                "ReduceMean",
                                                "Relu",
                                                "Reshape",
                                                "Shape",
                                                "Sigmoid",
                                                "Slice",
                                                "Softmax",
                                                "Split",
                                                "Sqrt",
                                                "Squeeze",
                                                "Sub",
                                                "Tanh",
                                                "Transpose",
                                                "Unsqueeze",
                                                "Where"};
  return kOps;
}

namespace {

using Dims = std::vector<int64_t>;

constexpr int kMinOpset = 11;
constexpr int kMaxOpset = 18;

// A value known at import time: an initializer, a Constant, or folded plumbing. Floats are kept
// as float (weights can be hundreds of MB); integers as int64.
struct Const {
  Dims dims;
  bool integer = false;
  std::shared_ptr<const std::vector<float>> f;
  std::vector<int64_t> i;

  size_t size() const { return integer ? i.size() : f->size(); }
  double at(size_t k) const { return integer ? static_cast<double>(i[k]) : (*f)[k]; }
};

Const make_int(Dims dims, std::vector<int64_t> v) {
  Const c;
  c.dims = std::move(dims);
  c.integer = true;
  c.i = std::move(v);
  return c;
}

Const make_float(Dims dims, std::vector<float> v) {
  Const c;
  c.dims = std::move(dims);
  c.f = std::make_shared<const std::vector<float>>(std::move(v));
  return c;
}

// An activation: IR tensor `id` stores the ONNX value whose logical dims are `logical`, with
// IR dim j holding logical dim perm[j] (so the IR shape is logical permuted by perm).
struct Act {
  int id = -1;
  Dims logical;
  Dims perm;
};

Dims identity(size_t n) {
  Dims p(n);
  std::iota(p.begin(), p.end(), 0);
  return p;
}

Dims inverse(const Dims& p) {
  Dims inv(p.size());
  for (size_t j = 0; j < p.size(); ++j) inv[static_cast<size_t>(p[j])] = static_cast<int64_t>(j);
  return inv;
}

Dims permuted(const Dims& logical, const Dims& perm) {
  Dims s(perm.size());
  for (size_t j = 0; j < perm.size(); ++j) s[j] = logical[static_cast<size_t>(perm[j])];
  return s;
}

// The most elements a tensor may have (as the YAML loader's cap), so shape arithmetic on a
// file's dimensions cannot overflow int64.
constexpr int64_t kMaxElements = int64_t{1} << 48;

// Saturates at kMaxElements + 1: a file's absurd dimensions give a count the checks reject, never
// an overflow.
int64_t product(const Dims& d, size_t from = 0, size_t to = SIZE_MAX) {
  int64_t p = 1;
  const size_t end = std::min(to, d.size());
  for (size_t k = from; k < end; ++k) {
    if (d[k] <= 0) return d[k] == 0 ? 0 : -1;
    if (d[k] > kMaxElements || p > kMaxElements / d[k]) {
      // Still 0 if a later dimension is 0.
      for (size_t z = k + 1; z < end; ++z)
        if (d[z] == 0) return 0;
      return kMaxElements + 1;
    }
    p *= d[k];
  }
  return p;
}

std::string dims_text(const Dims& d) {
  return shape_to_string(d);
}

const onnx::AttributeProto* find_attr(const onnx::NodeProto& n, const std::string& name) {
  for (const auto& a : n.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

int64_t attr_int(const onnx::NodeProto& n, const std::string& name, int64_t fallback) {
  const auto* a = find_attr(n, name);
  return a ? a->i() : fallback;
}

double attr_float(const onnx::NodeProto& n, const std::string& name, double fallback) {
  const auto* a = find_attr(n, name);
  return a ? a->f() : fallback;
}

Dims attr_ints(const onnx::NodeProto& n, const std::string& name, Dims fallback = {}) {
  const auto* a = find_attr(n, name);
  if (!a) return fallback;
  return Dims(a->ints().begin(), a->ints().end());
}

class Importer {
 public:
  Importer(std::string path, int64_t batch) : path_(std::move(path)), batch_(batch) {}

  Graph run() {
    load_model();
    const onnx::GraphProto& g = model_.graph();
    graph_ = Graph(model_name());
    for (int k = 0; k < g.initializer_size(); ++k) {
      onnx::TensorProto* init = model_.mutable_graph()->mutable_initializer(k);
      consts_[init->name()] = read_tensor(*init, "initializer " + init->name());
      // Decoded: release the model's copy now (clear() would keep the buffer), so weights are
      // held once, not twice.
      std::string().swap(*init->mutable_raw_data());
    }
    collect_consumers();
    check_supported();
    declare_inputs();
    match_patterns();
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (nodes_[i].deleted) continue;
      node_index_ = i;
      try {
        convert(nodes_[i]);
      } catch (const std::invalid_argument& e) {
        // The Graph refuses what the node's attributes imply (a dimension of 0 or less, values
        // that do not fill a shape): the model's fault, named at its node.
        fail_node(nodes_[i], e.what());
      }
    }
    for (const auto& out : g.output()) {
      if (consts_.count(out.name()))
        fail("output " + out.name(), "is a constant: the model computes nothing");
      const Act a = to_layout(act(out.name()), identity(act(out.name()).logical.size()));
      graph_.mark_output(a.id);
    }
    for (auto& [id, values] : values_) graph_.set_values(id, values);
    for (auto& [id, values] : shared_values_) graph_.set_values(id, values);
    graph_.set_batch(batch_);
    return std::move(graph_);
  }

 private:
  // A node after pattern matching: an ONNX node, or a fused one ("nm.LayerNorm", "nm.Gelu",
  // "nm.Silu") standing where the pattern's last node stood.
  struct Node {
    std::string type;
    std::string name;
    std::vector<std::string> inputs, outputs;
    const onnx::NodeProto* proto = nullptr;
    double eps = 0;
    bool deleted = false;
  };

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw InputError(path_, key, what);
  }

  // A tensor's stored data must hold exactly its shape's elements (raw bytes, or the typed field
  // of its data type); external data is checked when it is read.
  void check_tensor_size(const onnx::TensorProto& t, const std::string& what) const {
    if (t.data_location() == onnx::TensorProto::EXTERNAL) return;
    Dims dims(t.dims().begin(), t.dims().end());
    for (int64_t d : dims) {
      if (d < 0) fail(what, "has a negative dimension");
    }
    const int64_t n = product(dims);
    if (n > kMaxElements) fail(what, "shape " + dims_text(dims) + ": expected at most 2^48 elements");
    int64_t bytes_per = 0, typed = -1;
    switch (t.data_type()) {
      case onnx::TensorProto::FLOAT:
        bytes_per = 4, typed = t.float_data_size();
        break;
      case onnx::TensorProto::DOUBLE:
        bytes_per = 8, typed = t.double_data_size();
        break;
      case onnx::TensorProto::INT64:
        bytes_per = 8, typed = t.int64_data_size();
        break;
      case onnx::TensorProto::UINT64:
        bytes_per = 8, typed = t.uint64_data_size();
        break;
      case onnx::TensorProto::INT32:
      case onnx::TensorProto::UINT32:
        bytes_per = 4, typed = t.int32_data_size();
        if (t.data_type() == onnx::TensorProto::UINT32) typed = t.uint64_data_size();
        break;
      case onnx::TensorProto::INT16:
      case onnx::TensorProto::UINT16:
      case onnx::TensorProto::FLOAT16:
      case onnx::TensorProto::BFLOAT16:
        bytes_per = 2, typed = t.int32_data_size();
        break;
      case onnx::TensorProto::INT8:
      case onnx::TensorProto::UINT8:
      case onnx::TensorProto::BOOL:
        bytes_per = 1, typed = t.int32_data_size();
        break;
      default:
        fail(what, "data type " + std::to_string(t.data_type()) + " is not supported");
    }
    if (t.has_raw_data()) {
      if (static_cast<int64_t>(t.raw_data().size()) != n * bytes_per)
        fail(what, "holds " + std::to_string(t.raw_data().size()) + " bytes, shape " + dims_text(dims) +
                       " needs " + std::to_string(n * bytes_per));
    } else if (typed != n) {
      fail(what, "holds " + std::to_string(typed) + " values, shape " + dims_text(dims) + " needs " +
                     std::to_string(n));
    }
  }

  // Input and output counts within the op's ONNX schema at this opset, so every converter can
  // index the inputs and outputs the schema guarantees (an op without a schema is reported as
  // unsupported later, with the others).
  void check_arity(const Node& node, const onnx::NodeProto& n) const {
    const onnx::OpSchema* schema = onnx::OpSchemaRegistry::Schema(n.op_type(), opset_, "");
    if (schema == nullptr) return;
    const auto within = [](int count, int lo, int hi) { return count >= lo && count <= hi; };
    if (!within(n.input_size(), schema->min_input(), schema->max_input()))
      fail_node(node, std::to_string(n.input_size()) + " inputs; " + n.op_type() + " takes " +
                          std::to_string(schema->min_input()) + " to " + std::to_string(schema->max_input()));
    if (!within(n.output_size(), schema->min_output(), schema->max_output()) || n.output_size() < 1)
      fail_node(node, std::to_string(n.output_size()) + " outputs; " + n.op_type() + " gives " +
                          std::to_string(schema->min_output()) + " to " +
                          std::to_string(schema->max_output()));
  }

  [[noreturn]] void fail_node(const Node& n, const std::string& what) const {
    fail("node '" + n.name + "' (" + n.type + ")", what);
  }

  // ---- reading ----

  void load_model() {
    // Streamed in 1 MiB blocks (no whole-file buffer or mapping beside the parsed model: the
    // weights are then held once, not twice, at peak).
    const int fd = ::open(path_.c_str(), O_RDONLY);
    if (fd < 0) fail("file", "cannot be opened");
    struct stat st {};
    if (::fstat(fd, &st) != 0 || st.st_size <= 0 || st.st_size >= (off_t{1} << 31)) {
      ::close(fd);
      fail("file", "is empty, unreadable or 2 GiB or larger (store the weights as external data)");
    }
    bool parsed = false;
    {
      google::protobuf::io::FileInputStream stream(fd, 1 << 20);
      parsed = model_.ParseFromZeroCopyStream(&stream);
    }
    ::close(fd);
    if (!parsed) fail("file", "is not an ONNX model (protobuf parse failed: truncated or not ONNX)");
    if (!model_.has_graph() || model_.graph().node_size() == 0) fail("graph", "has no nodes");
    int opset = -1;
    for (const auto& o : model_.opset_import()) {
      if (o.domain().empty() || o.domain() == "ai.onnx") opset = static_cast<int>(o.version());
    }
    if (opset < 0) fail("opset_import", "names no default-domain (ai.onnx) opset");
    if (opset < kMinOpset || opset > kMaxOpset) {
      fail("opset_import", "opset " + std::to_string(opset) + " is not supported: expected " +
                               std::to_string(kMinOpset) + " to " + std::to_string(kMaxOpset) +
                               " (re-export with torch.onnx.export(..., opset_version=14))");
    }
    opset_ = opset;
    if (batch_ > 1) apply_batch();
    // Tensor sizes first: ONNX's shape inference reads initializers and Constant values without
    // checking their byte counts against their shapes (an int64 scalar of 4 bytes crashed it).
    for (const auto& t : model_.graph().initializer()) check_tensor_size(t, "initializer " + t.name());
    for (const auto& n : model_.graph().node()) {
      for (const auto& a : n.attribute()) {
        if (a.has_t()) check_tensor_size(a.t(), "node " + n.name() + " attribute " + a.name());
      }
    }
    // Input and output counts too: ONNX's shape inference trusts them (a Split with no outputs
    // divides by zero inside libonnx).
    for (const auto& n : model_.graph().node()) {
      Node node;
      node.type = n.op_type();
      node.name = n.name().empty() ? n.op_type() : n.name();
      check_arity(node, n);
    }
    // ONNX's own shape inference, as the check on every shape derived here.
    try {
      onnx::ShapeInferenceOptions options(false, 0, true);
      onnx::shape_inference::InferShapes(model_, onnx::OpSchemaRegistry::Instance(), options);
    } catch (const std::exception& e) {
      fail("shape inference", std::string("ONNX shape inference failed: ") + first_line(e.what()));
    }
    for (const auto& vi : model_.graph().value_info()) inferred_[vi.name()] = static_shape(vi);
    for (const auto& vi : model_.graph().output()) inferred_[vi.name()] = static_shape(vi);
    for (const auto& n : model_.graph().node()) {
      Node node;
      node.type = n.op_type();
      node.name = n.name().empty() ? n.op_type() + "_" + std::to_string(nodes_.size()) : n.name();
      node.inputs.assign(n.input().begin(), n.input().end());
      node.outputs.assign(n.output().begin(), n.output().end());
      node.proto = &n;
      if (!n.domain().empty() && n.domain() != "ai.onnx")
        fail_node(node, "custom domain '" + n.domain() + "' is not supported");
      nodes_.push_back(std::move(node));
    }
  }

  // --batch: every graph input's leading dimension, dynamic or exported as 1, becomes the batch.
  // Shapes recorded at export (value_info, outputs) held the old batch: inference recomputes them.
  void apply_batch() {
    std::set<std::string> initializers;
    for (const auto& init : model_.graph().initializer()) initializers.insert(init.name());
    onnx::GraphProto* g = model_.mutable_graph();
    for (int i = 0; i < g->input_size(); ++i) {
      onnx::ValueInfoProto* in = g->mutable_input(i);
      if (initializers.count(in->name()) || !in->type().tensor_type().has_shape() ||
          in->type().tensor_type().shape().dim_size() == 0)
        continue;
      onnx::TensorShapeProto_Dimension* dim =
          in->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(0);
      if (dim->has_dim_value() && dim->dim_value() != 1)
        fail("input " + in->name(), "was exported with batch " + std::to_string(dim->dim_value()) +
                                        "; --batch needs a batch-1 or dynamic leading dimension");
      dim->set_dim_value(batch_);
    }
    g->clear_value_info();
    for (int i = 0; i < g->output_size(); ++i)
      g->mutable_output(i)->mutable_type()->mutable_tensor_type()->clear_shape();
  }

  static std::string first_line(const std::string& s) {
    std::string line = s.substr(0, s.find('\n'));
    return line.size() > 200 ? line.substr(0, 200) + "..." : line;
  }

  // A static shape from a ValueInfo, or empty when any dim is unknown.
  static std::vector<int64_t> static_shape(const onnx::ValueInfoProto& vi) {
    if (!vi.type().has_tensor_type() || !vi.type().tensor_type().has_shape()) return {-1};
    Dims d;
    for (const auto& dim : vi.type().tensor_type().shape().dim()) {
      if (!dim.has_dim_value()) return {-1};
      d.push_back(dim.dim_value());
    }
    return d;
  }

  std::string model_name() const {
    if (!model_.graph().name().empty() && model_.graph().name() != "torch_jit" &&
        model_.graph().name() != "main_graph")
      return model_.graph().name();
    return fs::path(path_).stem().string();
  }

  // Raw bytes of a tensor: inline (a view of the parsed model, no copy), or read from its
  // external data file into `buffer`.
  std::string_view tensor_bytes(const onnx::TensorProto& t, const std::string& what,
                                std::string& buffer) const {
    if (t.data_location() != onnx::TensorProto::EXTERNAL) return t.raw_data();
    std::string location;
    int64_t offset = 0, length = -1;
    for (const auto& kv : t.external_data()) {
      if (kv.key() == "location") location = kv.value();
      if (kv.key() == "offset") offset = std::stoll(kv.value());
      if (kv.key() == "length") length = std::stoll(kv.value());
    }
    if (location.empty() || location.find("..") != std::string::npos || fs::path(location).is_absolute())
      fail(what, "external data location '" + location + "' must be a file beside the model");
    const fs::path file = fs::path(path_).parent_path() / location;
    std::ifstream in(file, std::ios::binary);
    if (!in) fail(what, "external data file '" + file.string() + "' cannot be opened");
    in.seekg(0, std::ios::end);
    const auto size = static_cast<int64_t>(in.tellg());
    if (length < 0) length = size - offset;
    if (offset < 0 || offset + length > size)
      fail(what, "external data [" + std::to_string(offset) + ", +" + std::to_string(length) +
                     ") lies beyond '" + file.string() + "' (" + std::to_string(size) + " bytes)");
    buffer.assign(static_cast<size_t>(length), '\0');
    in.seekg(offset);
    in.read(buffer.data(), length);
    return buffer;
  }

  Const read_tensor(const onnx::TensorProto& t, const std::string& what) const {
    Dims dims(t.dims().begin(), t.dims().end());
    for (int64_t d : dims) {
      if (d < 0) fail(what, "has a negative dimension");
    }
    if (product(dims) > kMaxElements)
      fail(what, "shape " + dims_text(dims) + ": expected at most 2^48 elements");
    const auto n = static_cast<size_t>(product(dims));
    std::string buffer;
    const std::string_view raw = tensor_bytes(t, what, buffer);
    auto need = [&](size_t bytes_per) {
      if (!raw.empty() && raw.size() != n * bytes_per)
        fail(what, "holds " + std::to_string(raw.size()) + " bytes, shape " + dims_text(dims) + " needs " +
                       std::to_string(n * bytes_per));
    };
    switch (t.data_type()) {
      case onnx::TensorProto::FLOAT: {
        need(4);
        std::vector<float> v(n);
        if (!raw.empty()) {
          std::memcpy(v.data(), raw.data(), n * 4);
        } else {
          if (static_cast<size_t>(t.float_data_size()) != n)
            fail(what, "float data does not match its shape");
          std::copy(t.float_data().begin(), t.float_data().end(), v.begin());
        }
        return make_float(dims, std::move(v));
      }
      case onnx::TensorProto::DOUBLE: {
        need(8);
        std::vector<float> v(n);
        for (size_t k = 0; k < n; ++k) {
          double x;
          if (!raw.empty()) {
            std::memcpy(&x, raw.data() + 8 * k, 8);
          } else {
            if (static_cast<size_t>(t.double_data_size()) != n)
              fail(what, "double data does not match its shape");
            x = t.double_data(static_cast<int>(k));
          }
          v[k] = static_cast<float>(x);
        }
        return make_float(dims, std::move(v));
      }
      case onnx::TensorProto::INT64:
      case onnx::TensorProto::INT32:
      case onnx::TensorProto::INT8:
      case onnx::TensorProto::UINT8:
      case onnx::TensorProto::BOOL: {
        const int type = t.data_type();
        const size_t width = type == onnx::TensorProto::INT64 ? 8 : type == onnx::TensorProto::INT32 ? 4 : 1;
        need(width);
        std::vector<int64_t> v(n);
        for (size_t k = 0; k < n; ++k) {
          if (!raw.empty()) {
            if (width == 8) {
              std::memcpy(&v[k], raw.data() + 8 * k, 8);
            } else if (width == 4) {
              int32_t x;
              std::memcpy(&x, raw.data() + 4 * k, 4);
              v[k] = x;
            } else {
              v[k] = type == onnx::TensorProto::INT8 ? static_cast<int8_t>(raw[k])
                                                     : static_cast<uint8_t>(raw[k]);
            }
          } else if (type == onnx::TensorProto::INT64) {
            if (static_cast<size_t>(t.int64_data_size()) != n)
              fail(what, "int64 data does not match its shape");
            v[k] = t.int64_data(static_cast<int>(k));
          } else {
            if (static_cast<size_t>(t.int32_data_size()) != n)
              fail(what, "int32 data does not match its shape");
            v[k] = t.int32_data(static_cast<int>(k));
          }
        }
        return make_int(dims, std::move(v));
      }
      default:
        fail(what, "element type " + std::to_string(t.data_type()) +
                       " is not supported (float, double, int64, int32, int8, uint8, bool are)");
    }
  }

  // ---- structure ----

  void collect_consumers() {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      for (const std::string& in : nodes_[i].inputs) {
        if (!in.empty()) consumers_[in].push_back(i);
      }
    }
    for (const auto& out : model_.graph().output()) graph_outputs_.insert(out.name());
  }

  void check_supported() const {
    const auto& ok = supported_onnx_ops();
    std::vector<std::string> bad;
    for (const Node& n : nodes_) {
      if (std::find(ok.begin(), ok.end(), n.type) != ok.end()) continue;
      const std::string entry = n.type + " (first at node '" + n.name + "')";
      if (std::none_of(bad.begin(), bad.end(),
                       [&](const std::string& b) { return b.rfind(n.type + " ", 0) == 0; }))
        bad.push_back(entry);
    }
    if (bad.empty()) return;
    std::string list;
    for (size_t k = 0; k < bad.size(); ++k) list += (k ? ", " : "") + bad[k];
    fail("ops", "unsupported ONNX op" + std::string(bad.size() > 1 ? "s: " : ": ") + list +
                    " (the README lists the supported ones)");
  }

  void declare_inputs() {
    std::set<std::string> initializers;
    for (const auto& init : model_.graph().initializer()) initializers.insert(init.name());
    for (const auto& in : model_.graph().input()) {
      if (initializers.count(in.name())) continue;
      const std::string key = "input " + in.name();
      if (!in.type().has_tensor_type() || !in.type().tensor_type().has_shape())
        fail(key, "has no tensor shape: export with a fixed input shape");
      Dims logical;
      for (const auto& dim : in.type().tensor_type().shape().dim()) {
        if (!dim.has_dim_value() || dim.dim_value() <= 0) {
          const std::string label =
              dim.has_dim_param() ? "'" + dim.dim_param() + "'" : "#" + std::to_string(logical.size());
          fail(key, "dimension " + label + " is dynamic and has no value: export with a fixed shape");
        }
        logical.push_back(dim.dim_value());
      }
      if (product(logical) > kMaxElements)
        fail(key, "shape " + dims_text(logical) + ": expected at most 2^48 elements");
      const int type = in.type().tensor_type().elem_type();
      if (type != onnx::TensorProto::FLOAT && type != onnx::TensorProto::INT64 &&
          type != onnx::TensorProto::INT32)
        fail(key, "element type " + std::to_string(type) + " is not supported (float or integer ids are)");
      // Images (rank-4 float) are NHWC in the IR.
      const bool image = logical.size() == 4 && type == onnx::TensorProto::FLOAT;
      Act a;
      a.logical = logical;
      a.perm = image ? Dims{0, 2, 3, 1} : identity(logical.size());
      a.id = graph_.add_tensor(in.name(), permuted(logical, a.perm));
      if (image) graph_.set_layout_perm(a.id, a.perm);
      graph_.mark_input(a.id);
      acts_[in.name()] = a;
    }
  }

  // ---- pattern matching (exporter idioms) ----

  const std::vector<size_t>& users(const std::string& value) const {
    static const std::vector<size_t> kNone;
    const auto it = consumers_.find(value);
    return it == consumers_.end() ? kNone : it->second;
  }

  // The single live consumer of `value` (none if it has several or is a graph output).
  int only_user(const std::string& value) const {
    const auto& u = users(value);
    if (u.size() != 1 || graph_outputs_.count(value)) return -1;
    return nodes_[u[0]].deleted ? -1 : static_cast<int>(u[0]);
  }

  // A scalar known before conversion (an initializer or a Constant node's value).
  bool early_scalar(const std::string& name, double& v) const {
    const auto it = consts_.find(name);
    if (it != consts_.end()) {
      if (it->second.size() != 1) return false;
      v = it->second.at(0);
      return true;
    }
    for (const Node& n : nodes_) {
      if (n.type == "Constant" && n.outputs.size() == 1 && n.outputs[0] == name) {
        const auto* a = find_attr(*n.proto, "value");
        if (a && a->has_t()) {
          const Const c = read_tensor(a->t(), "constant " + name);
          if (c.size() != 1) return false;
          v = c.at(0);
          return true;
        }
        if (const auto* f = find_attr(*n.proto, "value_float")) {
          v = f->f();
          return true;
        }
      }
    }
    return false;
  }

  bool is_type(int index, const char* type) const {
    return index >= 0 && nodes_[static_cast<size_t>(index)].type == type;
  }

  // The other input of a binary node, given one of them; "" when `one` is not an input.
  static std::string other_input(const Node& n, const std::string& one) {
    if (n.inputs.size() != 2) return "";
    if (n.inputs[0] == one) return n.inputs[1];
    if (n.inputs[1] == one) return n.inputs[0];
    return "";
  }

  bool scalar_is(const std::string& name, double want, double tol = 1e-4) const {
    double v;
    return early_scalar(name, v) && std::abs(v - want) <= tol * std::max(1.0, std::abs(want));
  }

  // Replaces `members` by one unary node `type` from `input` to `output`.
  void fuse_as(const std::vector<int>& members, const char* type, const std::string& name,
               const std::string& input, const std::string& output) {
    Node fused;
    fused.type = type;
    fused.name = name;
    fused.inputs = {input};
    fused.outputs = {output};
    fuse(members, std::move(fused));
  }

  void fuse(const std::vector<int>& members, Node fused) {
    const int last = *std::max_element(members.begin(), members.end());
    for (int m : members) nodes_[static_cast<size_t>(m)].deleted = true;
    fused.proto = nodes_[static_cast<size_t>(last)].proto;
    fused.deleted = false;
    nodes_[static_cast<size_t>(last)] = std::move(fused);
  }

  bool last_axis_mean(const Node& n) const {
    if (n.type != "ReduceMean" || attr_int(*n.proto, "keepdims", 1) != 1) return false;
    Dims axes = attr_ints(*n.proto, "axes");
    if (axes.empty() && n.inputs.size() > 1) {
      const auto it = consts_.find(n.inputs[1]);
      if (it != consts_.end() && it->second.integer) axes = it->second.i;
    }
    if (axes.size() != 1) return false;
    if (axes[0] == -1) return true;
    const auto it = inferred_.find(n.inputs[0]);
    return it != inferred_.end() && it->second.size() > 0 && it->second[0] >= 0 &&
           axes[0] == static_cast<int64_t>(it->second.size()) - 1;
  }

  void match_patterns() {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (nodes_[i].deleted) continue;
      if (nodes_[i].type == "ReduceMean") match_layernorm(static_cast<int>(i));
      if (nodes_[i].type == "Erf") match_gelu(static_cast<int>(i));
      if (nodes_[i].type == "Sigmoid") match_silu(static_cast<int>(i));
      if (nodes_[i].type == "Tanh") match_gelu_tanh(static_cast<int>(i));
      if (nodes_[i].type == "HardSigmoid") match_hardswish(static_cast<int>(i));
    }
  }

  // The live node producing `value`, or -1 (a graph input, an initializer, a Constant).
  int producer(const std::string& value) const {
    for (size_t k = 0; k < nodes_.size(); ++k) {
      if (!nodes_[k].deleted && !nodes_[k].outputs.empty() && nodes_[k].outputs[0] == value)
        return static_cast<int>(k);
    }
    return -1;
  }

  // Binary node `index` of `type` with a scalar operand equal to `want`: its other input, or "".
  std::string scaled_input(int index, const char* type, double want) const {
    if (!is_type(index, type)) return "";
    const Node& n = nodes_[static_cast<size_t>(index)];
    if (n.inputs.size() != 2) return "";
    if (scalar_is(n.inputs[1], want)) return n.inputs[0];
    if (scalar_is(n.inputs[0], want)) return n.inputs[1];
    return "";
  }

  // The tanh approximation of GELU, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as PyTorch's
  // gelu(approximate="tanh") exports it (x^3 as Mul(x, Mul(x, x)) or Pow(x, 3); the halving on
  // either side). It becomes the gelu op: the PWL table is fitted to the exact erf form, which
  // differs from this approximation by at most 4.7e-4 (README).
  void match_gelu_tanh(int tanh_node) {
    const Node& tanh = nodes_[static_cast<size_t>(tanh_node)];
    const int scale = producer(tanh.inputs[0]);
    if (only_user(tanh.inputs[0]) != tanh_node) return;
    const std::string inner = scaled_input(scale, "Mul", std::sqrt(2.0 / M_PI));
    const int sum = producer(inner);
    if (inner.empty() || only_user(inner) != scale || !is_type(sum, "Add")) return;
    // x + 0.044715 x^3: the cubic term is whichever Add input is a Mul by 0.044715 of x^3.
    std::string x;
    int cubic_scale = -1;
    std::vector<int> cube_nodes;
    for (const std::string& term : nodes_[static_cast<size_t>(sum)].inputs) {
      const int s = producer(term);
      const std::string cube = scaled_input(s, "Mul", 0.044715);
      if (cube.empty() || only_user(term) != sum) continue;
      const std::string candidate = other_input(nodes_[static_cast<size_t>(sum)], term);
      const int c = producer(cube);
      if (c < 0 || only_user(cube) != s) continue;
      const Node& cn = nodes_[static_cast<size_t>(c)];
      std::vector<int> members = {c};
      if (cn.type == "Pow" && cn.inputs[0] == candidate && scalar_is(cn.inputs[1], 3.0)) {
      } else if (cn.type == "Mul" && cn.inputs.size() == 2) {
        // x * (x * x), in either order.
        const std::string square = other_input(cn, candidate);
        const int q = producer(square);
        if (square.empty() || !is_type(q, "Mul") || only_user(square) != c) continue;
        const Node& qn = nodes_[static_cast<size_t>(q)];
        if (qn.inputs.size() != 2 || qn.inputs[0] != candidate || qn.inputs[1] != candidate) continue;
        members.push_back(q);
      } else {
        continue;
      }
      x = candidate;
      cubic_scale = s;
      cube_nodes = members;
      break;
    }
    if (x.empty()) return;
    std::vector<int> members = {cubic_scale, sum, scale};
    members.insert(members.end(), cube_nodes.begin(), cube_nodes.end());
    fuse_gelu_tail(tanh_node, x, std::move(members));
  }

  // x * HardSigmoid(x) with PyTorch's slope and offset (older exports of hardswish).
  void match_hardswish(int hard_sigmoid_node) {
    const Node& hs = nodes_[static_cast<size_t>(hard_sigmoid_node)];
    if (!standard_hard_sigmoid(hs)) return;
    const int mul = only_user(hs.outputs[0]);
    if (!is_type(mul, "Mul") || other_input(nodes_[static_cast<size_t>(mul)], hs.outputs[0]) != hs.inputs[0])
      return;
    fuse_as({hard_sigmoid_node, mul}, "HardSwish", hs.name, hs.inputs[0],
            nodes_[static_cast<size_t>(mul)].outputs[0]);
  }

  // ONNX HardSigmoid is max(0, min(1, alpha x + beta)), defaults 0.2 and 0.5; PyTorch's is
  // alpha 1/6 (stored as float32), beta 1/2.
  bool standard_hard_sigmoid(const Node& n) const {
    const double alpha = attr_float(*n.proto, "alpha", 0.2), beta = attr_float(*n.proto, "beta", 0.5);
    return static_cast<float>(alpha) == static_cast<float>(1.0 / 6.0) && beta == 0.5;
  }

  // mean = ReduceMean(x); d = x - mean; var = ReduceMean(d^2); y = d / sqrt(var + eps)
  // [* gamma] [+ beta], all over the last axis.
  void match_layernorm(int mean_node) {
    const Node& mean = nodes_[static_cast<size_t>(mean_node)];
    if (!last_axis_mean(mean)) return;
    const std::string x = mean.inputs[0];
    const int sub = only_user(mean.outputs[0]);
    if (!is_type(sub, "Sub") || nodes_[static_cast<size_t>(sub)].inputs[0] != x ||
        nodes_[static_cast<size_t>(sub)].inputs[1] != mean.outputs[0])
      return;
    const std::string d = nodes_[static_cast<size_t>(sub)].outputs[0];
    const auto& du = users(d);
    if (du.size() != 2 || graph_outputs_.count(d)) return;
    int pow = -1, div = -1;
    for (size_t u : du) {
      if (nodes_[u].type == "Pow" && nodes_[u].inputs[0] == d) pow = static_cast<int>(u);
      if (nodes_[u].type == "Div" && nodes_[u].inputs[0] == d) div = static_cast<int>(u);
    }
    if (pow < 0 || div < 0 || !scalar_is(nodes_[static_cast<size_t>(pow)].inputs[1], 2.0)) return;
    const int var = only_user(nodes_[static_cast<size_t>(pow)].outputs[0]);
    if (!is_type(var, "ReduceMean") || !last_axis_mean(nodes_[static_cast<size_t>(var)])) return;
    const int add = only_user(nodes_[static_cast<size_t>(var)].outputs[0]);
    if (!is_type(add, "Add")) return;
    double eps;
    const std::string eps_name =
        other_input(nodes_[static_cast<size_t>(add)], nodes_[static_cast<size_t>(var)].outputs[0]);
    if (!early_scalar(eps_name, eps) || !(eps > 0)) return;
    const int sqrt = only_user(nodes_[static_cast<size_t>(add)].outputs[0]);
    if (!is_type(sqrt, "Sqrt") || only_user(nodes_[static_cast<size_t>(sqrt)].outputs[0]) != div ||
        nodes_[static_cast<size_t>(div)].inputs[1] != nodes_[static_cast<size_t>(sqrt)].outputs[0])
      return;
    std::vector<int> members = {mean_node, sub, pow, var, add, sqrt, div};
    std::string out = nodes_[static_cast<size_t>(div)].outputs[0];
    std::string gamma, beta;
    const int mul = only_user(out);
    if (is_type(mul, "Mul")) {
      const std::string g = other_input(nodes_[static_cast<size_t>(mul)], out);
      if (consts_.count(g)) {
        gamma = g;
        members.push_back(mul);
        out = nodes_[static_cast<size_t>(mul)].outputs[0];
        const int badd = only_user(out);
        if (is_type(badd, "Add")) {
          const std::string b = other_input(nodes_[static_cast<size_t>(badd)], out);
          if (consts_.count(b)) {
            beta = b;
            members.push_back(badd);
            out = nodes_[static_cast<size_t>(badd)].outputs[0];
          }
        }
      }
    }
    Node ln;
    ln.type = "nm.LayerNorm";
    ln.name = nodes_[static_cast<size_t>(mean_node)].name;
    ln.inputs = {x, gamma, beta};
    ln.outputs = {out};
    ln.eps = eps;
    fuse(members, std::move(ln));
  }

  // 0.5 * x * (1 + erf(x / sqrt(2))), in the orders exporters write it.
  void match_gelu(int erf_node) {
    const Node& erf = nodes_[static_cast<size_t>(erf_node)];
    const int scale = producer(erf.inputs[0]);
    std::string x;
    if (scale < 0 || only_user(erf.inputs[0]) != erf_node) return;
    const Node& s = nodes_[static_cast<size_t>(scale)];
    if (s.type == "Div" && scalar_is(s.inputs[1], std::sqrt(2.0))) {
      x = s.inputs[0];
    } else if (s.type == "Mul" && scalar_is(s.inputs[1], std::sqrt(0.5))) {
      x = s.inputs[0];
    } else if (s.type == "Mul" && scalar_is(s.inputs[0], std::sqrt(0.5))) {
      x = s.inputs[1];
    } else {
      return;
    }
    fuse_gelu_tail(erf_node, x, {scale});
  }

  // The tail both GELU forms share, from f = erf(x / sqrt 2) or tanh(sqrt(2/pi) (x + ...)):
  // (1 + f) times x and 0.5 in either order (x * (1 + f) * 0.5, or (x * 0.5) * (1 + f)). Fuses
  // the tail, f and `members` (the nodes before f) into one gelu of x.
  void fuse_gelu_tail(int f_node, const std::string& x, std::vector<int> members) {
    const Node& f = nodes_[static_cast<size_t>(f_node)];
    const int add = only_user(f.outputs[0]);
    if (!is_type(add, "Add") || !scalar_is(other_input(nodes_[static_cast<size_t>(add)], f.outputs[0]), 1.0))
      return;
    const std::string a = nodes_[static_cast<size_t>(add)].outputs[0];
    const int m1 = only_user(a);
    if (!is_type(m1, "Mul")) return;
    const std::string partner = other_input(nodes_[static_cast<size_t>(m1)], a);
    members.insert(members.end(), {f_node, add, m1});
    std::string out = nodes_[static_cast<size_t>(m1)].outputs[0];
    if (partner == x) {  // x * (1 + f) then * 0.5
      const int half = only_user(out);
      if (scaled_input(half, "Mul", 0.5) != out) return;
      members.push_back(half);
      out = nodes_[static_cast<size_t>(half)].outputs[0];
    } else {  // (x * 0.5) * (1 + f)
      const int h = producer(partner);
      if (scaled_input(h, "Mul", 0.5) != x || only_user(partner) != m1) return;
      members.push_back(h);
    }
    fuse_as(members, "nm.Gelu", f.name, x, out);
  }

  // x * sigmoid(x)
  void match_silu(int sigmoid_node) {
    const Node& sig = nodes_[static_cast<size_t>(sigmoid_node)];
    const int mul = only_user(sig.outputs[0]);
    if (!is_type(mul, "Mul") ||
        other_input(nodes_[static_cast<size_t>(mul)], sig.outputs[0]) != sig.inputs[0])
      return;
    fuse_as({sigmoid_node, mul}, "nm.Silu", sig.name, sig.inputs[0],
            nodes_[static_cast<size_t>(mul)].outputs[0]);
  }

  // ---- values ----

  bool is_const(const std::string& name) const { return consts_.count(name) > 0; }

  const Const& konst(const Node& n, size_t input) const {
    if (input >= n.inputs.size() || n.inputs[input].empty())
      fail_node(n, "input " + std::to_string(input) + " is missing");
    const auto it = consts_.find(n.inputs[input]);
    if (it == consts_.end())
      fail_node(n, "input '" + n.inputs[input] +
                       "' must be a constant (an initializer or folded shape arithmetic)");
    return it->second;
  }

  Act act(const std::string& name) const {
    const auto it = acts_.find(name);
    if (it == acts_.end()) {
      // A constant reaches here when a node reading it could not be evaluated at import time
      // (another of its inputs is missing or not constant) yet needs an activation.
      if (consts_.count(name))
        fail("value " + name,
             "is a constant where an activation is expected: a node reading it could not be evaluated at "
             "import time (is one of its other inputs missing?)");
      fail("value " + name, "is used before it is produced (missing initializer or a node out of order)");
    }
    return it->second;
  }

  Dims const_ints(const Node& n, size_t input) const {
    const Const& c = konst(n, input);
    Dims v(c.size());
    for (size_t k = 0; k < c.size(); ++k) v[k] = static_cast<int64_t>(std::llround(c.at(k)));
    return v;
  }

  int64_t norm_axis(const Node& n, int64_t axis, size_t rank) const {
    const auto r = static_cast<int64_t>(rank);
    if (axis < -r || axis >= r)
      fail_node(n, "axis " + std::to_string(axis) + " is outside rank " + std::to_string(r));
    return axis < 0 ? axis + r : axis;
  }

  std::string op_name(const Node& n, const std::string& suffix = "") {
    std::string base = n.name + suffix;
    std::string name = base;
    for (int k = 2; used_names_.count(name); ++k) name = base + "_" + std::to_string(k);
    used_names_.insert(name);
    return name;
  }

  // The node's layer: its name's path without the last component ("/layer1/layer1.0/conv1/Conv"
  // -> "layer1/layer1.0/conv1").
  static std::string layer_of(const std::string& name) {
    std::string s = name;
    const size_t slash = s.rfind('/');
    if (slash != std::string::npos && slash > 0) s = s.substr(0, slash);
    while (!s.empty() && s.front() == '/') s.erase(s.begin());
    return s.empty() ? name : s;
  }

  // Appends an IR op writing a new tensor of IR shape `shape`; returns the tensor id.
  int emit(const Node& n, OpKind kind, std::vector<int> inputs, const Dims& shape, OpAttrs attrs = {},
           const std::string& suffix = "") {
    const std::string name = op_name(n, suffix);
    if (product(shape) > kMaxElements)
      fail_node(n, "output shape " + dims_text(shape) + ": expected at most 2^48 elements");
    const int out = graph_.add_tensor(name + ":out", shape);
    Op op;
    op.kind = kind;
    op.name = name;
    op.layer = layer_of(n.name);
    op.inputs = std::move(inputs);
    op.output = out;
    op.attrs = std::move(attrs);
    graph_.add_op(std::move(op));
    producer_[out] = static_cast<int>(graph_.ops().size()) - 1;
    return out;
  }

  // A constant IR tensor with `values` in IR shape `shape`.
  int constant(const std::string& name, const Dims& shape, std::vector<float> values) {
    std::string unique = name;
    for (int k = 2; used_names_.count(unique); ++k) unique = name + "_" + std::to_string(k);
    used_names_.insert(unique);
    if (product(shape) > kMaxElements)
      fail("constant " + name, "shape " + dims_text(shape) + ": expected at most 2^48 elements");
    const int id = graph_.add_tensor(unique, shape, /*constant=*/true);
    values_[id] = std::make_shared<std::vector<float>>(std::move(values));
    return id;
  }

  // `c` as an IR constant of shape `shape` (same element order). Float values are shared, not
  // copied: weights can be hundreds of MB.
  int constant_of(const std::string& name, const Const& c, const Dims& shape) {
    if (!c.integer) {
      std::string unique = name;
      for (int k = 2; used_names_.count(unique); ++k) unique = name + "_" + std::to_string(k);
      used_names_.insert(unique);
      const int id = graph_.add_tensor(unique, shape, /*constant=*/true);
      shared_values_[id] = c.f;
      return id;
    }
    std::vector<float> v(c.size());
    for (size_t k = 0; k < c.size(); ++k) v[k] = static_cast<float>(c.at(k));
    return constant(name, shape, std::move(v));
  }

  void set_act(const std::string& name, Act a) {
    const auto it = inferred_.find(name);
    if (it != inferred_.end() && !(it->second.size() == 1 && it->second[0] == -1) &&
        it->second != a.logical) {
      // The model's own declared shapes (graph outputs, value_info) feed this check too, and a
      // file can declare a wrong one: reported as the model's, with both shapes.
      fail("value " + name, "the importer derives shape " + dims_text(a.logical) +
                                " but the model declares (or ONNX shape inference gives) " +
                                dims_text(it->second));
    }
    acts_[name] = std::move(a);
  }

  Act with_shape(int id, Dims logical, Dims perm) const {
    Act a;
    a.id = id;
    a.logical = std::move(logical);
    a.perm = std::move(perm);
    return a;
  }

  // `a` stored with IR dim j holding logical dim target[j]: no op when it already is, else an IR
  // transpose (data movement).
  Act to_layout(const Act& a, const Dims& target) {
    if (a.perm == target) return a;
    const Dims inv = inverse(a.perm);
    OpAttrs attrs;
    attrs.perm.resize(target.size());
    for (size_t j = 0; j < target.size(); ++j) attrs.perm[j] = inv[static_cast<size_t>(target[j])];
    const Node& n = nodes_[node_index_];
    const int id = emit(n, OpKind::kTranspose, {a.id}, permuted(a.logical, target), attrs, ".layout");
    return with_shape(id, a.logical, target);
  }

  Act plain(const Act& a) { return to_layout(a, identity(a.logical.size())); }

  // A view of `a`'s storage as IR shape `shape` (a reshape: no data moves).
  int view(const Act& a, const Dims& shape, const std::string& suffix = ".view") {
    if (graph_.tensor(a.id).shape == shape) return a.id;
    return emit(nodes_[node_index_], OpKind::kReshape, {a.id}, shape, {}, suffix);
  }

  // Reshape `a` to logical `target`, keeping a permuted storage when the reshape only merges
  // dims that are adjacent and in order in storage (ViT's [N, C, H, W] -> [N, C, HW]).
  Act reshape(const Act& a, const Dims& target) {
    if (product(target) != product(a.logical))
      fail_node(nodes_[node_index_], "reshape of " + dims_text(a.logical) + " to " + dims_text(target) +
                                         " changes the element count");
    const size_t r = a.logical.size();
    const Dims inv = inverse(a.perm);
    // Logical dims larger than 1, in storage order: data order equals logical order when their
    // logical indices increase.
    std::vector<int64_t> order;
    for (size_t j = 0; j < r; ++j) {
      if (a.logical[static_cast<size_t>(a.perm[j])] > 1) order.push_back(a.perm[j]);
    }
    if (std::is_sorted(order.begin(), order.end())) {
      return with_shape(view(a, target), target, identity(target.size()));
    }
    // Merge-only grouping: each target dim is the product of consecutive logical dims.
    std::vector<std::vector<int64_t>> groups(target.size());
    size_t l = 0;
    bool merge_only = true;
    for (size_t t = 0; t < target.size() && merge_only; ++t) {
      int64_t p = 1;
      while (l < r && p < target[t]) {  // size-1 logical dims join the next group
        p *= a.logical[l];
        if (a.logical[l] > 1) groups[t].push_back(static_cast<int64_t>(l));
        ++l;
      }
      if (p != target[t]) merge_only = false;
    }
    while (merge_only && l < r) {  // trailing size-1 dims
      if (a.logical[l++] != 1) merge_only = false;
    }
    if (merge_only) {
      std::vector<std::pair<double, int64_t>> keyed;  // (storage position, target dim)
      double last_key = -1;
      for (size_t t = 0; t < target.size(); ++t) {
        const auto& g = groups[t];
        if (g.empty()) {
          keyed.emplace_back(last_key + 1e-3 * static_cast<double>(t + 1), static_cast<int64_t>(t));
          continue;
        }
        for (size_t k = 1; k < g.size(); ++k) {
          if (inv[static_cast<size_t>(g[k])] != inv[static_cast<size_t>(g[k - 1])] + 1) merge_only = false;
        }
        last_key = static_cast<double>(inv[static_cast<size_t>(g[0])]);
        keyed.emplace_back(last_key, static_cast<int64_t>(t));
      }
      if (merge_only) {
        std::stable_sort(keyed.begin(), keyed.end());
        Dims perm;
        for (const auto& [key, t] : keyed) perm.push_back(t);
        return with_shape(view(a, permuted(target, perm)), target, perm);
      }
    }
    const Act p = plain(a);
    return with_shape(view(p, target), target, identity(target.size()));
  }

  // ---- conversion ----

  void convert(const Node& n) {
    const std::string& t = n.type;
    if (t == "Constant") return convert_constant(n);
    if (fold_if_constant(n)) return;
    if (t == "Identity" || t == "Dropout" || t == "Cast") return set_act(n.outputs[0], act(n.inputs[0]));
    if (t == "nm.LayerNorm" || t == "LayerNormalization") return convert_layernorm(n);
    if (t == "nm.Gelu") return unary(n, OpKind::kGelu);
    if (t == "nm.Silu") return unary(n, OpKind::kSilu);
    if (t == "Relu") return unary(n, OpKind::kRelu);
    if (t == "Sigmoid") return unary(n, OpKind::kSigmoid);
    if (t == "Tanh") return unary(n, OpKind::kTanh);
    if (t == "Erf") return unary(n, OpKind::kErf);
    if (t == "Exp") return unary(n, OpKind::kExp);
    if (t == "Sqrt") return unary(n, OpKind::kSqrt);
    if (t == "Reciprocal") return unary(n, OpKind::kReciprocal);
    if (t == "LeakyRelu") {
      OpAttrs attrs;
      // ONNX stores alpha as float32: 0.01 arrives as 0.0099999998; the PWL table implements 0.01.
      const double alpha = attr_float(*n.proto, "alpha", 0.01);
      attrs.alpha = static_cast<float>(alpha) == 0.01f ? 0.01 : alpha;
      return unary(n, OpKind::kLeakyRelu, attrs);
    }
    if (t == "Clip") return convert_clip(n);
    if (t == "HardSwish") return unary(n, OpKind::kHardSwish);
    if (t == "HardSigmoid") return convert_hard_sigmoid(n);
    if (t == "Add" || t == "Sub" || t == "Mul" || t == "Div") return convert_arith(n);
    if (t == "Pow") return convert_pow(n);
    if (t == "Conv") return convert_conv(n);
    if (t == "BatchNormalization") return convert_batchnorm(n);
    if (t == "MatMul") return convert_matmul(n);
    if (t == "Gemm") return convert_gemm(n);
    if (t == "MaxPool" || t == "AveragePool") return convert_pool(n);
    if (t == "GlobalAveragePool") return convert_global_pool(n);
    if (t == "ReduceMean") return convert_reduce_mean(n);
    if (t == "Softmax") return convert_softmax(n);
    if (t == "Transpose") return convert_transpose(n);
    if (t == "Reshape" || t == "Flatten" || t == "Squeeze" || t == "Unsqueeze") return convert_reshape(n);
    if (t == "Concat") return convert_concat(n);
    if (t == "Gather") return convert_gather(n);
    if (t == "Slice") return convert_slice(n);
    if (t == "Split") return convert_split(n);
    if (t == "Shape") return convert_shape(n);
    fail_node(n, "is supported only on constant inputs (its inputs here are activations)");
  }

  void convert_constant(const Node& n) {
    const auto* a = find_attr(*n.proto, "value");
    if (a && a->has_t()) {
      consts_[n.outputs[0]] = read_tensor(a->t(), "node '" + n.name + "' (Constant)");
      return;
    }
    if (const auto* f = find_attr(*n.proto, "value_float")) {
      consts_[n.outputs[0]] = make_float({}, {f->f()});
      return;
    }
    if (const auto* i = find_attr(*n.proto, "value_int")) {
      consts_[n.outputs[0]] = make_int({}, {i->i()});
      return;
    }
    if (const auto* is = find_attr(*n.proto, "value_ints")) {
      consts_[n.outputs[0]] = make_int({is->ints_size()}, Dims(is->ints().begin(), is->ints().end()));
      return;
    }
    fail_node(n, "has no supported value attribute");
  }

  // ---- constant folding ----

  static Dims broadcast_dims(const Dims& a, const Dims& b, bool& ok) {
    const size_t r = std::max(a.size(), b.size());
    Dims out(r);
    ok = true;
    for (size_t k = 0; k < r; ++k) {
      const int64_t x = k + a.size() >= r ? a[k + a.size() - r] : 1;
      const int64_t y = k + b.size() >= r ? b[k + b.size() - r] : 1;
      if (x != y && x != 1 && y != 1) ok = false;
      out[k] = std::max(x, y);
    }
    return out;
  }

  // Index into a broadcast operand of shape `d` for flat index `e` of shape `out`.
  static size_t broadcast_source(const Dims& out, const Dims& d, size_t e) {
    size_t src = 0, stride = 1;
    for (size_t k = out.size(); k-- > 0;) {
      const size_t coord = e % static_cast<size_t>(out[k]);
      e /= static_cast<size_t>(out[k]);
      const size_t dk = k + d.size() >= out.size() ? k + d.size() - out.size() : SIZE_MAX;
      if (dk == SIZE_MAX) continue;
      if (d[dk] != 1) src += coord * stride;
      stride *= static_cast<size_t>(d[dk]);
    }
    return src;
  }

  static Const from_doubles(const Dims& dims, const std::vector<double>& v, bool integer) {
    if (integer) {
      Dims i(v.size());
      for (size_t k = 0; k < v.size(); ++k) i[k] = static_cast<int64_t>(std::llround(v[k]));
      return make_int(dims, std::move(i));
    }
    return make_float(dims, std::vector<float>(v.begin(), v.end()));
  }

  std::vector<double> doubles(const Const& c) const {
    std::vector<double> v(c.size());
    for (size_t k = 0; k < c.size(); ++k) v[k] = c.at(k);
    return v;
  }

  // Evaluates a node whose inputs are all constants; false when some input is an activation.
  // Elements of a constant folded at import time: shape plumbing is small; a file asking for more
  // than 2^24 folded values (ConstantOfShape, Expand, Tile of a constant) is refused, not allocated.
  size_t folded_elements(const Node& n, const Dims& dims) const {
    constexpr int64_t kMaxFolded = int64_t{1} << 24;
    const int64_t count = product(dims);
    if (count < 0 || count > kMaxFolded)
      fail_node(n, "folding its constant output " + dims_text(dims) + " needs more than 2^24 values");
    return static_cast<size_t>(count);
  }

  bool fold_if_constant(const Node& n) {
    if (n.type.rfind("nm.", 0) == 0) return false;
    bool any_input = false;
    for (const std::string& in : n.inputs) {
      if (in.empty()) continue;
      any_input = true;
      if (!is_const(in)) return false;
    }
    if (!any_input && n.type != "Constant") return false;
    const std::string& t = n.type;
    const std::string& out = n.outputs[0];
    const Const& a = konst(n, 0);
    if (t == "Identity" || t == "Dropout") {
      consts_[out] = a;
      return true;
    }
    if (t == "Cast") {
      const int to = static_cast<int>(attr_int(*n.proto, "to", onnx::TensorProto::FLOAT));
      const bool integer = to != onnx::TensorProto::FLOAT && to != onnx::TensorProto::DOUBLE &&
                           to != onnx::TensorProto::FLOAT16;
      std::vector<double> v = doubles(a);
      if (integer)
        for (double& x : v) x = std::trunc(x);
      consts_[out] = from_doubles(a.dims, v, integer);
      return true;
    }
    if (t == "Add" || t == "Sub" || t == "Mul" || t == "Div" || t == "Pow" || t == "Equal" || t == "Where") {
      const bool where = t == "Where";
      const Const& b = konst(n, 1);
      bool ok = true;
      Dims dims = broadcast_dims(a.dims, b.dims, ok);
      const Const* c = where ? &konst(n, 2) : nullptr;
      if (c) dims = broadcast_dims(dims, c->dims, ok);
      if (!ok) fail_node(n, "constant operands do not broadcast");
      const auto total = folded_elements(n, dims);
      std::vector<double> v(total);
      for (size_t e = 0; e < total; ++e) {
        const double x = a.at(broadcast_source(dims, a.dims, e));
        const double y = b.at(broadcast_source(dims, b.dims, e));
        if (t == "Add") v[e] = x + y;
        if (t == "Sub") v[e] = x - y;
        if (t == "Mul") v[e] = x * y;
        if (t == "Div") v[e] = (a.integer && b.integer) ? std::trunc(x / y) : x / y;
        if (t == "Pow") v[e] = std::pow(x, y);
        if (t == "Equal") v[e] = x == y ? 1 : 0;
        if (where) v[e] = x != 0 ? y : c->at(broadcast_source(dims, c->dims, e));
      }
      const bool integer = t == "Equal" || (where ? b.integer && c->integer : a.integer && b.integer);
      consts_[out] = from_doubles(dims, v, integer);
      return true;
    }
    if (t == "Sqrt" || t == "Reciprocal" || t == "Exp" || t == "Relu" || t == "Erf" || t == "Tanh" ||
        t == "Sigmoid") {
      std::vector<double> v = doubles(a);
      for (double& x : v) {
        if (t == "Sqrt") x = std::sqrt(x);
        if (t == "Reciprocal") x = 1.0 / x;
        if (t == "Exp") x = std::exp(x);
        if (t == "Relu") x = std::max(x, 0.0);
        if (t == "Erf") x = std::erf(x);
        if (t == "Tanh") x = std::tanh(x);
        if (t == "Sigmoid") x = 1.0 / (1.0 + std::exp(-x));
      }
      consts_[out] = from_doubles(a.dims, v, false);
      return true;
    }
    if (t == "Unsqueeze" || t == "Squeeze" || t == "Reshape" || t == "Flatten") {
      Const c = a;
      c.dims = reshaped_dims(n, a.dims);
      consts_[out] = c;
      return true;
    }
    if (t == "Transpose") {
      const size_t r = a.dims.size();
      const Dims perm = transpose_perm(n, r);
      Dims outd = permuted(a.dims, perm);
      std::vector<double> v(a.size());
      const Dims inv = inverse(perm);
      for (size_t e = 0; e < v.size(); ++e) {
        // e indexes the output; find its source.
        size_t rem = e, src = 0;
        Dims coord(r);
        for (size_t k = r; k-- > 0;) {
          coord[k] = static_cast<int64_t>(rem % static_cast<size_t>(outd[k]));
          rem /= static_cast<size_t>(outd[k]);
        }
        size_t stride = 1;
        for (size_t k = r; k-- > 0;) {
          src += static_cast<size_t>(coord[static_cast<size_t>(inv[k])]) * stride;
          stride *= static_cast<size_t>(a.dims[k]);
        }
        v[e] = a.at(src);
      }
      consts_[out] = from_doubles(outd, v, a.integer);
      return true;
    }
    if (t == "Shape") {
      Dims d = a.dims;
      consts_[out] = make_int({static_cast<int64_t>(d.size())}, d);
      return true;
    }
    if (t == "ConstantOfShape") {
      const Dims dims = const_ints(n, 0);
      double value = 0;
      bool integer = false;
      if (const auto* v = find_attr(*n.proto, "value")) {
        const Const c = read_tensor(v->t(), "node '" + n.name + "' value");
        value = c.at(0);
        integer = c.integer;
      }
      consts_[out] = from_doubles(dims, std::vector<double>(folded_elements(n, dims), value), integer);
      return true;
    }
    if (t == "Range") {
      const double start = a.at(0), limit = konst(n, 1).at(0), delta = konst(n, 2).at(0);
      std::vector<double> v;
      for (double x = start; delta > 0 ? x < limit : x > limit; x += delta) {
        v.push_back(x);
        if (v.size() > (size_t{1} << 24)) fail_node(n, "range of more than 2^24 values");
      }
      consts_[out] = from_doubles({static_cast<int64_t>(v.size())}, v, a.integer);
      return true;
    }
    if (t == "Expand") {
      bool ok = true;
      const Dims dims = broadcast_dims(a.dims, const_ints(n, 1), ok);
      if (!ok) fail_node(n, "shape does not broadcast");
      std::vector<double> v(folded_elements(n, dims));
      for (size_t e = 0; e < v.size(); ++e) v[e] = a.at(broadcast_source(dims, a.dims, e));
      consts_[out] = from_doubles(dims, v, a.integer);
      return true;
    }
    if (t == "Concat") {
      const int64_t axis = norm_axis(n, attr_int(*n.proto, "axis", 0), a.dims.size());
      Dims dims = a.dims;
      dims[static_cast<size_t>(axis)] = 0;
      for (size_t k = 0; k < n.inputs.size(); ++k)
        dims[static_cast<size_t>(axis)] += konst(n, k).dims.at(static_cast<size_t>(axis));
      const auto outer = static_cast<size_t>(product(dims, 0, static_cast<size_t>(axis)));
      std::vector<double> v;
      bool integer = true;
      v.reserve(folded_elements(n, dims));
      for (size_t o = 0; o < outer; ++o) {
        for (size_t k = 0; k < n.inputs.size(); ++k) {
          const Const& c = konst(n, k);
          integer = integer && c.integer;
          const auto chunk = static_cast<size_t>(product(c.dims, static_cast<size_t>(axis)));
          for (size_t e = 0; e < chunk; ++e) v.push_back(c.at(o * chunk + e));
        }
      }
      consts_[out] = from_doubles(dims, v, integer);
      return true;
    }
    if (t == "Gather") {
      const Const& idx = konst(n, 1);
      const int64_t axis = norm_axis(n, attr_int(*n.proto, "axis", 0), a.dims.size());
      const auto outer = static_cast<size_t>(product(a.dims, 0, static_cast<size_t>(axis)));
      const auto extent = static_cast<size_t>(a.dims[static_cast<size_t>(axis)]);
      const auto inner = static_cast<size_t>(product(a.dims, static_cast<size_t>(axis) + 1));
      Dims dims(a.dims.begin(), a.dims.begin() + axis);
      dims.insert(dims.end(), idx.dims.begin(), idx.dims.end());
      dims.insert(dims.end(), a.dims.begin() + axis + 1, a.dims.end());
      std::vector<double> v;
      for (size_t o = 0; o < outer; ++o) {
        for (size_t k = 0; k < idx.size(); ++k) {
          auto i = static_cast<int64_t>(idx.at(k));
          if (i < 0) i += static_cast<int64_t>(extent);
          if (i < 0 || i >= static_cast<int64_t>(extent)) fail_node(n, "index out of range");
          for (size_t e = 0; e < inner; ++e)
            v.push_back(a.at((o * extent + static_cast<size_t>(i)) * inner + e));
        }
      }
      consts_[out] = from_doubles(dims, v, a.integer);
      return true;
    }
    if (t == "Slice") {
      Const cur = a;
      for (const auto& [axis, start, step, count] : slice_specs(n, a.dims)) {
        const auto outer = static_cast<size_t>(product(cur.dims, 0, static_cast<size_t>(axis)));
        const auto extent = static_cast<size_t>(cur.dims[static_cast<size_t>(axis)]);
        const auto inner = static_cast<size_t>(product(cur.dims, static_cast<size_t>(axis) + 1));
        std::vector<double> v;
        for (size_t o = 0; o < outer; ++o) {
          for (int64_t j = 0; j < count; ++j) {
            const auto i = static_cast<size_t>(start + j * step);
            for (size_t e = 0; e < inner; ++e) v.push_back(cur.at((o * extent + i) * inner + e));
          }
        }
        Dims dims = cur.dims;
        dims[static_cast<size_t>(axis)] = count;
        cur = from_doubles(dims, v, cur.integer);
      }
      consts_[out] = cur;
      return true;
    }
    fail_node(n, "cannot be evaluated on constants here");
  }

  // Output dims of Reshape / Flatten / Squeeze / Unsqueeze for input dims `in`.
  Dims reshaped_dims(const Node& n, const Dims& in) const {
    const std::string& t = n.type;
    if (t == "Flatten") {
      const int64_t axis = norm_axis(n, attr_int(*n.proto, "axis", 1), in.size() + 1);
      return {product(in, 0, static_cast<size_t>(axis)), product(in, static_cast<size_t>(axis))};
    }
    if (t == "Reshape") {
      Dims target = const_ints(n, 1);
      const bool allowzero = attr_int(*n.proto, "allowzero", 0) != 0;
      int infer = -1;
      int64_t known = 1;
      for (size_t k = 0; k < target.size(); ++k) {
        if (target[k] == 0 && !allowzero) {
          if (k >= in.size()) fail_node(n, "shape copies a dimension the input does not have");
          target[k] = in[k];
        }
        if (target[k] == -1) {
          if (infer >= 0) fail_node(n, "shape has two -1 entries");
          infer = static_cast<int>(k);
        } else {
          if (target[k] <= 0) fail_node(n, "shape " + dims_text(target) + " has a non-positive entry");
          if (target[k] > kMaxElements || known > kMaxElements / target[k])
            fail_node(n, "shape " + dims_text(target) + ": expected at most 2^48 elements");
          known *= target[k];
        }
      }
      if (infer >= 0) {
        if (known == 0 || product(in) % known != 0) fail_node(n, "cannot infer the -1 dimension");
        target[static_cast<size_t>(infer)] = product(in) / known;
      }
      if (product(target) != product(in))
        fail_node(n, "shape " + dims_text(target) + " does not hold the input's " +
                         std::to_string(product(in)) + " elements");
      return target;
    }
    Dims axes = attr_ints(*n.proto, "axes");
    if (axes.empty() && n.inputs.size() > 1 && !n.inputs[1].empty()) axes = const_ints(n, 1);
    if (t == "Squeeze") {
      Dims out;
      std::set<int64_t> drop;
      for (int64_t ax : axes) drop.insert(norm_axis(n, ax, in.size()));
      for (size_t k = 0; k < in.size(); ++k) {
        const bool squeeze = axes.empty() ? in[k] == 1 : drop.count(static_cast<int64_t>(k)) > 0;
        if (squeeze && in[k] != 1) fail_node(n, "squeezes a dimension of size " + std::to_string(in[k]));
        if (!squeeze) out.push_back(in[k]);
      }
      return out;
    }
    // Unsqueeze
    const size_t rank = in.size() + axes.size();
    std::set<int64_t> add;
    for (int64_t ax : axes) add.insert(norm_axis(n, ax, rank));
    Dims out;
    size_t k = 0;
    for (size_t d = 0; d < rank; ++d) out.push_back(add.count(static_cast<int64_t>(d)) ? 1 : in.at(k++));
    return out;
  }

  struct SliceSpec {
    int64_t axis, start, step, count;
  };

  std::vector<SliceSpec> slice_specs(const Node& n, const Dims& dims) const {
    Dims starts, ends, axes, steps;
    if (opset_ >= 10 && n.inputs.size() >= 3) {
      starts = const_ints(n, 1);
      ends = const_ints(n, 2);
      if (n.inputs.size() > 3 && !n.inputs[3].empty()) axes = const_ints(n, 3);
      if (n.inputs.size() > 4 && !n.inputs[4].empty()) steps = const_ints(n, 4);
    }
    if (axes.empty()) axes = identity(starts.size());
    if (steps.empty()) steps.assign(starts.size(), 1);
    if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
      fail_node(n, "starts, ends, axes and steps differ in length");
    std::vector<SliceSpec> specs;
    for (size_t k = 0; k < starts.size(); ++k) {
      const int64_t axis = norm_axis(n, axes[k], dims.size());
      const int64_t extent = dims[static_cast<size_t>(axis)];
      if (steps[k] < 1)
        fail_node(n, "step " + std::to_string(steps[k]) + " is not supported (positive steps are)");
      auto clamp = [&](int64_t v) {
        if (v < 0) v += extent;
        return std::min(std::max<int64_t>(v, 0), extent);
      };
      const int64_t s = clamp(starts[k]), e = clamp(ends[k]);
      const int64_t count = e > s ? (e - s + steps[k] - 1) / steps[k] : 0;
      if (count == 0) fail_node(n, "slice is empty");
      specs.push_back({axis, s, steps[k], count});
    }
    return specs;
  }

  // ---- activations ----

  void unary(const Node& n, OpKind kind, OpAttrs attrs = {}) {
    const Act& x = act(n.inputs[0]);
    const int id = emit(n, kind, {x.id}, graph_.tensor(x.id).shape, attrs);
    set_act(n.outputs[0], with_shape(id, x.logical, x.perm));
  }

  // Any slope and offset: alpha x + beta = z / 6 + 1/2 with z = 6 alpha x + 6 beta - 3, so one
  // affine pass ahead of the standard table.
  void convert_hard_sigmoid(const Node& n) {
    if (standard_hard_sigmoid(n)) return unary(n, OpKind::kHardSigmoid);
    const double alpha = attr_float(*n.proto, "alpha", 0.2), beta = attr_float(*n.proto, "beta", 0.5);
    if (!(alpha != 0 && std::isfinite(alpha) && std::isfinite(beta)))
      fail_node(n, "HardSigmoid alpha must be finite and non-zero");
    const Act x = act(n.inputs[0]);
    const Act z = affine(n, x, 6 * alpha, 6 * beta - 3, ".affine");
    const int id = emit(n, OpKind::kHardSigmoid, {z.id}, graph_.tensor(z.id).shape);
    set_act(n.outputs[0], with_shape(id, z.logical, z.perm));
  }

  void convert_clip(const Node& n) {
    double lo = -INFINITY, hi = INFINITY;
    if (opset_ < 11) {
      lo = attr_float(*n.proto, "min", lo);
      hi = attr_float(*n.proto, "max", hi);
    } else {
      if (n.inputs.size() > 1 && !n.inputs[1].empty()) lo = konst(n, 1).at(0);
      if (n.inputs.size() > 2 && !n.inputs[2].empty()) hi = konst(n, 2).at(0);
    }
    if (lo == 0 && hi == 6) return unary(n, OpKind::kRelu6);
    if (lo == 0 && std::isinf(hi)) return unary(n, OpKind::kRelu);
    fail_node(n, "Clip(" + std::to_string(lo) + ", " + std::to_string(hi) +
                     ") is not supported (Clip(0, 6) and Clip(0) are)");
  }

  void convert_layernorm(const Node& n) {
    const Act x = plain(act(n.inputs[0]));
    const int64_t width = x.logical.back();
    double eps = n.eps;
    if (n.type == "LayerNormalization") {
      if (norm_axis(n, attr_int(*n.proto, "axis", -1), x.logical.size()) !=
          static_cast<int64_t>(x.logical.size()) - 1)
        fail_node(n, "normalizes over more than the last axis (only the last axis is supported)");
      eps = attr_float(*n.proto, "epsilon", 1e-5);
    }
    auto param = [&](size_t input, float fallback, const std::string& role) {
      if (input < n.inputs.size() && !n.inputs[input].empty()) {
        const Const& c = konst(n, input);
        if (static_cast<int64_t>(c.size()) != width)
          fail_node(
              n, role + " holds " + std::to_string(c.size()) + " values, the row " + std::to_string(width));
        return constant_of(n.inputs[input], c, {width});
      }
      return constant(op_name(n, "." + role), {width},
                      std::vector<float>(static_cast<size_t>(width), fallback));
    };
    const int gamma = param(1, 1.0f, "gamma");
    const int beta = param(2, 0.0f, "beta");
    OpAttrs attrs;
    attrs.eps = eps;
    const int id = emit(n, OpKind::kLayerNorm, {x.id, gamma, beta}, graph_.tensor(x.id).shape, attrs);
    set_act(n.outputs[0], with_shape(id, x.logical, x.perm));
  }

  // The constant `c` broadcast against activation `a`, as an IR constant in `a`'s storage order.
  int broadcast_constant(const Node& n, const Act& a, const Const& c, const std::string& name) {
    if (c.dims.size() > a.logical.size())
      fail_node(n, "constant operand has a higher rank than the activation");
    Dims aligned(a.logical.size() - c.dims.size(), 1);
    aligned.insert(aligned.end(), c.dims.begin(), c.dims.end());
    for (size_t k = 0; k < aligned.size(); ++k) {
      if (aligned[k] != 1 && aligned[k] != a.logical[k])
        fail_node(n, "constant " + dims_text(c.dims) + " does not broadcast to " + dims_text(a.logical));
    }
    // Reorder the constant's values into the activation's storage order.
    const Dims storage = permuted(aligned, a.perm);
    std::vector<float> v(c.size());
    const Dims inv = inverse(a.perm);
    for (size_t e = 0; e < v.size(); ++e) {
      size_t rem = e, src = 0, stride = 1;
      Dims coord(storage.size());
      for (size_t k = storage.size(); k-- > 0;) {
        coord[k] = static_cast<int64_t>(rem % static_cast<size_t>(storage[k]));
        rem /= static_cast<size_t>(storage[k]);
      }
      for (size_t l = aligned.size(); l-- > 0;) {
        src += static_cast<size_t>(coord[static_cast<size_t>(inv[l])]) * stride;
        stride *= static_cast<size_t>(aligned[l]);
      }
      v[e] = static_cast<float>(c.at(src));
    }
    Broadcast bc;
    if (!broadcast_pattern(graph_.tensor(a.id).shape, storage, bc))
      fail_node(n, "constant " + dims_text(c.dims) + " repeats over " + dims_text(a.logical) +
                       " in a pattern the element-wise kernel cannot address");
    return constant(name, storage, std::move(v));
  }

  // y = x * scale + shift.
  Act affine(const Node& n, const Act& x, double scale, double shift, const std::string& suffix = "") {
    OpAttrs attrs;
    attrs.scale = scale;
    attrs.shift = shift;
    const int id = emit(n, OpKind::kAffine, {x.id}, graph_.tensor(x.id).shape, attrs, suffix);
    return with_shape(id, x.logical, x.perm);
  }

  // Binary element-wise on two activations (input 1 may broadcast).
  Act binary(const Node& n, OpKind kind, Act a, Act b, const std::string& suffix = "") {
    if (product(b.logical) > product(a.logical)) std::swap(a, b);  // add and mul commute
    if (b.logical.size() < a.logical.size()) {
      Dims padded(a.logical.size() - b.logical.size(), 1);
      padded.insert(padded.end(), b.logical.begin(), b.logical.end());
      b = reshape(b, padded);
    }
    b = to_layout(b, a.perm);
    Broadcast bc;
    if (!broadcast_pattern(graph_.tensor(a.id).shape, graph_.tensor(b.id).shape, bc)) {
      a = plain(a);
      b = plain(b);
      if (!broadcast_pattern(graph_.tensor(a.id).shape, graph_.tensor(b.id).shape, bc))
        fail_node(n, "operands " + dims_text(a.logical) + " and " + dims_text(b.logical) +
                         " broadcast in a pattern the element-wise kernel cannot address");
    }
    const int id = emit(n, kind, {a.id, b.id}, graph_.tensor(a.id).shape, {}, suffix);
    return with_shape(id, a.logical, a.perm);
  }

  // A bias add after a linear (MatMul with constant weights) whose output nothing else reads
  // folds into the linear's bias.
  bool fold_bias(const Node& n, const std::string& x_name, const Act& x, const Const& c) {
    const auto it = producer_.find(x.id);
    if (it == producer_.end()) return false;
    const Op& op = graph_.ops()[static_cast<size_t>(it->second)];
    if ((op.kind != OpKind::kLinear && op.kind != OpKind::kConv2d) || op.inputs.size() != 2) return false;
    if (only_user(x_name) < 0) return false;
    const int64_t out = graph_.tensor(op.output).shape.back();
    if (static_cast<int64_t>(c.size()) != out) return false;
    // The constant must vary along the output-channel dim only.
    const size_t channel = static_cast<size_t>(x.perm.back());
    Dims aligned(x.logical.size() - std::min(x.logical.size(), c.dims.size()), 1);
    aligned.insert(aligned.end(), c.dims.begin(), c.dims.end());
    if (aligned.size() != x.logical.size()) return false;
    for (size_t k = 0; k < aligned.size(); ++k) {
      if (k != channel && aligned[k] != 1) return false;
    }
    const int bias = constant_of(n.inputs[is_const(n.inputs[0]) ? 0 : 1], c, {out});
    graph_.add_op_input(static_cast<size_t>(it->second), bias);
    set_act(n.outputs[0], x);
    return true;
  }

  void convert_arith(const Node& n) {
    const std::string& t = n.type;
    const bool a_const = is_const(n.inputs[0]), b_const = is_const(n.inputs[1]);
    if (a_const || b_const) {
      const Const& c = consts_.at(n.inputs[a_const ? 0 : 1]);
      const Act& x = act(n.inputs[a_const ? 1 : 0]);
      if (c.size() == 1) {
        const double v = c.at(0);
        Act y;
        if (t == "Add") y = affine(n, x, 1, v);
        if (t == "Mul") y = affine(n, x, v, 0);
        if (t == "Sub") y = a_const ? affine(n, x, -1, v) : affine(n, x, 1, -v);
        if (t == "Div") {
          if (a_const) {
            const Act r = unary_act(n, OpKind::kReciprocal, x, ".reciprocal");
            y = affine(n, r, v, 0);
          } else {
            y = affine(n, x, 1.0 / v, 0);
          }
        }
        return set_act(n.outputs[0], y);
      }
      if (t == "Add" && fold_bias(n, n.inputs[a_const ? 1 : 0], x, c)) return;
      if (t == "Div" && a_const) fail_node(n, "a constant tensor divided by an activation is not supported");
      Const k = c;
      if (t == "Sub" && b_const) k = negate(c);
      if (t == "Div") k = reciprocal(c);
      Act xx = x;
      if (t == "Sub" && a_const) xx = affine(n, x, -1, 0, ".negate");
      const int cid = broadcast_constant(n, xx, k, n.inputs[a_const ? 0 : 1]);
      const OpKind kind = (t == "Add" || t == "Sub") ? OpKind::kAdd : OpKind::kMul;
      const int id = emit(n, kind, {xx.id, cid}, graph_.tensor(xx.id).shape);
      return set_act(n.outputs[0], with_shape(id, xx.logical, xx.perm));
    }
    const Act& a = act(n.inputs[0]);
    const Act& b = act(n.inputs[1]);
    if (t == "Add") return set_act(n.outputs[0], binary(n, OpKind::kAdd, a, b));
    if (t == "Mul") return set_act(n.outputs[0], binary(n, OpKind::kMul, a, b));
    if (t == "Sub") {
      const Act nb = affine(n, b, -1, 0, ".negate");
      return set_act(n.outputs[0], binary(n, OpKind::kAdd, a, nb));
    }
    // Div by a tensor: reciprocal by PWL, then a multiply.
    const Act r = unary_act(n, OpKind::kReciprocal, b, ".reciprocal");
    return set_act(n.outputs[0], binary(n, OpKind::kMul, a, r));
  }

  Act unary_act(const Node& n, OpKind kind, const Act& x, const std::string& suffix) {
    const int id = emit(n, kind, {x.id}, graph_.tensor(x.id).shape, {}, suffix);
    return with_shape(id, x.logical, x.perm);
  }

  static Const negate(const Const& c) {
    std::vector<float> v(c.size());
    for (size_t k = 0; k < v.size(); ++k) v[k] = static_cast<float>(-c.at(k));
    return make_float(c.dims, std::move(v));
  }

  static Const reciprocal(const Const& c) {
    std::vector<float> v(c.size());
    for (size_t k = 0; k < v.size(); ++k) v[k] = static_cast<float>(1.0 / c.at(k));
    return make_float(c.dims, std::move(v));
  }

  void convert_pow(const Node& n) {
    const Act& x = act(n.inputs[0]);
    const Const& e = konst(n, 1);
    if (e.size() != 1) fail_node(n, "exponent must be a scalar");
    const double p = e.at(0);
    if (p == 1) return set_act(n.outputs[0], x);
    if (p == 0.5) return unary(n, OpKind::kSqrt);
    if (p == -1) return unary(n, OpKind::kReciprocal);
    if (p == 2 || p == 3) {
      Act sq = with_shape(
          emit(n, OpKind::kMul, {x.id, x.id}, graph_.tensor(x.id).shape, {}, p == 3 ? ".square" : ""),
          x.logical, x.perm);
      if (p == 3)
        sq = with_shape(emit(n, OpKind::kMul, {sq.id, x.id}, graph_.tensor(x.id).shape), x.logical, x.perm);
      return set_act(n.outputs[0], sq);
    }
    fail_node(n, "exponent " + std::to_string(p) + " is not supported (0.5, 1, 2, 3 and -1 are)");
  }

  // Conv weights [Cout, Cin/g, KH, KW] -> the IR's [KH, KW, Cin/g, Cout].
  std::vector<float> conv_weights(const Const& w) const {
    const int64_t co = w.dims[0], ci = w.dims[1], kh = w.dims[2], kw = w.dims[3];
    std::vector<float> v(w.size());
    for (int64_t o = 0; o < co; ++o)
      for (int64_t c = 0; c < ci; ++c)
        for (int64_t y = 0; y < kh; ++y)
          for (int64_t x = 0; x < kw; ++x)
            v[static_cast<size_t>(((y * kw + x) * ci + c) * co + o)] =
                static_cast<float>(w.at(static_cast<size_t>(((o * ci + c) * kh + y) * kw + x)));
    return v;
  }

  void convert_conv(const Node& n) {
    const Act& in = act(n.inputs[0]);
    if (in.logical.size() != 4) fail_node(n, "only 2-D convolutions (rank-4 NCHW input) are supported");
    const Act x = to_layout(in, {0, 2, 3, 1});
    const Const& w = konst(n, 1);
    if (w.dims.size() != 4) fail_node(n, "weight must be rank 4");
    const Dims strides = attr_ints(*n.proto, "strides", {1, 1});
    const Dims pads = attr_ints(*n.proto, "pads", {0, 0, 0, 0});
    const Dims dil = attr_ints(*n.proto, "dilations", {1, 1});
    const auto* auto_pad = find_attr(*n.proto, "auto_pad");
    if (auto_pad && auto_pad->s() != "NOTSET")
      fail_node(n, "auto_pad " + auto_pad->s() + " is not supported (explicit pads are)");
    if (dil != Dims{1, 1}) fail_node(n, "dilated convolutions are not supported");
    if (strides.size() != 2 || strides[0] != strides[1])
      fail_node(n, "strides " + dims_text(strides) + ": equal strides are supported");
    if (pads.size() != 4 || std::any_of(pads.begin(), pads.end(), [&](int64_t p) { return p != pads[0]; }))
      fail_node(n, "pads " + dims_text(pads) + ": equal padding on every side is supported");
    if (strides[0] < 1 || pads[0] < 0)
      fail_node(n, "strides " + dims_text(strides) + ", pads " + dims_text(pads) +
                       ": expected strides >= 1 and pads >= 0");
    const int64_t groups = attr_int(*n.proto, "group", 1);
    const int64_t cout = w.dims[0], kh = w.dims[2], kw = w.dims[3];
    const int64_t c = x.logical[1], h = x.logical[2], wd = x.logical[3];
    if (groups < 1 || c % groups != 0 || w.dims[1] != c / groups || cout % groups != 0)
      fail_node(n, "weight " + dims_text(w.dims) + " does not fit input channels " + std::to_string(c) +
                       " in " + std::to_string(groups) + " groups");
    const int64_t ho = (h + 2 * pads[0] - kh) / strides[0] + 1, wo = (wd + 2 * pads[0] - kw) / strides[0] + 1;
    if (ho < 1 || wo < 1) fail_node(n, "window larger than the padded input");
    const int wid = constant(n.inputs[1], {kh, kw, c / groups, cout}, conv_weights(w));
    std::vector<int> inputs = {x.id, wid};
    if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
      const Const& b = konst(n, 2);
      if (static_cast<int64_t>(b.size()) != cout) fail_node(n, "bias size differs from the output channels");
      std::vector<float> bias(b.size());  // an own copy: a BatchNormalization may fold into it
      for (size_t k = 0; k < bias.size(); ++k) bias[k] = static_cast<float>(b.at(k));
      inputs.push_back(constant(n.inputs[2], {cout}, std::move(bias)));
    }
    OpAttrs attrs;
    attrs.kernel_h = kh;
    attrs.kernel_w = kw;
    attrs.stride = strides[0];
    attrs.pad = pads[0];
    attrs.groups = groups;
    const int id = emit(n, OpKind::kConv2d, inputs, {x.logical[0], ho, wo, cout}, attrs);
    set_act(n.outputs[0], with_shape(id, {x.logical[0], cout, ho, wo}, {0, 2, 3, 1}));
  }

  // BatchNormalization (inference): after a conv whose output nothing else reads, folded into its
  // weights and bias; elsewhere a per-channel multiply and add.
  void convert_batchnorm(const Node& n) {
    const Act& x = act(n.inputs[0]);
    const Const &scale = konst(n, 1), &bias = konst(n, 2), &mean = konst(n, 3), &var = konst(n, 4);
    const double eps = attr_float(*n.proto, "epsilon", 1e-5);
    if (x.logical.size() < 2) fail_node(n, "input must have a channel dimension");
    const int64_t channels = x.logical[1];
    if (static_cast<int64_t>(scale.size()) != channels || bias.size() != scale.size() ||
        mean.size() != scale.size() || var.size() != scale.size())
      fail_node(n, "parameters do not hold one value per channel");
    std::vector<double> s(static_cast<size_t>(channels)), b(static_cast<size_t>(channels));
    for (size_t c = 0; c < s.size(); ++c) {
      s[c] = scale.at(c) / std::sqrt(var.at(c) + eps);
      b[c] = bias.at(c) - mean.at(c) * s[c];
    }
    const auto it = producer_.find(x.id);
    if (it != producer_.end() && graph_.ops()[static_cast<size_t>(it->second)].kind == OpKind::kConv2d &&
        only_user(n.inputs[0]) >= 0) {
      const Op& conv = graph_.ops()[static_cast<size_t>(it->second)];
      auto& w = *values_.at(conv.inputs[1]);
      for (size_t e = 0; e < w.size(); ++e) w[e] = static_cast<float>(w[e] * s[e % s.size()]);
      if (conv.inputs.size() > 2) {
        auto& cb = *values_.at(conv.inputs[2]);
        for (size_t c = 0; c < cb.size(); ++c) cb[c] = static_cast<float>(cb[c] * s[c] + b[c]);
      } else {
        graph_.add_op_input(static_cast<size_t>(it->second),
                            constant(n.name + ".bias", {channels}, std::vector<float>(b.begin(), b.end())));
      }
      return set_act(n.outputs[0], x);
    }
    Dims cdims(x.logical.size(), 1);
    cdims[1] = channels;
    const Act scaled = with_shape(
        emit(n, OpKind::kMul,
             {x.id, broadcast_constant(n, x, make_float(cdims, std::vector<float>(s.begin(), s.end())),
                                       n.name + ".scale")},
             graph_.tensor(x.id).shape, {}, ".scale"),
        x.logical, x.perm);
    const int id =
        emit(n, OpKind::kAdd,
             {scaled.id, broadcast_constant(n, x, make_float(cdims, std::vector<float>(b.begin(), b.end())),
                                            n.name + ".shift")},
             graph_.tensor(x.id).shape);
    set_act(n.outputs[0], with_shape(id, x.logical, x.perm));
  }

  // [.., M, K] stored plainly or with the last two dims swapped, as a rank-3 IR operand.
  // Returns the IR id; `transposed` says which storage it has.
  int matmul_operand(const Act& a, bool& transposed) {
    const size_t r = a.logical.size();
    Dims swapped = identity(r);
    if (r >= 2) std::swap(swapped[r - 1], swapped[r - 2]);
    Act x = a;
    transposed = false;
    if (r >= 2 && a.perm == swapped && a.perm != identity(r)) {
      transposed = true;
    } else {
      x = plain(a);
    }
    const Dims& s = graph_.tensor(x.id).shape;
    const int64_t rows = s[s.size() - 2], cols = s.back();
    return view(x, {product(s) / (rows * cols), rows, cols}, ".operand");
  }

  void convert_matmul(const Node& n) {
    if (is_const(n.inputs[1])) {
      const Const& w = konst(n, 1);
      const Act x = plain(act(n.inputs[0]));
      if (w.dims.size() != 2) fail_node(n, "a constant right operand must be a matrix");
      if (x.logical.back() != w.dims[0])
        fail_node(n, "inner dims differ: " + dims_text(x.logical) + " x " + dims_text(w.dims));
      const int wid = constant_of(n.inputs[1], w, w.dims);
      Dims out = x.logical;
      out.back() = w.dims[1];
      const int id = emit(n, OpKind::kLinear, {x.id, wid}, out);
      return set_act(n.outputs[0], with_shape(id, out, identity(out.size())));
    }
    const bool a_const = is_const(n.inputs[0]);
    const Act& b = act(n.inputs[1]);
    if (b.logical.size() < 2) fail_node(n, "operands must be at least matrices");
    bool ta = false, tb = false;
    int aid;
    Dims a_logical;
    if (a_const) {
      const Const& c = konst(n, 0);
      if (c.dims.size() != 2) fail_node(n, "a constant left operand must be a matrix");
      a_logical = c.dims;
      std::vector<float> v(c.size());
      for (size_t k = 0; k < v.size(); ++k) v[k] = static_cast<float>(c.at(k));
      aid = constant(n.inputs[0], {1, c.dims[0], c.dims[1]}, std::move(v));
    } else {
      a_logical = act(n.inputs[0]).logical;
      aid = matmul_operand(act(n.inputs[0]), ta);
    }
    const int bid = matmul_operand(b, tb);
    const Dims as = graph_.tensor(aid).shape;  // copies: emit() grows the tensor list
    const Dims bs = graph_.tensor(bid).shape;
    const int64_t m = ta ? as[2] : as[1], k = ta ? as[1] : as[2];
    const int64_t kb = tb ? bs[2] : bs[1], nn = tb ? bs[1] : bs[2];
    if (k != kb) fail_node(n, "inner dims differ: " + dims_text(a_logical) + " x " + dims_text(b.logical));
    if (as[0] != bs[0])
      fail_node(n, "batch dims differ (" + dims_text(a_logical) + " x " + dims_text(b.logical) +
                       "): broadcasting batches is not supported");
    OpAttrs attrs;
    attrs.transpose_a = ta;
    attrs.transpose_b = tb;
    const int id = emit(n, OpKind::kMatMul, {aid, bid}, {as[0], m, nn}, attrs);
    Dims out = a_logical.size() >= b.logical.size() ? a_logical : b.logical;
    out[out.size() - 2] = m;
    out.back() = nn;
    const Act y = with_shape(id, {as[0], m, nn}, identity(3));
    set_act(n.outputs[0], with_shape(view(y, out), out, identity(out.size())));
  }

  void convert_gemm(const Node& n) {
    const Act x = plain(act(n.inputs[0]));
    if (x.logical.size() != 2) fail_node(n, "input A must be a matrix");
    if (attr_int(*n.proto, "transA", 0) != 0) fail_node(n, "transA = 1 is not supported");
    const Const& w = konst(n, 1);
    if (w.dims.size() != 2) fail_node(n, "B must be a matrix");
    const bool tb = attr_int(*n.proto, "transB", 0) != 0;
    const double alpha = attr_float(*n.proto, "alpha", 1.0), beta = attr_float(*n.proto, "beta", 1.0);
    const int64_t in = tb ? w.dims[1] : w.dims[0], out = tb ? w.dims[0] : w.dims[1];
    if (in != x.logical[1])
      fail_node(n, "inner dims differ: " + dims_text(x.logical) + " x " + dims_text(w.dims));
    std::vector<float> v(w.size());
    for (int64_t i = 0; i < in; ++i)
      for (int64_t o = 0; o < out; ++o)
        v[static_cast<size_t>(i * out + o)] =
            static_cast<float>(alpha * w.at(static_cast<size_t>(tb ? o * in + i : i * out + o)));
    std::vector<int> inputs = {x.id, constant(n.inputs[1], {in, out}, std::move(v))};
    if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
      const Const& c = konst(n, 2);
      if (static_cast<int64_t>(c.size()) != out) fail_node(n, "C must hold one bias per output");
      std::vector<float> bv(c.size());
      for (size_t k = 0; k < bv.size(); ++k) bv[k] = static_cast<float>(beta * c.at(k));
      inputs.push_back(constant(n.inputs[2], {out}, std::move(bv)));
    }
    const int id = emit(n, OpKind::kLinear, inputs, {x.logical[0], out});
    set_act(n.outputs[0], with_shape(id, {x.logical[0], out}, identity(2)));
  }

  void convert_pool(const Node& n) {
    const Act& in = act(n.inputs[0]);
    if (in.logical.size() != 4) fail_node(n, "only 2-D pooling is supported");
    const Act x = to_layout(in, {0, 2, 3, 1});
    const Dims k = attr_ints(*n.proto, "kernel_shape");
    const Dims strides = attr_ints(*n.proto, "strides", {1, 1});
    const Dims pads = attr_ints(*n.proto, "pads", {0, 0, 0, 0});
    if (k.size() != 2) fail_node(n, "kernel_shape must have 2 entries");
    if (strides.size() != 2 || strides[0] != strides[1]) fail_node(n, "equal strides are supported");
    if (pads.size() != 4 || std::any_of(pads.begin(), pads.end(), [&](int64_t p) { return p != pads[0]; }))
      fail_node(n, "equal padding on every side is supported");
    if (strides[0] < 1 || pads[0] < 0 || k[0] < 1 || k[1] < 1)
      fail_node(n, "kernel_shape " + dims_text(k) + ", strides " + dims_text(strides) + ", pads " +
                       dims_text(pads) + ": expected kernel and strides >= 1, pads >= 0");
    if (attr_int(*n.proto, "ceil_mode", 0) != 0) fail_node(n, "ceil_mode = 1 is not supported");
    if (attr_ints(*n.proto, "dilations", {1, 1}) != Dims{1, 1}) fail_node(n, "dilations are not supported");
    const bool avg = n.type == "AveragePool";
    if (avg && pads[0] > 0 && attr_int(*n.proto, "count_include_pad", 0) != 0)
      fail_node(
          n, "count_include_pad = 1 with padding is not supported (the pool divides by the valid elements)");
    const int64_t h = x.logical[2], w = x.logical[3];
    const int64_t ho = (h + 2 * pads[0] - k[0]) / strides[0] + 1,
                  wo = (w + 2 * pads[0] - k[1]) / strides[0] + 1;
    OpAttrs attrs;
    attrs.kernel_h = k[0];
    attrs.kernel_w = k[1];
    attrs.stride = strides[0];
    attrs.pad = pads[0];
    const int id = emit(n, avg ? OpKind::kAvgPool2d : OpKind::kMaxPool2d, {x.id},
                        {x.logical[0], ho, wo, x.logical[1]}, attrs);
    set_act(n.outputs[0], with_shape(id, {x.logical[0], x.logical[1], ho, wo}, {0, 2, 3, 1}));
  }

  Act global_pool(const Node& n, const Act& in) {
    if (in.logical.size() != 4) fail_node(n, "only rank-4 inputs are supported");
    const Act x = to_layout(in, {0, 2, 3, 1});
    const int id = emit(n, OpKind::kGlobalAvgPool, {x.id}, {x.logical[0], 1, 1, x.logical[1]});
    return with_shape(id, {x.logical[0], x.logical[1], 1, 1}, {0, 2, 3, 1});
  }

  void convert_global_pool(const Node& n) { set_act(n.outputs[0], global_pool(n, act(n.inputs[0]))); }

  void convert_reduce_mean(const Node& n) {
    const Act x = act(n.inputs[0]);
    Dims axes = attr_ints(*n.proto, "axes");
    if (axes.empty() && n.inputs.size() > 1 && !n.inputs[1].empty()) axes = const_ints(n, 1);
    const bool keep = attr_int(*n.proto, "keepdims", 1) != 0;
    const size_t r = x.logical.size();
    std::set<int64_t> ax;
    for (int64_t a : axes) ax.insert(norm_axis(n, a, r));
    if (r == 4 && ax == std::set<int64_t>{2, 3}) {
      const Act y = global_pool(n, x);
      return set_act(n.outputs[0], keep ? y : reshape(y, {x.logical[0], x.logical[1]}));
    }
    if (ax != std::set<int64_t>{static_cast<int64_t>(r) - 1})
      fail_node(n,
                "reduces over axes other than the last (the last axis, or H and W of NCHW, are supported)");
    const Act p = plain(x);
    Dims out = x.logical;
    out.back() = 1;
    const int id = emit(n, OpKind::kReduceMean, {p.id}, out);
    Act y = with_shape(id, out, identity(r));
    if (!keep) y = reshape(y, Dims(out.begin(), out.end() - 1));
    set_act(n.outputs[0], y);
  }

  void convert_softmax(const Node& n) {
    const Act& x = act(n.inputs[0]);
    const int64_t axis = norm_axis(n, attr_int(*n.proto, "axis", opset_ >= 13 ? -1 : 1), x.logical.size());
    if (axis != static_cast<int64_t>(x.logical.size()) - 1)
      fail_node(n, "softmax over an axis other than the last is not supported");
    const Act p = plain(x);
    const int id = emit(n, OpKind::kSoftmax, {p.id}, graph_.tensor(p.id).shape);
    set_act(n.outputs[0], with_shape(id, p.logical, p.perm));
  }

  // A Transpose's perm for an input of rank r: the attribute (default: reversed dims), which must
  // be a permutation of 0..r-1.
  Dims transpose_perm(const Node& n, size_t r) const {
    Dims perm = attr_ints(*n.proto, "perm");
    if (perm.empty()) {
      perm = identity(r);
      std::reverse(perm.begin(), perm.end());
    }
    if (perm.size() != r)
      fail_node(n,
                "perm has " + std::to_string(perm.size()) + " entries, the input rank " + std::to_string(r));
    std::vector<bool> seen(r, false);
    for (int64_t p : perm) {
      if (p < 0 || p >= static_cast<int64_t>(r) || seen[static_cast<size_t>(p)])
        fail_node(n, "perm " + dims_text(perm) + " is not a permutation of 0.." + std::to_string(r - 1));
      seen[static_cast<size_t>(p)] = true;
    }
    return perm;
  }

  void convert_transpose(const Node& n) {
    const Act& x = act(n.inputs[0]);
    const size_t r = x.logical.size();
    const Dims perm = transpose_perm(n, r);
    const Dims inv = inverse(perm);
    Dims new_perm(r);
    for (size_t j = 0; j < r; ++j) new_perm[j] = inv[static_cast<size_t>(x.perm[j])];
    set_act(n.outputs[0], with_shape(x.id, permuted(x.logical, perm), new_perm));
  }

  void convert_reshape(const Node& n) {
    const Act& x = act(n.inputs[0]);
    set_act(n.outputs[0], reshape(x, reshaped_dims(n, x.logical)));
  }

  void convert_concat(const Node& n) {
    size_t rank = 0;
    for (const std::string& in : n.inputs) {
      if (!is_const(in)) rank = act(in).logical.size();
    }
    const int64_t axis = norm_axis(n, attr_int(*n.proto, "axis", 0), rank);
    std::vector<int> ids;
    Dims out;
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      Dims d;
      if (is_const(n.inputs[k])) {
        const Const& c = konst(n, k);
        d = c.dims;
        ids.push_back(constant_of(n.inputs[k], c, d));
      } else {
        const Act p = plain(act(n.inputs[k]));
        d = p.logical;
        ids.push_back(p.id);
      }
      if (d.size() != rank) fail_node(n, "inputs differ in rank");
      if (out.empty()) {
        out = d;
      } else {
        for (size_t j = 0; j < rank; ++j) {
          if (static_cast<int64_t>(j) != axis && d[j] != out[j])
            fail_node(n, "inputs differ off the concat axis");
        }
        out[static_cast<size_t>(axis)] += d[static_cast<size_t>(axis)];
      }
    }
    OpAttrs attrs;
    attrs.axis = axis;
    const int id = emit(n, OpKind::kConcat, ids, out, attrs);
    set_act(n.outputs[0], with_shape(id, out, identity(rank)));
  }

  Act slice(const Node& n, const Act& x, int64_t axis, int64_t start, int64_t step, int64_t count,
            const std::string& suffix = "") {
    const Act p = plain(x);
    Dims out = p.logical;
    out[static_cast<size_t>(axis)] = count;
    if (out == p.logical) return p;
    OpAttrs attrs;
    attrs.axis = axis;
    attrs.start = start;
    attrs.step = step;
    const int id = emit(n, OpKind::kSlice, {p.id}, out, attrs, suffix);
    return with_shape(id, out, identity(out.size()));
  }

  void convert_gather(const Node& n) {
    if (is_const(n.inputs[0])) {  // an embedding table looked up by activation ids
      const Const& table = konst(n, 0);
      const Act ids = plain(act(n.inputs[1]));
      if (table.dims.size() != 2 || attr_int(*n.proto, "axis", 0) != 0)
        fail_node(n, "a constant table must be a matrix gathered along axis 0 (an embedding)");
      std::vector<float> v(table.size());
      for (size_t k = 0; k < v.size(); ++k) v[k] = static_cast<float>(table.at(k));
      const int tid = constant(n.inputs[0], table.dims, std::move(v));
      OpAttrs attrs;
      attrs.rows = product(ids.logical);
      const int id = emit(n, OpKind::kEmbedding, {ids.id, tid}, {attrs.rows, table.dims[1]}, attrs);
      Dims out = ids.logical;
      out.push_back(table.dims[1]);
      const Act y = with_shape(id, {attrs.rows, table.dims[1]}, identity(2));
      return set_act(n.outputs[0], reshape(y, out));
    }
    const Act& x = act(n.inputs[0]);
    const int64_t axis = norm_axis(n, attr_int(*n.proto, "axis", 0), x.logical.size());
    const Const& idx = konst(n, 1);
    const int64_t extent = x.logical[static_cast<size_t>(axis)];
    Dims v = const_ints(n, 1);
    for (int64_t& i : v) {
      if (i < 0) i += extent;
      if (i < 0 || i >= extent) fail_node(n, "index out of range");
    }
    const int64_t step = v.size() > 1 ? v[1] - v[0] : 1;
    for (size_t k = 1; k < v.size(); ++k) {
      if (v[k] - v[k - 1] != step || step < 1)
        fail_node(n, "indices must be an increasing arithmetic sequence");
    }
    Act y = slice(n, x, axis, v[0], step, static_cast<int64_t>(v.size()));
    Dims out(x.logical.begin(), x.logical.begin() + axis);
    out.insert(out.end(), idx.dims.begin(), idx.dims.end());
    out.insert(out.end(), x.logical.begin() + axis + 1, x.logical.end());
    set_act(n.outputs[0], reshape(y, out));
  }

  void convert_slice(const Node& n) {
    Act cur = act(n.inputs[0]);
    for (const auto& [axis, start, step, count] : slice_specs(n, cur.logical))
      cur = slice(n, cur, axis, start, step, count, ".axis" + std::to_string(axis));
    set_act(n.outputs[0], cur);
  }

  void convert_split(const Node& n) {
    const Act& x = act(n.inputs[0]);
    const int64_t axis = norm_axis(n, attr_int(*n.proto, "axis", 0), x.logical.size());
    const int64_t extent = x.logical[static_cast<size_t>(axis)];
    Dims sizes = attr_ints(*n.proto, "split");
    if (sizes.empty() && n.inputs.size() > 1 && !n.inputs[1].empty()) sizes = const_ints(n, 1);
    if (sizes.empty()) {
      const auto parts = static_cast<int64_t>(n.outputs.size());
      if (extent % parts != 0) fail_node(n, "cannot split " + std::to_string(extent) + " evenly");
      sizes.assign(n.outputs.size(), extent / parts);
    }
    if (sizes.size() != n.outputs.size()) fail_node(n, "split sizes do not match the outputs");
    int64_t start = 0;
    for (size_t k = 0; k < sizes.size(); ++k) {
      set_act(n.outputs[k], slice(n, x, axis, start, 1, sizes[k], "." + std::to_string(k)));
      start += sizes[k];
    }
    if (start != extent) fail_node(n, "split sizes do not sum to the axis");
  }

  void convert_shape(const Node& n) {
    const Dims& d = act(n.inputs[0]).logical;
    auto start = attr_int(*n.proto, "start", 0),
         end = attr_int(*n.proto, "end", static_cast<int64_t>(d.size()));
    const auto r = static_cast<int64_t>(d.size());
    if (start < 0) start += r;
    if (end < 0) end += r;
    start = std::clamp<int64_t>(start, 0, r);
    end = std::clamp<int64_t>(end, start, r);
    consts_[n.outputs[0]] = make_int({end - start}, Dims(d.begin() + start, d.begin() + end));
  }

  std::string path_;
  int64_t batch_ = 1;
  onnx::ModelProto model_;
  int opset_ = 0;
  Graph graph_;
  std::vector<Node> nodes_;
  size_t node_index_ = 0;
  std::unordered_map<std::string, Const> consts_;
  std::unordered_map<std::string, Act> acts_;
  std::unordered_map<std::string, std::vector<size_t>> consumers_;
  std::set<std::string> graph_outputs_;
  std::unordered_map<std::string, Dims> inferred_;
  std::map<int, std::shared_ptr<std::vector<float>>> values_;  // own values (foldable: conv weights)
  std::map<int, std::shared_ptr<const std::vector<float>>> shared_values_;  // an initializer's, shared
  std::map<int, int> producer_;  // IR tensor -> index of the IR op writing it
  std::set<std::string> used_names_;
};

}  // namespace

Graph import_onnx(const std::string& path, int64_t batch) {
  return Importer(path, batch).run();
}

}  // namespace nm::sw
