// Decoder-only LLMs as Graphs, one forward pass each: prefill (the prompt) or one decode step.
//
// Geometry (HuggingFace configs):
//  - gpt2: 12 layers, hidden 768, 12 heads, FFN 3072, vocab 50257, 1024 learned positions,
//    pre-LayerNorm (eps 1e-5), GELU, LM head tied to the token embedding. GPT2Model has
//    124,439,808 parameters (the tied head adds none).
//  - gpt2_medium: 24 layers, hidden 1024, 16 heads, FFN 4096: 354,823,168.
//  - llama2_7b: 32 layers, hidden 4096, 32 heads, SwiGLU FFN 11008, vocab 32000, RMSNorm
//    (eps 1e-5), rotary embeddings (base 10000), 4096 positions, untied LM head: 6,738,415,616.
//  - llama3_8b: 32 layers, hidden 4096, 32 query heads, 8 KV heads (grouped-query attention),
//    FFN 14336, vocab 128256, rotary base 500000, 8192 positions: 8,030,261,248.
//
// What a pass computes:
//  - prefill (seq_len S prompt tokens): every layer's K and V for all S tokens (graph outputs:
//    they are the KV cache, written to DRAM) and the logits of the last token (the LM head runs
//    on the last row only, after the final norm of that row), from which the first output token
//    is sampled. Attention is causal (kCausalMask before each softmax).
//  - decode (one token, `past` tokens already cached): the token's Q, K and V; K and V are
//    appended to the DRAM-resident caches (graph inputs [kv_heads, past, d]; kConcat with
//    attrs.append), attention reads the whole cache of past + 1 tokens; the logits of the token.
//    No mask: the one query sees every cached key.
//
// Decompositions (no new IR kinds but kCausalMask, so both executors and the lowering already
// cover every step; each is a handful of element-wise passes beside the layer's GEMMs):
//  - RMSNorm(x) = x * 1/sqrt(mean(x^2) + eps) * gamma: mul (square), reduce_mean (a GEMM with a
//    1/H vector), affine (+eps), sqrt and reciprocal (range-reduced PWL, on one value per row),
//    mul (row broadcast), mul (gamma).
//  - SwiGLU: down(silu(x W_gate) * (x W_up)), SiLU by PWL.
//  - Rotary (HF rotate-half form) on [heads, T, d]: y = x * cos + concat(x2, x1) * sin', where
//    x1, x2 are the halves of d, and sin' is the sin table with its first half negated (that
//    folds rotate_half's negation into the constant). cos and sin are [T, d] constants holding
//    the values of the tokens' positions (decode: position `past`).
//  - GQA: Q [heads, T, d] viewed as [kv_heads, group * T, d] (heads are head-major, so query
//    heads g*group .. g*group+group-1 are one block): scores and context are batched GEMMs over
//    the kv_heads, each reading its K/V once for the whole query group.
// The 1/sqrt(d) score scale is folded into the query weights offline (as in the BERT builder).
// Head split and merge are views (reshape), as in the BERT builder. Dropout is omitted.
//
// Batch (options.batch = B sequences, as a serving system batches requests): every projection
// and the FFN run on B*T rows (the decode GEMVs become GEMMs with M = B, reading each weight once
// for the batch); attention is per sequence, batched over B*heads ([B*heads, T, d], each
// sequence with its own KV cache [B*kv_heads, past, d]); the LM head reads each sequence's last
// row. B = 1 builds exactly the unbatched graph.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "hw/core/input_error.h"
#include "sw/graph/builder_util.h"
#include "sw/graph/workloads.h"

