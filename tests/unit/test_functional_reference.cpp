// The fp32 reference executor (sw/functional/reference_executor.h): every op against a naive
// implementation or a hand computation, and whole networks end to end.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "functional_test_util.h"
#include "hw/core/input_error.h"
#include "sw/functional/gemm_f32.h"
#include "sw/functional/random.h"
#include "sw/functional/reference_executor.h"
#include "sw/functional/weights.h"
#include "sw/graph/workloads.h"

namespace nm::sw {
namespace {

using test::Net;
using test::random_values;

void expect_near_all(const std::vector<float>& got, const std::vector<double>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], tol * (1.0 + std::fabs(want[i]))) << "element " << i;
  }
}

// ------------------------------------------------------------------------------------------------
// conv2d

struct ConvCase {
  int64_t n, h, w, c, cout, kh, kw, stride, pad, groups;
  bool bias;
};

// The naive 7-loop definition: NHWC, weight [KH, KW, Cin/g, Cout], zero padding, groups.
std::vector<double> naive_conv(const ConvCase& k, const std::vector<float>& x, const std::vector<float>& w,
                               const std::vector<float>& b, int64_t ho, int64_t wo) {
  const int64_t cg = k.c / k.groups, coutg = k.cout / k.groups;
  std::vector<double> y(static_cast<size_t>(k.n * ho * wo * k.cout));
  for (int64_t n = 0; n < k.n; ++n)
    for (int64_t oh = 0; oh < ho; ++oh)
      for (int64_t ow = 0; ow < wo; ++ow)
        for (int64_t co = 0; co < k.cout; ++co) {
          const int64_t g = co / coutg;
          double acc = k.bias ? b[static_cast<size_t>(co)] : 0.0;
          for (int64_t i = 0; i < k.kh; ++i)
            for (int64_t j = 0; j < k.kw; ++j)
              for (int64_t ci = 0; ci < cg; ++ci) {
                const int64_t ih = oh * k.stride - k.pad + i, iw = ow * k.stride - k.pad + j;
                if (ih < 0 || ih >= k.h || iw < 0 || iw >= k.w) continue;
                acc += static_cast<double>(
                           x[static_cast<size_t>(((n * k.h + ih) * k.w + iw) * k.c + g * cg + ci)]) *
                       w[static_cast<size_t>(((i * k.kw + j) * cg + ci) * k.cout + co)];
              }
          y[static_cast<size_t>(((n * ho + oh) * wo + ow) * k.cout + co)] = acc;
        }
  return y;
}

TEST(FunctionalReference, Conv2dMatchesNaiveLoops) {
  const ConvCase cases[] = {
      {2, 7, 6, 4, 6, 3, 3, 2, 1, 2, true},     // stride 2, pad 1, groups 2
      {1, 5, 5, 3, 8, 1, 1, 1, 0, 1, true},     // 1x1 fast path
      {1, 9, 8, 6, 4, 3, 2, 1, 1, 1, false},    // non-square kernel, no bias
      {1, 12, 12, 8, 8, 3, 3, 1, 1, 8, true},   // depthwise
      {1, 15, 13, 3, 16, 7, 7, 2, 3, 1, true},  // ResNet stem shape, odd sizes
      {1, 9, 9, 16, 32, 1, 1, 2, 0, 1, true},   // strided 1x1 (downsample)
      {1, 6, 6, 40, 300, 3, 3, 1, 1, 1, true},  // K = 360 crosses the GEMM's 256 depth block
  };
  uint64_t seed = 1;
  for (const ConvCase& k : cases) {
    SCOPED_TRACE("conv " + std::to_string(k.h) + "x" + std::to_string(k.w) + "x" + std::to_string(k.c) +
                 " -> " + std::to_string(k.cout) + " k" + std::to_string(k.kh) + "x" + std::to_string(k.kw) +
                 " s" + std::to_string(k.stride) + " p" + std::to_string(k.pad) + " g" +
                 std::to_string(k.groups));
    const int64_t ho = (k.h + 2 * k.pad - k.kh) / k.stride + 1;
    const int64_t wo = (k.w + 2 * k.pad - k.kw) / k.stride + 1;
    const std::vector<float> x = random_values(k.n * k.h * k.w * k.c, seed++);
    const std::vector<float> w = random_values(k.kh * k.kw * (k.c / k.groups) * k.cout, seed++, 0.3);
    const std::vector<float> b = random_values(k.cout, seed++);
    Net net;
    std::vector<int> inputs = {net.input("x", {k.n, k.h, k.w, k.c}, x),
                               net.constant("w", {k.kh, k.kw, k.c / k.groups, k.cout}, w)};
    if (k.bias) inputs.push_back(net.constant("b", {k.cout}, b));
    OpAttrs a;
    a.kernel_h = k.kh;
    a.kernel_w = k.kw;
    a.stride = k.stride;
    a.pad = k.pad;
    a.groups = k.groups;
    const int y = net.op(OpKind::kConv2d, "conv", inputs, {k.n, ho, wo, k.cout}, a);
    expect_near_all(net.run(y), naive_conv(k, x, w, b, ho, wo), 1e-5);
  }
}

