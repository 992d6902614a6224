// The functional executor of lowered programs (sw/functional/program_executor.h): int8 GEMMs and
// pools bit-exact against direct integer loops written here, fp16 GEMMs within the fp32
// accumulation bound, the PWL decompositions of softmax and layernorm against the fp32 reference,
// whole small networks in every mode, and the errors for semantics the tables cannot express.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "functional_test_util.h"
#include "hw/core/arch_config.h"
#include "hw/core/input_error.h"
#include "sw/functional/error_metrics.h"
#include "sw/functional/numerics.h"
#include "sw/functional/program_executor.h"
#include "sw/functional/random.h"
#include "sw/functional/reference_executor.h"
#include "sw/functional/tensor_data.h"
#include "sw/functional/weights.h"
#include "sw/graph/graph.h"
#include "sw/graph/workloads.h"
#include "sw/lowering/kernel_program.h"

namespace nm::sw {
namespace {

using test::add_test_op;
using test::Net;
using test::random_values;

float max_abs(const std::vector<float>& v) {
  float m = 0;
  for (float x : v) m = std::max(m, std::fabs(x));
  return m;
}

// A graph lowered and executed: always in fp32 (the calibration pass), then in `mode` with the
// fp32 pass's max |x| as the int8 calibration. Holds what the executors reference, so it never moves.
struct Executed {
  KernelProgram p;
  HostTensorStore fstore, store;
  std::unique_ptr<ProgramExecutor> f32, ex;

  Executed(const Graph& graph, const TensorMap& data, NumericMode mode, PwlTableOptions pwl = {})
      : p(lower_graph(graph,
                      LoweringOptions{mode == NumericMode::kFp16 ? hw::DataType::kFp16 : hw::DataType::kInt8,
                                      pwl.granularity})) {
    f32 = std::make_unique<ProgramExecutor>(graph, p, NumericMode::kFp32, pwl);
    f32->load(data, fstore);
    f32->execute_all(fstore);
    if (mode != NumericMode::kFp32) {
      ex = std::make_unique<ProgramExecutor>(graph, p, mode, pwl, f32->observed_max_abs());
      ex->load(data, store);
      ex->execute_all(store);
    }
  }
  Executed(const Executed&) = delete;
  Executed& operator=(const Executed&) = delete;

