#include "sw/functional/program_executor.h"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

#include "hw/core/input_error.h"
#include "sw/functional/data_move.h"
#include "sw/functional/gemm_f32.h"
#include "sw/functional/gemm_int8.h"
#include "sw/functional/numerics.h"
#include "sw/functional/reference_executor.h"

namespace nm::sw {

const char* numeric_mode_name(NumericMode mode) {
  switch (mode) {
    case NumericMode::kFp32:
      return "fp32";
    case NumericMode::kFp16:
      return "fp16";
    case NumericMode::kInt8:
      return "int8";
  }
  return "?";
}

NumericMode numeric_mode_for(hw::DataType type) {
  return type == hw::DataType::kFp16 ? NumericMode::kFp16 : NumericMode::kInt8;
}

namespace {

constexpr float kNoValue = -std::numeric_limits<float>::infinity();
constexpr int8_t kInt8NoValue = -128;   // unused by the symmetric format: marks padding
constexpr uint32_t kMaxSegments = 256;  // a segment index is one byte

uint32_t value_bytes(NumericMode mode) {
  switch (mode) {
    case NumericMode::kFp32:
      return 4;
    case NumericMode::kFp16:
      return 2;
    case NumericMode::kInt8:
      return 1;
  }
  return 4;
}

// Rounds a parameter (table entry, gamma, beta) to the datatype; int8 uses `scale`.
double to_datatype(NumericMode mode, double v, float scale) {
  switch (mode) {
    case NumericMode::kFp32:
      return static_cast<float>(v);
    case NumericMode::kFp16:
      return round_to_half(static_cast<float>(v));
    case NumericMode::kInt8:
      return static_cast<double>(quantize_int8(static_cast<float>(v), scale)) * scale;
  }
  return v;
}

float max_abs_of(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::fabs(x));
  return static_cast<float>(m);
}

}  // namespace

uint64_t stored_bytes(const ProgramTensor& t, NumericMode mode) {
  const uint64_t vb = value_bytes(mode);
  if (t.nonzeros >= 0) return static_cast<uint64_t>(t.nonzeros) * (vb + 4) + (t.rows + 1) * 4;
  return t.elements * (t.index ? 1 : vb);
}

void HostTensorStore::write(int tensor, const std::vector<uint8_t>& bytes) {
  data_[tensor] = bytes;
}

std::vector<uint8_t> HostTensorStore::read(int tensor) {
  auto it = data_.find(tensor);
  if (it == data_.end()) throw std::logic_error("tensor " + std::to_string(tensor) + " read before written");
  return it->second;
}

struct ProgramExecutor::Impl {
  const Graph& g;
  const KernelProgram& p;
  NumericMode mode;
  PwlTableOptions pwl;
  std::vector<float> calibrated;  // max |x| per program tensor (int8 activations)
  std::vector<float> scale;       // int8 scale per program tensor
  std::vector<int> graph_of;      // a graph tensor id per program tensor (-1: made by lowering)
  std::map<int, TensorData> ids;  // embedding op index -> its token ids
  std::map<int, std::vector<double>> column_params;  // graph tensor id -> gamma/beta in the datatype
  std::map<PwlFunction, PwlFit> fits;                // tables in the datatype
  std::vector<float>* observed = nullptr;
  std::string where;

  Impl(const Graph& graph, const KernelProgram& program, NumericMode m, PwlTableOptions o)
      : g(graph), p(program), mode(m), pwl(o), where("graph " + graph.name()) {
    scale.assign(p.tensors.size(), 1.0f);
    graph_of.assign(p.tensors.size(), -1);
    for (size_t gid = 0; gid < p.graph_tensor.size(); ++gid) {
      const int t = p.graph_tensor[gid];
      if (t >= 0 && graph_of[static_cast<size_t>(t)] < 0)
        graph_of[static_cast<size_t>(t)] = static_cast<int>(gid);
    }
  }

  const ProgramTensor& tensor(int t) const { return p.tensors.at(static_cast<size_t>(t)); }

  // ---- encoding between values and stored bytes ----

  void note(int t, const std::vector<float>& v) {
    float& m = (*observed)[static_cast<size_t>(t)];
    for (float x : v) {
      if (std::isfinite(x)) m = std::max(m, std::fabs(x));
    }
  }

  std::vector<uint8_t> encode(int t, const std::vector<float>& v) {
    note(t, v);
    std::vector<uint8_t> bytes;
    switch (mode) {
      case NumericMode::kFp32:
        bytes.resize(v.size() * 4);
        std::memcpy(bytes.data(), v.data(), bytes.size());
        break;
      case NumericMode::kFp16: {
        bytes.resize(v.size() * 2);
        for (size_t i = 0; i < v.size(); ++i) {
          const uint16_t h = float_to_half(v[i]);
          bytes[2 * i] = static_cast<uint8_t>(h & 0xff);
          bytes[2 * i + 1] = static_cast<uint8_t>(h >> 8);
        }
        break;
      }
      case NumericMode::kInt8: {
        bytes.resize(v.size());
        const float s = scale[static_cast<size_t>(t)];
        for (size_t i = 0; i < v.size(); ++i) {
          const int8_t q = v[i] == kNoValue ? kInt8NoValue : quantize_int8(v[i], s);
          bytes[i] = static_cast<uint8_t>(q);
        }
        break;
      }
    }
    return bytes;
  }