// ------------------------------------------------------------------------------------------------
// GEMM, linear, matmul

TEST(FunctionalReference, GemmMatchesNaiveLoopsForOddShapesAndStrides) {
  struct Case {
    int64_t m, n, k;
  } cases[] = {{1, 1, 1}, {7, 5, 3}, {97, 1031, 13}, {9, 17, 513}, {130, 9, 260}};
  uint64_t seed = 100;
  for (const Case& c : cases) {
    for (bool ta : {false, true}) {
      for (bool tb : {false, true}) {
        SCOPED_TRACE(std::to_string(c.m) + "x" + std::to_string(c.n) + "x" + std::to_string(c.k) +
                     (ta ? " ta" : "") + (tb ? " tb" : ""));
        const std::vector<float> a = random_values(c.m * c.k, seed++);
        const std::vector<float> b = random_values(c.k * c.n, seed++);
        std::vector<float> out(static_cast<size_t>(c.m * c.n), 0.5f);  // accumulates into C
        gemm_f32(c.m, c.n, c.k, a.data(), ta ? 1 : c.k, ta ? c.m : 1, b.data(), tb ? 1 : c.n, tb ? c.k : 1,
                 out.data(), c.n);
        std::vector<double> want(out.size());
        for (int64_t i = 0; i < c.m; ++i)
          for (int64_t j = 0; j < c.n; ++j) {
            double acc = 0.5;
            for (int64_t p = 0; p < c.k; ++p) {
              acc += static_cast<double>(a[static_cast<size_t>(ta ? p * c.m + i : i * c.k + p)]) *
                     b[static_cast<size_t>(tb ? j * c.k + p : p * c.n + j)];
            }
            want[static_cast<size_t>(i * c.n + j)] = acc;
          }
        expect_near_all(out, want, 1e-5);
      }
    }
  }
}

TEST(FunctionalReference, LinearMatchesNaiveLoops) {
  const std::vector<float> x = random_values(2 * 3 * 5, 1);
  const std::vector<float> w = random_values(5 * 7, 2);
  const std::vector<float> b = random_values(7, 3);
  Net net;
  const int y = net.op(
      OpKind::kLinear, "fc",
      {net.input("x", {2, 3, 5}, x), net.constant("w", {5, 7}, w), net.constant("b", {7}, b)}, {2, 3, 7});
  std::vector<double> want(2 * 3 * 7);
  for (int r = 0; r < 6; ++r)
    for (int j = 0; j < 7; ++j) {
      double acc = b[static_cast<size_t>(j)];
      for (int p = 0; p < 5; ++p)
        acc += static_cast<double>(x[static_cast<size_t>(r * 5 + p)]) * w[static_cast<size_t>(p * 7 + j)];
      want[static_cast<size_t>(r * 7 + j)] = acc;
    }
  expect_near_all(net.run(y), want, 1e-6);
}