  int program_tensor(int graph_id) const { return p.graph_tensor.at(static_cast<size_t>(graph_id)); }
  // The int8 scale of an activation: from the fp32 pass's observed max |x|.
  float activation_scale(int graph_id) const {
    return int8_scale_for(f32->observed_max_abs().at(static_cast<size_t>(program_tensor(graph_id))));
  }
  std::vector<int8_t> int8_bytes(int graph_id) {
    const std::vector<uint8_t> raw = store.read(program_tensor(graph_id));
    return std::vector<int8_t>(raw.begin(), raw.end());
  }
  std::vector<float> fp32_values(int graph_id) { return f32->values(program_tensor(graph_id), fstore); }
  std::vector<float> values(int graph_id) { return ex->values(program_tensor(graph_id), store); }
};

std::vector<int8_t> quantize_all(const std::vector<float>& v, float scale) {
  std::vector<int8_t> q(v.size());
  for (size_t i = 0; i < v.size(); ++i) q[i] = quantize_int8(v[i], scale);
  return q;
}

// The bias preset as the contract converts it: the stored int8 bias, dequantized, to the
// accumulator scale s_a * s_w.
std::vector<int32_t> bias_preset(const std::vector<float>& bias, float s_a, float s_w) {
  const float s_b = int8_scale_for(max_abs(bias));
  std::vector<int32_t> preset(bias.size());
  for (size_t j = 0; j < bias.size(); ++j) {
    const float stored = static_cast<float>(quantize_int8(bias[j], s_b)) * s_b;
    preset[j] = quantize_bias_int32(stored, static_cast<double>(s_a) * s_w);
  }
  return preset;
}

// Fails unless `got` uses a healthy part of the int8 range (so bit-exactness is not vacuous).
void expect_nontrivial(const std::vector<int8_t>& got) {
  std::set<int> distinct(got.begin(), got.end());
  const size_t want = std::min<size_t>(got.size(), 20);
  EXPECT_GE(distinct.size(), std::min<size_t>(want, 3)) << "outputs barely vary";
  // The largest |y| sets the output scale, so some output is near +-127.
  int largest = 0;
  for (int8_t q : got) largest = std::max(largest, std::abs(int{q}));
  EXPECT_GE(largest, 120);
}

// ------------------------------------------------------------------------------------------------
// int8 GEMMs

TEST(FunctionalExecutorInt8, LinearOfOddShapesIsBitExact) {
  struct Case {
    int64_t rows, in, out;
  } cases[] = {{1, 1, 1}, {3, 5, 7}, {37, 53, 29}, {129, 67, 131}, {2, 300, 3}};
  uint64_t seed = 1;
  for (const Case& c : cases) {
    for (bool with_bias : {false, true}) {
      SCOPED_TRACE(std::to_string(c.rows) + "x" + std::to_string(c.in) + "x" + std::to_string(c.out) +
                   (with_bias ? " bias" : " no bias"));
      const std::vector<float> x = random_values(c.rows * c.in, seed++);
      const std::vector<float> w = random_values(c.in * c.out, seed++, 1.0 / std::sqrt(double(c.in)));
      const std::vector<float> b = random_values(c.out, seed++, 0.5);
      Net net;
      std::vector<int> inputs = {net.input("x", {c.rows, c.in}, x), net.constant("w", {c.in, c.out}, w)};
      if (with_bias) inputs.push_back(net.constant("b", {c.out}, b));
      const int y = net.op(OpKind::kLinear, "fc", inputs, {c.rows, c.out});
      net.g.mark_output(y);
      Executed run(net.g, net.given, NumericMode::kInt8);

      // The scales of the contract.
      const float s_x = int8_scale_for(max_abs(x));
      ASSERT_EQ(run.activation_scale(inputs[0]), s_x);
      const float s_w = int8_scale_for(max_abs(w));
      const float s_y = run.activation_scale(y);
      ASSERT_EQ(s_y, int8_scale_for(max_abs(run.fp32_values(y))));

      const std::vector<int8_t> qx = quantize_all(x, s_x), qw = quantize_all(w, s_w);
      // The stored input is exactly the quantized input.
      ASSERT_EQ(run.int8_bytes(inputs[0]), qx);
      const std::vector<int32_t> preset =
          with_bias ? bias_preset(b, s_x, s_w) : std::vector<int32_t>(static_cast<size_t>(c.out), 0);
      const Requantizer r = make_requantizer(static_cast<double>(s_x) * s_w / s_y);
      std::vector<int8_t> want(static_cast<size_t>(c.rows * c.out));
      for (int64_t i = 0; i < c.rows; ++i) {
        for (int64_t j = 0; j < c.out; ++j) {
          int32_t acc = preset[static_cast<size_t>(j)];
          for (int64_t k = 0; k < c.in; ++k)
            acc += int32_t{qx[static_cast<size_t>(i * c.in + k)]} * qw[static_cast<size_t>(k * c.out + j)];
          want[static_cast<size_t>(i * c.out + j)] = requantize(acc, r);
        }
      }
      const std::vector<int8_t> got = run.int8_bytes(y);
      ASSERT_EQ(got.size(), want.size());
      for (size_t e = 0; e < got.size(); ++e) ASSERT_EQ(int{got[e]}, int{want[e]}) << "element " << e;
      expect_nontrivial(got);
    }
  }
}

struct ConvCase {
  int64_t h, w, cin, cout, kh, kw, stride, pad, groups;
  bool bias;
};

TEST(FunctionalExecutorInt8, Conv2dIsBitExactAgainstDirectIntegerConvolution) {
  const ConvCase cases[] = {
      {9, 11, 5, 7, 3, 3, 2, 1, 1, true},   // stride 2, pad 1
      {9, 11, 5, 7, 3, 3, 2, 1, 1, false},  // the same without bias
      {6, 7, 8, 12, 1, 1, 1, 0, 1, true},   // 1x1, groups 1
      {9, 11, 5, 10, 3, 3, 1, 1, 5, true},  // groups 5: one input channel, two outputs per group
      {8, 9, 6, 9, 3, 2, 2, 2, 3, true},    // groups 3, non-square kernel, pad 2
  };
  uint64_t seed = 100;
  for (const ConvCase& c : cases) {
    SCOPED_TRACE(std::to_string(c.h) + "x" + std::to_string(c.w) + "x" + std::to_string(c.cin) + " -> " +
                 std::to_string(c.cout) + " k" + std::to_string(c.kh) + "x" + std::to_string(c.kw) + " s" +
                 std::to_string(c.stride) + " p" + std::to_string(c.pad) + " g" + std::to_string(c.groups));
    const int64_t ho = (c.h + 2 * c.pad - c.kh) / c.stride + 1, wo = (c.w + 2 * c.pad - c.kw) / c.stride + 1;
    const int64_t cin_g = c.cin / c.groups, cout_g = c.cout / c.groups;
    const std::vector<float> x = random_values(c.h * c.w * c.cin, seed++);
    const std::vector<float> w =
        random_values(c.kh * c.kw * cin_g * c.cout, seed++, 1.0 / std::sqrt(double(c.kh * c.kw * cin_g)));
    const std::vector<float> b = random_values(c.cout, seed++, 0.5);
    Net net;
    std::vector<int> inputs = {net.input("x", {1, c.h, c.w, c.cin}, x),
                               net.constant("w", {c.kh, c.kw, cin_g, c.cout}, w)};
    if (c.bias) inputs.push_back(net.constant("b", {c.cout}, b));
    OpAttrs a;
    a.kernel_h = c.kh;
    a.kernel_w = c.kw;
    a.stride = c.stride;
    a.pad = c.pad;
    a.groups = c.groups;
    const int y = net.op(OpKind::kConv2d, "conv", inputs, {1, ho, wo, c.cout}, a);
    net.g.mark_output(y);
    Executed run(net.g, net.given, NumericMode::kInt8);

    const float s_x = int8_scale_for(max_abs(x)), s_w = int8_scale_for(max_abs(w));
    ASSERT_EQ(run.activation_scale(inputs[0]), s_x);
    const float s_y = run.activation_scale(y);
    const std::vector<int8_t> qx = quantize_all(x, s_x), qw = quantize_all(w, s_w);
    const std::vector<int32_t> preset =
        c.bias ? bias_preset(b, s_x, s_w) : std::vector<int32_t>(static_cast<size_t>(c.cout), 0);
    const Requantizer r = make_requantizer(static_cast<double>(s_x) * s_w / s_y);
    std::vector<int8_t> want(static_cast<size_t>(ho * wo * c.cout));
    for (int64_t oy = 0; oy < ho; ++oy)
      for (int64_t ox = 0; ox < wo; ++ox)
        for (int64_t co = 0; co < c.cout; ++co) {
          const int64_t grp = co / cout_g;
          int32_t acc = preset[static_cast<size_t>(co)];
          for (int64_t dy = 0; dy < c.kh; ++dy)
            for (int64_t dx = 0; dx < c.kw; ++dx) {
              const int64_t iy = oy * c.stride - c.pad + dy, ix = ox * c.stride - c.pad + dx;
              if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;  // padding: q = 0
              for (int64_t ci = 0; ci < cin_g; ++ci) {
                acc += int32_t{qx[static_cast<size_t>((iy * c.w + ix) * c.cin + grp * cin_g + ci)]} *
                       qw[static_cast<size_t>(((dy * c.kw + dx) * cin_g + ci) * c.cout + co)];
              }
            }
          want[static_cast<size_t>((oy * wo + ox) * c.cout + co)] = requantize(acc, r);
        }
    const std::vector<int8_t> got = run.int8_bytes(y);
    ASSERT_EQ(got.size(), want.size());
    for (size_t e = 0; e < got.size(); ++e) ASSERT_EQ(int{got[e]}, int{want[e]}) << "element " << e;
    expect_nontrivial(got);
  }
}

TEST(FunctionalExecutorInt8, BatchedTransposedMatMulIsBitExact) {
  // a [2, K=7, M=5] read transposed, b [1, N=9, K=7] read transposed and shared by both batches.
  const std::vector<float> a = random_values(2 * 7 * 5, 150), b = random_values(9 * 7, 151, 0.7);
  Net net;
  const int ai = net.input("a", {2, 7, 5}, a), bi = net.input("b", {1, 9, 7}, b);
  OpAttrs t;
  t.transpose_a = true;
  t.transpose_b = true;
  const int y = net.op(OpKind::kMatMul, "mm", {ai, bi}, {2, 5, 9}, t);
  net.g.mark_output(y);
  Executed run(net.g, net.given, NumericMode::kInt8);
  const float s_a = int8_scale_for(max_abs(a)), s_b = int8_scale_for(max_abs(b)),
              s_y = run.activation_scale(y);
  const std::vector<int8_t> qa = quantize_all(a, s_a), qb = quantize_all(b, s_b);
  const Requantizer r = make_requantizer(static_cast<double>(s_a) * s_b / s_y);
  std::vector<int8_t> want(2 * 5 * 9);
  for (size_t n = 0; n < 2; ++n)
    for (size_t i = 0; i < 5; ++i)
      for (size_t j = 0; j < 9; ++j) {
        int32_t acc = 0;
        for (size_t k = 0; k < 7; ++k) acc += int32_t{qa[(n * 7 + k) * 5 + i]} * qb[j * 7 + k];
        want[(n * 5 + i) * 9 + j] = requantize(acc, r);
      }
  const std::vector<int8_t> got = run.int8_bytes(y);
  ASSERT_EQ(got.size(), want.size());
  for (size_t e = 0; e < got.size(); ++e) ASSERT_EQ(int{got[e]}, int{want[e]}) << "element " << e;
  expect_nontrivial(got);
}

TEST(FunctionalExecutorInt8, SparseMatMulIsBitExact) {
  // A sparse constant [1, 12, 12] (CSR, about a third of the entries) times an activation.
  std::vector<float> adj = random_values(12 * 12, 160);
  Rng keep(161);
  int64_t nonzeros = 0;
  for (float& v : adj) {
    if (keep.index(3) != 0) v = 0;
    nonzeros += v != 0;
  }
  const std::vector<float> h = random_values(12 * 6, 162);
  Net net;
  const int ai = net.constant("adjacency", {1, 12, 12}, adj);
  net.g.set_nonzeros(ai, nonzeros);
  net.given[ai] = make_sparse({1, 12, 12}, dense_to_csr(adj, 12, 12));
  const int hi = net.input("h", {1, 12, 6}, h);
  const int y = net.op(OpKind::kMatMul, "aggregate", {ai, hi}, {1, 12, 6});
  net.g.mark_output(y);
  Executed run(net.g, net.given, NumericMode::kInt8);
  ASSERT_EQ(run.p.kernels.at(0).desc.kind, hw::KernelKind::kSpmm);
  const float s_a = int8_scale_for(max_abs(adj)), s_h = int8_scale_for(max_abs(h)),
              s_y = run.activation_scale(y);
  const std::vector<int8_t> qa = quantize_all(adj, s_a), qh = quantize_all(h, s_h);
  const Requantizer r = make_requantizer(static_cast<double>(s_a) * s_h / s_y);
  std::vector<int8_t> want(12 * 6);
  for (size_t i = 0; i < 12; ++i)
    for (size_t j = 0; j < 6; ++j) {
      int32_t acc = 0;
      for (size_t k = 0; k < 12; ++k) acc += int32_t{qa[i * 12 + k]} * qh[k * 6 + j];
      want[i * 6 + j] = requantize(acc, r);
    }
  const std::vector<int8_t> got = run.int8_bytes(y);
  ASSERT_EQ(got.size(), want.size());
  for (size_t e = 0; e < got.size(); ++e) ASSERT_EQ(int{got[e]}, int{want[e]}) << "element " << e;
  expect_nontrivial(got);
}

// ------------------------------------------------------------------------------------------------
// fp16 GEMM

TEST(FunctionalExecutorFp16, LinearIsWithinTheFp32AccumulationBound) {
  struct Case {
    int64_t rows, in, out;
  } cases[] = {{1, 1, 1}, {3, 5, 7}, {37, 53, 29}, {129, 67, 131}, {4, 700, 9}};
  uint64_t seed = 200;
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.rows) + "x" + std::to_string(c.in) + "x" + std::to_string(c.out));
    const std::vector<float> x = random_values(c.rows * c.in, seed++, 3.0);
    const std::vector<float> w = random_values(c.in * c.out, seed++, 1.0 / std::sqrt(double(c.in)));
    const std::vector<float> b = random_values(c.out, seed++, 0.5);
    Net net;
    const int xi = net.input("x", {c.rows, c.in}, x);
    const int y =
        net.op(OpKind::kLinear, "fc",
               {xi, net.constant("w", {c.in, c.out}, w), net.constant("b", {c.out}, b)}, {c.rows, c.out});
    net.g.mark_output(y);
    Executed run(net.g, net.given, NumericMode::kFp16);
    const std::vector<float> got = run.values(y);
    ASSERT_EQ(got.size(), static_cast<size_t>(c.rows * c.out));
    size_t inexact = 0;
    for (int64_t i = 0; i < c.rows; ++i) {
      for (int64_t j = 0; j < c.out; ++j) {
        const double bias = round_to_half(b[static_cast<size_t>(j)]);
        double exact = bias, magnitude = std::fabs(bias);
        for (int64_t k = 0; k < c.in; ++k) {
          const double p = static_cast<double>(round_to_half(x[static_cast<size_t>(i * c.in + k)])) *
                           round_to_half(w[static_cast<size_t>(k * c.out + j)]);
          exact += p;
          magnitude += std::fabs(p);
        }
        // fp32 accumulation of k products and the preset: |s - exact| <= k * 2^-24 * magnitude (to
        // first order); taken twice, plus a subnormal-sized slack.
        const double acc_bound = 2.0 * static_cast<double>(c.in + 1) * std::ldexp(magnitude, -24) + 1e-30;
        const float yv = got[static_cast<size_t>(i * c.out + j)];
        ASSERT_TRUE(std::isfinite(yv));
        EXPECT_EQ(round_to_half(yv), yv) << "not an fp16 value at " << i << "," << j;
        EXPECT_LE(std::fabs(yv - exact), std::ldexp(std::fabs(exact), -11) + acc_bound + std::ldexp(1.0, -25))
            << i << "," << j;
        // Sharper: y is the fp16 rounding of some fp32 s within acc_bound of exact, and rounding
        // is monotonic.
        const float lo = round_to_half(static_cast<float>(exact - acc_bound));
        const float hi = round_to_half(static_cast<float>(exact + acc_bound));
        EXPECT_LE(lo, yv) << i << "," << j;
        EXPECT_GE(hi, yv) << i << "," << j;
        inexact += yv != static_cast<float>(exact);
      }
    }
    // fp16 output rounding is visible: the output is not simply the exact value (except tiny cases).
    if (c.rows * c.out > 100) {
      EXPECT_GT(inexact, static_cast<size_t>(c.rows * c.out / 2));
    }
  }
}

