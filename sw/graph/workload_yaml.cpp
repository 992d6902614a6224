// Workload YAML files: format and loader.
//
// A file has one of two forms, told apart by the `family` key.
//
// Parametric form: a built-in network, optionally with pinned options.
//   family: bert_base        # any builtin_workload_names() entry, or gcn_cora (= gcn)
//   seq_len: 256             # transformers only, 1..512; absent: WorkloadOptions::seq_len
//   width: 0.5               # optional, (0, 64]; absent: WorkloadOptions::width
//   depth: 2                 # optional, (0, 64]; absent: WorkloadOptions::depth
//   name: bert_seq256        # optional graph name; absent: the builder's name
//   description: free text   # optional, ignored
// The graph is the builder's, so workloads/resnet50.yaml yields exactly build_resnet50(). A key
// in the file wins over the option.
//
// Explicit form: the graph itself.
//   name: tiny_mlp                     # optional; absent: the file name without .yaml
//   description: free text             # optional, ignored
//   inputs:                            # activations supplied at run time, in this order
//     - {name: x, shape: [1, 64]}
//   constants:                         # parameters resident in DRAM (weights, biases, tables)
//     - {name: fc1.weight, shape: [64, 128]}
//   ops:                               # topological order; each output is a new tensor
//     - {op: linear, name: fc1, layer: mlp, inputs: [x, fc1.weight, fc1.bias],
//        output: h1, shape: [1, 128]}
//   outputs: [probs]                   # optional; absent: every op output no op reads
// Op keys: op (an op_kind_name(): conv2d, linear, matmul, embedding, relu, leaky_relu, gelu, tanh,
// sigmoid, add, softmax, layernorm, maxpool2d, avgpool2d, global_avgpool, reshape), name (unique),
// layer (default: name), inputs (tensor names, in the order graph.h gives per kind), output (a new
// tensor name), shape (the output shape), and only the attributes the kind uses: kernel (int or
// [kh, kw]; conv2d defaults to the weight's, pools require it), stride (default 1, pools too),
// pad (default 0), groups (conv2d only, default 1), transpose_a, transpose_b (matmul, default
// false), alpha (leaky_relu, default 0.01), rows (embedding, required), eps (layernorm), scale and
// shift (affine), perm (transpose), axis (concat, slice), append (concat: a KV-cache append),
// start and step (slice). Also silu, erf, exp, sqrt, reciprocal, relu6, mul (add and mul take
// input 1 broadcast, graph.h Broadcast), affine, reduce_mean, transpose, concat, slice,
// causal_mask, hardsigmoid, hardswish, and the composites rmsnorm, rotary and swiglu (add_composite), which
// expand into primitives. Every declared output shape is checked against the shape the inputs and attributes
// imply; a reshape must keep the element count.
//
// Errors: any problem throws nm::InputError(file, key, message), key being a path into the file
// such as "ops[3].kernel" or "inputs[0].shape[1]", or "line:column" for YAML syntax errors.
#include "sw/graph/workload_yaml.h"

#include <yaml-cpp/yaml.h>

#include "sw/config/yaml_text.h"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "hw/core/input_error.h"
#include "sw/graph/builder_util.h"