TEST(FunctionalReference, SparseLinearInputMatchesDense) {
  std::vector<float> x = random_values(6 * 40, 4);
  for (size_t i = 0; i < x.size(); ++i) {
    if (i % 3 != 0) x[i] = 0.0f;
  }
  Net net;
  const int xi = net.input("x", {6, 40}, x);
  const int y =
      net.op(OpKind::kLinear, "fc", {xi, net.constant("w", {40, 19}, random_values(40 * 19, 5))}, {6, 19});
  const std::vector<float> dense = net.run(y);
  net.given[xi] = make_sparse({6, 40}, dense_to_csr(x, 6, 40));
  const std::vector<float> sparse = net.run(y);
  expect_near_all(sparse, std::vector<double>(dense.begin(), dense.end()), 1e-6);
}

TEST(FunctionalReference, BatchedMatMulWithTransposesMatchesNaiveLoops) {
  const int64_t batches = 3, m = 5, k = 7, n = 4;
  uint64_t seed = 10;
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      for (bool sparse_a : {false, true}) {
        SCOPED_TRACE(std::string(ta ? "ta " : "") + (tb ? "tb " : "") + (sparse_a ? "sparse a" : "dense a"));
        std::vector<float> a = random_values(batches * m * k, seed++);
        if (sparse_a) {
          for (size_t i = 0; i < a.size(); ++i) {
            if (i % 4 != 1) a[i] = 0.0f;
          }
        }
        const std::vector<float> b = random_values(batches * k * n, seed++);
        const Shape a_shape = ta ? Shape{batches, k, m} : Shape{batches, m, k};
        const Shape b_shape = tb ? Shape{batches, n, k} : Shape{batches, k, n};
        Net net;
        const int ai = net.input("a", a_shape, a);
        if (sparse_a)
          net.given[ai] = make_sparse(a_shape, dense_to_csr(a, a_shape[0] * a_shape[1], a_shape[2]));
        OpAttrs attrs;
        attrs.transpose_a = ta;
        attrs.transpose_b = tb;
        const int y = net.op(OpKind::kMatMul, "mm", {ai, net.input("b", b_shape, b)}, {batches, m, n}, attrs);
        std::vector<double> want(static_cast<size_t>(batches * m * n));
        for (int64_t bt = 0; bt < batches; ++bt)
          for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j) {
              double acc = 0.0;
              for (int64_t p = 0; p < k; ++p) {
                const float av = a[static_cast<size_t>(bt * m * k + (ta ? p * m + i : i * k + p))];
                const float bv = b[static_cast<size_t>(bt * k * n + (tb ? j * k + p : p * n + j))];
                acc += static_cast<double>(av) * bv;
              }
              want[static_cast<size_t>((bt * m + i) * n + j)] = acc;
            }
        expect_near_all(net.run(y), want, 1e-6);
      }
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Normalizations and element-wise ops

TEST(FunctionalReference, SoftmaxRowsSumToOneAndIgnoreShifts) {
  const std::vector<float> x = random_values(4 * 33, 20, 5.0);
  std::vector<float> shifted = x;
  for (float& v : shifted) v += 1000.0f;  // would overflow exp without the max subtraction
  Net net;
  const int a = net.op(OpKind::kSoftmax, "sa", {net.input("x", {4, 33}, x)}, {4, 33});
  const int b = net.op(OpKind::kSoftmax, "sb", {net.input("xs", {4, 33}, shifted)}, {4, 33});
  const TensorMap out = run_reference(net.g, net.given);
  const std::vector<float>& ya = out.at(a).values;
  const std::vector<float>& yb = out.at(b).values;
  for (int r = 0; r < 4; ++r) {
    double sum = 0.0;
    for (int j = 0; j < 33; ++j) {
      const float v = ya[static_cast<size_t>(r * 33 + j)];
      EXPECT_GE(v, 0.0f);
      EXPECT_LE(v, 1.0f);
      sum += v;
    }
    EXPECT_NEAR(sum, 1.0, 1e-6);
  }
  // x + 1000 rounds x to a coarser grid (ulp 6e-5 at 1000), so equal up to that.
  for (size_t i = 0; i < ya.size(); ++i) EXPECT_NEAR(ya[i], yb[i], 1e-4 * (1.0 + ya[i] * 33));
  // Exact against the definition.
  for (int r = 0; r < 4; ++r) {
    double denom = 0.0;
    for (int j = 0; j < 33; ++j) denom += std::exp(static_cast<double>(x[static_cast<size_t>(r * 33 + j)]));
    for (int j = 0; j < 33; ++j) {
      EXPECT_NEAR(ya[static_cast<size_t>(r * 33 + j)],
                  std::exp(static_cast<double>(x[static_cast<size_t>(r * 33 + j)])) / denom, 1e-7);
    }
  }
}