// ------------------------------------------------------------------------------------------------
// pooling

TEST(FunctionalExecutorInt8, MaxPoolIsExactAndPaddingNeverWins) {
  // Mostly negative values: a zero-valued padding would win many border windows.
  const std::vector<float> x = random_values(7 * 9 * 3, 300, 1.0, -1.5);
  Net net;
  const int xi = net.input("x", {1, 7, 9, 3}, x);
  OpAttrs a;
  a.kernel_h = 3;
  a.kernel_w = 3;
  a.stride = 2;
  a.pad = 1;
  const int y = net.op(OpKind::kMaxPool2d, "pool", {xi}, {1, 4, 5, 3}, a);
  net.g.mark_output(y);

  Executed run(net.g, net.given, NumericMode::kInt8);
  const float s_x = int8_scale_for(max_abs(x));
  const std::vector<int8_t> qx = quantize_all(x, s_x);
  ASSERT_EQ(run.int8_bytes(xi), qx);
  std::vector<int8_t> want(4 * 5 * 3);
  for (int64_t oy = 0; oy < 4; ++oy)
    for (int64_t ox = 0; ox < 5; ++ox)
      for (int64_t ch = 0; ch < 3; ++ch) {
        int m = -1000;
        for (int64_t dy = 0; dy < 3; ++dy)
          for (int64_t dx = 0; dx < 3; ++dx) {
            const int64_t iy = oy * 2 - 1 + dy, ix = ox * 2 - 1 + dx;
            if (iy < 0 || iy >= 7 || ix < 0 || ix >= 9) continue;
            m = std::max(m, int{qx[static_cast<size_t>((iy * 9 + ix) * 3 + ch)]});
          }
        want[static_cast<size_t>((oy * 5 + ox) * 3 + ch)] = static_cast<int8_t>(m);
      }
  const std::vector<int8_t> got = run.int8_bytes(y);
  ASSERT_EQ(got.size(), want.size());
  int negative = 0;
  for (size_t e = 0; e < got.size(); ++e) {
    ASSERT_EQ(int{got[e]}, int{want[e]}) << "element " << e;
    negative += got[e] < 0;
  }
  EXPECT_GT(negative, 5);  // the data exercised all-negative windows
  // The output shares the input's scale, so its values are the input's values.
  const std::vector<float> values = run.values(y);
  for (size_t e = 0; e < got.size(); ++e) EXPECT_EQ(values[e], static_cast<float>(got[e]) * s_x);

  // fp32 (PWL max tree) equals the reference exactly.
  const std::vector<float> ref = run_reference(net.g, net.given).at(y).values;
  EXPECT_EQ(run.fp32_values(y), ref);
}

