// BERT-family sequence classifiers (2 classes, e.g. SST-2) as Graphs: BERT-base and -large,
// DistilBERT and ALBERT-base.
//
// Parameter counts (HuggingFace geometry; each + its classifier head):
//  - BERT-base: BertModel's 109,482,240 (embeddings incl. LayerNorm, 12 encoder layers, pooler)
//    + 1,538 for the classifier = 109,483,778.
//  - BERT-large: BertModel's 335,141,888 + 2,050 = 335,143,938.
//  - DistilBERT: DistilBertModel's 66,362,880 + pre_classifier 590,592 + classifier 1,538
//    = 66,955,010.
//  - ALBERT-base: AlbertModel's 11,683,584 (one shared encoder layer) + 1,538 = 11,685,122.
// Dropout is the identity at inference and is omitted.
#include <numeric>
#include <string>

#include "hw/core/input_error.h"
#include "sw/graph/builder_util.h"
#include "sw/graph/workloads.h"

namespace nm::sw {
namespace {

using detail::append_linear;
using detail::append_linear_with;
using detail::append_op;

constexpr int64_t kMaxPositions = 512;  // every model here has 512 position embeddings
constexpr int64_t kClasses = 2;

struct Spec {
  std::string name;     // workload / graph name
  std::string display;  // for error messages
  int layers;
  int64_t hidden, heads, ffn, vocab;
  int64_t token_types;  // 0: no token-type embedding (DistilBERT)
  int64_t embedding;    // embedding size; != hidden: projected to hidden by a linear (ALBERT)
  bool shared_layers;   // one set of encoder weights used by every layer (ALBERT)
  bool pooler;          // tanh pooler (BERT, ALBERT), else ReLU pre-classifier (DistilBERT)
};

Spec spec_of(TransformerModel model) {
  switch (model) {
    case TransformerModel::kBertBase:
      return {"bert_base", "BERT-base", 12, 768, 12, 3072, 30522, 2, 768, false, true};
    case TransformerModel::kBertLarge:
      return {"bert_large", "BERT-large", 24, 1024, 16, 4096, 30522, 2, 1024, false, true};
    case TransformerModel::kDistilBert:
      return {"distilbert", "DistilBERT", 6, 768, 12, 3072, 30522, 0, 768, false, false};
    case TransformerModel::kAlbertBase:
      return {"albert_base", "ALBERT-base", 12, 768, 12, 3072, 30000, 2, 128, true, true};
  }
  throw InputError("built-in workload", "model", "unknown transformer model");
}

// Parameters of one encoder layer; -1 when each layer creates its own (named after the layer).
struct LayerParams {
  int query_w = -1, query_b = -1, key_w = -1, key_b = -1, value_w = -1, value_b = -1;
  int attn_out_w = -1, attn_out_b = -1, attn_ln_gamma = -1, attn_ln_beta = -1;
  int up_w = -1, up_b = -1, down_w = -1, down_b = -1, ffn_ln_gamma = -1, ffn_ln_beta = -1;
};

// ALBERT's one set of encoder weights, in HuggingFace's order.
LayerParams add_shared_params(Graph& g, const std::string& prefix, int64_t hidden, int64_t ffn) {
  auto param = [&](const std::string& name, Shape shape) { return g.add_tensor(prefix + name, shape, true); };
  LayerParams p;
  p.query_w = param(".attention.query.weight", {hidden, hidden});
  p.query_b = param(".attention.query.bias", {hidden});
  p.key_w = param(".attention.key.weight", {hidden, hidden});
  p.key_b = param(".attention.key.bias", {hidden});
  p.value_w = param(".attention.value.weight", {hidden, hidden});
  p.value_b = param(".attention.value.bias", {hidden});
  p.attn_out_w = param(".attention.output.weight", {hidden, hidden});
  p.attn_out_b = param(".attention.output.bias", {hidden});
  p.attn_ln_gamma = param(".attention.layernorm.gamma", {hidden});
  p.attn_ln_beta = param(".attention.layernorm.beta", {hidden});
  p.up_w = param(".ffn.intermediate.weight", {hidden, ffn});
  p.up_b = param(".ffn.intermediate.bias", {ffn});
  p.down_w = param(".ffn.output.weight", {ffn, hidden});
  p.down_b = param(".ffn.output.bias", {hidden});
  p.ffn_ln_gamma = param(".ffn.layernorm.gamma", {hidden});
  p.ffn_ln_beta = param(".ffn.layernorm.beta", {hidden});
  return p;
}

// Linear with its own weights (w < 0) or with the given shared ones.
int linear(Graph& g, const std::string& name, const std::string& layer, int x, int64_t out, int w, int b) {
  return w < 0 ? append_linear(g, name, layer, x, out) : append_linear_with(g, name, layer, x, w, b);
}

int append_layernorm(Graph& g, const std::string& name, const std::string& layer, int x, int gamma = -1,
                     int beta = -1) {
  const Shape shape = g.tensor(x).shape;
  if (gamma < 0) {
    gamma = g.add_tensor(name + ".gamma", {shape.back()}, /*constant=*/true);
    beta = g.add_tensor(name + ".beta", {shape.back()}, /*constant=*/true);
  }
  return append_op(g, OpKind::kLayerNorm, name, layer, {x, gamma, beta}, shape);
}

int append_add(Graph& g, const std::string& name, const std::string& layer, int a, int b) {
  return append_op(g, OpKind::kAdd, name, layer, {a, b}, g.tensor(a).shape);
}

// `batch` sequences of `seq_len` tokens: activations are [batch * seq_len, hidden], attention
// runs per (sequence, head).
int append_encoder_layer(Graph& g, int layer_index, int x, int64_t batch, int64_t seq_len, int64_t hidden,
                         int64_t heads, int64_t ffn_size, const LayerParams& p) {
  const std::string layer = "encoder." + std::to_string(layer_index);
  const std::string attn = layer + ".attention";
  const std::string ffn = layer + ".ffn";
  const int64_t head_dim = hidden / heads;

  // The 1/sqrt(head_dim) score scale is folded into the query weights and bias offline, so no
  // scale op sits between the scores matmul and the softmax.
  const int q = linear(g, attn + ".query", layer, x, hidden, p.query_w, p.query_b);
  const int k = linear(g, attn + ".key", layer, x, hidden, p.key_w, p.key_b);
  const int v = linear(g, attn + ".value", layer, x, hidden, p.value_w, p.value_b);
  // Head split [S, H] -> [heads, S, H/heads] is a strided view: address generation, no data moved.
  const Shape split = {batch * heads, seq_len, head_dim};
  const int qh = append_op(g, OpKind::kReshape, attn + ".query_heads", layer, {q}, split);
  const int kh = append_op(g, OpKind::kReshape, attn + ".key_heads", layer, {k}, split);
  const int vh = append_op(g, OpKind::kReshape, attn + ".value_heads", layer, {v}, split);
  OpAttrs qk;
  qk.transpose_b = true;  // scores = Q K^T: K stays [heads, S, d], read transposed
  const int scores =
      append_op(g, OpKind::kMatMul, attn + ".scores", layer, {qh, kh}, {batch * heads, seq_len, seq_len}, qk);
  const int probs =
      append_op(g, OpKind::kSoftmax, attn + ".softmax", layer, {scores}, {batch * heads, seq_len, seq_len});
  const int ctx = append_op(g, OpKind::kMatMul, attn + ".context", layer, {probs, vh}, split);
  const int merged =
      append_op(g, OpKind::kReshape, attn + ".context_merge", layer, {ctx}, {batch * seq_len, hidden});
  const int attn_out = linear(g, attn + ".output", layer, merged, hidden, p.attn_out_w, p.attn_out_b);
  const int attn_sum = append_add(g, attn + ".add", layer, attn_out, x);
  const int attn_norm =
      append_layernorm(g, attn + ".layernorm", layer, attn_sum, p.attn_ln_gamma, p.attn_ln_beta);

  const int up = linear(g, ffn + ".intermediate", layer, attn_norm, ffn_size, p.up_w, p.up_b);
  const int act = append_op(g, OpKind::kGelu, ffn + ".gelu", layer, {up}, g.tensor(up).shape);
  const int down = linear(g, ffn + ".output", layer, act, hidden, p.down_w, p.down_b);
  const int ffn_sum = append_add(g, ffn + ".add", layer, down, attn_norm);
  return append_layernorm(g, ffn + ".layernorm", layer, ffn_sum, p.ffn_ln_gamma, p.ffn_ln_beta);
}

}  // namespace

Graph build_transformer(TransformerModel model, const WorkloadOptions& options) {
  const Spec spec = spec_of(model);
  const std::string where = "built-in workload " + spec.name;
  const int64_t seq_len = options.seq_len;
  if (seq_len < 1 || seq_len > kMaxPositions) {
    // Backstop: load_workload checks first and names the real source of the value.
    throw InputError(where, "seq_len",
                     "expected 1.." + std::to_string(kMaxPositions) + " (" + spec.display +
                         " has 512 position embeddings), got " + std::to_string(seq_len));
  }
  detail::check_multiplier(options.width, where, "width");
  detail::check_multiplier(options.depth, where, "depth");
  // Hidden stays a multiple of the (unscaled) head count: see the rule in workloads.h.
  const int64_t hidden = scale_width(spec.hidden, options.width, std::lcm(int64_t{8}, spec.heads));
  const int64_t ffn = scale_width(spec.ffn, options.width);
  const bool factorized = spec.embedding != spec.hidden;
  const int64_t embedding = factorized ? scale_width(spec.embedding, options.width) : hidden;
  const int layers = scale_depth(spec.layers, options.depth);

  Graph g(detail::scaled_name(spec.name, options.width, options.depth));
  const int64_t batch = options.batch;
  const int64_t tokens = batch * seq_len;
  g.set_batch(batch);
  const int ids = g.add_tensor("token_ids", {tokens});
  g.mark_input(ids);

  // Embeddings. Only the word lookup has a run-time index tensor; position ids are 0..S-1 and
  // token-type ids are all 0 (single segment), so those lookups are pure address generation.
  const std::string emb = "embeddings";
  OpAttrs lookup;
  lookup.rows = tokens;
  const int word_table = g.add_tensor(emb + ".word.weight", {spec.vocab, embedding}, /*constant=*/true);
  const int pos_table = g.add_tensor(emb + ".position.weight", {kMaxPositions, embedding}, /*constant=*/true);
  const int type_table = spec.token_types > 0 ? g.add_tensor(emb + ".token_type.weight",
                                                             {spec.token_types, embedding}, /*constant=*/true)
                                              : -1;
  const Shape rows = {tokens, embedding};
  const int word = append_op(g, OpKind::kEmbedding, emb + ".word", emb, {ids, word_table}, rows, lookup);
  const int pos = append_op(g, OpKind::kEmbedding, emb + ".position", emb, {pos_table}, rows, lookup);
  const int type =
      type_table >= 0 ? append_op(g, OpKind::kEmbedding, emb + ".token_type", emb, {type_table}, rows, lookup)
                      : -1;
  int x = append_add(g, emb + ".add_position", emb, word, pos);
  if (type >= 0) x = append_add(g, emb + ".add_token_type", emb, x, type);
  x = append_layernorm(g, emb + ".layernorm", emb, x);
  // ALBERT's factorized embedding (HF: encoder.embedding_hidden_mapping_in).
  if (factorized) x = append_linear(g, emb + ".projection", emb, x, hidden);

  LayerParams shared;
  if (spec.shared_layers) shared = add_shared_params(g, "encoder.shared", hidden, ffn);
  for (int i = 0; i < layers; ++i) {
    x = append_encoder_layer(g, i, x, batch, seq_len, hidden, spec.heads, ffn, shared);
  }

  // The head reads only the [CLS] row. Picking row 0 of [S, H] is address generation (an offset
  // into the tensor), so it is modelled as a reshape-like view even though it drops S-1 rows.
  // A batch's [CLS] rows are every seq_len-th row: a strided slice of [batch, S, H] (a data move).
  const std::string head = spec.pooler ? "pooler" : "pre_classifier";
  if (batch == 1) {
    x = append_op(g, OpKind::kReshape, head + ".cls_select", head, {x}, {1, hidden});
  } else {
    x = append_op(g, OpKind::kReshape, head + ".sequences", head, {x}, {batch, seq_len, hidden});
    OpAttrs first;
    first.axis = 1;
    x = append_op(g, OpKind::kSlice, head + ".cls_select", head, {x}, {batch, 1, hidden}, first);
    x = append_op(g, OpKind::kReshape, head + ".cls_rows", head, {x}, {batch, hidden});
  }
  if (spec.pooler) {
    x = append_linear(g, "pooler.dense", "pooler", x, hidden);
    x = append_op(g, OpKind::kTanh, "pooler.tanh", "pooler", {x}, {batch, hidden});
  } else {
    x = append_linear(g, "pre_classifier", "pre_classifier", x, hidden);
    x = append_op(g, OpKind::kRelu, "pre_classifier.relu", "pre_classifier", {x}, {batch, hidden});
  }
  x = append_linear(g, "classifier", "classifier", x, kClasses);
  g.mark_output(x);
  return g;
}

Graph build_bert_base(int64_t seq_len) {
  WorkloadOptions options;
  options.seq_len = seq_len;
  return build_transformer(TransformerModel::kBertBase, options);
}

}  // namespace nm::sw
