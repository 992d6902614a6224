#include "sw/functional/reference_executor.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "hw/core/input_error.h"
#include "sw/functional/data_move.h"
#include "sw/functional/gemm_f32.h"

namespace nm::sw {
namespace {

// im2col chunks hold at most this many floats (16 MB), whatever the image size.
constexpr int64_t kIm2colFloats = int64_t{1} << 22;
constexpr double kSqrtHalf = 0.70710678118654752440;

// y[0, n) += v * x[0, n); fixed-width blocks so GCC vectorizes at -O2 (the sparse kernels' rows
// are 16 wide in GCN).
inline void axpy(int64_t n, float v, const float* __restrict x, float* __restrict y) {
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    for (int64_t t = 0; t < 8; ++t) y[j + t] += v * x[j + t];
  }
  for (; j < n; ++j) y[j] += v * x[j];
}

// Dense values of a tensor: the tensor's own storage, or an expanded copy of a CSR one.
class DenseView {
 public:
  explicit DenseView(const TensorData& t) {
    if (t.is_sparse()) {
      owned_ = to_dense(t);
      data_ = owned_.data();
    } else {
      data_ = t.values.data();
    }
  }
  DenseView(const DenseView&) = delete;
  DenseView& operator=(const DenseView&) = delete;
  const float* data() const { return data_; }

 private:
  std::vector<float> owned_;
  const float* data_ = nullptr;
};

class Executor {
 public:
  Executor(const Graph& g, const TensorMap& given) : g_(g), given_(given), where_("graph " + g.name()) {}

  TensorMap run() {
    check_sources();
    for (const Op& op : g_.ops()) {
      TensorData y = make_dense(g_.tensor(op.output).shape);
      compute(op, y);
      out_[op.output] = std::move(y);
    }
    return std::move(out_);
  }

 private:
  [[noreturn]] void fail(const Op& op, const std::string& what) const {
    throw InputError(where_, "op " + op.name, what);
  }

  // Every tensor read but not produced must be given, with the graph's shape.
  void check_sources() const {
    std::vector<bool> produced(g_.tensors().size(), false);
    for (const Op& op : g_.ops()) {
      for (int id : op.inputs) {
        if (produced[static_cast<size_t>(id)]) continue;
        const Tensor& t = g_.tensor(id);
        const auto it = given_.find(id);
        if (it == given_.end()) {
          throw InputError(where_, "tensor " + t.name,
                           std::string("no values given (a ") + (t.constant ? "constant" : "graph input") +
                               " read by op " + op.name + ")");
        }
        if (it->second.shape != t.shape) {
          throw InputError(
              where_, "tensor " + t.name,
              "expected shape " + shape_to_string(t.shape) + ", got " + shape_to_string(it->second.shape));
        }
        const size_t stored = it->second.is_sparse()
                                  ? static_cast<size_t>(it->second.sparse->rows * it->second.sparse->cols)
                                  : it->second.values.size();
        if (stored != static_cast<size_t>(element_count(t.shape))) {
          throw InputError(where_, "tensor " + t.name,
                           "holds " + std::to_string(stored) + " values, shape " + shape_to_string(t.shape) +
                               " needs " + std::to_string(element_count(t.shape)));
        }
      }
      produced[static_cast<size_t>(op.output)] = true;
    }
  }

  const TensorData& get(int id) const {
    const auto it = out_.find(id);
    if (it != out_.end()) return it->second;
    return given_.at(id);
  }