namespace nm::sw::detail {
namespace {

// Bounds every integer and element count so shape arithmetic (and byte counts downstream) cannot
// overflow int64.
constexpr int64_t kMaxElements = int64_t{1} << 48;

using yaml_text::comma_list;
using yaml_text::describe;
using yaml_text::join_key;

std::string index_key(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

const std::vector<OpKind>& all_op_kinds() {
  static const std::vector<OpKind> kinds = {
      OpKind::kConv2d,     OpKind::kLinear,      OpKind::kMatMul,        OpKind::kEmbedding,
      OpKind::kRelu,       OpKind::kLeakyRelu,   OpKind::kGelu,          OpKind::kTanh,
      OpKind::kSigmoid,    OpKind::kAdd,         OpKind::kSoftmax,       OpKind::kLayerNorm,
      OpKind::kMaxPool2d,  OpKind::kAvgPool2d,   OpKind::kGlobalAvgPool, OpKind::kReshape,
      OpKind::kSilu,       OpKind::kErf,         OpKind::kExp,           OpKind::kSqrt,
      OpKind::kReciprocal, OpKind::kRelu6,       OpKind::kMul,           OpKind::kAffine,
      OpKind::kReduceMean, OpKind::kTranspose,   OpKind::kConcat,        OpKind::kSlice,
      OpKind::kCausalMask, OpKind::kHardSigmoid, OpKind::kHardSwish};
  return kinds;
}

// Attribute keys each kind reads; any other attribute on that op is a mistake worth reporting.
std::vector<std::string> attr_keys(OpKind kind) {
  switch (kind) {
    case OpKind::kConv2d:
      return {"kernel", "stride", "pad", "groups"};
    case OpKind::kMaxPool2d:
    case OpKind::kAvgPool2d:
      return {"kernel", "stride", "pad"};
    case OpKind::kMatMul:
      return {"transpose_a", "transpose_b"};
    case OpKind::kLeakyRelu:
      return {"alpha"};
    case OpKind::kEmbedding:
      return {"rows"};
    case OpKind::kLayerNorm:
      return {"eps"};
    case OpKind::kAffine:
      return {"scale", "shift"};
    case OpKind::kTranspose:
      return {"perm"};
    case OpKind::kConcat:
      return {"axis", "append"};
    case OpKind::kSlice:
      return {"axis", "start", "step"};
    default:
      return {};
  }
}

// Composite ops of the YAML format, expanded into primitives when loaded (decoder LLMs).
const std::vector<std::string>& composite_names() {
  static const std::vector<std::string> names = {"rmsnorm", "rotary", "swiglu"};
  return names;
}

// Allowed number of inputs per kind (optional bias / optional embedding ids included).
std::pair<size_t, size_t> input_arity(OpKind kind) {
  switch (kind) {
    case OpKind::kConv2d:
    case OpKind::kLinear:
      return {2, 3};
    case OpKind::kMatMul:
    case OpKind::kAdd:
    case OpKind::kMul:
      return {2, 2};
    case OpKind::kConcat:
      return {2, 64};
    case OpKind::kEmbedding:
      return {1, 2};
    case OpKind::kLayerNorm:
      return {3, 3};
    default:
      return {1, 1};
  }
}

// Typed access to YAML nodes; every failure becomes InputError(file, key, ...).
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  const std::string& file() const { return file_; }

  [[noreturn]] void fail(const std::string& key, const std::string& message) const {
    throw InputError(file_, key, message);
  }

  // `map` must be a mapping whose keys are all in `allowed`, each at most once.
  void check_keys(const YAML::Node& map, const std::string& path,
                  const std::vector<std::string>& allowed) const {
    const std::string where = path.empty() ? "(document)" : path;
    if (!map.IsMap()) fail(where, "expected a mapping, got " + describe(map));
    std::set<std::string> seen;
    for (const auto& kv : map) {
      if (!kv.first.IsScalar()) fail(where, "expected plain key names, got " + describe(kv.first));
      const std::string& key = kv.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        fail(join_key(path, key), "unknown key; expected one of " + comma_list(allowed));
      }
      if (!seen.insert(key).second) fail(join_key(path, key), "duplicate key");
    }
  }

  std::string name(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar() || n.Scalar().empty()) fail(key, "expected a non-empty name, got " + describe(n));
    return n.Scalar();
  }

  int64_t integer(const YAML::Node& n, const std::string& key) const {
    if (n.IsScalar()) {
      try {
        return n.as<int64_t>();
      } catch (const YAML::Exception&) {
      }
    }
    fail(key, "expected an integer, got " + describe(n));
  }

  int64_t at_least(const YAML::Node& n, const std::string& key, int64_t min) const {
    const int64_t v = integer(n, key);
    if (v > kMaxElements) fail(key, "expected at most 2^48, got " + std::to_string(v));
    if (v < min) {
      fail(key, std::string(min > 0 ? "expected a positive integer" : "expected an integer >= 0") + ", got " +
                    std::to_string(v));
    }
    return v;
  }

  bool boolean(const YAML::Node& n, const std::string& key) const {
    if (n.IsScalar()) {
      try {
        return n.as<bool>();
      } catch (const YAML::Exception&) {
      }
    }
    fail(key, "expected true or false, got " + describe(n));
  }

  double real(const YAML::Node& n, const std::string& key) const {
    if (n.IsScalar()) {
      try {
        return n.as<double>();
      } catch (const YAML::Exception&) {
      }
    }
    fail(key, "expected a number, got " + describe(n));
  }

  Shape shape(const YAML::Node& n, const std::string& key) const {
    if (!n.IsSequence() || n.size() == 0) fail(key, "expected a list of dimensions, got " + describe(n));
    Shape s;
    int64_t elements = 1;
    for (size_t i = 0; i < n.size(); ++i) {
      const int64_t d = at_least(n[i], index_key(key, i), 1);
      if (d > kMaxElements / elements) fail(key, "expected at most 2^48 elements in all");
      elements *= d;
      s.push_back(d);
    }
    return s;
  }

  std::vector<std::string> names(const YAML::Node& n, const std::string& key) const {
    if (!n.IsSequence()) fail(key, "expected a list of names, got " + describe(n));
    std::vector<std::string> out;
    for (size_t i = 0; i < n.size(); ++i) out.push_back(name(n[i], index_key(key, i)));
    return out;
  }

  // A required key of a mapping already checked by check_keys.
  YAML::Node required(const YAML::Node& map, const std::string& path, const std::string& key) const {
    const YAML::Node n = map[key];
    if (!n) fail(join_key(path, key), "required key is missing");
    return n;
  }