  std::vector<float> decode(int t, const std::vector<uint8_t>& bytes) const {
    std::vector<float> v;
    switch (mode) {
      case NumericMode::kFp32:
        v.resize(bytes.size() / 4);
        std::memcpy(v.data(), bytes.data(), v.size() * 4);
        break;
      case NumericMode::kFp16:
        v.resize(bytes.size() / 2);
        for (size_t i = 0; i < v.size(); ++i)
          v[i] = half_to_float(static_cast<uint16_t>(bytes[2 * i] | (bytes[2 * i + 1] << 8)));
        break;
      case NumericMode::kInt8: {
        v.resize(bytes.size());
        const float s = scale[static_cast<size_t>(t)];
        for (size_t i = 0; i < v.size(); ++i) {
          const auto q = static_cast<int8_t>(bytes[i]);
          v[i] = q == kInt8NoValue ? kNoValue : static_cast<float>(q) * s;
        }
        break;
      }
    }
    return v;
  }

  std::vector<float> read_values(int t, TensorStore& store) const { return decode(t, store.read(t)); }
  void write_values(int t, const std::vector<float>& v, TensorStore& store) { store.write(t, encode(t, v)); }

  std::vector<int8_t> read_int8(int t, TensorStore& store) const {
    const std::vector<uint8_t> b = store.read(t);
    return std::vector<int8_t>(b.begin(), b.end());
  }

  // ---- loading ----

  void set_constant_scale(int t, const std::vector<float>& v) {
    float m = 0;
    for (float x : v) m = std::max(m, std::fabs(x));
    scale[static_cast<size_t>(t)] = int8_scale_for(m);
  }

  void write_dense(int t, const std::vector<float>& v, TensorStore& store) {
    if (mode == NumericMode::kInt8 && tensor(t).constant) set_constant_scale(t, v);
    write_values(t, v, store);
  }

  void write_sparse(int t, const SparseMatrix& m, TensorStore& store) {
    if (static_cast<uint64_t>(m.rows) != tensor(t).rows) {
      throw InputError(where, "tensor " + tensor(t).name, "CSR rows differ from the program's");
    }
    if (mode == NumericMode::kInt8) set_constant_scale(t, m.val);
    const std::vector<uint8_t> values = encode(t, m.val);
    std::vector<uint8_t> bytes((static_cast<size_t>(m.rows) + 1 + m.col.size()) * 4);
    uint8_t* out = bytes.data();
    for (int64_t r : m.row_ptr) {
      const auto v = static_cast<uint32_t>(r);
      std::memcpy(out, &v, 4);
      out += 4;
    }
    std::memcpy(out, m.col.data(), m.col.size() * 4);
    bytes.insert(bytes.end(), values.begin(), values.end());
    store.write(t, bytes);
  }

  // Constants the lowering made (reduction and averaging vectors) have no graph tensor: their
  // values follow from the kernel that reads them.
  void write_lowering_constants(TensorStore& store) {
    for (const LoweredKernel& k : p.kernels) {
      const KernelSemantics& s = k.semantics;
      if (s.op == KernelOp::kRowReduce) {
        write_dense(k.b_operand,
                    std::vector<float>(tensor(k.b_operand).elements, static_cast<float>(s.vector_value)),
                    store);
      } else if (s.op == KernelOp::kGlobalAvgPool) {
        const int a = k.streams.at(0);
        write_dense(a, std::vector<float>(tensor(a).elements, 1.0f / static_cast<float>(tensor(a).elements)),
                    store);
      }
    }
  }

  // Writes the graph's constants (with constants_too) and inputs that some kernel reads, and
  // keeps the host-side data: token ids, and layernorm's gamma and beta in the datatype.
  void load(const TensorMap& given, TensorStore& store, bool constants_too) {
    if (constants_too && mode == NumericMode::kInt8) assign_calibrated_scales();
    std::vector<bool> read_by_kernel(p.tensors.size(), false);
    for (const LoweredKernel& k : p.kernels) {
      for (int s : k.streams) read_by_kernel[static_cast<size_t>(s)] = true;
      if (k.b_operand >= 0) read_by_kernel[static_cast<size_t>(k.b_operand)] = true;
      for (int e : k.b_extras) read_by_kernel[static_cast<size_t>(e)] = true;
    }
    auto given_for = [&](int gid) -> const TensorData& {
      auto it = given.find(gid);
      if (it == given.end()) {
        throw InputError(where, "tensor " + g.tensor(gid).name, "no values given (a weight or input)");
      }
      return it->second;
    };
    for (size_t t = 0; t < p.tensors.size(); ++t) {
      const int gid = graph_of[t];
      if (gid < 0 || !read_by_kernel[t]) continue;
      const bool is_input = std::find(g.inputs().begin(), g.inputs().end(), gid) != g.inputs().end();
      if (!(is_input || (constants_too && tensor(static_cast<int>(t)).constant))) continue;
      const TensorData& d = given_for(gid);
      if (tensor(static_cast<int>(t)).nonzeros >= 0) {
        write_sparse(static_cast<int>(t),
                     d.is_sparse() ? *d.sparse
                                   : dense_to_csr(d.values, tensor(static_cast<int>(t)).rows, d.shape.back()),
                     store);
      } else {
        write_dense(static_cast<int>(t), to_dense(d), store);
      }
    }
    for (size_t i = 0; i < g.ops().size(); ++i) {
      const Op& op = g.ops()[i];
      if (op.kind == OpKind::kEmbedding && op.inputs.size() == 2)
        ids[static_cast<int>(i)] = given_for(op.inputs[0]);
      if (constants_too && op.kind == OpKind::kLayerNorm) {
        for (size_t j = 1; j <= 2 && j < op.inputs.size(); ++j) {
          const std::vector<float> v = to_dense(given_for(op.inputs[j]));
          const float scale = int8_scale_for(max_abs_of(std::vector<double>(v.begin(), v.end())));
          std::vector<double> rounded(v.size());
          for (size_t c = 0; c < v.size(); ++c) rounded[c] = to_datatype(mode, v[c], scale);
          column_params[op.inputs[j]] = std::move(rounded);
        }
      }
    }
    if (!constants_too) return;
    write_lowering_constants(store);
    if (mode == NumericMode::kInt8) inherit_scales();
  }

