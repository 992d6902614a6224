// BERT-base (uncased geometry) with a 2-class sequence-classification head (SST-2) as a Graph.
//
// Parameter count: BertModel's 109,482,240 (embeddings incl. LayerNorm, 12 encoder layers, pooler)
// + 1,538 for the classifier = 109,483,778. Dropout is the identity at inference and is omitted.
#include <string>

#include "hw/core/input_error.h"
#include "sw/graph/builder_util.h"
#include "sw/graph/workloads.h"

namespace nm::sw {
namespace {

using detail::append_linear;
using detail::append_op;

constexpr int64_t kHidden = 768;
constexpr int64_t kHeads = 12;
constexpr int64_t kHeadDim = kHidden / kHeads;
constexpr int64_t kFfn = 3072;
constexpr int64_t kVocab = 30522;
constexpr int64_t kMaxPositions = 512;
constexpr int64_t kTokenTypes = 2;
constexpr int kLayers = 12;

int append_layernorm(Graph& g, const std::string& name, const std::string& layer, int x) {
  const Shape shape = g.tensor(x).shape;
  const int gamma = g.add_tensor(name + ".gamma", {shape.back()}, /*constant=*/true);
  const int beta = g.add_tensor(name + ".beta", {shape.back()}, /*constant=*/true);
  return append_op(g, OpKind::kLayerNorm, name, layer, {x, gamma, beta}, shape);
}

int append_add(Graph& g, const std::string& name, const std::string& layer, int a, int b) {
  return append_op(g, OpKind::kAdd, name, layer, {a, b}, g.tensor(a).shape);
}

int append_encoder_layer(Graph& g, int layer_index, int x, int64_t seq_len) {
  const std::string layer = "encoder." + std::to_string(layer_index);
  const std::string attn = layer + ".attention";
  const std::string ffn = layer + ".ffn";

  // The 1/sqrt(head_dim) score scale is folded into the query weights and bias offline, so no
  // scale op sits between the scores matmul and the softmax.
  const int q = append_linear(g, attn + ".query", layer, x, kHidden);
  const int k = append_linear(g, attn + ".key", layer, x, kHidden);
  const int v = append_linear(g, attn + ".value", layer, x, kHidden);
  // Head split [S, 768] -> [12, S, 64] is a strided view: address generation, no data moved.
  const Shape heads = {kHeads, seq_len, kHeadDim};
  const int qh = append_op(g, OpKind::kReshape, attn + ".query_heads", layer, {q}, heads);
  const int kh = append_op(g, OpKind::kReshape, attn + ".key_heads", layer, {k}, heads);
  const int vh = append_op(g, OpKind::kReshape, attn + ".value_heads", layer, {v}, heads);
  OpAttrs qk;
  qk.transpose_b = true;  // scores = Q K^T: K stays [12, S, 64], read transposed
  const int scores =
      append_op(g, OpKind::kMatMul, attn + ".scores", layer, {qh, kh}, {kHeads, seq_len, seq_len}, qk);
  const int probs =
      append_op(g, OpKind::kSoftmax, attn + ".softmax", layer, {scores}, {kHeads, seq_len, seq_len});
  const int ctx = append_op(g, OpKind::kMatMul, attn + ".context", layer, {probs, vh}, heads);
  const int merged =
      append_op(g, OpKind::kReshape, attn + ".context_merge", layer, {ctx}, {seq_len, kHidden});
  const int attn_out = append_linear(g, attn + ".output", layer, merged, kHidden);
  const int attn_sum = append_add(g, attn + ".add", layer, attn_out, x);
  const int attn_norm = append_layernorm(g, attn + ".layernorm", layer, attn_sum);

  const int up = append_linear(g, ffn + ".intermediate", layer, attn_norm, kFfn);
  const int act = append_op(g, OpKind::kGelu, ffn + ".gelu", layer, {up}, g.tensor(up).shape);
  const int down = append_linear(g, ffn + ".output", layer, act, kHidden);
  const int ffn_sum = append_add(g, ffn + ".add", layer, down, attn_norm);
  return append_layernorm(g, ffn + ".layernorm", layer, ffn_sum);
}

}  // namespace

Graph build_bert_base(int64_t seq_len) {
  if (seq_len < 1 || seq_len > kMaxPositions) {
    // Backstop: load_workload checks first and names the real source of the value.
    throw InputError("built-in workload bert_base", "seq_len",
                     "expected 1.." + std::to_string(kMaxPositions) +
                         " (BERT-base has 512 position embeddings), got " + std::to_string(seq_len));
  }
  Graph g("bert_base");
  const int ids = g.add_tensor("token_ids", {seq_len});
  g.mark_input(ids);

  // Embeddings. Only the word lookup has a run-time index tensor; position ids are 0..S-1 and
  // token-type ids are all 0 (single segment), so those lookups are pure address generation.
  const std::string emb = "embeddings";
  OpAttrs lookup;
  lookup.rows = seq_len;
  const int word_table = g.add_tensor(emb + ".word.weight", {kVocab, kHidden}, /*constant=*/true);
  const int pos_table = g.add_tensor(emb + ".position.weight", {kMaxPositions, kHidden}, /*constant=*/true);
  const int type_table = g.add_tensor(emb + ".token_type.weight", {kTokenTypes, kHidden}, /*constant=*/true);
  const Shape rows = {seq_len, kHidden};
  const int word = append_op(g, OpKind::kEmbedding, emb + ".word", emb, {ids, word_table}, rows, lookup);
  const int pos = append_op(g, OpKind::kEmbedding, emb + ".position", emb, {pos_table}, rows, lookup);
  const int type = append_op(g, OpKind::kEmbedding, emb + ".token_type", emb, {type_table}, rows, lookup);
  int x = append_add(g, emb + ".add_position", emb, word, pos);
  x = append_add(g, emb + ".add_token_type", emb, x, type);
  x = append_layernorm(g, emb + ".layernorm", emb, x);

  for (int i = 0; i < kLayers; ++i) x = append_encoder_layer(g, i, x, seq_len);

  // Pooler reads only the [CLS] row. Picking row 0 of [S, 768] is address generation (an offset
  // into the tensor), so it is modelled as a reshape-like view even though it drops S-1 rows.
  x = append_op(g, OpKind::kReshape, "pooler.cls_select", "pooler", {x}, {1, kHidden});
  x = append_linear(g, "pooler.dense", "pooler", x, kHidden);
  x = append_op(g, OpKind::kTanh, "pooler.tanh", "pooler", {x}, {1, kHidden});
  x = append_linear(g, "classifier", "classifier", x, 2);
  g.mark_output(x);
  return g;
}

}  // namespace nm::sw