TEST(FunctionalExecutorFp32, AvgPoolMatchesReferenceOverValidElements) {
  const std::vector<float> x = random_values(7 * 9 * 3, 301);
  Net net;
  const int xi = net.input("x", {1, 7, 9, 3}, x);
  OpAttrs a;
  a.kernel_h = 3;
  a.kernel_w = 3;
  a.stride = 2;
  a.pad = 1;
  const int y = net.op(OpKind::kAvgPool2d, "pool", {xi}, {1, 4, 5, 3}, a);
  net.g.mark_output(y);
  Executed run(net.g, net.given, NumericMode::kFp32);
  const std::vector<float> ref = run_reference(net.g, net.given).at(y).values;
  const std::vector<float> got = run.fp32_values(y);
  ASSERT_EQ(got.size(), ref.size());
  for (size_t e = 0; e < got.size(); ++e) EXPECT_NEAR(got[e], ref[e], 1e-6) << e;
}

// ------------------------------------------------------------------------------------------------
// softmax and layernorm through their PWL decompositions (fp32: the PWL is the only approximation)

struct NormErrors {
  double softmax, layernorm;
};

NormErrors softmax_layernorm_errors(double granularity) {
  Net net;
  const int x = net.input("x", {16, 24}, random_values(16 * 24, 400, 2.0));
  const int gamma = net.constant("gamma", {24}, random_values(24, 401, 1.0, 1.0));
  const int beta = net.constant("beta", {24}, random_values(24, 402, 0.5));
  const int sm = net.op(OpKind::kSoftmax, "softmax", {x}, {16, 24});
  const int ln = net.op(OpKind::kLayerNorm, "layernorm", {x, gamma, beta}, {16, 24});
  net.g.mark_output(sm);
  net.g.mark_output(ln);
  PwlTableOptions pwl;
  pwl.granularity = granularity;
  Executed run(net.g, net.given, NumericMode::kFp32, pwl);
  const TensorMap ref = run_reference(net.g, net.given);
  NormErrors e{};
  e.softmax = compare_tensors(ref.at(sm).values, run.fp32_values(sm), 16 * 24).max_abs;
  e.layernorm = compare_tensors(ref.at(ln).values, run.fp32_values(ln), 16 * 24).max_abs;
  return e;
}

