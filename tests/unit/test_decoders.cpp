// Decoder LLMs (sw/graph/decoder_builder.cpp): parameter counts against HuggingFace's published
// totals, MACs of prefill and decode against hand formulas (never the builder's code), the
// causal mask in the fp32 reference, the KV-cache append's lowering, the YAML decoder ops, and
// the generate figures' interpolation.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "graph_test_util.h"
#include "hw/core/input_error.h"
#include "sw/functional/reference_executor.h"
#include "sw/graph/workloads.h"
#include "sw/lowering/kernel_program.h"
#include "sw/report/llm_figures.h"

namespace nm::sw {
namespace {

using test::graph_macs;

struct Geometry {
  const char* name;
  int64_t layers, hidden, heads, kv_heads, ffn, vocab;
  bool llama;
  int64_t params;  // HuggingFace: GPT2Model (head tied) / LlamaForCausalLM
};

const Geometry kModels[] = {
    {"gpt2", 12, 768, 12, 12, 3072, 50257, false, 124439808},
    {"gpt2_medium", 24, 1024, 16, 16, 4096, 50257, false, 354823168},
    {"llama2_7b", 32, 4096, 32, 32, 11008, 32000, true, 6738415616},
    {"llama3_8b", 32, 4096, 32, 8, 14336, 128256, true, 8030261248},
};

Graph build(const std::string& name, int64_t seq_len, bool decode = false, int64_t past = 0) {
  WorkloadOptions o;
  o.seq_len = seq_len;
  if (decode) {
    o.phase = DecoderPhase::kDecode;
    o.past_tokens = past;
  }
  return build_builtin_workload(name, o);
}

// Rotary tables are constants (they carry values) but not parameters.
int64_t parameters(const Graph& g) {
  int64_t rope = 0;
  for (const Tensor& t : g.tensors()) {
    if (t.name == "rope.cos" || t.name == "rope.sin") rope += element_count(t.shape);
  }
  return g.parameter_count() - rope;
}

TEST(Decoders, ParameterCounts) {
  for (const Geometry& m : kModels) {
    EXPECT_EQ(parameters(build(m.name, 16)), m.params) << m.name;
    EXPECT_EQ(parameters(build(m.name, 1, true, 100)), m.params) << m.name << " decode";
  }
}

// Per layer, S query tokens over T keys: Q and O projections S*H*H each, K and V S*H*kv_dim each,
// scores and context heads*S*T*d each (= S*T*H), the FFN 2 (GELU) or 3 (SwiGLU) S*H*F; the LM
// head H*V for the last token only.
int64_t formula_macs(const Geometry& m, int64_t s, int64_t t) {
  const int64_t kv_dim = m.hidden / m.heads * m.kv_heads;
  const int64_t per_layer = 2 * s * m.hidden * m.hidden + 2 * s * m.hidden * kv_dim + 2 * s * t * m.hidden +
                            (m.llama ? 3 : 2) * s * m.hidden * m.ffn;
  return m.layers * per_layer + m.hidden * m.vocab;
}

TEST(Decoders, PrefillAndDecodeMacs) {
  for (const Geometry& m : kModels) {
    for (int64_t s : {1, 64, 1000}) {
      const Graph g = build(m.name, s);
      EXPECT_EQ(graph_macs(g), formula_macs(m, s, s)) << m.name << " prefill " << s;
    }
    for (int64_t past : {1, 511, 1023}) {
      const Graph g = build(m.name, 1, true, past);
      EXPECT_EQ(graph_macs(g), formula_macs(m, 1, past + 1)) << m.name << " decode " << past;
    }
  }
  // Pinned figures: GPT-2 prefill of 1024 tokens, Llama-2-7B decode with 2047 cached.
  EXPECT_EQ(graph_macs(build("gpt2", 1024)), 106339037952);
  EXPECT_EQ(graph_macs(build("llama2_7b", 1, true, 2047)), 7143948288);
}

// B sequences: every GEMM has B times the rows (attention per sequence, each over its own keys),
// the LM head one row per sequence; B = 1 is the unbatched graph, op for op.
TEST(Decoders, BatchedPassesScaleEveryGemmBySequences) {
  for (const Geometry& m : kModels) {
    WorkloadOptions o;
    o.seq_len = 64;
    o.batch = 3;
    const Graph prefill = build_builtin_workload(m.name, o);
    EXPECT_EQ(prefill.batch(), 3);
    EXPECT_EQ(graph_macs(prefill), 3 * formula_macs(m, 64, 64)) << m.name;
    o.phase = DecoderPhase::kDecode;
    o.past_tokens = 100;
    const Graph decode = build_builtin_workload(m.name, o);
    EXPECT_EQ(graph_macs(decode), 3 * formula_macs(m, 1, 101)) << m.name;
    const KernelProgram p = lower_graph(decode, {});
    EXPECT_EQ(p.network_macs(), static_cast<uint64_t>(graph_macs(decode))) << m.name;
    // Each sequence keeps its own KV cache: [B * kv_heads, past, d].
    for (int in : decode.inputs()) {
      const Tensor& t = decode.tensor(in);
      if (t.name.find("key_cache") != std::string::npos) {
        EXPECT_EQ(t.shape, (Shape{3 * m.kv_heads, 100, m.hidden / m.heads})) << t.name;
      }
    }
  }
  WorkloadOptions one;
  one.seq_len = 32;
  one.batch = 1;
  EXPECT_EQ(build_builtin_workload("llama3_8b", one).ops().size(), build("llama3_8b", 32).ops().size());
}

TEST(Decoders, LoweredMacsMatchTheGraph) {
  for (const Geometry& m : kModels) {
    for (const Graph& g : {build(m.name, 32), build(m.name, 1, true, 40)}) {
      const KernelProgram p = lower_graph(g, {});
      EXPECT_EQ(p.network_macs(), static_cast<uint64_t>(graph_macs(g))) << g.name();
    }
  }
}

TEST(Decoders, Structure) {
  // Llama-3: grouped-query attention, 4 query heads per KV head: scores are [8, 4 x S, S].
  const Graph l3 = build("llama3_8b", 16);
  const Op& scores = test::find_op(l3, "layers.0.attn.scores");
  EXPECT_EQ(l3.tensor(scores.output).shape, (Shape{8, 64, 16}));
  EXPECT_EQ(l3.tensor(test::find_op(l3, "layers.0.attn.key").output).shape, (Shape{16, 1024}));
  EXPECT_EQ(test::find_op(l3, "layers.0.attn.causal_mask").kind, OpKind::kCausalMask);
  // Prefill: 2 x 32 KV-cache outputs plus the logits of the last token.
  EXPECT_EQ(l3.outputs().size(), 65u);
  EXPECT_EQ(l3.tensor(l3.outputs().back()).shape, (Shape{1, 128256}));
  // Decode: the caches are inputs [kv, past, d]; the append writes [kv, past + 1, d]; no mask.
  const Graph d = build("llama3_8b", 1, true, 99);
  const Op& append = test::find_op(d, "layers.3.attn.key_cache_append");
  EXPECT_TRUE(append.attrs.append);
  EXPECT_EQ(d.tensor(append.inputs[0]).shape, (Shape{8, 99, 128}));
  EXPECT_EQ(d.tensor(append.output).shape, (Shape{8, 100, 128}));
  for (const Op& op : d.ops()) EXPECT_NE(op.kind, OpKind::kCausalMask) << op.name;
  EXPECT_EQ(d.name(), "llama3_8b_decode");
  // GPT-2's head is tied: no lm_head parameter.
  const Graph gpt2 = build("gpt2", 4);
  for (const Tensor& t : gpt2.tensors()) EXPECT_EQ(t.name.find("lm_head.weight"), std::string::npos);
}

TEST(Decoders, SeqLenLimits) {
  WorkloadOptions o;
  o.seq_len = 1024;
  o.seq_len_given = "--seq-len";
  EXPECT_NO_THROW(load_workload("gpt2", o, {}));
  o.seq_len = 1025;
  EXPECT_THROW(load_workload("gpt2", o, {}), InputError);
  o.seq_len = 4096;
  EXPECT_NO_THROW(load_workload("llama2_7b", o, {}));
  o.seq_len = 8192;
  EXPECT_THROW(load_workload("llama2_7b", o, {}), InputError);
  EXPECT_NO_THROW(load_workload("llama3_8b", o, {}));
  o.seq_len = 513;
  EXPECT_THROW(load_workload("bert_base", o, {}), InputError);  // BERT stays 512
  EXPECT_TRUE(is_decoder_workload("llama3_8b"));
  EXPECT_FALSE(is_decoder_workload("bert_base"));
}

// The KV-cache append moves only the new rows, and its output (the cache) stays in DRAM.
TEST(Decoders, CacheAppendLowering) {
  WorkloadOptions o;
  o.width = 0.25;
  o.depth = 0.1;
  o.phase = DecoderPhase::kDecode;
  o.past_tokens = 300;
  const Graph g = build_builtin_workload("llama2_7b", o);
  KernelProgram p = lower_graph(g, {});
  plan_residency(p, hw::ArchConfig{});
  int appends = 0;
  for (const LoweredKernel& k : p.kernels) {
    if (k.desc.name.find("cache_append") == std::string::npos) continue;
    ++appends;
    EXPECT_EQ(k.desc.elements(), 32u * 1 * 32);         // heads x 1 new token x head_dim (hidden 1024)
    EXPECT_LE(k.desc.a_dram_bytes, k.desc.elements());  // int8: at most the new rows, never the cache
    EXPECT_TRUE(p.tensors[static_cast<size_t>(k.output)].pinned_dram);
    EXPECT_FALSE(p.tensors[static_cast<size_t>(k.output)].on_chip);
  }
  EXPECT_EQ(appends, 2 * 3);
}

// Causal mask in the fp32 reference: query i sees keys 0..i + (Sk - Sq) only.
// GPT-2's learned positions: a decode step's token reads the row after the cached tokens, each
// sequence of a batch its own 0..S-1 in a prefill.
TEST(Decoders, PositionLookupsReadTheTokensPositions) {
  auto position_rows = [](const Graph& g) {
    for (const Op& op : g.ops()) {
      if (op.name == "embed.position") return embedding_rows(g, op, nullptr, "test");
    }
    return std::vector<int64_t>{};
  };
  WorkloadOptions o;
  o.seq_len = 3;
  o.batch = 2;
  EXPECT_EQ(position_rows(build_builtin_workload("gpt2", o)), (std::vector<int64_t>{0, 1, 2, 0, 1, 2}));
  o.phase = DecoderPhase::kDecode;
  o.past_tokens = 100;
  EXPECT_EQ(position_rows(build_builtin_workload("gpt2", o)), (std::vector<int64_t>{100, 100}));
  o.past_tokens = 1023;  // the last position: row 1023 of 1024
  EXPECT_EQ(position_rows(build_builtin_workload("gpt2", o)), (std::vector<int64_t>{1023, 1023}));
}

TEST(Decoders, CausalMaskReference) {
  for (const auto& [sq, sk] : {std::pair<int64_t, int64_t>{3, 3}, {2, 5}}) {
    Graph g("mask");
    const int x = g.add_tensor("x", {2, sq, sk});
    g.mark_input(x);
    const int m = g.add_tensor("masked", {2, sq, sk});
    g.add_op({OpKind::kCausalMask, "mask", "attn", {x}, m, {}});
    const int p = g.add_tensor("probs", {2, sq, sk});
    g.add_op({OpKind::kSoftmax, "softmax", "attn", {m}, p, {}});
    g.mark_output(p);
    std::vector<float> v(static_cast<size_t>(2 * sq * sk));
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i % 7) * 0.3f - 1.0f;
    const TensorMap out = run_reference(g, {{x, make_dense({2, sq, sk}, v)}});
    const std::vector<float>& masked = out.at(m).values;
    const std::vector<float>& probs = out.at(p).values;
    for (int64_t h = 0; h < 2; ++h) {
      for (int64_t i = 0; i < sq; ++i) {
        double sum = 0, expected_sum = 0, mx = -1e30;
        for (int64_t j = 0; j <= i + sk - sq; ++j)
          mx = std::max(mx, static_cast<double>(v[static_cast<size_t>((h * sq + i) * sk + j)]));
        for (int64_t j = 0; j <= i + sk - sq; ++j)
          expected_sum += std::exp(v[static_cast<size_t>((h * sq + i) * sk + j)] - mx);
        for (int64_t j = 0; j < sk; ++j) {
          const size_t e = static_cast<size_t>((h * sq + i) * sk + j);
          if (j > i + sk - sq) {
            EXPECT_EQ(masked[e], kCausalMaskValue);
            EXPECT_EQ(probs[e], 0.0f) << "future key " << j << " of query " << i;
          } else {
            EXPECT_EQ(masked[e], v[e]);
            EXPECT_NEAR(probs[e], std::exp(v[e] - mx) / expected_sum, 1e-6);
          }
          sum += probs[e];
        }
        EXPECT_NEAR(sum, 1.0, 1e-6);
      }
    }
  }
}

// A 2-layer Llama-style decoder described in YAML with the decoder ops: rmsnorm, rotary, swiglu,
// causal_mask, mul and the cache append; the fp32 reference runs it.
TEST(Decoders, YamlDecoderOps) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("nm_decoder_yaml_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::filesystem::path file = dir / "tiny_llama.yaml";
  std::ofstream(file) << R"(name: tiny_llama
inputs:
  - {name: x, shape: [8, 32]}
constants:
  - {name: norm.gamma, shape: [32]}
  - {name: wq, shape: [32, 32]}
  - {name: wk, shape: [32, 32]}
  - {name: wv, shape: [32, 32]}
  - {name: wo, shape: [32, 32]}
  - {name: cos, shape: [8, 8]}
  - {name: sin, shape: [8, 8]}
  - {name: w_gate, shape: [32, 64]}
  - {name: w_up, shape: [32, 64]}
  - {name: w_down, shape: [64, 32]}
ops:
  - {op: rmsnorm, name: norm, inputs: [x, norm.gamma], output: h, shape: [8, 32], eps: 1.0e-5}
  - {op: linear, name: q, inputs: [h, wq], output: q, shape: [8, 32]}
  - {op: linear, name: k, inputs: [h, wk], output: k, shape: [8, 32]}
  - {op: linear, name: v, inputs: [h, wv], output: v, shape: [8, 32]}
  - {op: reshape, name: qh, inputs: [q], output: qh, shape: [4, 8, 8]}
  - {op: reshape, name: kh, inputs: [k], output: kh, shape: [4, 8, 8]}
  - {op: reshape, name: vh, inputs: [v], output: vh, shape: [4, 8, 8]}
  - {op: rotary, name: q_rope, inputs: [qh, cos, sin], output: qr, shape: [4, 8, 8]}
  - {op: rotary, name: k_rope, inputs: [kh, cos, sin], output: kr, shape: [4, 8, 8]}
  - {op: matmul, name: scores, inputs: [qr, kr], output: s, shape: [4, 8, 8], transpose_b: true}
  - {op: causal_mask, name: mask, inputs: [s], output: sm, shape: [4, 8, 8]}
  - {op: softmax, name: softmax, inputs: [sm], output: p, shape: [4, 8, 8]}
  - {op: matmul, name: context, inputs: [p, vh], output: c, shape: [4, 8, 8]}
  - {op: reshape, name: merge, inputs: [c], output: cm, shape: [8, 32]}
  - {op: linear, name: o, inputs: [cm, wo], output: o, shape: [8, 32]}
  - {op: add, name: residual, inputs: [o, x], output: r, shape: [8, 32]}
  - {op: swiglu, name: ffn, inputs: [r, w_gate, w_up], output: f, shape: [8, 64]}
  - {op: linear, name: down, inputs: [f, w_down], output: y, shape: [8, 32]}
  - {op: slice, name: last, inputs: [y], output: last, shape: [1, 32], axis: 0, start: 7}
  - {op: affine, name: scale, inputs: [last], output: out, shape: [1, 32], scale: 0.5, shift: 1}
outputs: [out]
)";
  const Graph g = load_workload(file.string(), {}, {});
  EXPECT_EQ(test::count_kinds(g)[OpKind::kCausalMask], 1);
  EXPECT_EQ(test::count_kinds(g)[OpKind::kSilu], 1);
  EXPECT_EQ(test::count_kinds(g)[OpKind::kSqrt], 1);
  EXPECT_EQ(graph_macs(g), 4 * 8 * 32 * 32 + 2 * 8 * 8 * 32 + 3 * 8 * 32 * 64);
  const KernelProgram p = lower_graph(g, {});
  EXPECT_EQ(p.network_macs(), static_cast<uint64_t>(graph_macs(g)));
  // Shape errors name the op's key.
  std::ofstream(dir / "bad.yaml") << R"(inputs: [{name: x, shape: [4, 8]}]
constants: [{name: g, shape: [4]}]
ops:
  - {op: rmsnorm, name: n, inputs: [x, g], output: y, shape: [4, 8]}
)";
  try {
    load_workload((dir / "bad.yaml").string(), {}, {});
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("ops[0].inputs"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("gamma must be [8]"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

TEST(Decoders, SampledSteps) {
  EXPECT_EQ(sampled_decode_steps(128, 3), (std::vector<int64_t>{0, 64, 127}));
  EXPECT_EQ(sampled_decode_steps(5, 0), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(sampled_decode_steps(2, 3), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(sampled_decode_steps(10, 2), (std::vector<int64_t>{0, 9}));
}

// The generate figures from a synthetic run: parts split at kernel ends, interpolation between
// sampled steps, TTFT / TPOT / tokens/s / J/token.
TEST(Decoders, GenerateFigures) {
  RunResult run;
  run.config.arch.clock_ghz = 1.0;
  auto kernel = [&](const std::string& layer, uint64_t start, uint64_t cycles, double energy_j,
                    uint64_t macs) {
    KernelRecord k;
    k.desc.layer = layer;
    k.desc.name = layer + ".k";
    k.desc.kind = hw::KernelKind::kGemm;
    k.desc.network_linear = true;
    k.desc.m = macs;
    k.desc.n = k.desc.k = 1;
    k.start_cycle = start;
    k.simulated.cycles = cycles;
    k.energy.mac_j = energy_j;
    run.kernels.push_back(k);
  };
  kernel("prefill/layers.0", 0, 1000, 1.0, 500);
  kernel("decode0/layers.0", 900, 200, 0.1, 10);   // overlaps the prefill's end by 100 cycles
  kernel("decode4/layers.0", 1100, 300, 0.3, 14);  // step 4: 300 cycles
  run.cycles = 1400;
  run.energy.mac_j = 1.4;
  const LlmFigures f = llm_figures(run, "generate", 100, 5, {0, 4});
  EXPECT_DOUBLE_EQ(f.ttft_s, 1000e-9);
  ASSERT_EQ(f.steps.size(), 5u);
  EXPECT_DOUBLE_EQ(f.steps[0].latency_s, 100e-9);  // ends at 1100, after the prefill's 1000
  EXPECT_DOUBLE_EQ(f.steps[4].latency_s, 300e-9);
  EXPECT_DOUBLE_EQ(f.steps[2].latency_s, 200e-9);  // halfway
  EXPECT_FALSE(f.steps[2].simulated);
  EXPECT_EQ(f.steps[2].macs, 12u);
  EXPECT_EQ(f.steps[3].cached_tokens, 103);
  EXPECT_DOUBLE_EQ(f.decode_latency_s, (100 + 150 + 200 + 250 + 300) * 1e-9);
  EXPECT_DOUBLE_EQ(f.tpot_s, 200e-9);
  EXPECT_DOUBLE_EQ(f.tokens_per_s, 5e6);
  EXPECT_NEAR(f.j_per_token, 0.2, 1e-12);
  EXPECT_EQ(f.decode_macs, 10u + 11 + 12 + 13 + 14);
  EXPECT_DOUBLE_EQ(f.generate_latency_s, 2000e-9);
}

}  // namespace
}  // namespace nm::sw