  void compute(const Op& op, TensorData& y) {
    switch (op.kind) {
      case OpKind::kConv2d:
        return conv2d(op, y);
      case OpKind::kLinear:
        return linear(op, y);
      case OpKind::kMatMul:
        return matmul(op, y);
      case OpKind::kEmbedding:
        return embedding(op, y);
      case OpKind::kRelu:
        return unary(op, y, [](double x) { return x > 0.0 ? x : 0.0; });
      case OpKind::kLeakyRelu: {
        const double alpha = op.attrs.alpha;
        return unary(op, y, [alpha](double x) { return x >= 0.0 ? x : alpha * x; });
      }
      case OpKind::kGelu:
        return unary(op, y, [](double x) { return 0.5 * x * (1.0 + std::erf(x * kSqrtHalf)); });
      case OpKind::kTanh:
        return unary(op, y, [](double x) { return std::tanh(x); });
      case OpKind::kSigmoid:
        return unary(op, y, sigmoid);
      case OpKind::kAdd:
        return add(op, y);
      case OpKind::kSoftmax:
        return softmax(op, y);
      case OpKind::kLayerNorm:
        return layernorm(op, y);
      case OpKind::kMaxPool2d:
      case OpKind::kAvgPool2d:
        return pool2d(op, y);
      case OpKind::kGlobalAvgPool:
        return global_avgpool(op, y);
      case OpKind::kReshape:
        return reshape(op, y);
      case OpKind::kSilu:
        return unary(op, y, [](double x) { return x * sigmoid(x); });
      case OpKind::kErf:
        return unary(op, y, [](double x) { return std::erf(x); });
      case OpKind::kExp:
        return unary(op, y, [](double x) { return std::exp(x); });
      case OpKind::kSqrt:
        return unary(op, y, [](double x) { return std::sqrt(x); });
      case OpKind::kReciprocal:
        return unary(op, y, [](double x) { return 1.0 / x; });
      case OpKind::kRelu6:
        return unary(op, y, [](double x) { return std::min(std::max(x, 0.0), 6.0); });
      case OpKind::kHardSigmoid:
        return unary(op, y, hard_sigmoid);
      case OpKind::kHardSwish:
        return unary(op, y, [](double x) { return x * hard_sigmoid(x); });
      case OpKind::kAffine: {
        const double scale = op.attrs.scale, shift = op.attrs.shift;
        return unary(op, y, [scale, shift](double x) { return x * scale + shift; });
      }
      case OpKind::kMul:
        return add(op, y);
      case OpKind::kReduceMean:
        return reduce_mean(op, y);
      case OpKind::kTranspose:
      case OpKind::kConcat:
      case OpKind::kSlice:
      case OpKind::kCausalMask:
        return data_move(op, y);
    }
    fail(op, "unknown op kind");
  }

  void need_inputs(const Op& op, size_t min, size_t max) const {
    if (op.inputs.size() < min || op.inputs.size() > max) {
      fail(op, std::string(op_kind_name(op.kind)) + " takes " + std::to_string(min) + " to " +
                   std::to_string(max) + " inputs, got " + std::to_string(op.inputs.size()));
    }
  }

  void need_shape(const Op& op, const TensorData& y, const Shape& expected) const {
    if (y.shape != expected) {
      fail(op, "output shape " + shape_to_string(y.shape) + " does not match the " +
                   shape_to_string(expected) + " its inputs imply");
    }
  }

  // y = bias broadcast over rows of width `width` (or zeros).
  void init_bias(const Op& op, size_t pos, TensorData& y, int64_t width) const {
    if (op.inputs.size() <= pos) return;
    const TensorData& b = get(op.inputs[pos]);
    if (element_count(b.shape) != width) {
      fail(op, "bias " + shape_to_string(b.shape) + " does not match width " + std::to_string(width));
    }
    const DenseView bias(b);
    const int64_t rows = static_cast<int64_t>(y.values.size()) / width;
    for (int64_t r = 0; r < rows; ++r) {
      std::copy(bias.data(), bias.data() + width, y.values.begin() + r * width);
    }
  }