TEST(FunctionalReference, LayerNormNormalizesEachRowThenAppliesGammaBeta) {
  std::vector<float> x = random_values(5 * 64, 30, 3.0);
  for (float& v : x) v += 5.0f;
  Net net;
  const int xi = net.input("x", {5, 64}, x);
  const int plain = net.op(
      OpKind::kLayerNorm, "ln",
      {xi, net.constant("g1", {64}, std::vector<float>(64, 1.0f)), net.constant("b0", {64}, {})}, {5, 64});
  const std::vector<float> gamma = random_values(64, 31);
  const std::vector<float> beta = random_values(64, 32);
  const int affine = net.op(OpKind::kLayerNorm, "ln2",
                            {xi, net.constant("g", {64}, gamma), net.constant("b", {64}, beta)}, {5, 64});
  const TensorMap out = run_reference(net.g, net.given);
  const std::vector<float>& y = out.at(plain).values;
  const std::vector<float>& z = out.at(affine).values;
  for (int r = 0; r < 5; ++r) {
    double mean = 0.0, var = 0.0;
    for (int j = 0; j < 64; ++j) mean += y[static_cast<size_t>(r * 64 + j)];
    mean /= 64;
    for (int j = 0; j < 64; ++j)
      var += (y[static_cast<size_t>(r * 64 + j)] - mean) * (y[static_cast<size_t>(r * 64 + j)] - mean);
    var /= 64;
    EXPECT_NEAR(mean, 0.0, 1e-6);
    EXPECT_NEAR(var, 1.0, 1e-5);
    for (int j = 0; j < 64; ++j) {
      const size_t i = static_cast<size_t>(r * 64 + j);
      EXPECT_NEAR(z[i], y[i] * gamma[static_cast<size_t>(j)] + beta[static_cast<size_t>(j)], 1e-5);
    }
  }
}

TEST(FunctionalReference, ElementwiseOpsMatchStdFunctions) {
  std::vector<float> x = random_values(200, 40, 3.0);
  x.push_back(0.0f);
  x.push_back(-30.0f);
  x.push_back(30.0f);
  const Shape s = {static_cast<int64_t>(x.size())};
  Net net;
  const int xi = net.input("x", s, x);
  const int gelu = net.op(OpKind::kGelu, "gelu", {xi}, s);
  const int tanh = net.op(OpKind::kTanh, "tanh", {xi}, s);
  const int sigmoid = net.op(OpKind::kSigmoid, "sigmoid", {xi}, s);
  const int relu = net.op(OpKind::kRelu, "relu", {xi}, s);
  OpAttrs leaky;
  leaky.alpha = 0.2;
  const int lrelu = net.op(OpKind::kLeakyRelu, "lrelu", {xi}, s, leaky);
  const int add = net.op(OpKind::kAdd, "add", {xi, relu}, s);
  const TensorMap out = run_reference(net.g, net.given);
  for (size_t i = 0; i < x.size(); ++i) {
    const double v = x[i];
    EXPECT_NEAR(out.at(gelu).values[i], 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))),
                1e-6 * (1 + std::fabs(v)));
    EXPECT_NEAR(out.at(tanh).values[i], std::tanh(v), 1e-7);
    EXPECT_NEAR(out.at(sigmoid).values[i], 1.0 / (1.0 + std::exp(-v)), 1e-7);
    EXPECT_EQ(out.at(relu).values[i], std::max(0.0f, x[i]));
    EXPECT_FLOAT_EQ(out.at(lrelu).values[i], x[i] >= 0 ? x[i] : 0.2f * x[i]);
    EXPECT_EQ(out.at(add).values[i], x[i] + std::max(0.0f, x[i]));
  }
}

// ------------------------------------------------------------------------------------------------
// Pools, embedding, reshape