TEST(FunctionalExecutorFp32, SoftmaxAndLayerNormStayCloseToReference) {
  const NormErrors fine = softmax_layernorm_errors(0.25);
  const NormErrors coarse = softmax_layernorm_errors(1.0);
  // Max abs error measured at granularity 0.25: softmax 4.7e-3, layernorm 1.8e-2 (bounds ~2x).
  EXPECT_LT(fine.softmax, 1e-2);
  EXPECT_LT(fine.layernorm, 3.5e-2);
  // The tables are really used: at granularity 1.0 the errors grow (measured: softmax 7.0e-2,
  // 15x; layernorm 1.25e-1, 7x).
  EXPECT_GT(coarse.softmax, 5.0 * fine.softmax);
  EXPECT_GT(coarse.layernorm, 3.0 * fine.layernorm);
  EXPECT_GT(fine.softmax, 0.0);
  EXPECT_GT(fine.layernorm, 0.0);
}

// ------------------------------------------------------------------------------------------------
// whole small networks: every kernel runs, in every mode

// Every kernel's output was written with its stored size, and dense outputs are finite.
void expect_every_kernel_ran(Executed& run, NumericMode mode) {
  ProgramExecutor& ex = mode == NumericMode::kFp32 ? *run.f32 : *run.ex;
  HostTensorStore& store = mode == NumericMode::kFp32 ? run.fstore : run.store;
  for (const LoweredKernel& k : run.p.kernels) {
    const ProgramTensor& t = run.p.tensors.at(static_cast<size_t>(k.output));
    std::vector<uint8_t> bytes;
    ASSERT_NO_THROW(bytes = store.read(k.output)) << k.desc.name;
    EXPECT_EQ(bytes.size(), stored_bytes(t, mode)) << k.desc.name;
    if (mode != NumericMode::kFp32) {
      EXPECT_EQ(bytes.size(),
                tensor_bytes(t, mode == NumericMode::kFp16 ? hw::DataType::kFp16 : hw::DataType::kInt8));
    }
    if (t.index || t.nonzeros >= 0) continue;
    // A pool's running maximum holds "no value" (-inf) where every window element so far was
    // padding; nothing else may be non-finite.
    const bool may_hold_no_value =
        k.semantics.op == KernelOp::kMax && k.semantics.view == OperandView::kPoolWindow;
    for (float v : ex.values(k.output, store)) {
      if (may_hold_no_value && v == -std::numeric_limits<float>::infinity()) continue;
      ASSERT_TRUE(std::isfinite(v)) << k.desc.name;
    }
  }
}