  // int8: activations take their calibrated scale.
  void assign_calibrated_scales() {
    if (calibrated.size() != p.tensors.size()) {
      throw std::logic_error("int8 execution needs a calibrated max |x| for every program tensor");
    }
    for (size_t t = 0; t < p.tensors.size(); ++t) {
      if (!p.tensors[t].constant) scale[t] = int8_scale_for(calibrated[t]);
    }
  }

  // Gathers and maxima keep their input's scale, so copying a value or choosing between two
  // never re-rounds it (in program order: a max tree's input is the previous pass's output).
  void inherit_scales() {
    for (const LoweredKernel& k : p.kernels) {
      if (k.semantics.op == KernelOp::kGather || k.semantics.op == KernelOp::kMax) {
        scale[static_cast<size_t>(k.output)] = scale[static_cast<size_t>(k.streams.at(0))];
      }
    }
  }

  // ---- PWL tables ----

  const PwlFit& fit_for(PwlFunction f) {
    auto it = fits.find(f);
    if (it != fits.end()) return it->second;
    // Checked before fitting: past the 1-byte index, an elastic fit would hit fit_pwl's own limit.
    const PwlSpec& s = pwl_spec(f);
    const uint32_t segments = pwl_segments(f, pwl.granularity);
    if (segments > kMaxSegments) {
      throw InputError(where, "pwl.granularity",
                       fmt::format("{} needs {} segments at {}; a 1-byte segment index allows {} (a "
                                   "granularity of at least {:.4g})",
                                   s.name, segments, pwl.granularity, kMaxSegments,
                                   (s.domain_hi - s.domain_lo) / (kMaxSegments - 2)));
    }
    PwlFitOptions o;
    o.method = s.exact ? PwlMethod::kUniform : pwl.method;
    o.granularity = pwl.granularity;
    PwlFit fit = fit_pwl(f, o);
    // The table as stored: K and B in the datatype (int8: one scale each per table).
    std::vector<double> k = fit.slopes, b = fit.intercepts;
    const float sk = int8_scale_for(max_abs_of(k)), sb = int8_scale_for(max_abs_of(b));
    for (double& v : fit.slopes) v = to_datatype(mode, v, sk);
    for (double& v : fit.intercepts) v = to_datatype(mode, v, sb);
    return fits.emplace(f, std::move(fit)).first->second;
  }

  // ---- GEMMs ----

  // C[M x N] at c (row stride ldc) = A[M x K] x B[K x N] + preset[j], then rounded to the output.
  void gemm_q(int64_t m, int64_t n, int64_t k, const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb,
              const std::vector<double>* preset, float sa, float sb, float sy, int8_t* c, int64_t ldc) const {
    std::vector<int32_t> bias;
    if (preset != nullptr) {
      bias.resize(static_cast<size_t>(n));
      for (int64_t j = 0; j < n; ++j)
        bias[static_cast<size_t>(j)] = quantize_bias_int32(
            static_cast<float>((*preset)[static_cast<size_t>(j)]), static_cast<double>(sa) * sb);
    }
    std::vector<int32_t> acc(static_cast<size_t>(m * n));
    gemm_s8(m, n, k, a, lda, b, ldb, preset ? bias.data() : nullptr, acc.data(), n);
    const Requantizer r = make_requantizer(static_cast<double>(sa) * sb / sy);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = requantize(acc[static_cast<size_t>(i * n + j)], r);
  }