  void conv2d(const Op& op, TensorData& y) {
    need_inputs(op, 2, 3);
    const TensorData& xt = get(op.inputs[0]);
    const TensorData& wt = get(op.inputs[1]);
    if (xt.shape.size() != 4 || wt.shape.size() != 4) fail(op, "conv2d needs NHWC input and a rank-4 weight");
    const int64_t n = xt.shape[0], h = xt.shape[1], w = xt.shape[2], c = xt.shape[3];
    const int64_t kh = wt.shape[0], kw = wt.shape[1], cg = wt.shape[2], cout = wt.shape[3];
    const int64_t groups = op.attrs.groups, stride = op.attrs.stride, pad = op.attrs.pad;
    if (groups < 1 || c % groups != 0 || cout % groups != 0 || cg != c / groups) {
      fail(op, "weight " + shape_to_string(wt.shape) + " does not fit input " + shape_to_string(xt.shape) +
                   " with groups " + std::to_string(groups));
    }
    if (stride < 1 || pad < 0 || h + 2 * pad < kh || w + 2 * pad < kw) {
      fail(op, "invalid stride, pad or kernel");
    }
    const int64_t ho = (h + 2 * pad - kh) / stride + 1;
    const int64_t wo = (w + 2 * pad - kw) / stride + 1;
    need_shape(op, y, {n, ho, wo, cout});
    init_bias(op, 2, y, cout);
    const DenseView xv(xt);
    const DenseView wv(wt);
    const float* x = xv.data();
    const float* wgt = wv.data();
    float* out = y.values.data();

    if (kh == 1 && kw == 1 && stride == 1 && pad == 0 && groups == 1) {
      // A 1x1 conv is a GEMM on the NHWC pixels as they lie.
      gemm_f32(n * h * w, cout, c, x, c, 1, wgt, cout, 1, out, cout);
      return;
    }
    const int64_t coutg = cout / groups;
    const int64_t k = kh * kw * cg;  // im2col row: (kh, kw, ci) matches the weight's row order
    const int64_t pixels = ho * wo;
    const int64_t chunk = std::max<int64_t>(1, std::min(pixels, kIm2colFloats / k));
    std::vector<float> col(static_cast<size_t>(chunk * k));
    for (int64_t b = 0; b < n; ++b) {
      const float* xb = x + b * h * w * c;
      for (int64_t p0 = 0; p0 < pixels; p0 += chunk) {
        const int64_t np = std::min(chunk, pixels - p0);
        for (int64_t g = 0; g < groups; ++g) {
          for (int64_t p = 0; p < np; ++p) {
            const int64_t oh = (p0 + p) / wo, ow = (p0 + p) % wo;
            float* row = col.data() + p * k;
            for (int64_t i = 0; i < kh; ++i) {
              const int64_t ih = oh * stride - pad + i;
              for (int64_t j = 0; j < kw; ++j) {
                const int64_t iw = ow * stride - pad + j;
                float* dst = row + (i * kw + j) * cg;
                if (ih < 0 || ih >= h || iw < 0 || iw >= w) {
                  std::fill(dst, dst + cg, 0.0f);
                } else {
                  const float* src = xb + (ih * w + iw) * c + g * cg;
                  std::copy(src, src + cg, dst);
                }
              }
            }
          }
          gemm_f32(np, coutg, k, col.data(), k, 1, wgt + g * coutg, cout, 1,
                   out + (b * pixels + p0) * cout + g * coutg, cout);
        }
      }
    }
  }

  void linear(const Op& op, TensorData& y) {
    need_inputs(op, 2, 3);
    const TensorData& xt = get(op.inputs[0]);
    const TensorData& wt = get(op.inputs[1]);
    if (wt.shape.size() != 2 || xt.shape.empty() || xt.shape.back() != wt.shape[0]) {
      fail(op, "input " + shape_to_string(xt.shape) + " does not fit weight " + shape_to_string(wt.shape));
    }
    const int64_t in = wt.shape[0], outw = wt.shape[1];
    const int64_t rows = element_count(xt.shape) / in;
    Shape expected = xt.shape;
    expected.back() = outw;
    need_shape(op, y, expected);
    init_bias(op, 2, y, outw);
    const DenseView wv(wt);
    if (xt.is_sparse()) {
      // Sparse x (GCN features): only stored entries contribute.
      const SparseMatrix& m = *xt.sparse;
      for (int64_t r = 0; r < rows; ++r) {
        float* yr = y.values.data() + r * outw;
        for (int64_t i = m.row_ptr[static_cast<size_t>(r)]; i < m.row_ptr[static_cast<size_t>(r) + 1]; ++i) {
          const float v = m.val[static_cast<size_t>(i)];
          axpy(outw, v, wv.data() + static_cast<int64_t>(m.col[static_cast<size_t>(i)]) * outw, yr);
        }
      }
      return;
    }
    gemm_f32(rows, outw, in, xt.values.data(), in, 1, wv.data(), outw, 1, y.values.data(), outw);
  }