namespace nm::sw {
namespace {

using detail::append_linear;
using detail::append_op;

struct Spec {
  std::string name;
  int layers;
  int64_t hidden, heads, kv_heads, ffn, vocab, positions;
  bool llama;  // RMSNorm, SwiGLU, rotary, no biases, untied head; else GPT-2
  double rope_base;
};

Spec spec_of(DecoderModel model) {
  switch (model) {
    case DecoderModel::kGpt2:
      return {"gpt2", 12, 768, 12, 12, 3072, 50257, 1024, false, 0};
    case DecoderModel::kGpt2Medium:
      return {"gpt2_medium", 24, 1024, 16, 16, 4096, 50257, 1024, false, 0};
    case DecoderModel::kLlama2_7b:
      return {"llama2_7b", 32, 4096, 32, 32, 11008, 32000, 4096, true, 10000.0};
    case DecoderModel::kLlama3_8b:
      return {"llama3_8b", 32, 4096, 32, 8, 14336, 128256, 8192, true, 500000.0};
  }
  throw InputError("built-in workload", "model", "unknown decoder model");
}

constexpr double kNormEps = 1e-5;  // GPT-2's layer_norm_epsilon and Llama's rms_norm_eps

class DecoderBuilder {
 public:
  DecoderBuilder(const Spec& spec, const WorkloadOptions& o) : s_(spec), o_(o) {
    // Llama keeps head_dim even (rotary splits it in halves).
    hidden_ =
        scale_width(spec.hidden, o.width, std::lcm(int64_t{8}, spec.llama ? 2 * spec.heads : spec.heads));
    ffn_ = scale_width(spec.ffn, o.width);
    head_dim_ = hidden_ / spec.heads;
    kv_dim_ = head_dim_ * spec.kv_heads;
    layers_ = scale_depth(spec.layers, o.depth);
    if (o.decoder_layers_built > 0) layers_ = std::min(layers_, o.decoder_layers_built);
    decode_ = o.phase == DecoderPhase::kDecode;
    batch_ = o.batch;
    tokens_ = decode_ ? 1 : o.seq_len;
    rows_ = batch_ * tokens_;
    past_ = decode_ ? o.past_tokens : 0;
    std::string name = detail::scaled_name(spec.name, o.width, o.depth);
    g_ = Graph(decode_ ? name + "_decode" : name);
    g_.set_batch(batch_);
  }

  Graph build() {
    const int ids = g_.add_tensor("token_ids", {rows_});
    g_.mark_input(ids);
    OpAttrs lookup;
    lookup.rows = rows_;
    const int wte = g_.add_tensor("embed.token.weight", {s_.vocab, hidden_}, true);
    int x = append_op(g_, OpKind::kEmbedding, "embed.token", "embed", {ids, wte}, {rows_, hidden_}, lookup);
    if (!s_.llama) {
      // Learned positions past..past+T-1 (per sequence): row ranges of the table, address
      // generation.
      const int wpe = g_.add_tensor("embed.position.weight", {s_.positions, hidden_}, true);
      OpAttrs positions = lookup;
      positions.start = past_;
      const int pos =
          append_op(g_, OpKind::kEmbedding, "embed.position", "embed", {wpe}, {rows_, hidden_}, positions);
      x = add(x, pos, "embed.add_position", "embed");
    } else {
      rope_tables();
    }
    for (int i = 0; i < layers_; ++i) x = layer(i, x);

    // The LM head needs each sequence's last row only.
    if (tokens_ > 1 && batch_ == 1) {
      OpAttrs last;
      last.axis = 0;
      last.start = tokens_ - 1;
      x = append_op(g_, OpKind::kSlice, "final.last_token", "final", {x}, {1, hidden_}, last);
    } else if (tokens_ > 1) {
      x = append_op(g_, OpKind::kReshape, "final.sequences", "final", {x}, {batch_, tokens_, hidden_});
      OpAttrs last;
      last.axis = 1;
      last.start = tokens_ - 1;
      x = append_op(g_, OpKind::kSlice, "final.last_token", "final", {x}, {batch_, 1, hidden_}, last);
      x = append_op(g_, OpKind::kReshape, "final.last_rows", "final", {x}, {batch_, hidden_});
    }
    x = norm(x, "final.norm", "final");
    int logits;
    if (s_.llama) {
      const int w = g_.add_tensor("lm_head.weight", {hidden_, s_.vocab}, true);
      logits = append_op(g_, OpKind::kLinear, "lm_head", "lm_head", {x, w}, {batch_, s_.vocab});
    } else {
      // Tied head: logits = x wte^T, the embedding table read transposed as a [1, V, H] B operand.
      const int table =
          append_op(g_, OpKind::kReshape, "lm_head.tied_weight", "lm_head", {wte}, {1, s_.vocab, hidden_});
      const int x3 = append_op(g_, OpKind::kReshape, "lm_head.input", "lm_head", {x}, {1, batch_, hidden_});
      OpAttrs t;
      t.transpose_b = true;
      const int y =
          append_op(g_, OpKind::kMatMul, "lm_head", "lm_head", {x3, table}, {1, batch_, s_.vocab}, t);
      logits = append_op(g_, OpKind::kReshape, "lm_head.logits", "lm_head", {y}, {batch_, s_.vocab});
    }
    g_.mark_output(logits);
    return std::move(g_);
  }