  static void gemm_f(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                     int64_t ldb, const std::vector<double>* preset, float* c, int64_t ldc) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        c[i * ldc + j] = preset ? static_cast<float>((*preset)[static_cast<size_t>(j)]) : 0.0f;
    gemm_f32(m, n, k, a, lda, 1, b, ldb, 1, c, ldc);
  }

  // One GEMM-kernel body over operands of element type T (int8_t: int8 mode, float: fp modes).
  template <typename T>
  struct Operands {
    std::vector<T> data;
    float scale = 1;
  };

  template <typename T>
  Operands<T> fetch(int t, TensorStore& store) const {
    Operands<T> o;
    if constexpr (std::is_same_v<T, int8_t>) {
      o.data = read_int8(t, store);
      o.scale = scale[static_cast<size_t>(t)];
    } else {
      o.data = read_values(t, store);
    }
    return o;
  }

  template <typename T>
  void gemm(int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, float sa, const T* b, int64_t ldb,
            float sb, const std::vector<double>* preset, T* c, int64_t ldc, float sy) const {
    if constexpr (std::is_same_v<T, int8_t>) {
      gemm_q(m, n, k, a, lda, b, ldb, preset, sa, sb, sy, c, ldc);
    } else {
      gemm_f(m, n, k, a, lda, b, ldb, preset, c, ldc);
    }
  }

  template <typename T>
  void store_output(int t, std::vector<T>& y, TensorStore& store) {
    if constexpr (std::is_same_v<T, int8_t>) {
      store.write(t, std::vector<uint8_t>(y.begin(), y.end()));
    } else {
      write_values(t, y, store);
    }
  }

  std::vector<double> bias_values(const LoweredKernel& k, TensorStore& store) const {
    std::vector<double> bias;
    for (int e : k.b_extras) {
      const std::vector<float> v = read_values(e, store);
      if (bias.empty()) bias.assign(v.size(), 0.0);
      for (size_t j = 0; j < v.size() && j < bias.size(); ++j) bias[j] += v[j];
    }
    return bias;
  }

  template <typename T>
  void conv(const LoweredKernel& k, const Op& op, TensorStore& store) {
    const Shape& xs = g.tensor(op.inputs[0]).shape;
    const Shape& ws = g.tensor(op.inputs[1]).shape;
    const Shape& ys = g.tensor(op.output).shape;
    const int64_t n_img = xs[0], h = xs[1], w = xs[2], cin = xs[3];
    const int64_t kh = ws[0], kw = ws[1], cin_g = ws[2], cout = ws[3];
    const int64_t ho = ys[1], wo = ys[2], groups = op.attrs.groups, cout_g = cout / groups;
    const int64_t stride = op.attrs.stride, pad = op.attrs.pad;
    const Operands<T> x = fetch<T>(k.streams[0], store);
    const Operands<T> wt = fetch<T>(k.b_operand, store);
    const std::vector<double> bias = bias_values(k, store);
    const int64_t m = n_img * ho * wo, kk = kh * kw * cin_g;
    std::vector<T> y(static_cast<size_t>(m * cout));
    const float sy = scale[static_cast<size_t>(k.output)];
    std::vector<T> col(static_cast<size_t>(m * kk));
    for (int64_t gi = 0; gi < groups; ++gi) {
      // im2col: address generation on the L2 -> L1 path; padding reads zero.
      for (int64_t r = 0; r < m; ++r) {
        const int64_t img = r / (ho * wo), oy = (r / wo) % ho, ox = r % wo;
        T* row = col.data() + r * kk;
        for (int64_t dy = 0; dy < kh; ++dy) {
          for (int64_t dx = 0; dx < kw; ++dx) {
            const int64_t iy = oy * stride - pad + dy, ix = ox * stride - pad + dx;
            T* dst = row + (dy * kw + dx) * cin_g;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
              std::fill(dst, dst + cin_g, T{0});
            } else {
              const T* src = x.data.data() + ((img * h + iy) * w + ix) * cin + gi * cin_g;
              std::copy(src, src + cin_g, dst);
            }
          }
        }
      }
      std::vector<double> group_bias;
      if (!bias.empty()) group_bias.assign(bias.begin() + gi * cout_g, bias.begin() + (gi + 1) * cout_g);
      gemm<T>(m, cout_g, kk, col.data(), kk, x.scale, wt.data.data() + gi * cout_g, cout, wt.scale,
              bias.empty() ? nullptr : &group_bias, y.data() + gi * cout_g, cout, sy);
    }
    store_output(k.output, y, store);
  }

  template <typename T>
  void linear(const LoweredKernel& k, const Op& op, TensorStore& store) {
    const Shape& ws = g.tensor(op.inputs[1]).shape;
    const int64_t in = ws[0], out = ws[1];
    const Operands<T> x = fetch<T>(k.streams[0], store);
    const Operands<T> wt = fetch<T>(k.b_operand, store);
    const std::vector<double> bias = bias_values(k, store);
    const int64_t rows = static_cast<int64_t>(k.desc.m);
    std::vector<T> y(static_cast<size_t>(rows * out));
    gemm<T>(rows, out, in, x.data.data(), in, x.scale, wt.data.data(), out, wt.scale,
            bias.empty() ? nullptr : &bias, y.data(), out, scale[static_cast<size_t>(k.output)]);
    store_output(k.output, y, store);
  }

  template <typename T>
  void matmul(const LoweredKernel& k, const Op& op, TensorStore& store) {
    const Shape& as = g.tensor(op.inputs[0]).shape;
    const Shape& bs = g.tensor(op.inputs[1]).shape;
    const int64_t batch = static_cast<int64_t>(k.desc.batch), m = static_cast<int64_t>(k.desc.m);
    const int64_t n = static_cast<int64_t>(k.desc.n), kk = static_cast<int64_t>(k.desc.k);
    const Operands<T> a = fetch<T>(k.streams[0], store);
    const Operands<T> b = fetch<T>(k.b_operand, store);
    std::vector<T> y(static_cast<size_t>(batch * m * n));
    std::vector<T> at, bt;
    for (int64_t bi = 0; bi < batch; ++bi) {
      // Transposes are address generation: gather the operand into row-major form.
      const T* ap = a.data.data() + bi * as[1] * as[2];
      int64_t lda = as[2];
      if (op.attrs.transpose_a) {
        at.resize(static_cast<size_t>(m * kk));
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < kk; ++j) at[static_cast<size_t>(i * kk + j)] = ap[j * m + i];
        ap = at.data();
        lda = kk;
      }
      const T* bp = b.data.data() + (bs[0] > 1 ? bi : 0) * bs[1] * bs[2];
      int64_t ldb = bs[2];
      if (op.attrs.transpose_b) {
        bt.resize(static_cast<size_t>(kk * n));
        for (int64_t i = 0; i < kk; ++i)
          for (int64_t j = 0; j < n; ++j) bt[static_cast<size_t>(i * n + j)] = bp[j * kk + i];
        bp = bt.data();
        ldb = n;
      }
      gemm<T>(m, n, kk, ap, lda, a.scale, bp, ldb, b.scale, nullptr, y.data() + bi * m * n, n,
              scale[static_cast<size_t>(k.output)]);
    }
    store_output(k.output, y, store);
  }

  // SpMM: A is CSR in the store; only stored entries are multiplied.
  template <typename T>
  void spmm(const LoweredKernel& k, TensorStore& store) {
    const int a = k.streams[0];
    const ProgramTensor& at = tensor(a);
    const std::vector<uint8_t> bytes = store.read(a);
    const auto rows = static_cast<size_t>(at.rows), nnz = static_cast<size_t>(at.nonzeros);
    std::vector<uint32_t> row_ptr(rows + 1), col(nnz);
    std::memcpy(row_ptr.data(), bytes.data(), row_ptr.size() * 4);
    std::memcpy(col.data(), bytes.data() + row_ptr.size() * 4, nnz * 4);
    const std::vector<uint8_t> value_bytes_(bytes.begin() + static_cast<std::ptrdiff_t>((rows + 1 + nnz) * 4),
                                            bytes.end());
    const Operands<T> b = fetch<T>(k.b_operand, store);
    const auto n = static_cast<size_t>(k.desc.n);
    std::vector<T> y(rows * n);
    if constexpr (std::is_same_v<T, int8_t>) {
      const Requantizer r = make_requantizer(static_cast<double>(scale[static_cast<size_t>(a)]) * b.scale /
                                             scale[static_cast<size_t>(k.output)]);
      std::vector<int32_t> acc(n);
      for (size_t i = 0; i < rows; ++i) {
        std::fill(acc.begin(), acc.end(), 0);
        for (uint32_t e = row_ptr[i]; e < row_ptr[i + 1]; ++e) {
          const int32_t v = static_cast<int8_t>(value_bytes_[e]);
          const int8_t* brow = b.data.data() + static_cast<size_t>(col[e]) * n;
          for (size_t j = 0; j < n; ++j) acc[j] += v * brow[j];
        }
        for (size_t j = 0; j < n; ++j) y[i * n + j] = requantize(acc[j], r);
      }
    } else {
      const std::vector<float> vals = decode(a, value_bytes_);
      for (size_t i = 0; i < rows; ++i) {
        float* yrow = y.data() + i * n;
        for (uint32_t e = row_ptr[i]; e < row_ptr[i + 1]; ++e) {
          const float* brow = b.data.data() + static_cast<size_t>(col[e]) * n;
          for (size_t j = 0; j < n; ++j) yrow[j] += vals[e] * brow[j];
        }
      }
    }
    store_output(k.output, y, store);
  }

  template <typename T>
  void row_reduce(const LoweredKernel& k, TensorStore& store) {
    const Operands<T> x = fetch<T>(k.streams[0], store);
    const Operands<T> v = fetch<T>(k.b_operand, store);
    const auto len = static_cast<int64_t>(k.semantics.row_len);
    const auto rows = static_cast<int64_t>(k.desc.m);
    const std::vector<double> preset(1, k.semantics.preset);
    std::vector<T> y(static_cast<size_t>(rows));
    gemm<T>(rows, 1, len, x.data.data(), len, x.scale, v.data.data(), 1, v.scale,
            k.semantics.preset != 0 ? &preset : nullptr, y.data(), 1, scale[static_cast<size_t>(k.output)]);
    store_output(k.output, y, store);
  }

  template <typename T>
  void global_avgpool(const LoweredKernel& k, TensorStore& store) {
    const Operands<T> avg = fetch<T>(k.streams[0], store);
    const Operands<T> x = fetch<T>(k.b_operand, store);
    const auto batch = static_cast<int64_t>(k.desc.batch), hw = static_cast<int64_t>(k.desc.k);
    const auto c = static_cast<int64_t>(k.desc.n);
    std::vector<T> y(static_cast<size_t>(batch * c));
    for (int64_t b = 0; b < batch; ++b)
      gemm<T>(1, c, hw, avg.data.data(), hw, avg.scale, x.data.data() + b * hw * c, c, x.scale, nullptr,
              y.data() + b * c, c, scale[static_cast<size_t>(k.output)]);
    store_output(k.output, y, store);
  }

  template <typename T>
  void run_gemm_kernel(const LoweredKernel& k, TensorStore& store) {
    const KernelSemantics& s = k.semantics;
    switch (s.op) {
      case KernelOp::kRowReduce:
        return row_reduce<T>(k, store);
      case KernelOp::kGlobalAvgPool:
        return global_avgpool<T>(k, store);
      default:
        break;
    }
    const Op& op = g.ops().at(static_cast<size_t>(s.graph_op));
    if (k.desc.kind == hw::KernelKind::kSpmm) return spmm<T>(k, store);
    switch (op.kind) {
      case OpKind::kConv2d:
        return conv<T>(k, op, store);
      case OpKind::kLinear:
        return linear<T>(k, op, store);
      case OpKind::kMatMul:
        return matmul<T>(k, op, store);
      default:
        throw std::logic_error("kernel " + k.desc.name + ": no GEMM semantics for op " + op.name);
    }
  }

  // ---- DMA ----

  void gather(const LoweredKernel& k, TensorStore& store) {
    const Op& op = g.ops().at(static_cast<size_t>(k.semantics.graph_op));
    auto it = ids.find(k.semantics.graph_op);
    const std::vector<int64_t> rows = embedding_rows(g, op, it == ids.end() ? nullptr : &it->second, where);
    const std::vector<uint8_t> table = store.read(k.streams[0]);
    const size_t row_bytes = static_cast<size_t>(k.desc.n) * value_bytes(mode);
    std::vector<uint8_t> out(rows.size() * row_bytes);
    for (size_t r = 0; r < rows.size(); ++r)
      std::memcpy(out.data() + r * row_bytes, table.data() + static_cast<size_t>(rows[r]) * row_bytes,
                  row_bytes);
    if (mode == NumericMode::kFp32) note(k.output, decode(k.output, out));
    store.write(k.output, out);
  }

  // ---- element-wise ----

  // Operands a and b of a pairwise max or pool sum, one pair per output element. Pool padding
  // is kNoValue.
  void pair_operands(const LoweredKernel& k, TensorStore& store, std::vector<float>& a,
                     std::vector<float>& b) {
    const KernelSemantics& s = k.semantics;
    const auto elements = static_cast<size_t>(k.desc.elements());
    a.resize(elements);
    b.resize(elements);
    if (s.view == OperandView::kTreePairs) {
      const std::vector<float> x = read_values(k.streams[0], store);
      const uint64_t pairs = s.tree_len / 2;
      for (size_t e = 0; e < elements; ++e) {
        const uint64_t r = e / pairs, i = e % pairs;
        a[e] = x[r * s.tree_len + i];
        b[e] = x[r * s.tree_len + i + pairs];
      }
      return;
    }
    const Op& op = g.ops().at(static_cast<size_t>(s.graph_op));
    const std::vector<float> x = read_values(k.streams[1], store);
    const std::vector<float> running = s.first ? std::vector<float>() : read_values(k.streams[0], store);
    for (size_t e = 0; e < elements; ++e) {
      a[e] = s.first ? window_value(op, x, e, 0) : running[e];
      b[e] = window_value(op, x, e, s.window);
    }
  }

  // Window element `i` (row-major over KH x KW) of output element `e` of a pool; kNoValue in padding.
  float window_value(const Op& op, const std::vector<float>& x, size_t e, int64_t i) const {
    const Shape& xs = g.tensor(op.inputs[0]).shape;
    const Shape& ys = g.tensor(op.output).shape;
    const int64_t c = ys[3], wo = ys[2], ho = ys[1];
    const auto ei = static_cast<int64_t>(e);
    const int64_t ch = ei % c, ox = (ei / c) % wo, oy = (ei / (c * wo)) % ho, img = ei / (c * wo * ho);
    const int64_t iy = oy * op.attrs.stride - op.attrs.pad + i / op.attrs.kernel_w;
    const int64_t ix = ox * op.attrs.stride - op.attrs.pad + i % op.attrs.kernel_w;
    if (iy < 0 || iy >= xs[1] || ix < 0 || ix >= xs[2]) return kNoValue;
    return x[static_cast<size_t>(((img * xs[1] + iy) * xs[2] + ix) * xs[3] + ch)];
  }

  double valid_window_elements(const Op& op, size_t e) const {
    double n = 0;
    const Shape& xs = g.tensor(op.inputs[0]).shape;
    const Shape& ys = g.tensor(op.output).shape;
    const auto ei = static_cast<int64_t>(e);
    const int64_t ox = (ei / ys[3]) % ys[2], oy = (ei / (ys[3] * ys[2])) % ys[1];
    for (int64_t i = 0; i < op.attrs.kernel_h * op.attrs.kernel_w; ++i) {
      const int64_t iy = oy * op.attrs.stride - op.attrs.pad + i / op.attrs.kernel_w;
      const int64_t ix = ox * op.attrs.stride - op.attrs.pad + i % op.attrs.kernel_w;
      n += iy >= 0 && iy < xs[1] && ix >= 0 && ix < xs[2];
    }
    return n;
  }

  // The relu table's segment of a - b; a missing operand never wins.
  uint8_t max_segment(const PwlFit& relu, float a, float b) const {
    if (a == kNoValue) return 0;
    if (b == kNoValue) return static_cast<uint8_t>(relu.segments() - 1);
    return static_cast<uint8_t>(pwl_segment_index(relu, static_cast<double>(a) - b));
  }

  void elementwise(const LoweredKernel& k, TensorStore& store) {
    const KernelSemantics& s = k.semantics;
    const auto elements = static_cast<size_t>(k.desc.elements());
    std::vector<float> y;
    switch (s.op) {
      case KernelOp::kSegmentIndex: {
        check_leaky_relu(k);
        const PwlFit& fit = fit_for(s.function);
        const std::vector<float> x = read_values(k.streams[0], store);
        std::vector<uint8_t> index(elements);
        for (size_t e = 0; e < elements; ++e) {
          if (x[e] == kNoValue) {  // below every breakpoint
            index[e] = 0;
            continue;
          }
          const PwlReducedInput r = pwl_reduce_input(s.function, x[e]);
          index[e] = r.special ? 0 : static_cast<uint8_t>(pwl_segment_index(fit, r.table_x));
        }
        return store.write(k.output, index);
      }
      case KernelOp::kPwl: {
        const PwlFit& fit = fit_for(s.function);
        const std::vector<float> x = read_values(k.streams[0], store);
        const std::vector<uint8_t> index = store.read(k.streams[1]);
        y.resize(elements);
        for (size_t e = 0; e < elements; ++e) {
          if (x[e] == kNoValue) {
            // "No value" (a masked key) selects the lowest piece, as -inf would: a flat piece
            // gives its level (exp: exactly 0), a sloped one keeps "no value".
            y[e] = fit.slopes[index[e]] == 0 ? static_cast<float>(fit.intercepts[index[e]]) : kNoValue;
            continue;
          }
          const PwlReducedInput r = pwl_reduce_input(s.function, x[e]);
          const double t = r.table_x * fit.slopes[index[e]] + fit.intercepts[index[e]];
          y[e] = static_cast<float>(pwl_finish(r, t));
        }
        break;
      }
      case KernelOp::kMaxSegment: {
        const PwlFit& relu = fit_for(PwlFunction::kRelu);
        std::vector<float> a, b;
        pair_operands(k, store, a, b);
        std::vector<uint8_t> index(elements);
        for (size_t e = 0; e < elements; ++e) index[e] = max_segment(relu, a[e], b[e]);
        return store.write(k.output, index);
      }
      case KernelOp::kMax: {
        const PwlFit& relu = fit_for(PwlFunction::kRelu);
        std::vector<float> a, b;
        pair_operands(k, store, a, b);
        const std::vector<uint8_t> index = store.read(k.streams[2]);
        y.resize(elements);
        // y = b + K (a - b) with K in {0, 1}: exactly a or b.
        for (size_t e = 0; e < elements; ++e) y[e] = relu.slopes[index[e]] != 0 ? a[e] : b[e];
        if (s.view == OperandView::kTreePairs) y = with_tree_leftover(k, y, store);
        break;
      }
      case KernelOp::kPoolSum: {
        const Op& op = g.ops().at(static_cast<size_t>(s.graph_op));
        std::vector<float> a, b;
        pair_operands(k, store, a, b);
        y.resize(elements);
        for (size_t e = 0; e < elements; ++e) {
          double v = (a[e] == kNoValue ? 0.0 : a[e]) + (b[e] == kNoValue ? 0.0 : b[e]);
          if (s.last) {
            const double n = valid_window_elements(op, e);
            v = n > 0 ? v / n : 0.0;
          }
          y[e] = static_cast<float>(v);
        }
        break;
      }
      case KernelOp::kAdd: {
        const std::vector<float> a = read_values(k.streams[0], store), b = read_values(k.streams[1], store);
        y.resize(elements);
        for (size_t e = 0; e < elements; ++e) y[e] = static_cast<float>(static_cast<double>(a[e]) + b[e]);
        break;
      }
      case KernelOp::kSubRow:
      case KernelOp::kMulRow: {
        const std::vector<float> x = read_values(k.streams[0], store), r = read_values(k.streams[1], store);
        y.resize(elements);
        for (size_t e = 0; e < elements; ++e) {
          const double row = r[e / s.row_len];
          y[e] = static_cast<float>(s.op == KernelOp::kSubRow ? x[e] - row : x[e] * row);
        }
        break;
      }
      case KernelOp::kMul:
      case KernelOp::kAddBroadcast: {
        const std::vector<float> a = read_values(k.streams[0], store), b = read_values(k.streams[1], store);
        y.resize(elements);
        const bool mul = s.op == KernelOp::kMul;
        for (size_t e = 0; e < elements; ++e) {
          const double bv = b[broadcast_index(s.broadcast, e)];
          y[e] = static_cast<float>(mul ? a[e] * bv : a[e] + bv);
        }
        break;
      }
      case KernelOp::kAffine: {
        const Op& op = g.ops().at(static_cast<size_t>(s.graph_op));
        const std::vector<float> x = read_values(k.streams[0], store);
        y.resize(elements);
        for (size_t e = 0; e < elements; ++e)
          y[e] = static_cast<float>(x[e] * op.attrs.scale + op.attrs.shift);
        break;
      }
      case KernelOp::kDataMove: {
        const Op& op = g.ops().at(static_cast<size_t>(s.graph_op));
        std::vector<Shape> shapes;
        std::vector<std::vector<float>> in;
        for (size_t i = 0; i < k.streams.size(); ++i) {
          shapes.push_back(g.tensor(op.inputs.at(i)).shape);
          in.push_back(read_values(k.streams[i], store));
        }
        std::vector<const std::vector<float>*> ptrs;
        for (const auto& v : in) ptrs.push_back(&v);
        // A masked key holds "no value" (int8's free -128 code, -inf in fp16 and fp32), not a
        // large negative number: -1e4 would set the score tensor's int8 scale and round every
        // real score to 0. The softmax's exp table maps it to exactly 0 (kPwl below).
        y = move_data(op, shapes, ptrs, g.tensor(op.output).shape, kNoValue);
        break;
      }
      case KernelOp::kSquare: {
        const std::vector<float> x = read_values(k.streams[0], store);
        y.resize(elements);
        for (size_t e = 0; e < elements; ++e) y[e] = static_cast<float>(static_cast<double>(x[e]) * x[e]);
        break;
      }
      case KernelOp::kScaleShift: {
        const Op& op = g.ops().at(static_cast<size_t>(s.graph_op));
        const std::vector<double>& gamma = column_params.at(op.inputs.at(1));
        const std::vector<double>& beta = column_params.at(op.inputs.at(2));
        const std::vector<float> x = read_values(k.streams[0], store), r = read_values(k.streams[1], store);
        y.resize(elements);
        for (size_t e = 0; e < elements; ++e) {
          const size_t col = e % s.row_len;
          y[e] = static_cast<float>(static_cast<double>(x[e]) * r[e / s.row_len] * gamma[col] + beta[col]);
        }
        break;
      }
      default:
        throw std::logic_error("kernel " + k.desc.name + ": not an element-wise operation");
    }
    write_values(k.output, y, store);
  }

  // The max tree's odd last element passes through to the reduced row by addressing.
  std::vector<float> with_tree_leftover(const LoweredKernel& k, const std::vector<float>& maxima,
                                        TensorStore& store) const {
    const uint64_t len = k.semantics.tree_len, pairs = len / 2, out_len = len - pairs;
    if (out_len == pairs) return maxima;
    const std::vector<float> x = read_values(k.streams[0], store);
    const uint64_t rows = maxima.size() / pairs;
    std::vector<float> y(rows * out_len);
    for (uint64_t r = 0; r < rows; ++r) {
      std::copy(maxima.begin() + static_cast<std::ptrdiff_t>(r * pairs),
                maxima.begin() + static_cast<std::ptrdiff_t>((r + 1) * pairs),
                y.begin() + static_cast<std::ptrdiff_t>(r * out_len));
      y[r * out_len + pairs] = x[r * len + len - 1];
    }
    return y;
  }

  void check_leaky_relu(const LoweredKernel& k) const {
    if (k.semantics.function != PwlFunction::kLeakyRelu) return;
    const Op& op = g.ops().at(static_cast<size_t>(k.semantics.graph_op));
    if (op.attrs.alpha != 0.01) {
      throw InputError(where, "op " + op.name,
                       "leaky_relu alpha " + std::to_string(op.attrs.alpha) +
                           ": the PWL table (sw/pwl/pwl_spec.cpp) implements alpha 0.01 only");
    }
  }

  void execute(size_t index, TensorStore& store) {
    const LoweredKernel& k = p.kernels.at(index);
    // A row- or window-block host has no work of its own: its epilogue kernels (run next, in
    // order) compute the op.
    if (k.semantics.op == KernelOp::kRowBlock) return;
    switch (k.desc.kind) {
      case hw::KernelKind::kGemm:
      case hw::KernelKind::kSpmm:
        if (mode == NumericMode::kInt8) return run_gemm_kernel<int8_t>(k, store);
        return run_gemm_kernel<float>(k, store);
      case hw::KernelKind::kDma:
        return gather(k, store);
      case hw::KernelKind::kSegmentIndex:
      case hw::KernelKind::kElementwise:
        return elementwise(k, store);
      case hw::KernelKind::kRowBlock:
        return;  // its epilogue kernels (run next, in order) compute the op
    }
  }
};