  void matmul(const Op& op, TensorData& y) {
    need_inputs(op, 2, 2);
    const TensorData& at = get(op.inputs[0]);
    const TensorData& bt = get(op.inputs[1]);
    if (at.shape.size() != 3 || bt.shape.size() != 3 || at.shape[0] != bt.shape[0]) {
      fail(op, "matmul needs [B, ., .] operands with equal B, got " + shape_to_string(at.shape) + " and " +
                   shape_to_string(bt.shape));
    }
    const bool ta = op.attrs.transpose_a, tb = op.attrs.transpose_b;
    const int64_t batches = at.shape[0];
    const int64_t m = ta ? at.shape[2] : at.shape[1];
    const int64_t k = ta ? at.shape[1] : at.shape[2];
    const int64_t kb = tb ? bt.shape[2] : bt.shape[1];
    const int64_t n = tb ? bt.shape[1] : bt.shape[2];
    if (k != kb) fail(op, "inner dims differ: " + std::to_string(k) + " vs " + std::to_string(kb));
    need_shape(op, y, {batches, m, n});
    const DenseView bv(bt);
    for (int64_t bat = 0; bat < batches; ++bat) {
      const float* b = bv.data() + bat * k * n;
      float* c = y.values.data() + bat * m * n;
      if (!at.is_sparse()) {
        const float* a = at.values.data() + bat * m * k;
        gemm_f32(m, n, k, a, ta ? 1 : k, ta ? m : 1, b, tb ? 1 : n, tb ? k : 1, c, n);
        continue;
      }
      // Sparse a (graph adjacency): row-wise axpy over the stored entries of op(a).
      std::vector<float> b_rows;  // op(b) as [K, N], contiguous rows
      const float* brow = b;
      if (tb) {
        b_rows.resize(static_cast<size_t>(k * n));
        for (int64_t j = 0; j < n; ++j) {
          for (int64_t p = 0; p < k; ++p) b_rows[static_cast<size_t>(p * n + j)] = b[j * k + p];
        }
        brow = b_rows.data();
      }
      const SparseMatrix& s = *at.sparse;
      const int64_t stored_rows = ta ? k : m;
      for (int64_t r = 0; r < stored_rows; ++r) {
        const int64_t sr = bat * stored_rows + r;
        for (int64_t i = s.row_ptr[static_cast<size_t>(sr)]; i < s.row_ptr[static_cast<size_t>(sr) + 1];
             ++i) {
          const float v = s.val[static_cast<size_t>(i)];
          const int64_t cidx = s.col[static_cast<size_t>(i)];
          // Not transposed: a[r][cidx] contributes to row r from b row cidx; transposed:
          // a[r][cidx] = op(a)[cidx][r], to row cidx from b row r.
          axpy(n, v, brow + (ta ? r : cidx) * n, c + (ta ? cidx : r) * n);
        }
      }
    }
  }

  void embedding(const Op& op, TensorData& y) {
    need_inputs(op, 1, 2);
    const TensorData& table = get(op.inputs.back());
    if (table.shape.size() != 2) {
      fail(op, "embedding table must be [V, H], got " + shape_to_string(table.shape));
    }
    const int64_t hidden = table.shape[1];
    const int64_t rows = op.attrs.rows;
    need_shape(op, y, {rows, hidden});
    const DenseView tv(table);
    const std::vector<int64_t> index =
        embedding_rows(g_, op, op.inputs.size() == 2 ? &get(op.inputs[0]) : nullptr, where_);
    for (int64_t r = 0; r < rows; ++r) {
      const float* src = tv.data() + index[static_cast<size_t>(r)] * hidden;
      std::copy(src, src + hidden, y.values.begin() + r * hidden);
    }
  }