 private:
  std::string file_;
};

// Builds the Graph of an explicit-form file, checking names, order and shapes as it goes.
class ExplicitLoader {
 public:
  ExplicitLoader(const Reader& reader, const std::string& name) : r_(reader), g_(name) {}

  void declare_tensors(const YAML::Node& list, const std::string& key, bool constant) {
    if (!list) return;
    if (!list.IsSequence()) r_.fail(key, "expected a list of {name, shape}, got " + describe(list));
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string path = index_key(key, i);
      r_.check_keys(list[i], path, {"name", "shape"});
      const std::string name = r_.name(r_.required(list[i], path, "name"), join_key(path, "name"));
      const Shape shape = r_.shape(r_.required(list[i], path, "shape"), join_key(path, "shape"));
      const int id = new_tensor(name, shape, constant, join_key(path, "name"));
      if (!constant) g_.mark_input(id);
    }
  }

  void add_ops(const YAML::Node& list) {
    if (!list.IsSequence() || list.size() == 0) r_.fail("ops", "expected a non-empty list of ops");
    for (size_t i = 0; i < list.size(); ++i) add_op(list[i], index_key("ops", i));
  }

  Graph finish(const YAML::Node& outputs) {
    if (outputs) {
      const std::vector<std::string> names = r_.names(outputs, "outputs");
      for (size_t i = 0; i < names.size(); ++i) g_.mark_output(lookup(names[i], index_key("outputs", i)));
    } else {
      // Default: the graph's sinks.
      std::set<int> read;
      for (const Op& op : g_.ops()) read.insert(op.inputs.begin(), op.inputs.end());
      for (const Op& op : g_.ops()) {
        if (!read.count(op.output)) g_.mark_output(op.output);
      }
    }
    return std::move(g_);
  }

 private:
  int new_tensor(const std::string& name, const Shape& shape, bool constant, const std::string& key) {
    if (tensors_.count(name)) r_.fail(key, "tensor '" + name + "' is already defined");
    const int id = g_.add_tensor(name, shape, constant);
    tensors_[name] = id;
    return id;
  }

  int lookup(const std::string& name, const std::string& key) const {
    const auto it = tensors_.find(name);
    if (it == tensors_.end()) {
      r_.fail(key, "unknown tensor '" + name +
                       "'; expected a name from inputs, constants or the output of an earlier op");
    }
    return it->second;
  }

  void add_op(const YAML::Node& n, const std::string& path) {
    static const std::vector<std::string> kCommon = {"op", "name", "layer", "inputs", "output", "shape"};
    static const std::vector<std::string> kAttrs = {
        "kernel", "stride", "pad",   "groups", "transpose_a", "transpose_b", "alpha", "rows",
        "eps",    "scale",  "shift", "perm",   "axis",        "start",       "step",  "append"};
    std::vector<std::string> allowed = kCommon;
    allowed.insert(allowed.end(), kAttrs.begin(), kAttrs.end());
    r_.check_keys(n, path, allowed);

    Op op;
    const std::string kind_name = r_.name(r_.required(n, path, "op"), join_key(path, "op"));
    std::vector<std::string> kind_names;
    bool found = false;
    for (OpKind kind : all_op_kinds()) {
      kind_names.push_back(op_kind_name(kind));
      if (kind_name == op_kind_name(kind)) {
        op.kind = kind;
        found = true;
      }
    }
    const std::vector<std::string>& composites = composite_names();
    if (!found && std::find(composites.begin(), composites.end(), kind_name) != composites.end()) {
      return add_composite(n, path, kind_name);
    }
    if (!found) {
      kind_names.insert(kind_names.end(), composites.begin(), composites.end());
      r_.fail(join_key(path, "op"),
              "unknown op '" + kind_name + "'; expected one of " + comma_list(kind_names));
    }

    op.name = r_.name(r_.required(n, path, "name"), join_key(path, "name"));
    if (!op_names_.insert(op.name).second) {
      r_.fail(join_key(path, "name"), "op '" + op.name + "' is already defined");
    }
    op.layer = n["layer"] ? r_.name(n["layer"], join_key(path, "layer")) : op.name;

    const std::string inputs_key = join_key(path, "inputs");
    const std::vector<std::string> inputs = r_.names(r_.required(n, path, "inputs"), inputs_key);
    const auto [min_inputs, max_inputs] = input_arity(op.kind);
    if (inputs.size() < min_inputs || inputs.size() > max_inputs) {
      const std::string range = min_inputs == max_inputs
                                    ? std::to_string(min_inputs)
                                    : std::to_string(min_inputs) + " to " + std::to_string(max_inputs);
      r_.fail(inputs_key,
              "op '" + kind_name + "' takes " + range + " inputs, got " + std::to_string(inputs.size()));
    }
    std::vector<Shape> in_shapes;
    for (size_t i = 0; i < inputs.size(); ++i) {
      op.inputs.push_back(lookup(inputs[i], index_key(inputs_key, i)));
      in_shapes.push_back(g_.tensor(op.inputs.back()).shape);
    }

    const std::vector<std::string> used = attr_keys(op.kind);
    bool has_kernel = false;
    for (const auto& kv : n) {
      const std::string& key = kv.first.Scalar();
      const std::string attr_key = join_key(path, key);
      if (std::find(kCommon.begin(), kCommon.end(), key) != kCommon.end()) continue;
      if (std::find(used.begin(), used.end(), key) == used.end()) {
        r_.fail(attr_key, "not used by op '" + kind_name + "'" +
                              (used.empty() ? std::string("; it takes no attributes")
                                            : "; it takes " + comma_list(used)));
      }
      if (key == "kernel") {
        has_kernel = true;
        if (kv.second.IsSequence()) {
          if (kv.second.size() != 2) r_.fail(attr_key, "expected an integer or [kernel_h, kernel_w]");
          op.attrs.kernel_h = r_.at_least(kv.second[0], index_key(attr_key, 0), 1);
          op.attrs.kernel_w = r_.at_least(kv.second[1], index_key(attr_key, 1), 1);
        } else {
          op.attrs.kernel_h = op.attrs.kernel_w = r_.at_least(kv.second, attr_key, 1);
        }
      } else if (key == "stride") {
        op.attrs.stride = r_.at_least(kv.second, attr_key, 1);
      } else if (key == "pad") {
        op.attrs.pad = r_.at_least(kv.second, attr_key, 0);
      } else if (key == "groups") {
        op.attrs.groups = r_.at_least(kv.second, attr_key, 1);
      } else if (key == "transpose_a") {
        op.attrs.transpose_a = r_.boolean(kv.second, attr_key);
      } else if (key == "transpose_b") {
        op.attrs.transpose_b = r_.boolean(kv.second, attr_key);
      } else if (key == "alpha") {
        op.attrs.alpha = r_.real(kv.second, attr_key);
      } else if (key == "rows") {
        op.attrs.rows = r_.at_least(kv.second, attr_key, 1);
      } else if (key == "eps") {
        op.attrs.eps = r_.real(kv.second, attr_key);
        if (!(op.attrs.eps > 0)) r_.fail(attr_key, "expected a positive number");
      } else if (key == "scale") {
        op.attrs.scale = r_.real(kv.second, attr_key);
      } else if (key == "shift") {
        op.attrs.shift = r_.real(kv.second, attr_key);
      } else if (key == "perm") {
        if (!kv.second.IsSequence()) r_.fail(attr_key, "expected a list of input dims");
        for (size_t i = 0; i < kv.second.size(); ++i)
          op.attrs.perm.push_back(r_.at_least(kv.second[i], index_key(attr_key, i), 0));
      } else if (key == "axis") {
        op.attrs.axis = r_.at_least(kv.second, attr_key, 0);
      } else if (key == "start") {
        op.attrs.start = r_.at_least(kv.second, attr_key, 0);
      } else if (key == "step") {
        op.attrs.step = r_.at_least(kv.second, attr_key, 1);
      } else if (key == "append") {
        op.attrs.append = r_.boolean(kv.second, attr_key);
      }
    }

    const Shape declared = r_.shape(r_.required(n, path, "shape"), join_key(path, "shape"));
    const Shape implied = implied_shape(op, in_shapes, declared, has_kernel, path);
    if (implied != declared) {
      r_.fail(join_key(path, "shape"),
              "expected " + shape_to_string(implied) + " from the inputs, got " + shape_to_string(declared));
    }
    const std::string output_key = join_key(path, "output");
    op.output = new_tensor(r_.name(r_.required(n, path, "output"), output_key), declared, false, output_key);
    g_.add_op(std::move(op));
  }

  // The output shape graph.h's contract implies for `op`; fills attrs the inputs determine.
  Shape implied_shape(Op& op, const std::vector<Shape>& in, const Shape& declared, bool has_kernel,
                      const std::string& path) const {
    const std::string inputs_key = join_key(path, "inputs");
    auto bad = [&](const std::string& message) { r_.fail(inputs_key, message); };
    auto need_rank = [&](const Shape& s, size_t rank, const std::string& what) {
      if (s.size() != rank) {
        bad(what + " must have " + std::to_string(rank) + " dimensions, got " + shape_to_string(s));
      }
    };
    OpAttrs& a = op.attrs;
    // Spatial output size of a conv/pool window; reports windows larger than the padded input.
    auto window = [&](int64_t size, int64_t kernel) {
      if (size + 2 * a.pad < kernel) {
        bad("kernel " + std::to_string(kernel) + " is larger than the padded input " +
            shape_to_string(in[0]));
      }
      return (size + 2 * a.pad - kernel) / a.stride + 1;
    };

    switch (op.kind) {
      case OpKind::kConv2d: {
        const Shape& x = in[0];
        const Shape& w = in[1];
        need_rank(x, 4, "conv2d input (NHWC)");
        need_rank(w, 4, "conv2d weight [KH,KW,Cin/groups,Cout]");
        if (x[3] % a.groups != 0 || w[3] % a.groups != 0) {
          bad("channels " + std::to_string(x[3]) + " in / " + std::to_string(w[3]) +
              " out are not divisible by groups " + std::to_string(a.groups));
        }
        if (w[2] != x[3] / a.groups) {
          bad("weight " + shape_to_string(w) + " expects " + std::to_string(w[2]) +
              " input channels per group, input " + shape_to_string(x) + " has " +
              std::to_string(x[3] / a.groups));
        }
        if (!has_kernel) {
          a.kernel_h = w[0];
          a.kernel_w = w[1];
        } else if (a.kernel_h != w[0] || a.kernel_w != w[1]) {
          r_.fail(join_key(path, "kernel"), "does not match weight " + shape_to_string(w));
        }
        if (in.size() == 3 && in[2] != Shape{w[3]}) {
          bad("bias must be [" + std::to_string(w[3]) + "], got " + shape_to_string(in[2]));
        }
        return {x[0], window(x[1], a.kernel_h), window(x[2], a.kernel_w), w[3]};
      }
      case OpKind::kMaxPool2d:
      case OpKind::kAvgPool2d: {
        if (!has_kernel) r_.fail(join_key(path, "kernel"), "required key is missing");
        need_rank(in[0], 4, "pool input (NHWC)");
        return {in[0][0], window(in[0][1], a.kernel_h), window(in[0][2], a.kernel_w), in[0][3]};
      }
      case OpKind::kGlobalAvgPool:
        need_rank(in[0], 4, "global_avgpool input (NHWC)");
        return {in[0][0], 1, 1, in[0][3]};
      case OpKind::kLinear: {
        const Shape& w = in[1];
        need_rank(w, 2, "linear weight [in,out]");
        if (in[0].back() != w[0]) {
          bad("input " + shape_to_string(in[0]) + " does not end in the weight's in dim " +
              std::to_string(w[0]));
        }
        if (in.size() == 3 && in[2] != Shape{w[1]}) {
          bad("bias must be [" + std::to_string(w[1]) + "], got " + shape_to_string(in[2]));
        }
        Shape out = in[0];
        out.back() = w[1];
        return out;
      }
      case OpKind::kMatMul: {
        const Shape& x = in[0];
        const Shape& y = in[1];
        need_rank(x, 3, "matmul a");
        need_rank(y, 3, "matmul b");
        if (x[0] != y[0]) bad("batch dims differ: " + shape_to_string(x) + " vs " + shape_to_string(y));
        const int64_t m = a.transpose_a ? x[2] : x[1];
        const int64_t k_a = a.transpose_a ? x[1] : x[2];
        const int64_t k_b = a.transpose_b ? y[2] : y[1];
        const int64_t n = a.transpose_b ? y[1] : y[2];
        if (k_a != k_b) {
          bad("inner dims differ: a " + shape_to_string(x) + " gives K=" + std::to_string(k_a) + ", b " +
              shape_to_string(y) + " gives K=" + std::to_string(k_b));
        }
        return {x[0], m, n};
      }
      case OpKind::kEmbedding: {
        if (a.rows == 0) r_.fail(join_key(path, "rows"), "required key is missing");
        const Shape& table = in.back();
        need_rank(table, 2, "embedding table [V,H]");
        if (in.size() == 2 && element_count(in[0]) != a.rows) {
          bad("index tensor " + shape_to_string(in[0]) + " does not hold rows=" + std::to_string(a.rows) +
              " indices");
        }
        return {a.rows, table[1]};
      }
      case OpKind::kAdd:
      case OpKind::kMul: {
        Broadcast b;
        if (!broadcast_pattern(in[0], in[1], b)) {
          bad("input 1 " + shape_to_string(in[1]) + " does not broadcast over input 0 " +
              shape_to_string(in[0]) +
              " (equal shapes, or input 1 repeated over one contiguous run of input 0's dims)");
        }
        return in[0];
      }
      case OpKind::kReduceMean: {
        Shape out = in[0];
        out.back() = 1;
        return out;
      }
      case OpKind::kTranspose: {
        if (a.perm.size() != in[0].size())
          r_.fail(join_key(path, "perm"), "expected one entry per input dim");
        Shape out;
        std::vector<bool> used(in[0].size(), false);
        for (int64_t p : a.perm) {
          if (p >= static_cast<int64_t>(in[0].size()) || used[static_cast<size_t>(p)])
            r_.fail(join_key(path, "perm"),
                    "expected a permutation of 0.." + std::to_string(in[0].size() - 1));
          used[static_cast<size_t>(p)] = true;
          out.push_back(in[0][static_cast<size_t>(p)]);
        }
        return out;
      }
      case OpKind::kConcat: {
        if (a.axis >= static_cast<int64_t>(in[0].size())) r_.fail(join_key(path, "axis"), "out of range");
        Shape out = in[0];
        out[static_cast<size_t>(a.axis)] = 0;
        for (const Shape& x : in) {
          Shape probe = x;
          if (x.size() != in[0].size()) bad("inputs differ in rank");
          probe[static_cast<size_t>(a.axis)] = in[0][static_cast<size_t>(a.axis)];
          if (probe != in[0]) bad("inputs differ off the concat axis");
          out[static_cast<size_t>(a.axis)] += x[static_cast<size_t>(a.axis)];
        }
        if (a.append && in.size() != 2) bad("append takes the cache and the new rows");
        return out;
      }
      case OpKind::kSlice: {
        if (a.axis >= static_cast<int64_t>(in[0].size()) || declared.size() != in[0].size())
          r_.fail(join_key(path, "axis"), "out of range or output rank differs");
        const int64_t count = declared[static_cast<size_t>(a.axis)];
        if (a.start + (count - 1) * a.step >= in[0][static_cast<size_t>(a.axis)])
          r_.fail(join_key(path, "shape"), "slice reaches past the input " + shape_to_string(in[0]));
        Shape out = in[0];
        out[static_cast<size_t>(a.axis)] = count;
        return out;
      }
      case OpKind::kCausalMask:
        if (in[0].size() < 2 || in[0].back() < in[0][in[0].size() - 2])
          bad("causal_mask needs [..., queries, keys] with keys >= queries, got " + shape_to_string(in[0]));
        return in[0];
      case OpKind::kLayerNorm:
        if (in[1] != Shape{in[0].back()} || in[2] != Shape{in[0].back()}) {
          bad("gamma and beta must be [" + std::to_string(in[0].back()) + "], got " + shape_to_string(in[1]) +
              " and " + shape_to_string(in[2]));
        }
        return in[0];
      case OpKind::kReshape:
        if (element_count(declared) != element_count(in[0])) {
          r_.fail(join_key(path, "shape"), "reshape must keep the " + std::to_string(element_count(in[0])) +
                                               " elements of " + shape_to_string(in[0]) + ", got " +
                                               shape_to_string(declared));
        }
        return declared;
      default:  // element-wise unary ops and softmax keep the shape
        return in[0];
    }
  }

  // rmsnorm {inputs: [x, gamma], eps (default 1e-5)}, rotary {inputs: [x [heads, T, d], cos [T, d],
  // sin [T, d]]}, swiglu {inputs: [x, w_gate [H, F], w_up [H, F]]}: expanded into primitives named
  // <name>.<step>; the last one writes `output`.
  void add_composite(const YAML::Node& n, const std::string& path, const std::string& kind) {
    r_.check_keys(n, path, {"op", "name", "layer", "inputs", "output", "shape", "eps"});
    const std::string name = r_.name(r_.required(n, path, "name"), join_key(path, "name"));
    if (!op_names_.insert(name).second)
      r_.fail(join_key(path, "name"), "op '" + name + "' is already defined");
    const std::string layer = n["layer"] ? r_.name(n["layer"], join_key(path, "layer")) : name;
    const std::string inputs_key = join_key(path, "inputs");
    const std::vector<std::string> inputs = r_.names(r_.required(n, path, "inputs"), inputs_key);
    const size_t arity = kind == "rmsnorm" ? 2 : 3;
    if (inputs.size() != arity)
      r_.fail(inputs_key, "op '" + kind + "' takes " + std::to_string(arity) + " inputs, got " +
                              std::to_string(inputs.size()));
    if (n["eps"] && kind != "rmsnorm") r_.fail(join_key(path, "eps"), "not used by op '" + kind + "'");
    std::vector<int> in;
    for (size_t i = 0; i < inputs.size(); ++i) in.push_back(lookup(inputs[i], index_key(inputs_key, i)));
    auto shape = [&](int id) { return g_.tensor(id).shape; };
    const Shape declared = r_.shape(r_.required(n, path, "shape"), join_key(path, "shape"));
    const std::string output_key = join_key(path, "output");
    const std::string output = r_.name(r_.required(n, path, "output"), output_key);
    if (tensors_.count(output)) r_.fail(output_key, "tensor '" + output + "' is already defined");
    auto bad = [&](const std::string& m) { r_.fail(inputs_key, m); };
    // Appends one primitive; `out_name` empty: an internal tensor named after the op.
    auto emit = [&](OpKind k, const std::string& step, std::vector<int> ins, Shape s, OpAttrs a = {},
                    const std::string& out_name = "") {
      const int out = new_tensor(out_name.empty() ? name + "." + step : out_name, s, false, output_key);
      Op op;
      op.kind = k;
      op.name = out_name.empty() ? name + "." + step : name;
      op.layer = layer;
      op.inputs = std::move(ins);
      op.output = out;
      op.attrs = a;
      g_.add_op(std::move(op));
      return out;
    };
    Shape implied;
    if (kind == "rmsnorm") {
      const Shape x = shape(in[0]);
      if (shape(in[1]) != Shape{x.back()}) bad("gamma must be [" + std::to_string(x.back()) + "]");
      implied = x;
      if (declared != implied) r_.fail(join_key(path, "shape"), "expected " + shape_to_string(implied));
      Shape rows = x;
      rows.back() = 1;
      OpAttrs eps;
      eps.shift = n["eps"] ? r_.real(n["eps"], join_key(path, "eps")) : 1e-5;
      if (!(eps.shift > 0)) r_.fail(join_key(path, "eps"), "expected a positive number");
      const int sq = emit(OpKind::kMul, "square", {in[0], in[0]}, x);
      const int ms = emit(OpKind::kReduceMean, "mean_square", {sq}, rows);
      const int var = emit(OpKind::kAffine, "add_eps", {ms}, rows, eps);
      const int rms = emit(OpKind::kSqrt, "sqrt", {var}, rows);
      const int inv = emit(OpKind::kReciprocal, "reciprocal", {rms}, rows);
      const int normed = emit(OpKind::kMul, "normalize", {in[0], inv}, x);
      emit(OpKind::kMul, "", {normed, in[1]}, x, {}, output);
    } else if (kind == "rotary") {
      const Shape x = shape(in[0]);
      if (x.size() != 3 || x[2] % 2 != 0)
        bad("rotary input must be [heads, tokens, even head dim], got " + shape_to_string(x));
      const Shape table = {x[1], x[2]};
      if (shape(in[1]) != table || shape(in[2]) != table)
        bad("cos and sin must be " + shape_to_string(table));
      if (declared != x) r_.fail(join_key(path, "shape"), "expected " + shape_to_string(x));
      const Shape half = {x[0], x[1], x[2] / 2};
      OpAttrs lo, hi, cat, neg;
      lo.axis = hi.axis = cat.axis = 2;
      hi.start = x[2] / 2;
      neg.scale = -1;
      const int x1 = emit(OpKind::kSlice, "first_half", {in[0]}, half, lo);
      const int x2 = emit(OpKind::kSlice, "second_half", {in[0]}, half, hi);
      const int nx2 = emit(OpKind::kAffine, "negate", {x2}, half, neg);
      const int rot = emit(OpKind::kConcat, "rotate_half", {nx2, x1}, x, cat);
      const int c = emit(OpKind::kMul, "mul_cos", {in[0], in[1]}, x);
      const int sn = emit(OpKind::kMul, "mul_sin", {rot, in[2]}, x);
      emit(OpKind::kAdd, "", {c, sn}, x, {}, output);
    } else {  // swiglu
      const Shape x = shape(in[0]), wg = shape(in[1]);
      if (wg.size() != 2 || wg[0] != x.back() || shape(in[2]) != wg)
        bad("w_gate and w_up must both be [" + std::to_string(x.back()) + ", ffn]");
      Shape h = x;
      h.back() = wg[1];
      if (declared != h) r_.fail(join_key(path, "shape"), "expected " + shape_to_string(h));
      const int g = emit(OpKind::kLinear, "gate", {in[0], in[1]}, h);
      const int u = emit(OpKind::kLinear, "up", {in[0], in[2]}, h);
      const int sg = emit(OpKind::kSilu, "silu", {g}, h);
      emit(OpKind::kMul, "", {sg, u}, h, {}, output);
    }
  }

  const Reader& r_;
  Graph g_;
  std::map<std::string, int> tensors_;
  std::set<std::string> op_names_;
};