TEST(FunctionalReference, PoolsHandCases) {
  // 4x4 image, channel 0 = 1..16, channel 1 = -(1..16): padding must never win the max.
  std::vector<float> x;
  for (int i = 1; i <= 16; ++i) {
    x.push_back(static_cast<float>(i));
    x.push_back(static_cast<float>(-i));
  }
  Net net;
  const int xi = net.input("x", {1, 4, 4, 2}, x);
  OpAttrs a;
  a.kernel_h = a.kernel_w = 3;
  a.stride = 2;
  a.pad = 1;
  const int mx = net.op(OpKind::kMaxPool2d, "max", {xi}, {1, 2, 2, 2}, a);
  const int avg = net.op(OpKind::kAvgPool2d, "avg", {xi}, {1, 2, 2, 2}, a);
  OpAttrs b;
  b.kernel_h = b.kernel_w = 2;
  b.stride = 2;
  const int avg2 = net.op(OpKind::kAvgPool2d, "avg2", {xi}, {1, 2, 2, 2}, b);
  const int gap = net.op(OpKind::kGlobalAvgPool, "gap", {xi}, {1, 1, 1, 2});
  const TensorMap out = run_reference(net.g, net.given);
  // Windows (rows x cols, valid part): {0,1}x{0,1}, {0,1}x{1,2,3}, {1,2,3}x{0,1}, {1,2,3}x{1,2,3}.
  EXPECT_EQ(out.at(mx).values, (std::vector<float>{6, -1, 8, -2, 14, -5, 16, -6}));
  // Averages over the valid elements only (count_include_pad=False): 14/4, 30/6, 57/6, 99/9.
  EXPECT_EQ(out.at(avg).values, (std::vector<float>{3.5f, -3.5f, 5, -5, 9.5f, -9.5f, 11, -11}));
  EXPECT_EQ(out.at(avg2).values,
            (std::vector<float>{3.5f, -3.5f, 5.5f, -5.5f, 11.5f, -11.5f, 13.5f, -13.5f}));
  EXPECT_EQ(out.at(gap).values, (std::vector<float>{8.5f, -8.5f}));
}