  template <typename F>
  void unary(const Op& op, TensorData& y, F f) {
    need_inputs(op, 1, 1);
    const TensorData& xt = get(op.inputs[0]);
    if (element_count(xt.shape) != element_count(y.shape)) fail(op, "element counts differ");
    const DenseView x(xt);
    for (size_t i = 0; i < y.values.size(); ++i) {
      y.values[i] = static_cast<float>(f(static_cast<double>(x.data()[i])));
    }
  }

  static double hard_sigmoid(double x) { return std::min(std::max(x / 6.0 + 0.5, 0.0), 1.0); }

  // Both branches avoid exp overflow.
  static double sigmoid(double x) {
    if (x >= 0.0) return 1.0 / (1.0 + std::exp(-x));
    const double e = std::exp(x);
    return e / (1.0 + e);
  }

  // add and mul, input 1 broadcast over input 0 (graph.h Broadcast).
  void add(const Op& op, TensorData& y) {
    need_inputs(op, 2, 2);
    const TensorData& at = get(op.inputs[0]);
    const TensorData& bt = get(op.inputs[1]);
    Broadcast bc;
    if (!broadcast_pattern(at.shape, bt.shape, bc)) {
      fail(op, "shapes differ: " + shape_to_string(at.shape) + " vs " + shape_to_string(bt.shape));
    }
    need_shape(op, y, at.shape);
    const DenseView a(at);
    const DenseView b(bt);
    const bool mul = op.kind == OpKind::kMul;
    for (size_t i = 0; i < y.values.size(); ++i) {
      const float bv = b.data()[broadcast_index(bc, i)];
      y.values[i] = mul ? a.data()[i] * bv : a.data()[i] + bv;
    }
  }

  void reduce_mean(const Op& op, TensorData& y) {
    need_inputs(op, 1, 1);
    const TensorData& xt = get(op.inputs[0]);
    const int64_t width = xt.shape.back();
    if (element_count(y.shape) * width != element_count(xt.shape))
      fail(op, "output is not one value per row");
    const DenseView x(xt);
    for (size_t r = 0; r < y.values.size(); ++r) {
      double sum = 0.0;
      for (int64_t j = 0; j < width; ++j) sum += x.data()[static_cast<int64_t>(r) * width + j];
      y.values[r] = static_cast<float>(sum / static_cast<double>(width));
    }
  }

  void data_move(const Op& op, TensorData& y) {
    std::vector<Shape> shapes;
    std::vector<std::vector<float>> dense;
    for (int id : op.inputs) {
      shapes.push_back(get(id).shape);
      dense.push_back(to_dense(get(id)));
    }
    std::vector<const std::vector<float>*> ptrs;
    for (const auto& d : dense) ptrs.push_back(&d);
    try {
      y.values = move_data(op, shapes, ptrs, y.shape);
    } catch (const std::invalid_argument& e) {
      fail(op, e.what());
    }
  }

  void softmax(const Op& op, TensorData& y) {
    need_inputs(op, 1, 1);
    const TensorData& xt = get(op.inputs[0]);
    need_shape(op, y, xt.shape);
    const DenseView xv(xt);
    const int64_t width = y.shape.back();
    const int64_t rows = element_count(y.shape) / width;
    std::vector<double> e(static_cast<size_t>(width));
    for (int64_t r = 0; r < rows; ++r) {
      const float* x = xv.data() + r * width;
      const float mx = *std::max_element(x, x + width);
      double sum = 0.0;
      for (int64_t j = 0; j < width; ++j) {
        e[static_cast<size_t>(j)] = std::exp(static_cast<double>(x[j]) - mx);
        sum += e[static_cast<size_t>(j)];
      }
      float* out = y.values.data() + r * width;
      for (int64_t j = 0; j < width; ++j) out[j] = static_cast<float>(e[static_cast<size_t>(j)] / sum);
    }
  }