ProgramExecutor::ProgramExecutor(const Graph& graph, const KernelProgram& program, NumericMode mode,
                                 PwlTableOptions pwl, std::vector<float> max_abs)
    : impl_(std::make_unique<Impl>(graph, program, mode, pwl)), mode_(mode) {
  impl_->calibrated = std::move(max_abs);
  observed_.assign(program.tensors.size(), 0.0f);
  impl_->observed = &observed_;
  if (program.graph_tensor.size() != graph.tensors().size()) {
    throw std::logic_error("program was not lowered from this graph");
  }
}

ProgramExecutor::~ProgramExecutor() = default;

void ProgramExecutor::load(const TensorMap& weights_and_inputs, TensorStore& store) {
  impl_->load(weights_and_inputs, store, true);
}

void ProgramExecutor::load_inputs(const TensorMap& inputs, TensorStore& store) {
  impl_->load(inputs, store, false);
}

void ProgramExecutor::execute(size_t index, TensorStore& store) {
  impl_->execute(index, store);
}

void ProgramExecutor::execute_all(TensorStore& store) {
  for (size_t i = 0; i < impl_->p.kernels.size(); ++i) impl_->execute(i, store);
}

std::vector<float> ProgramExecutor::values(int tensor, TensorStore& store) const {
  if (impl_->tensor(tensor).nonzeros >= 0 || impl_->tensor(tensor).index) {
    throw std::logic_error("values(): tensor " + impl_->tensor(tensor).name + " is not a dense operand");
  }
  return impl_->read_values(tensor, store);
}

}  // namespace nm::sw