Graph load_parametric(const Reader& r, const YAML::Node& root, const WorkloadOptions& options) {
  for (const char* key : {"inputs", "constants", "ops", "outputs"}) {
    if (root[key]) r.fail(key, "not allowed together with 'family' (a file is parametric or explicit)");
  }
  if (root["batch"]) r.fail("batch", "only in explicit graphs (ops:); a 'family:' file takes --batch");
  const std::string given = r.name(root["family"], "family");
  // gcn_cora: the name the first files used for `gcn`.
  const std::string family = given == "gcn_cora" ? "gcn" : given;
  if (!is_builtin_workload(family)) {
    std::vector<std::string> names = builtin_workload_names();
    names.push_back("gcn_cora");
    const std::string suggestion = did_you_mean(given, names);
    r.fail("family", "unknown family '" + given + "'; " + (suggestion.empty() ? "" : suggestion + " ") +
                         "expected a built-in name (nm_sim --list-workloads lists them)");
  }
  const std::string model = seq_len_model(family);
  if (model.empty()) reject_seq_len("file '" + r.file() + "' (family " + family + ")", options);
  // An option the file pins would be ignored: say so rather than run something else.
  for (const auto& [key, given] :
       {std::pair<const char*, const std::string*>{"seq_len", &options.seq_len_given},
        {"width", &options.width_given},
        {"depth", &options.depth_given}}) {
    if (root[key] && !given->empty()) {
      throw InputError("command line", *given,
                       "workload file '" + r.file() + "' pins " + key + ": " + root[key].Scalar() +
                           " itself; drop the option or the file's key");
    }
  }
  WorkloadOptions pinned = options;
  // Options the file does not pin come from the command line: check them as such.
  const std::string command_line = "command line";
  if (const YAML::Node n = root["seq_len"]) {
    if (model.empty()) {
      r.fail("seq_len", "only applies to the transformer families " + transformer_names());
    }
    pinned.seq_len = r.integer(n, "seq_len");
    check_bert_seq_len(pinned.seq_len, r.file(), "seq_len", model, seq_len_limit(family));
  } else if (!model.empty()) {
    check_bert_seq_len(pinned.seq_len, command_line,
                       options.seq_len_given.empty() ? "seq_len" : options.seq_len_given, model,
                       seq_len_limit(family));
  }
  for (const auto& [key, value] : {std::pair<const char*, double*>{"width", &pinned.width},
                                   std::pair<const char*, double*>{"depth", &pinned.depth}}) {
    if (const YAML::Node n = root[key]) {
      *value = r.real(n, key);
      check_multiplier(*value, r.file(), key);
    } else {
      check_multiplier(*value, command_line, key);
    }
  }

  Graph g = build_builtin_workload(family, pinned);
  if (root["name"]) {
    const std::string name = r.name(root["name"], "name");
    if (name != g.name()) g = renamed(g, name);
  }
  return g;
}