  void layernorm(const Op& op, TensorData& y) {
    need_inputs(op, 3, 3);
    const TensorData& xt = get(op.inputs[0]);
    need_shape(op, y, xt.shape);
    const int64_t width = y.shape.back();
    const int64_t rows = element_count(y.shape) / width;
    const TensorData& gt = get(op.inputs[1]);
    const TensorData& bt = get(op.inputs[2]);
    if (element_count(gt.shape) != width || element_count(bt.shape) != width) {
      fail(op, "gamma/beta must hold " + std::to_string(width) + " values");
    }
    const DenseView xv(xt);
    const DenseView gamma(gt);
    const DenseView beta(bt);
    for (int64_t r = 0; r < rows; ++r) {
      const float* x = xv.data() + r * width;
      double mean = 0.0;
      for (int64_t j = 0; j < width; ++j) mean += x[j];
      mean /= static_cast<double>(width);
      double var = 0.0;
      for (int64_t j = 0; j < width; ++j) var += (x[j] - mean) * (x[j] - mean);
      var /= static_cast<double>(width);
      const double inv = 1.0 / std::sqrt(var + op.attrs.eps);
      float* out = y.values.data() + r * width;
      for (int64_t j = 0; j < width; ++j) {
        out[j] = static_cast<float>((x[j] - mean) * inv * gamma.data()[j] + beta.data()[j]);
      }
    }
  }

  void pool2d(const Op& op, TensorData& y) {
    need_inputs(op, 1, 1);
    const TensorData& xt = get(op.inputs[0]);
    if (xt.shape.size() != 4) fail(op, "pooling needs an NHWC input, got " + shape_to_string(xt.shape));
    const int64_t n = xt.shape[0], h = xt.shape[1], w = xt.shape[2], c = xt.shape[3];
    const int64_t kh = op.attrs.kernel_h, kw = op.attrs.kernel_w, stride = op.attrs.stride,
                  pad = op.attrs.pad;
    if (kh < 1 || kw < 1 || stride < 1 || pad < 0 || h + 2 * pad < kh || w + 2 * pad < kw) {
      fail(op, "invalid kernel, stride or pad");
    }
    const int64_t ho = (h + 2 * pad - kh) / stride + 1;
    const int64_t wo = (w + 2 * pad - kw) / stride + 1;
    need_shape(op, y, {n, ho, wo, c});
    const bool is_max = op.kind == OpKind::kMaxPool2d;
    const DenseView xv(xt);
    std::vector<double> acc(static_cast<size_t>(c));
    for (int64_t b = 0; b < n; ++b) {
      for (int64_t oh = 0; oh < ho; ++oh) {
        for (int64_t ow = 0; ow < wo; ++ow) {
          const int64_t h0 = std::max<int64_t>(oh * stride - pad, 0),
                        h1 = std::min(oh * stride - pad + kh, h);
          const int64_t w0 = std::max<int64_t>(ow * stride - pad, 0),
                        w1 = std::min(ow * stride - pad + kw, w);
          std::fill(acc.begin(), acc.end(), is_max ? -std::numeric_limits<double>::infinity() : 0.0);
          for (int64_t ih = h0; ih < h1; ++ih) {
            for (int64_t iw = w0; iw < w1; ++iw) {
              const float* x = xv.data() + ((b * h + ih) * w + iw) * c;
              for (int64_t ch = 0; ch < c; ++ch) {
                acc[static_cast<size_t>(ch)] =
                    is_max ? std::max(acc[static_cast<size_t>(ch)], static_cast<double>(x[ch]))
                           : acc[static_cast<size_t>(ch)] + x[ch];
              }
            }
          }
          const int64_t count = std::max<int64_t>(h1 - h0, 0) * std::max<int64_t>(w1 - w0, 0);
          float* out = y.values.data() + ((b * ho + oh) * wo + ow) * c;
          for (int64_t ch = 0; ch < c; ++ch) {
            out[ch] =
                count == 0
                    ? 0.0f
                    : static_cast<float>(is_max ? acc[static_cast<size_t>(ch)]
                                                : acc[static_cast<size_t>(ch)] / static_cast<double>(count));
          }
        }
      }
    }
  }