std::string mode_name(NumericMode m) {
  return numeric_mode_name(m);
}

// The graph's output (last op) in `mode` against run_reference: cosine.
double output_cosine(const Graph& g, const TensorMap& data, NumericMode mode,
                     std::vector<KernelOp>* ops = nullptr) {
  Executed run(g, data, mode);
  expect_every_kernel_ran(run, NumericMode::kFp32);
  if (mode != NumericMode::kFp32) expect_every_kernel_ran(run, mode);
  if (ops != nullptr)
    for (const LoweredKernel& k : run.p.kernels) ops->push_back(k.semantics.op);
  const int y = g.outputs().back();
  const std::vector<float> ref = run_reference(g, data).at(y).values;
  const std::vector<float> got = mode == NumericMode::kFp32 ? run.fp32_values(y) : run.values(y);
  const ErrorStats e = compare_tensors(ref, got, ref.size());
  return e.cosine;
}

TensorMap weights_and_inputs(const Graph& g, uint64_t seed) {
  TensorMap data = random_weights(g, seed);
  for (auto& [id, t] : random_inputs(g, seed)) data[id] = t;
  return data;
}

TEST(FunctionalExecutorNetworks, TinyMlpInEveryMode) {
  const Graph g = load_workload("tiny_mlp", {}, {std::string(NM_SOURCE_DIR) + "/workloads"});
  const TensorMap data = weights_and_inputs(g, 7);
  for (NumericMode mode : {NumericMode::kFp32, NumericMode::kFp16, NumericMode::kInt8}) {
    SCOPED_TRACE(mode_name(mode));
    // Measured: fp32 and fp16 0.99998, int8 0.99991.
    EXPECT_GT(output_cosine(g, data, mode), mode == NumericMode::kInt8 ? 0.995 : 0.9999);
  }
}

// A transformer encoder block with an embedding lookup, attention (reshape, transposed matmul,
// softmax), residual adds, layernorms, a GELU FFN and a tanh pooler.
Graph tiny_transformer() {
  Graph g("tiny_transformer");
  auto op = [&](OpKind kind, const std::string& name, std::vector<int> in, const Shape& out, OpAttrs a = {}) {
    return add_test_op(g, kind, name, "block", std::move(in), out, a);
  };
  auto linear = [&](const std::string& name, int x, int64_t in, int64_t out, int64_t rows) {
    const int w = g.add_tensor(name + ".weight", {in, out}, true);
    const int b = g.add_tensor(name + ".bias", {out}, true);
    return op(OpKind::kLinear, name, {x, w, b}, {rows, out});
  };
  auto layernorm = [&](const std::string& name, int x) {
    const int gm = g.add_tensor(name + ".gamma", {32}, true);
    const int bt = g.add_tensor(name + ".beta", {32}, true);
    return op(OpKind::kLayerNorm, name, {x, gm, bt}, {8, 32});
  };
  const int ids = g.add_tensor("token_ids", {8});
  g.mark_input(ids);
  const int table = g.add_tensor("word.weight", {40, 32}, true);
  OpAttrs lookup;
  lookup.rows = 8;
  const int emb = op(OpKind::kEmbedding, "word", {ids, table}, {8, 32}, lookup);
  const int x0 = layernorm("ln0", emb);
  const int q = linear("query", x0, 32, 32, 8), k = linear("key", x0, 32, 32, 8),
            v = linear("value", x0, 32, 32, 8);
  const int qh = op(OpKind::kReshape, "q_heads", {q}, {2, 8, 16});
  const int kh = op(OpKind::kReshape, "k_heads", {k}, {2, 8, 16});
  const int vh = op(OpKind::kReshape, "v_heads", {v}, {2, 8, 16});
  OpAttrs tb;
  tb.transpose_b = true;
  const int scores = op(OpKind::kMatMul, "scores", {qh, kh}, {2, 8, 8}, tb);
  const int probs = op(OpKind::kSoftmax, "probs", {scores}, {2, 8, 8});
  const int ctx = op(OpKind::kMatMul, "context", {probs, vh}, {2, 8, 16});
  const int merged = op(OpKind::kReshape, "merge", {ctx}, {8, 32});
  const int attn = linear("attn_out", merged, 32, 32, 8);
  const int r1 = op(OpKind::kAdd, "residual1", {attn, x0}, {8, 32});
  const int x1 = layernorm("ln1", r1);
  const int f1 = linear("ffn1", x1, 32, 64, 8);
  const int act = op(OpKind::kGelu, "ffn1.gelu", {f1}, {8, 64});
  const int f2 = linear("ffn2", act, 64, 32, 8);
  const int r2 = op(OpKind::kAdd, "residual2", {f2, x1}, {8, 32});
  const int x2 = layernorm("ln2", r2);
  const int pooled = linear("pooler", x2, 32, 32, 8);
  const int pt = op(OpKind::kTanh, "pooler.tanh", {pooled}, {8, 32});
  const int logits = linear("classifier", pt, 32, 4, 8);
  g.mark_output(logits);
  return g;
}