Graph load_explicit(const Reader& r, const YAML::Node& root, const WorkloadOptions& options) {
  for (const char* key : {"seq_len", "width", "depth"}) {
    if (root[key]) r.fail(key, "only allowed together with 'family' (a built-in network)");
  }
  // The graph is given op by op: nothing scales it, and only the shapes in it say its length.
  for (const std::string* given :
       {&options.seq_len_given, &options.width_given, &options.depth_given, &options.batch_given}) {
    if (!given->empty()) {
      throw InputError("command line", *given,
                       "does not apply to workload file '" + r.file() +
                           "', an explicit graph (ops:) whose shapes are fixed; only built-in networks "
                           "and 'family:' files take --seq-len, --width, --depth and --batch");
    }
  }
  if (!root["ops"]) r.fail("ops", "required key is missing (or give 'family' to use a built-in network)");
  const std::string name =
      root["name"] ? r.name(root["name"], "name") : std::filesystem::path(r.file()).stem().string();
  ExplicitLoader loader(r, name);
  loader.declare_tensors(root["inputs"], "inputs", /*constant=*/false);
  loader.declare_tensors(root["constants"], "constants", /*constant=*/true);
  loader.add_ops(root["ops"]);
  Graph g = loader.finish(root["outputs"]);
  // An explicit graph's shapes already hold its batch; `batch:` says how many inferences that is,
  // so throughput and energy are reported per inference.
  if (const YAML::Node b = root["batch"]) {
    const int64_t batch = r.integer(b, "batch");
    if (batch < 1 || batch > kMaxBatch)
      r.fail("batch",
             "expected 1.." + std::to_string(kMaxBatch) + " inferences, got " + std::to_string(batch));
    g.set_batch(batch);
  }
  return g;
}

}  // namespace