TEST(FunctionalReference, EmbeddingLooksUpIdsPositionsAndTokenType) {
  std::vector<float> table;
  for (int i = 0; i < 5 * 3; ++i) table.push_back(static_cast<float>(i));
  Net net;
  OpAttrs rows;
  rows.rows = 3;
  const int ids = net.input("ids", {3}, {4, 0, 2});
  const int t = net.constant("table", {5, 3}, table);
  const int word = net.op(OpKind::kEmbedding, "emb.word", {ids, t}, {3, 3}, rows);
  const int pos = net.op(OpKind::kEmbedding, "emb.position", {t}, {3, 3}, rows);
  const int type = net.op(OpKind::kEmbedding, "emb.token_type", {t}, {3, 3}, rows);
  const TensorMap out = run_reference(net.g, net.given);
  EXPECT_EQ(out.at(word).values, (std::vector<float>{12, 13, 14, 0, 1, 2, 6, 7, 8}));
  EXPECT_EQ(out.at(pos).values, (std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(out.at(type).values, (std::vector<float>{0, 1, 2, 0, 1, 2, 0, 1, 2}));

  for (float bad : {5.0f, -1.0f, 1.5f}) {
    net.given[ids] = make_dense({3}, {0, bad, 1});
    try {
      run_reference(net.g, net.given);
      FAIL() << "expected InputError for id " << bad;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("ids"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("[0, 5)"), std::string::npos) << e.what();
    }
  }
}

TEST(FunctionalReference, ReshapeIsAViewAndClsSelectTakesTheFirstRow) {
  std::vector<float> x;
  for (int i = 0; i < 12; ++i) x.push_back(static_cast<float>(i));
  Net net;
  const int xi = net.input("x", {3, 4}, x);
  const int same = net.op(OpKind::kReshape, "view", {xi}, {2, 6});
  const int cls = net.op(OpKind::kReshape, "cls_select", {xi}, {1, 4});
  const TensorMap out = run_reference(net.g, net.given);
  EXPECT_EQ(out.at(same).values, x);
  EXPECT_EQ(out.at(same).shape, (Shape{2, 6}));
  EXPECT_EQ(out.at(cls).values, (std::vector<float>{0, 1, 2, 3}));
}

TEST(FunctionalReference, MissingOrMisshapedSourcesAreInputErrors) {
  Net net;
  const int xi = net.input("x", {2, 3}, random_values(6, 1));
  const int w = net.constant("fc.weight", {3, 4}, random_values(12, 2));
  net.op(OpKind::kLinear, "fc", {xi, w}, {2, 4});
  TensorMap missing = net.given;
  missing.erase(w);
  try {
    run_reference(net.g, missing);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("fc.weight"), std::string::npos) << e.what();
  }
  TensorMap wrong = net.given;
  wrong[w] = make_dense({4, 3}, random_values(12, 2));
  try {
    run_reference(net.g, wrong);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("fc.weight"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[3,4]"), std::string::npos) << e.what();
  }
}

// ------------------------------------------------------------------------------------------------
// Whole networks

TensorMap weights_and_inputs(const Graph& g, uint64_t seed) {
  TensorMap all = random_weights(g, seed);
  for (auto& [id, data] : random_inputs(g, seed)) all[id] = std::move(data);
  return all;
}

// Every op output has its graph shape and only finite values.
void expect_complete_and_finite(const Graph& g, const TensorMap& out) {
  for (const Op& op : g.ops()) {
    const auto it = out.find(op.output);
    ASSERT_NE(it, out.end()) << op.name;
    EXPECT_EQ(it->second.shape, g.tensor(op.output).shape) << op.name;
    ASSERT_EQ(it->second.values.size(), static_cast<size_t>(element_count(g.tensor(op.output).shape)))
        << op.name;
    for (float v : it->second.values) ASSERT_TRUE(std::isfinite(v)) << op.name;
  }
}

double rms(const std::vector<float>& v) {
  double s = 0.0;
  for (float x : v) s += static_cast<double>(x) * x;
  return std::sqrt(s / static_cast<double>(v.size()));
}

TEST(FunctionalReference, TinyMlpMatchesHandComputation) {
  const Graph g = load_workload("tiny_mlp", {}, {std::string(NM_SOURCE_DIR) + "/workloads"});
  const TensorMap given = weights_and_inputs(g, 7);
  const TensorMap out = run_reference(g, given);
  auto by_name = [&](const std::string& name) -> const std::vector<float>& {
    for (const Tensor& t : g.tensors()) {
      if (t.name == name) return given.count(t.id) ? given.at(t.id).values : out.at(t.id).values;
    }
    throw std::runtime_error("no tensor " + name);
  };
  const std::vector<float>& x = by_name("x");
  const std::vector<float>& w1 = by_name("fc1.weight");
  const std::vector<float>& b1 = by_name("fc1.bias");
  const std::vector<float>& w2 = by_name("fc2.weight");
  const std::vector<float>& b2 = by_name("fc2.bias");
  std::vector<double> a1(128), logits(10), probs(10);
  for (int j = 0; j < 128; ++j) {
    double h = b1[static_cast<size_t>(j)];
    for (int i = 0; i < 64; ++i)
      h += static_cast<double>(x[static_cast<size_t>(i)]) * w1[static_cast<size_t>(i * 128 + j)];
    a1[static_cast<size_t>(j)] = 0.5 * h * (1.0 + std::erf(h / std::sqrt(2.0)));
  }
  double denom = 0.0;
  for (int j = 0; j < 10; ++j) {
    double h = b2[static_cast<size_t>(j)];
    for (int i = 0; i < 128; ++i) h += a1[static_cast<size_t>(i)] * w2[static_cast<size_t>(i * 10 + j)];
    logits[static_cast<size_t>(j)] = h;
    denom += std::exp(h);
  }
  for (int j = 0; j < 10; ++j)
    probs[static_cast<size_t>(j)] = std::exp(logits[static_cast<size_t>(j)]) / denom;
  expect_near_all(by_name("a1"), a1, 1e-5);
  expect_near_all(by_name("logits"), logits, 1e-5);
  expect_near_all(by_name("probs"), probs, 1e-5);
  EXPECT_EQ(out.size(), g.ops().size());  // one output per op, no copies of weights
}

TEST(FunctionalReference, Resnet50RunsEndToEnd) {
  const Graph g = build_resnet50();
  const TensorMap out = run_reference(g, weights_and_inputs(g, 1));
  expect_complete_and_finite(g, out);
  const TensorData& logits = out.at(g.outputs().at(0));
  EXPECT_EQ(logits.shape, (Shape{1, 1000}));
  // The init keeps activations O(1) through 16 residual blocks (He alone reaches ~1000).
  EXPECT_GT(rms(logits.values), 0.3);
  EXPECT_LT(rms(logits.values), 30.0);
}

TEST(FunctionalReference, BertBaseRunsEndToEnd) {
  WorkloadOptions options;
  options.seq_len = 16;
  const Graph g = build_builtin_workload("bert_base", options);
  const TensorMap out = run_reference(g, weights_and_inputs(g, 1));
  expect_complete_and_finite(g, out);
  EXPECT_EQ(out.at(g.outputs().at(0)).shape, (Shape{1, 2}));
  int softmaxes = 0;
  for (const Op& op : g.ops()) {
    const std::vector<float>& y = out.at(op.output).values;
    if (op.kind == OpKind::kSoftmax) {
      ++softmaxes;
      for (float v : y) ASSERT_TRUE(v >= 0.0f && v <= 1.0f) << op.name;
      for (size_t r = 0; r < y.size() / 16; ++r) {
        double sum = 0.0;
        for (size_t j = 0; j < 16; ++j) sum += y[r * 16 + j];
        ASSERT_NEAR(sum, 1.0, 1e-5) << op.name;
      }
    }
    if (op.kind == OpKind::kLayerNorm) {
      EXPECT_NEAR(rms(y), 1.0, 1e-3) << op.name;  // gamma 1, beta 0
    }
    if (op.kind == OpKind::kTanh) {
      for (float v : y) ASSERT_LE(std::fabs(v), 1.0f) << op.name;
    }
  }
  EXPECT_EQ(softmaxes, 12);
}

TEST(FunctionalReference, GcnOutputsProbabilitiesAndSparseMatchesDense) {
  const Graph dense = build_builtin_workload("gcn_cora_l2", {});
  const Graph sparse = build_builtin_workload("gcn_cora_l2_sparse", {});
  const TensorMap yd = run_reference(dense, weights_and_inputs(dense, 3));
  const TensorMap ys = run_reference(sparse, weights_and_inputs(sparse, 3));
  expect_complete_and_finite(dense, yd);
  expect_complete_and_finite(sparse, ys);
  const std::vector<float>& pd = yd.at(dense.outputs().at(0)).values;
  const std::vector<float>& ps = ys.at(sparse.outputs().at(0)).values;
  ASSERT_EQ(pd.size(), static_cast<size_t>(2708 * 7));
  for (size_t r = 0; r < 2708; ++r) {
    double sum = 0.0;
    for (size_t j = 0; j < 7; ++j) {
      const float v = pd[r * 7 + j];
      ASSERT_TRUE(v >= 0.0f && v <= 1.0f);
      sum += v;
    }
    ASSERT_NEAR(sum, 1.0, 1e-5);
  }
  // The same random graph and weights: dense and CSR aggregation agree to rounding.
  expect_near_all(ps, std::vector<double>(pd.begin(), pd.end()), 1e-5);
}

TEST(FunctionalReference, SameSeedGivesBitIdenticalOutputs) {
  WorkloadOptions small;
  small.seq_len = 8;
  small.width = 0.25;
  small.depth = 0.25;
  for (const char* name : {"bert_base", "resnet18_cifar10", "gcn"}) {
    SCOPED_TRACE(name);
    const Graph g = build_builtin_workload(name, small);
    const TensorMap a = run_reference(g, weights_and_inputs(g, 5));
    const TensorMap b = run_reference(g, weights_and_inputs(g, 5));
    ASSERT_EQ(a.size(), b.size());
    for (const auto& [id, data] : a) ASSERT_TRUE(data == b.at(id)) << g.tensor(id).name;
    const TensorMap c = run_reference(g, weights_and_inputs(g, 6));
    EXPECT_FALSE(c.at(g.outputs().at(0)) == a.at(g.outputs().at(0)));
  }
}

}  // namespace
}  // namespace nm::sw