 private:
  int add(int a, int b, const std::string& name, const std::string& layer) {
    return append_op(g_, OpKind::kAdd, name, layer, {a, b}, g_.tensor(a).shape);
  }
  int mul(int a, int b, const std::string& name, const std::string& layer) {
    return append_op(g_, OpKind::kMul, name, layer, {a, b}, g_.tensor(a).shape);
  }
  int linear(int x, int64_t out, const std::string& name, const std::string& layer) {
    if (!s_.llama) return append_linear(g_, name, layer, x, out);
    const int64_t in = g_.tensor(x).shape.back();
    const int w = g_.add_tensor(name + ".weight", {in, out}, true);
    Shape shape = g_.tensor(x).shape;
    shape.back() = out;
    return append_op(g_, OpKind::kLinear, name, layer, {x, w}, shape);
  }

  // LayerNorm (GPT-2) or RMSNorm (Llama) over the last axis.
  int norm(int x, const std::string& name, const std::string& layer) {
    const Shape shape = g_.tensor(x).shape;
    const int gamma = g_.add_tensor(name + ".gamma", {shape.back()}, true);
    if (!s_.llama) {
      const int beta = g_.add_tensor(name + ".beta", {shape.back()}, true);
      OpAttrs a;
      a.eps = kNormEps;
      return append_op(g_, OpKind::kLayerNorm, name, layer, {x, gamma, beta}, shape, a);
    }
    return rmsnorm(g_, name, layer, x, gamma, kNormEps);
  }

  void rope_tables() {
    const int64_t d = head_dim_, half = d / 2;
    auto cos_v = std::make_shared<std::vector<float>>(static_cast<size_t>(tokens_ * d));
    auto sin_v = std::make_shared<std::vector<float>>(static_cast<size_t>(tokens_ * d));
    for (int64_t t = 0; t < tokens_; ++t) {
      const double pos = static_cast<double>(past_ + t);
      for (int64_t i = 0; i < half; ++i) {
        const double angle =
            pos * std::pow(s_.rope_base, -2.0 * static_cast<double>(i) / static_cast<double>(d));
        const auto c = static_cast<float>(std::cos(angle)), sn = static_cast<float>(std::sin(angle));
        (*cos_v)[static_cast<size_t>(t * d + i)] = c;
        (*cos_v)[static_cast<size_t>(t * d + i + half)] = c;
        (*sin_v)[static_cast<size_t>(t * d + i)] = -sn;  // rotate_half's negation, folded in
        (*sin_v)[static_cast<size_t>(t * d + i + half)] = sn;
      }
    }
    cos_ = g_.add_tensor("rope.cos", {tokens_, d}, true);
    sin_ = g_.add_tensor("rope.sin", {tokens_, d}, true);
    g_.set_values(cos_, cos_v);
    g_.set_values(sin_, sin_v);
  }

  // Rotary embedding of x [heads, T, d] (see the file comment).
  int rotary(int x, const std::string& name, const std::string& layer) {
    const Shape shape = g_.tensor(x).shape;
    const int64_t half = shape[2] / 2;
    OpAttrs lo, hi, cat;
    lo.axis = hi.axis = cat.axis = 2;
    hi.start = half;
    const Shape half_shape = {shape[0], shape[1], half};
    const int x1 = append_op(g_, OpKind::kSlice, name + ".first_half", layer, {x}, half_shape, lo);
    const int x2 = append_op(g_, OpKind::kSlice, name + ".second_half", layer, {x}, half_shape, hi);
    const int rotated = append_op(g_, OpKind::kConcat, name + ".rotate_half", layer, {x2, x1}, shape, cat);
    const int a = mul(x, cos_, name + ".mul_cos", layer);
    const int b = mul(rotated, sin_, name + ".mul_sin", layer);
    return add(a, b, name, layer);
  }

