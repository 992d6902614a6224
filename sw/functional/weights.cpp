#include "sw/functional/weights.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

#include "hw/core/input_error.h"
#include "sw/functional/random.h"
#include "sw/proc/input_file.h"
#include "sw/proc/output_file.h"

namespace nm::sw {
namespace {

constexpr double kBiasStd = 0.01;
constexpr double kEmbeddingStd = 0.02;
constexpr double kOtherStd = 0.02;
// BERT's initializer_range (Devlin et al.; Hugging Face BertConfig): every dense weight N(0, 0.02^2).
constexpr double kTransformerWeightStd = 0.02;
constexpr double kFeatureDensity = 0.01;
constexpr int64_t kDefaultDegree = 4;  // directed adjacency entries per node of an unknown graph

// ---------------------------------------------------------------------------------------------
// Roles of constants

enum class Role { kHeWeight, kBias, kGamma, kBeta, kEmbedding, kAdjacency, kOther };

struct Init {
  Role role = Role::kOther;
  int64_t fan_in = 1;
  double scale = 1.0;  // extra factor on the std (residual branch, folded attention scale)
};

bool is_weighted(OpKind k) {
  return k == OpKind::kConv2d || k == OpKind::kLinear;
}

class GraphIndex {
 public:
  explicit GraphIndex(const Graph& g)
      : g_(g), producer_(g.tensors().size(), -1), consumers_(g.tensors().size()) {
    for (size_t i = 0; i < g.ops().size(); ++i) {
      const Op& op = g.ops()[i];
      producer_[static_cast<size_t>(op.output)] = static_cast<int>(i);
      for (int in : op.inputs) consumers_[static_cast<size_t>(in)].push_back(static_cast<int>(i));
    }
  }

  const Op* producer(int tensor) const {
    const int i = producer_[static_cast<size_t>(tensor)];
    return i < 0 ? nullptr : &g_.ops()[static_cast<size_t>(i)];
  }
  const std::vector<int>& consumers(int tensor) const { return consumers_[static_cast<size_t>(tensor)]; }
  const Op& op(int index) const { return g_.ops()[static_cast<size_t>(index)]; }

  // The op producing `tensor`, looking through reshapes (views).
  const Op* producer_through_reshapes(int tensor) const {
    const Op* p = producer(tensor);
    while (p && p->kind == OpKind::kReshape) p = producer(p->inputs[0]);
    return p;
  }

  // True if `tensor`, through reshapes, is read by an op of `kind`.
  bool feeds(int tensor, OpKind kind) const {
    for (int c : consumers(tensor)) {
      const Op& o = op(c);
      if (o.kind == kind) return true;
      if (o.kind == OpKind::kReshape && feeds(o.output, kind)) return true;
    }
    return false;
  }