  void global_avgpool(const Op& op, TensorData& y) {
    need_inputs(op, 1, 1);
    const TensorData& xt = get(op.inputs[0]);
    if (xt.shape.size() != 4) {
      fail(op, "global_avgpool needs an NHWC input, got " + shape_to_string(xt.shape));
    }
    const int64_t n = xt.shape[0], hw = xt.shape[1] * xt.shape[2], c = xt.shape[3];
    need_shape(op, y, {n, 1, 1, c});
    const DenseView xv(xt);
    std::vector<double> acc(static_cast<size_t>(c));
    for (int64_t b = 0; b < n; ++b) {
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t p = 0; p < hw; ++p) {
        const float* x = xv.data() + (b * hw + p) * c;
        for (int64_t ch = 0; ch < c; ++ch) acc[static_cast<size_t>(ch)] += x[ch];
      }
      for (int64_t ch = 0; ch < c; ++ch) {
        y.values[static_cast<size_t>(b * c + ch)] =
            static_cast<float>(acc[static_cast<size_t>(ch)] / static_cast<double>(hw));
      }
    }
  }

  void reshape(const Op& op, TensorData& y) {
    need_inputs(op, 1, 1);
    const TensorData& xt = get(op.inputs[0]);
    if (element_count(y.shape) > element_count(xt.shape)) {
      fail(op, "reshape to " + shape_to_string(y.shape) + " needs more elements than " +
                   shape_to_string(xt.shape));
    }
    const DenseView x(xt);
    std::copy(x.data(), x.data() + y.values.size(), y.values.begin());
  }

  const Graph& g_;
  const TensorMap& given_;
  const std::string where_;
  TensorMap out_;
};

}  // namespace

std::vector<int64_t> embedding_rows(const Graph& graph, const Op& op, const TensorData* ids,
                                    const std::string& where) {
  const Shape& table = graph.tensor(op.inputs.back()).shape;
  const int64_t vocab = table.at(0);
  const int64_t rows = op.attrs.rows;
  std::vector<int64_t> index(static_cast<size_t>(rows));
  if (ids != nullptr) {
    if (element_count(ids->shape) != rows) {
      throw InputError(where, "op " + op.name,
                       "ids hold " + std::to_string(element_count(ids->shape)) +
                           " values, rows = " + std::to_string(rows));
    }
    const std::vector<float> values = to_dense(*ids);
    for (int64_t r = 0; r < rows; ++r) {
      const float v = values[static_cast<size_t>(r)];
      if (!(v >= 0.0f && v < static_cast<float>(vocab)) || v != std::floor(v)) {
        throw InputError(where, "tensor " + graph.tensor(op.inputs[0]).name,
                         "id " + std::to_string(v) + " at position " + std::to_string(r) +
                             " is not an integer in [0, " + std::to_string(vocab) + ")");
      }
      index[static_cast<size_t>(r)] = static_cast<int64_t>(v);
    }
    return index;
  }
  const bool token_type = op.name.find("token_type") != std::string::npos ||
                          graph.tensor(op.inputs[0]).name.find("token_type") != std::string::npos;
  // A batch of sequences repeats positions 0..S-1 per sequence.
  const int64_t per_sequence = rows % graph.batch() == 0 ? rows / graph.batch() : rows;
  // Positions start at attrs.start (a decode step's token sits after the cached ones).
  const int64_t first = token_type ? 0 : op.attrs.start;
  if (!token_type && (first < 0 || first + per_sequence > vocab)) {
    throw InputError(where, "op " + op.name,
                     "position lookup of rows " + std::to_string(first) + ".." +
                         std::to_string(first + per_sequence - 1) + " in a table of " +
                         std::to_string(vocab));
  }
  for (int64_t r = 0; r < rows; ++r)
    index[static_cast<size_t>(r)] = token_type ? 0 : first + r % per_sequence;
  return index;
}

TensorMap run_reference(const Graph& graph, const TensorMap& weights_and_inputs) {
  return Executor(graph, weights_and_inputs).run();
}

}  // namespace nm::sw