// A small CNN: convs (grouped, strided), relu, leaky relu (alpha 0.01), sigmoid, max and average
// pooling, a residual add, global average pooling and a classifier.
Graph tiny_cnn() {
  Graph g("tiny_cnn");
  auto op = [&](OpKind kind, const std::string& name, std::vector<int> in, const Shape& out, OpAttrs a = {}) {
    return add_test_op(g, kind, name, "net", std::move(in), out, a);
  };
  auto conv = [&](const std::string& name, int x, const Shape& w_shape, const Shape& out, int64_t stride,
                  int64_t pad, int64_t groups) {
    const int w = g.add_tensor(name + ".weight", w_shape, true);
    const int b = g.add_tensor(name + ".bias", {w_shape[3]}, true);
    OpAttrs a;
    a.kernel_h = w_shape[0];
    a.kernel_w = w_shape[1];
    a.stride = stride;
    a.pad = pad;
    a.groups = groups;
    return op(OpKind::kConv2d, name, {x, w, b}, out, a);
  };
  OpAttrs pool;
  pool.kernel_h = pool.kernel_w = 3;
  pool.stride = 2;
  pool.pad = 1;
  OpAttrs avg;
  avg.kernel_h = avg.kernel_w = 2;
  avg.stride = 2;
  const int x = g.add_tensor("image", {1, 12, 12, 3});
  g.mark_input(x);
  const int c1 = conv("conv1", x, {3, 3, 3, 8}, {1, 12, 12, 8}, 1, 1, 1);
  const int a1 = op(OpKind::kRelu, "relu1", {c1}, {1, 12, 12, 8});
  const int p1 = op(OpKind::kMaxPool2d, "maxpool", {a1}, {1, 6, 6, 8}, pool);
  const int c2 = conv("conv2", p1, {3, 3, 4, 8}, {1, 6, 6, 8}, 1, 1, 2);
  const int a2 = op(OpKind::kLeakyRelu, "leaky", {c2}, {1, 6, 6, 8});
  const int c3 = conv("conv3", a2, {1, 1, 8, 8}, {1, 6, 6, 8}, 1, 0, 1);
  const int r = op(OpKind::kAdd, "residual", {c3, p1}, {1, 6, 6, 8});
  const int a3 = op(OpKind::kSigmoid, "sigmoid", {r}, {1, 6, 6, 8});
  const int p2 = op(OpKind::kAvgPool2d, "avgpool", {a3}, {1, 3, 3, 8}, avg);
  const int c4 = conv("conv4", p2, {3, 3, 8, 16}, {1, 2, 2, 16}, 2, 1, 1);
  const int gp = op(OpKind::kGlobalAvgPool, "gap", {c4}, {1, 1, 1, 16});
  const int flat = op(OpKind::kReshape, "flatten", {gp}, {1, 16});
  const int w = g.add_tensor("fc.weight", {16, 5}, true);
  const int b = g.add_tensor("fc.bias", {5}, true);
  const int logits = op(OpKind::kLinear, "fc", {flat, w, b}, {1, 5});
  g.mark_output(logits);
  return g;
}

// Two GCN layers over a sparse adjacency (SpMM).
Graph tiny_gcn() {
  Graph g("tiny_gcn");
  auto op = [&](OpKind kind, const std::string& name, std::vector<int> in, const Shape& out) {
    return add_test_op(g, kind, name, "gcn", std::move(in), out);
  };
  const int features = g.add_tensor("features", {30, 20});
  g.mark_input(features);
  const int adjacency = g.add_tensor("adjacency", {1, 30, 30}, true);
  g.set_nonzeros(adjacency, 60 + 30);
  const int w1 = g.add_tensor("gcn1.weight", {20, 8}, true), b1 = g.add_tensor("gcn1.bias", {8}, true);
  const int h1 = op(OpKind::kLinear, "gcn1.linear", {features, w1, b1}, {30, 8});
  const int h1b = op(OpKind::kReshape, "gcn1.batch", {h1}, {1, 30, 8});
  const int a1 = op(OpKind::kMatMul, "gcn1.aggregate", {adjacency, h1b}, {1, 30, 8});
  const int r1 = op(OpKind::kRelu, "gcn1.relu", {a1}, {1, 30, 8});
  const int w2 = g.add_tensor("gcn2.weight", {8, 4}, true), b2 = g.add_tensor("gcn2.bias", {4}, true);
  const int h2 = op(OpKind::kLinear, "gcn2.linear", {r1, w2, b2}, {1, 30, 4});
  const int a2 = op(OpKind::kMatMul, "gcn2.aggregate", {adjacency, h2}, {1, 30, 4});
  g.mark_output(a2);
  return g;
}