  int layer(int index, int x) {
    const std::string layer = "layers." + std::to_string(index);
    const std::string attn = layer + ".attn";
    // Attention batches over the sequences' heads: B*heads query heads, B*kv_heads KV heads
    // (head-major within each sequence, so a group's query heads stay one block).
    const int64_t heads = batch_ * s_.heads, kv = batch_ * s_.kv_heads, group = s_.heads / s_.kv_heads;
    const int64_t d = head_dim_;
    const int64_t keys = past_ + tokens_;

    const int h = norm(x, layer + ".attn_norm", layer);
    const int q = linear(h, hidden_, attn + ".query", layer);
    const int k = linear(h, kv_dim_, attn + ".key", layer);
    const int v = linear(h, kv_dim_, attn + ".value", layer);
    int qh = append_op(g_, OpKind::kReshape, attn + ".query_heads", layer, {q}, {heads, tokens_, d});
    int kh = append_op(g_, OpKind::kReshape, attn + ".key_heads", layer, {k}, {kv, tokens_, d});
    const int vh = append_op(g_, OpKind::kReshape, attn + ".value_heads", layer, {v}, {kv, tokens_, d});
    if (s_.llama) {
      qh = rotary(qh, attn + ".query_rotary", layer);
      kh = rotary(kh, attn + ".key_rotary", layer);
    }
    int k_all = kh, v_all = vh;
    if (decode_) {
      // The KV cache: [kv, past, d] in DRAM from earlier steps; this token's rows are appended.
      const int k_cache = g_.add_tensor(attn + ".key_cache", {kv, past_, d});
      const int v_cache = g_.add_tensor(attn + ".value_cache", {kv, past_, d});
      g_.mark_input(k_cache);
      g_.mark_input(v_cache);
      OpAttrs app;
      app.axis = 1;
      app.append = true;
      k_all = append_op(g_, OpKind::kConcat, attn + ".key_cache_append", layer, {k_cache, kh}, {kv, keys, d},
                        app);
      v_all = append_op(g_, OpKind::kConcat, attn + ".value_cache_append", layer, {v_cache, vh},
                        {kv, keys, d}, app);
    } else {
      g_.mark_output(kh);  // the KV cache the decode steps read
      g_.mark_output(vh);
    }
    const int qg = group > 1 ? append_op(g_, OpKind::kReshape, attn + ".query_groups", layer, {qh},
                                         {kv, group * tokens_, d})
                             : qh;
    OpAttrs qk;
    qk.transpose_b = true;
    int scores =
        append_op(g_, OpKind::kMatMul, attn + ".scores", layer, {qg, k_all}, {kv, group * tokens_, keys}, qk);
    if (group > 1)
      scores =
          append_op(g_, OpKind::kReshape, attn + ".scores_heads", layer, {scores}, {heads, tokens_, keys});
    if (!decode_)
      scores =
          append_op(g_, OpKind::kCausalMask, attn + ".causal_mask", layer, {scores}, {heads, tokens_, keys});
    int probs = append_op(g_, OpKind::kSoftmax, attn + ".softmax", layer, {scores}, {heads, tokens_, keys});
    if (group > 1)
      probs = append_op(g_, OpKind::kReshape, attn + ".probs_groups", layer, {probs},
                        {kv, group * tokens_, keys});
    const int ctx =
        append_op(g_, OpKind::kMatMul, attn + ".context", layer, {probs, v_all}, {kv, group * tokens_, d});
    const int merged =
        append_op(g_, OpKind::kReshape, attn + ".context_merge", layer, {ctx}, {rows_, hidden_});
    const int o = linear(merged, hidden_, attn + ".output", layer);
    x = add(o, x, attn + ".residual", layer);

    const std::string mlp = layer + ".mlp";
    const int h2 = norm(x, layer + ".mlp_norm", layer);
    int act;
    if (s_.llama) {
      const int gate = linear(h2, ffn_, mlp + ".gate", layer);
      const int up = linear(h2, ffn_, mlp + ".up", layer);
      const int silu = append_op(g_, OpKind::kSilu, mlp + ".silu", layer, {gate}, g_.tensor(gate).shape);
      act = mul(silu, up, mlp + ".gate_mul", layer);
    } else {
      const int up = linear(h2, ffn_, mlp + ".up", layer);
      act = append_op(g_, OpKind::kGelu, mlp + ".gelu", layer, {up}, g_.tensor(up).shape);
    }
    const int down = linear(act, hidden_, mlp + ".down", layer);
    return add(down, x, mlp + ".residual", layer);
  }