void check_bert_seq_len(int64_t seq_len, const std::string& where, const std::string& key,
                        const std::string& model, int64_t positions) {
  if (seq_len < 1 || seq_len > positions) {
    throw InputError(where, key,
                     "expected 1.." + std::to_string(positions) + " (" + model + " has " +
                         std::to_string(positions) + " positions), got " + std::to_string(seq_len));
  }
}

Graph load_workload_yaml(const std::string& path, const WorkloadOptions& options) {
  const Reader r(path);
  const std::string text = yaml_text::read_input_file(path);  // capped: --workload /dev/zero.yaml ends
  YAML::Node root;
  try {
    root = yaml_text::load_single_document(text);
  } catch (const YAML::Exception& e) {
    r.fail(std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1), e.msg);
  }
  if (root.IsNull()) r.fail("(document)", "file is empty; expected a mapping with 'family' or 'ops'");
  r.check_keys(root, "",
               {"name", "description", "family", "seq_len", "width", "depth", "batch", "inputs", "constants",
                "ops", "outputs"});
  try {
    return root["family"] ? load_parametric(r, root, options) : load_explicit(r, root, options);
  } catch (const YAML::Exception& e) {
    // Backstop for conversions the Reader does not wrap; the mark still locates the problem.
    r.fail(std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1), e.msg);
  }
}

}  // namespace nm::sw::detail