TEST(FunctionalExecutorNetworks, TinyTransformerCnnAndGcnRunEveryKernelInEveryMode) {
  // Output cosine vs run_reference, measured: fp32 and fp16 >= 0.99998 for all three; int8
  // transformer 0.9994, cnn 0.99996, gcn 0.9998.
  const Graph graphs[] = {tiny_transformer(), tiny_cnn(), tiny_gcn()};
  std::set<KernelOp> seen;
  for (const Graph& g : graphs) {
    TensorMap data = weights_and_inputs(g, 11);
    if (g.name() == "tiny_gcn") {
      // Dense N(0, 1) features (random_inputs' 1%-dense 0/1 features would leave most rows zero).
      const int f = g.inputs().at(0);
      data[f] = make_dense({30, 20}, random_values(600, 500));
    }
    for (NumericMode mode : {NumericMode::kFp32, NumericMode::kFp16, NumericMode::kInt8}) {
      SCOPED_TRACE(g.name() + " " + mode_name(mode));
      std::vector<KernelOp> ops;
      const double cosine = output_cosine(g, data, mode, &ops);
      seen.insert(ops.begin(), ops.end());
      EXPECT_GT(cosine, mode == NumericMode::kInt8 ? 0.995 : 0.9999);
    }
  }
  // Between them the networks exercise every kernel operation the lowering emits.
  for (KernelOp op :
       {KernelOp::kNetworkGemm, KernelOp::kGlobalAvgPool, KernelOp::kRowReduce, KernelOp::kGather,
        KernelOp::kSegmentIndex, KernelOp::kPwl, KernelOp::kMaxSegment, KernelOp::kMax, KernelOp::kAdd,
        KernelOp::kSubRow, KernelOp::kMulRow, KernelOp::kSquare, KernelOp::kScaleShift, KernelOp::kPoolSum}) {
    EXPECT_TRUE(seen.count(op)) << "kernel op " << static_cast<int>(op) << " never ran";
  }
}

// ------------------------------------------------------------------------------------------------
// errors

Net leaky_net(double alpha) {
  Net net;
  const int x = net.input("x", {4, 6}, random_values(24, 600));
  OpAttrs a;
  a.alpha = alpha;
  const int y = net.op(OpKind::kLeakyRelu, "leaky", {x}, {4, 6}, a);
  net.g.mark_output(y);
  return net;
}

TEST(FunctionalExecutorErrors, LeakyReluAlphaOtherThanTheTablesThrowsInputError) {
  const Net net = leaky_net(0.2);
  const KernelProgram p = lower_graph(net.g, LoweringOptions{});
  for (NumericMode mode : {NumericMode::kFp32, NumericMode::kFp16, NumericMode::kInt8}) {
    SCOPED_TRACE(mode_name(mode));
    ProgramExecutor ex(net.g, p, mode, PwlTableOptions{}, std::vector<float>(p.tensors.size(), 3.0f));
    HostTensorStore store;
    ex.load(net.given, store);
    EXPECT_THROW(ex.execute_all(store), InputError);
  }
  // The same graph with the table's alpha runs and matches the reference to the last bit or so
  // (the fp32 table holds the slope 0.01 as a float).
  const Net ok = leaky_net(0.01);
  Executed run(ok.g, ok.given, NumericMode::kFp32);
  const int y = ok.g.outputs().at(0);
  const std::vector<float> got = run.fp32_values(y), ref = run_reference(ok.g, ok.given).at(y).values;
  ASSERT_EQ(got.size(), ref.size());
  for (size_t e = 0; e < got.size(); ++e) {
    EXPECT_NEAR(got[e], ref[e], std::ldexp(std::fabs(ref[e]), -22)) << e;
  }
}

TEST(FunctionalExecutorErrors, MissingWeightThrowsInputError) {
  Net net;
  const int x = net.input("x", {2, 3}, random_values(6, 700));
  const int w = net.constant("w", {3, 4}, random_values(12, 701));
  const int y = net.op(OpKind::kLinear, "fc", {x, w}, {2, 4});
  net.g.mark_output(y);
  const KernelProgram p = lower_graph(net.g, LoweringOptions{});
  ProgramExecutor ex(net.g, p, NumericMode::kFp32, PwlTableOptions{});
  HostTensorStore store;
  TensorMap without_w = net.given;
  without_w.erase(w);
  EXPECT_THROW(ex.load(without_w, store), InputError);
}

}  // namespace
}  // namespace nm::sw