  Spec s_;
  WorkloadOptions o_;
  Graph g_;
  int64_t hidden_ = 0, ffn_ = 0, head_dim_ = 0, kv_dim_ = 0, tokens_ = 0, past_ = 0;
  int64_t batch_ = 1, rows_ = 0;  // sequences, and their tokens' rows (batch_ * tokens_)
  int layers_ = 0;
  bool decode_ = false;
  int cos_ = -1, sin_ = -1;
};

}  // namespace

int rmsnorm(Graph& g, const std::string& name, const std::string& layer, int x, int gamma, double eps) {
  const Shape shape = g.tensor(x).shape;
  Shape row_shape = shape;
  row_shape.back() = 1;
  const int sq = append_op(g, OpKind::kMul, name + ".square", layer, {x, x}, shape);
  const int ms = append_op(g, OpKind::kReduceMean, name + ".mean_square", layer, {sq}, row_shape);
  OpAttrs plus_eps;
  plus_eps.shift = eps;
  const int var = append_op(g, OpKind::kAffine, name + ".add_eps", layer, {ms}, row_shape, plus_eps);
  const int rms = append_op(g, OpKind::kSqrt, name + ".sqrt", layer, {var}, row_shape);
  const int inv = append_op(g, OpKind::kReciprocal, name + ".reciprocal", layer, {rms}, row_shape);
  const int normed = append_op(g, OpKind::kMul, name + ".normalize", layer, {x, inv}, shape);
  return append_op(g, OpKind::kMul, name, layer, {normed, gamma}, shape);
}

int64_t decoder_max_positions(DecoderModel model) {
  return spec_of(model).positions;
}

int decoder_layers(DecoderModel model, double depth) {
  return scale_depth(spec_of(model).layers, depth);
}

Graph build_decoder(DecoderModel model, const WorkloadOptions& options) {
  const Spec spec = spec_of(model);
  const std::string where = "built-in workload " + spec.name;
  if (options.seq_len < 1 || options.seq_len > spec.positions) {
    throw InputError(
        where, "seq_len",
        "expected 1.." + std::to_string(spec.positions) + ", got " + std::to_string(options.seq_len));
  }
  if (options.phase == DecoderPhase::kDecode &&
      (options.past_tokens < 1 || options.past_tokens + 1 > spec.positions)) {
    throw InputError(where, "past_tokens",
                     "a decode step needs 1.." + std::to_string(spec.positions - 1) + " cached tokens, got " +
                         std::to_string(options.past_tokens));
  }
  detail::check_multiplier(options.width, where, "width");
  detail::check_multiplier(options.depth, where, "depth");
  return DecoderBuilder(spec, options).build();
}

}  // namespace nm::sw

namespace nm::sw {

Graph chain_graphs(const std::string& name, const std::vector<std::pair<std::string, Graph>>& parts) {
  Graph g(name);
  if (!parts.empty()) g.set_batch(parts.front().second.batch());  // the parts run one batch
  for (const auto& [prefix, part] : parts) {
    std::vector<int> id(part.tensors().size());
    for (const Tensor& t : part.tensors()) {
      id[static_cast<size_t>(t.id)] = g.add_tensor(prefix + t.name, t.shape, t.constant);
      if (t.nonzeros >= 0) g.set_nonzeros(id[static_cast<size_t>(t.id)], t.nonzeros);
      if (t.values) g.set_values(id[static_cast<size_t>(t.id)], t.values);
      if (!t.layout_perm.empty()) g.set_layout_perm(id[static_cast<size_t>(t.id)], t.layout_perm);
    }
    for (const Op& src : part.ops()) {
      Op op = src;
      op.name = prefix + op.name;
      op.layer = prefix + op.layer;
      for (int& in : op.inputs) in = id[static_cast<size_t>(in)];
      op.output = id[static_cast<size_t>(op.output)];
      g.add_op(std::move(op));
    }
    for (int in : part.inputs()) g.mark_input(id[static_cast<size_t>(in)]);
    for (int out : part.outputs()) g.mark_output(id[static_cast<size_t>(out)]);
  }
  return g;
}

}  // namespace nm::sw