 private:
  const Graph& g_;
  std::vector<int> producer_;
  std::vector<std::vector<int>> consumers_;
};

bool is_adjacency_use(const Graph& g, const Op& op, size_t pos) {
  if (op.kind != OpKind::kMatMul || pos != 0) return false;
  const Shape& s = g.tensor(op.inputs[0]).shape;
  return s.size() >= 2 && s[s.size() - 1] == s[s.size() - 2];
}

std::vector<Init> roles_of(const Graph& g) {
  std::vector<Init> init(g.tensors().size());
  std::vector<bool> assigned(g.tensors().size(), false);
  for (const Op& op : g.ops()) {
    for (size_t pos = 0; pos < op.inputs.size(); ++pos) {
      const int id = op.inputs[pos];
      const Tensor& t = g.tensor(id);
      if (!t.constant || assigned[static_cast<size_t>(id)]) continue;
      assigned[static_cast<size_t>(id)] = true;
      Init& in = init[static_cast<size_t>(id)];
      const Shape& s = t.shape;
      switch (op.kind) {
        case OpKind::kConv2d:
          if (pos == 1 && s.size() == 4) in = {Role::kHeWeight, s[0] * s[1] * s[2], 1.0};
          if (pos == 2) in.role = Role::kBias;
          break;
        case OpKind::kLinear:
          if (pos == 1 && s.size() == 2) in = {Role::kHeWeight, s[0], 1.0};
          if (pos == 2) in.role = Role::kBias;
          break;
        case OpKind::kMatMul:
          if (is_adjacency_use(g, op, pos)) {
            in.role = Role::kAdjacency;
          } else if (pos == 1 && s.size() == 3) {
            in = {Role::kHeWeight, op.attrs.transpose_b ? s[2] : s[1], 1.0};
          }
          break;
        case OpKind::kEmbedding:
          if (pos + 1 == op.inputs.size()) in.role = Role::kEmbedding;
          break;
        case OpKind::kLayerNorm:
          if (pos == 1) in.role = Role::kGamma;
          if (pos == 2) in.role = Role::kBeta;
          break;
        default:
          break;
      }
    }
  }
  bool gcn = false;
  for (const Tensor& t : g.tensors()) {
    if (t.constant && t.nonzeros >= 0) init[static_cast<size_t>(t.id)].role = Role::kAdjacency;
    if (t.constant && init[static_cast<size_t>(t.id)].role == Role::kAdjacency) gcn = true;
  }
  // He-normal assumes inputs of unit second moment; GCN features are 0/1 at kFeatureDensity, so
  // the first layer's fan-in counts the expected non-zero inputs instead.
  for (const Op& op : g.ops()) {
    if (!gcn || op.kind != OpKind::kLinear || g.tensor(op.inputs[0]).constant) continue;
    if (std::find(g.inputs().begin(), g.inputs().end(), op.inputs[0]) == g.inputs().end()) continue;
    Init& w = init[static_cast<size_t>(op.inputs[1])];
    if (w.role == Role::kHeWeight) {
      w.fan_in = std::max<int64_t>(1, std::llround(static_cast<double>(w.fan_in) * kFeatureDensity));
    }
  }

  const GraphIndex index(g);
  // Residual branches nothing renormalizes: std / sqrt(number of such blocks).
  std::set<int> branch_weights;
  int blocks = 0;
  for (const Op& op : g.ops()) {
    if (op.kind != OpKind::kAdd || op.inputs.size() != 2 || index.feeds(op.output, OpKind::kLayerNorm)) {
      continue;
    }
    const Op* p = index.producer_through_reshapes(op.inputs[0]);
    if (p && is_weighted(p->kind) && p->inputs.size() >= 2 && g.tensor(p->inputs[1]).constant) {
      branch_weights.insert(p->inputs[1]);
      ++blocks;
    }
  }
  for (int w : branch_weights) init[static_cast<size_t>(w)].scale /= std::sqrt(static_cast<double>(blocks));
  // The attention query: the 1/sqrt(K) score scale folded into its weight and bias.
  for (const Op& op : g.ops()) {
    if (op.kind != OpKind::kMatMul || !index.feeds(op.output, OpKind::kSoftmax)) continue;
    const Op* p = index.producer_through_reshapes(op.inputs[0]);
    if (!p || !is_weighted(p->kind)) continue;
    const Shape& a = g.tensor(op.inputs[0]).shape;
    const int64_t k = op.attrs.transpose_a ? a[1] : a[2];
    for (size_t pos = 1; pos < p->inputs.size(); ++pos) {
      init[static_cast<size_t>(p->inputs[pos])].scale /= std::sqrt(static_cast<double>(k));
    }
  }
  return init;
}

// ---------------------------------------------------------------------------------------------
// Random graphs

// gcn_builder.cpp's published edge counts by node count (Planetoid, Reddit).
int64_t known_edges(int64_t nodes) {
  switch (nodes) {
    case 2708:
      return 10556;
    case 3327:
      return 9104;
    case 19717:
      return 88648;
    case 232965:
      return 114615892;
    default:
      return kDefaultDegree * nodes;
  }
}

// Sorts keys by their low `bits` bits (LSD radix, 11-bit digits): linear time, several times
// faster than std::sort for Reddit's 57 M edges.
void radix_sort(std::vector<uint64_t>& keys, int bits) {
  constexpr int kDigit = 11;
  constexpr uint64_t kMask = (uint64_t{1} << kDigit) - 1;
  std::vector<uint64_t> tmp(keys.size());
  for (int shift = 0; shift < bits; shift += kDigit) {
    std::vector<size_t> start((size_t{1} << kDigit) + 1, 0);
    for (uint64_t key : keys) ++start[static_cast<size_t>((key >> shift) & kMask) + 1];
    for (size_t d = 1; d < start.size(); ++d) start[d] += start[d - 1];
    for (uint64_t key : keys) tmp[start[static_cast<size_t>((key >> shift) & kMask)]++] = key;
    keys.swap(tmp);
  }
}

// CSR of A_hat = D^-1/2 (A + I) D^-1/2 for a uniformly random simple graph with `pairs` edges.
SparseMatrix random_normalized_adjacency(int64_t n, int64_t pairs, uint64_t seed) {
  const auto un = static_cast<uint64_t>(n);
  const int64_t max_pairs = n * (n - 1) / 2;
  pairs = std::clamp<int64_t>(pairs, 0, max_pairs);
  int width = 1;  // bits of a node index
  while ((uint64_t{1} << width) < un) ++width;
  Rng rng(seed);
  // Sorted distinct keys (u << width) | v, u < v; duplicates are redrawn until `pairs` are distinct.
  std::vector<uint64_t> keys;
  keys.reserve(static_cast<size_t>(pairs));
  while (static_cast<int64_t>(keys.size()) < pairs) {
    const size_t old = keys.size();
    const auto need = static_cast<size_t>(pairs) - old;
    std::vector<uint64_t> fresh(need);
    for (uint64_t& key : fresh) {
      const uint64_t u = rng.index(un);
      uint64_t v = rng.index(un - 1);
      if (v >= u) ++v;  // uniform over the other n - 1 nodes
      key = (std::min(u, v) << width) | std::max(u, v);
    }
    radix_sort(fresh, 2 * width);
    keys.insert(keys.end(), fresh.begin(), fresh.end());
    fresh = {};
    std::inplace_merge(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(old), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  }
  const uint64_t low = (uint64_t{1} << width) - 1;

  std::vector<int64_t> degree(static_cast<size_t>(n), 1);  // the self loop
  for (uint64_t key : keys) {
    ++degree[static_cast<size_t>(key >> width)];
    ++degree[static_cast<size_t>(key & low)];
  }
  SparseMatrix m;
  m.rows = m.cols = n;
  m.row_ptr.assign(static_cast<size_t>(n) + 1, 0);
  for (int64_t r = 0; r < n; ++r) {
    m.row_ptr[static_cast<size_t>(r) + 1] =
        m.row_ptr[static_cast<size_t>(r)] + degree[static_cast<size_t>(r)];
  }
  const auto nnz = static_cast<size_t>(m.row_ptr.back());
  m.col.resize(nnz);
  m.val.resize(nnz);
  std::vector<int64_t> fill(m.row_ptr.begin(), m.row_ptr.end() - 1);
  // Keys sorted by (u, v): row u receives v in increasing order; row v receives u in increasing
  // order, all before its own self loop (u < v), so every row comes out sorted.
  size_t next = 0;
  for (int64_t u = 0; u < n; ++u) {
    m.col[static_cast<size_t>(fill[static_cast<size_t>(u)]++)] = static_cast<int32_t>(u);
    for (; next < keys.size() && (keys[next] >> width) == static_cast<uint64_t>(u); ++next) {
      const auto v = static_cast<int64_t>(keys[next] & low);
      m.col[static_cast<size_t>(fill[static_cast<size_t>(u)]++)] = static_cast<int32_t>(v);
      m.col[static_cast<size_t>(fill[static_cast<size_t>(v)]++)] = static_cast<int32_t>(u);
    }
  }
  keys = {};
  std::vector<double> inv_sqrt(static_cast<size_t>(n));
  for (int64_t r = 0; r < n; ++r) {
    inv_sqrt[static_cast<size_t>(r)] = 1.0 / std::sqrt(static_cast<double>(degree[static_cast<size_t>(r)]));
  }
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t i = m.row_ptr[static_cast<size_t>(r)]; i < m.row_ptr[static_cast<size_t>(r) + 1]; ++i) {
      m.val[static_cast<size_t>(i)] = static_cast<float>(
          inv_sqrt[static_cast<size_t>(r)] * inv_sqrt[static_cast<size_t>(m.col[static_cast<size_t>(i)])]);
    }
  }
  return m;
}

TensorData adjacency_tensor(const Tensor& t) {
  const Shape& s = t.shape;
  const int64_t n = s.back();
  if (s.size() < 2 || s[s.size() - 2] != n) {
    throw std::invalid_argument("adjacency " + t.name + " " + shape_to_string(s) + " is not square");
  }
  if (n > std::numeric_limits<int32_t>::max()) {
    throw std::invalid_argument("adjacency " + t.name + " too large");
  }
  const int64_t batches = element_count(s) / (n * n);
  const int64_t edges = t.nonzeros >= 0 ? (t.nonzeros / batches - n) : known_edges(n);
  SparseMatrix one =
      random_normalized_adjacency(n, std::max<int64_t>(edges, 0) / 2, seed_for(kGraphSeed, t.name));
  if (t.nonzeros < 0) {
    // Dense [.., n, n]: the same graph in every batch slice.
    TensorData d = make_dense(s);
    for (int64_t b = 0; b < batches; ++b) {
      float* base = d.values.data() + b * n * n;
      for (int64_t r = 0; r < n; ++r) {
        for (int64_t i = one.row_ptr[static_cast<size_t>(r)]; i < one.row_ptr[static_cast<size_t>(r) + 1];
             ++i) {
          base[r * n + one.col[static_cast<size_t>(i)]] = one.val[static_cast<size_t>(i)];
        }
      }
    }
    return d;
  }
  if (batches == 1) return make_sparse(s, std::move(one));
  SparseMatrix m;
  m.rows = batches * n;
  m.cols = n;
  m.row_ptr.push_back(0);
  for (int64_t b = 0; b < batches; ++b) {
    for (int64_t r = 0; r < n; ++r) {
      m.row_ptr.push_back(m.row_ptr.back() + one.row_ptr[static_cast<size_t>(r) + 1] -
                          one.row_ptr[static_cast<size_t>(r)]);
    }
    m.col.insert(m.col.end(), one.col.begin(), one.col.end());
    m.val.insert(m.val.end(), one.val.begin(), one.val.end());
  }
  return make_sparse(s, std::move(m));
}

TensorData normal_tensor(const Tensor& t, uint64_t seed, double std_dev) {
  TensorData d = make_dense(t.shape);
  Rng rng(seed_for(seed, t.name));
  rng.fill_normal(d.values.data(), d.values.size(), std_dev);
  return d;
}

bool has_adjacency(const Graph& g, const std::vector<Init>& roles) {
  for (const Tensor& t : g.tensors()) {
    if (t.constant && roles[static_cast<size_t>(t.id)].role == Role::kAdjacency) return true;
  }
  return false;
}

bool adjacency_is_sparse(const Graph& g, const std::vector<Init>& roles) {
  for (const Tensor& t : g.tensors()) {
    if (t.constant && roles[static_cast<size_t>(t.id)].role == Role::kAdjacency && t.nonzeros >= 0) {
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Weight files

bool host_is_little_endian() {
  const uint32_t one = 1;
  unsigned char first = 0;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

// Reverses the bytes of every `width`-byte word on big-endian hosts (the file is little-endian).
void to_from_little_endian(char* data, size_t bytes, size_t width) {
  if (host_is_little_endian()) return;
  for (size_t i = 0; i + width <= bytes; i += width) std::reverse(data + i, data + i + width);
}

template <typename T>
void append_le(std::string& out, const std::vector<T>& v) {
  const size_t start = out.size();
  out.resize(start + v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(&out[start], v.data(), v.size() * sizeof(T));
  to_from_little_endian(&out[start], v.size() * sizeof(T), sizeof(T));
}

template <typename T>
std::vector<T> read_le(const char* data, size_t count) {
  std::vector<T> v(count);
  if (count == 0) return v;
  std::memcpy(v.data(), data, count * sizeof(T));
  to_from_little_endian(reinterpret_cast<char*>(v.data()), count * sizeof(T), sizeof(T));
  return v;
}

std::string json_line_column(const std::string& text, size_t byte) {
  size_t line = 1;
  size_t column = 1;
  for (size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return std::to_string(line) + ":" + std::to_string(column);
}

std::filesystem::path default_blob_path(const std::string& path_json) {
  std::filesystem::path p(path_json);
  p.replace_extension(".bin");
  return p;
}

class IndexReader {
 public:
  explicit IndexReader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw InputError(file_, key, what);
  }

  const nlohmann::json& field(const nlohmann::json& obj, const std::string& key,
                              const std::string& path) const {
    const auto it = obj.find(key);
    if (it == obj.end()) fail(path + "." + key, "required key is missing");
    return *it;
  }

  int64_t non_negative(const nlohmann::json& v, const std::string& key) const {
    if (!v.is_number_integer() || v.get<int64_t>() < 0) {
      fail(key, "expected a non-negative integer, got " + v.dump());
    }
    return v.get<int64_t>();
  }

  std::string string(const nlohmann::json& v, const std::string& key) const {
    if (!v.is_string()) fail(key, "expected a string, got " + v.dump());
    return v.get<std::string>();
  }

  Shape shape(const nlohmann::json& v, const std::string& key) const {
    if (!v.is_array()) fail(key, "expected an array of positive integers, got " + v.dump());
    Shape s;
    for (const auto& d : v) {
      if (!d.is_number_integer() || d.get<int64_t>() <= 0) {
        fail(key, "expected an array of positive integers, got " + v.dump());
      }
      s.push_back(d.get<int64_t>());
    }
    return s;
  }

 private:
  std::string file_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------

TensorMap random_weights(const Graph& graph, uint64_t seed) {
  const std::vector<Init> roles = roles_of(graph);
  // A graph with a layernorm is a transformer (the BERT family, ViT, GPT): initialised as BERT is.
  const bool transformer = std::any_of(graph.ops().begin(), graph.ops().end(),
                                       [](const Op& op) { return op.kind == OpKind::kLayerNorm; });
  TensorMap out;
  for (const Tensor& t : graph.tensors()) {
    if (!t.constant) continue;
    const Init& in = roles[static_cast<size_t>(t.id)];
    switch (in.role) {
      case Role::kHeWeight:
        out[t.id] = normal_tensor(t, seed,
                                  in.scale * (transformer ? kTransformerWeightStd
                                                          : std::sqrt(2.0 / static_cast<double>(in.fan_in))));
        break;
      case Role::kBias:
        out[t.id] = normal_tensor(t, seed, in.scale * kBiasStd);
        break;
      case Role::kGamma:
        out[t.id] =
            make_dense(t.shape, std::vector<float>(static_cast<size_t>(element_count(t.shape)), 1.0f));
        break;
      case Role::kBeta:
        out[t.id] = make_dense(t.shape);
        break;
      case Role::kEmbedding:
        out[t.id] = normal_tensor(t, seed, kEmbeddingStd);
        break;
      case Role::kAdjacency:
        out[t.id] = adjacency_tensor(t);
        break;
      case Role::kOther:
        out[t.id] = normal_tensor(t, seed, kOtherStd);
        break;
    }
  }
  return out;
}

TensorMap random_inputs(const Graph& graph, uint64_t seed) {
  const std::vector<Init> roles = roles_of(graph);
  const bool gcn = has_adjacency(graph, roles);
  const bool sparse_features = adjacency_is_sparse(graph, roles);
  TensorMap out;
  for (int id : graph.inputs()) {
    const Tensor& t = graph.tensor(id);
    Rng rng(seed_for(seed, t.name));
    int64_t vocabulary = 0;
    for (const Op& op : graph.ops()) {
      if (op.kind == OpKind::kEmbedding && op.inputs.size() == 2 && op.inputs[0] == id) {
        vocabulary = graph.tensor(op.inputs[1]).shape[0];
        break;
      }
    }
    if (vocabulary > 0) {
      TensorData d = make_dense(t.shape);
      for (float& v : d.values) v = static_cast<float>(rng.index(static_cast<uint64_t>(vocabulary)));
      out[id] = std::move(d);
    } else if (gcn) {
      const int64_t cols = t.shape.back();
      const int64_t rows = element_count(t.shape) / cols;
      SparseMatrix m;
      m.rows = rows;
      m.cols = cols;
      m.row_ptr.push_back(0);
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t c = 0; c < cols; ++c) {
          if (rng.uniform01() < kFeatureDensity) {
            m.col.push_back(static_cast<int32_t>(c));
            m.val.push_back(1.0f);
          }
        }
        m.row_ptr.push_back(m.nonzeros());
      }
      if (sparse_features) {
        out[id] = make_sparse(t.shape, std::move(m));
      } else {
        TensorData sparse = make_sparse(t.shape, std::move(m));
        out[id] = make_dense(t.shape, to_dense(sparse));
      }
    } else {
      TensorData d = make_dense(t.shape);
      rng.fill_normal(d.values.data(), d.values.size(), 1.0);
      out[id] = std::move(d);
    }
  }
  return out;
}

TensorMap load_weights(const std::string& path_json, const Graph& graph) {
  namespace fs = std::filesystem;
  const std::string text = read_text_file(path_json);  // capped: --weights /dev/zero ends

  const IndexReader r(path_json);
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    const size_t column = what.find("column ");
    const size_t colon = column == std::string::npos ? std::string::npos : what.find(": ", column);
    if (colon != std::string::npos) what = what.substr(colon + 2);
    r.fail(json_line_column(text, e.byte), "invalid JSON: " + what);
  } catch (const nlohmann::json::exception& e) {
    // A number too large for a double (out_of_range 406) carries no position (found by fuzz_weights).
    std::string what = e.what();
    const size_t bracket = what.find("] ");
    if (bracket != std::string::npos) what = what.substr(bracket + 2);
    r.fail("(document)", "invalid JSON: " + what);
  }
  if (!root.is_object()) r.fail("(root)", "expected a JSON object with keys format, tensors");
  const std::string format = r.string(r.field(root, "format", "(root)"), "format");
  if (format != "nm_weights/1") r.fail("format", "expected \"nm_weights/1\", got \"" + format + "\"");
  const nlohmann::json& tensors = r.field(root, "tensors", "(root)");
  if (!tensors.is_array()) r.fail("tensors", "expected an array of tensor entries");
  fs::path blob_path = default_blob_path(path_json);
  if (root.contains("data")) {
    blob_path = fs::path(path_json).parent_path() / r.string(root["data"], "data");
  }

  std::map<std::string, size_t> entry_of;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const std::string key = "tensors[" + std::to_string(i) + "]";
    if (!tensors[i].is_object()) r.fail(key, "expected an object {name, shape, dtype, offset, bytes}");
    const std::string name = r.string(r.field(tensors[i], "name", key), key + ".name");
    if (!entry_of.emplace(name, i).second) {
      r.fail(key + ".name",
             "tensor '" + name + "' listed twice (also tensors[" + std::to_string(entry_of[name]) + "])");
    }
  }

  std::ifstream blob;
  uint64_t blob_size = 0;
  const std::string blob_name = blob_path.string();
  TensorMap out;
  for (const Tensor& t : graph.tensors()) {
    if (!t.constant) continue;
    const auto found = entry_of.find(t.name);
    if (found == entry_of.end()) {
      r.fail("tensors", "no entry for tensor '" + t.name + "' " + shape_to_string(t.shape) + " of graph " +
                            graph.name());
    }
    const size_t i = found->second;
    const nlohmann::json& e = tensors[i];
    const std::string key = "tensors[" + std::to_string(i) + "]";
    const std::string who = "tensor '" + t.name + "': ";
    const Shape shape = r.shape(r.field(e, "shape", key), key + ".shape");
    if (shape != t.shape) {
      r.fail(key + ".shape", who + "expected " + shape_to_string(t.shape) + " (graph " + graph.name() +
                                 "), got " + shape_to_string(shape));
    }
    const std::string dtype = r.string(r.field(e, "dtype", key), key + ".dtype");
    if (dtype != "float32") r.fail(key + ".dtype", who + "expected \"float32\", got \"" + dtype + "\"");
    const std::string layout = e.contains("layout") ? r.string(e["layout"], key + ".layout") : "dense";
    if (layout != "dense" && layout != "csr") {
      r.fail(key + ".layout", who + "expected \"dense\" or \"csr\", got \"" + layout + "\"");
    }
    const int64_t offset = r.non_negative(r.field(e, "offset", key), key + ".offset");
    const int64_t bytes = r.non_negative(r.field(e, "bytes", key), key + ".bytes");
    const int64_t cols = t.shape.back();
    const int64_t rows = element_count(t.shape) / cols;
    int64_t nonzeros = 0;
    int64_t expected_bytes = 4 * element_count(t.shape);
    if (layout == "csr") {
      nonzeros = r.non_negative(r.field(e, "nonzeros", key), key + ".nonzeros");
      if (nonzeros > rows * cols) {
        r.fail(key + ".nonzeros",
               who + "more than the " + std::to_string(rows * cols) + " entries of the shape");
      }
      expected_bytes = 8 * (rows + 1) + 8 * nonzeros;
    }
    if (bytes != expected_bytes) {
      r.fail(key + ".bytes", who + "expected " + std::to_string(expected_bytes) + " for " + layout + " " +
                                 shape_to_string(t.shape) + ", got " + std::to_string(bytes));
    }

    if (!blob.is_open()) {
      std::error_code ec;
      blob_size = fs::file_size(blob_path, ec);
      blob.open(blob_path, std::ios::binary);
      if (ec || !blob) throw InputError(blob_name, "file", "cannot open the weight data for reading");
    }
    if (static_cast<uint64_t>(offset) + static_cast<uint64_t>(bytes) > blob_size) {
      throw InputError(blob_name, key,
                       who + "bytes [" + std::to_string(offset) + ", " + std::to_string(offset + bytes) +
                           ") extend past the end of the file (" + std::to_string(blob_size) + " bytes)");
    }
    std::vector<char> raw(static_cast<size_t>(bytes));
    blob.seekg(offset);
    blob.read(raw.data(), bytes);
    if (!blob) throw InputError(blob_name, key, who + "read failed");

    TensorData d;
    if (layout == "dense") {
      d = make_dense(t.shape, read_le<float>(raw.data(), static_cast<size_t>(element_count(t.shape))));
    } else {
      SparseMatrix m;
      m.rows = rows;
      m.cols = cols;
      const char* p = raw.data();
      m.row_ptr = read_le<int64_t>(p, static_cast<size_t>(rows + 1));
      p += 8 * (rows + 1);
      m.col = read_le<int32_t>(p, static_cast<size_t>(nonzeros));
      p += 4 * nonzeros;
      m.val = read_le<float>(p, static_cast<size_t>(nonzeros));
      try {
        check_csr(m, who + "csr data");
      } catch (const std::invalid_argument& bad) {
        throw InputError(blob_name, key, bad.what());
      }
      d = make_sparse(t.shape, std::move(m));
    }
    const std::vector<float>& vals = d.is_sparse() ? d.sparse->val : d.values;
    for (size_t j = 0; j < vals.size(); ++j) {
      if (!std::isfinite(vals[j])) {
        throw InputError(blob_name, key, who + "value " + std::to_string(j) + " is not finite");
      }
    }
    // Stored in the form the graph declares (sparse constants as CSR).
    if (t.nonzeros >= 0 && !d.is_sparse()) d = make_sparse(t.shape, dense_to_csr(d.values, rows, cols));
    if (t.nonzeros < 0 && d.is_sparse()) d = make_dense(t.shape, to_dense(d));
    out[t.id] = std::move(d);
  }
  return out;
}

void save_weights(const std::string& path_json, const Graph& graph, const TensorMap& tensors) {
  namespace fs = std::filesystem;
  const fs::path blob_path = default_blob_path(path_json);
  if (blob_path == fs::path(path_json)) {
    throw InputError(path_json, "file", "the weight index must not end in .bin (the data file does)");
  }
  std::string blob;
  std::vector<nlohmann::ordered_json> entries;
  for (const Tensor& t : graph.tensors()) {
    if (!t.constant) continue;
    const auto it = tensors.find(t.id);
    if (it == tensors.end()) throw std::invalid_argument("save_weights: no values for tensor " + t.name);
    const TensorData& d = it->second;
    if (d.shape != t.shape) {
      throw std::invalid_argument("save_weights: tensor " + t.name + " is " + shape_to_string(d.shape) +
                                  ", the graph says " + shape_to_string(t.shape));
    }
    nlohmann::ordered_json e = {{"name", t.name}, {"shape", t.shape}, {"dtype", "float32"}};
    const size_t offset = blob.size();
    if (d.is_sparse()) {
      append_le(blob, d.sparse->row_ptr);
      append_le(blob, d.sparse->col);
      append_le(blob, d.sparse->val);
      e["layout"] = "csr";
      e["nonzeros"] = d.sparse->nonzeros();
    } else {
      if (static_cast<int64_t>(d.values.size()) != element_count(t.shape)) {
        throw std::invalid_argument("save_weights: tensor " + t.name + " holds " +
                                    std::to_string(d.values.size()) + " values");
      }
      append_le(blob, d.values);
    }
    e["offset"] = offset;
    e["bytes"] = blob.size() - offset;
    entries.push_back(std::move(e));
  }
  // One tensor per line, keys in the documented order, so the index reads (and diffs) well.
  std::string index =
      "{\n  \"format\": \"nm_weights/1\",\n  \"graph\": " + nlohmann::json(graph.name()).dump() +
      ",\n  \"data\": " + nlohmann::json(blob_path.filename().string()).dump() + ",\n  \"tensors\": [";
  for (size_t i = 0; i < entries.size(); ++i) index += (i ? ",\n    " : "\n    ") + entries[i].dump();
  index += "\n  ]\n}\n";

  // Temporary files and renames (sw/proc/output_file.h): a failed save never leaves a half-written
  // pair behind, and replaces neither file.
  write_files_atomically({{blob_path.string(), blob}, {path_json, index}});
}

bool has_embedded_weights(const Graph& graph) {
  for (const Tensor& t : graph.tensors()) {
    if (t.constant && t.values) return true;
  }
  return false;
}

TensorMap embedded_weights(const Graph& graph) {
  TensorMap out;
  for (const Tensor& t : graph.tensors()) {
    if (!t.constant) continue;
    if (!t.values || static_cast<int64_t>(t.values->size()) != element_count(t.shape)) {
      throw std::logic_error("constant " + t.name + " carries no values of shape " +
                             shape_to_string(t.shape));
    }
    out[t.id] = make_dense(t.shape, *t.values);
  }
  return out;
}

}  // namespace nm::sw
