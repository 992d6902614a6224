#pragma once
// Built-in workloads and the workload loader.
//
// Contract: every builder returns a Graph whose ops are in topological order, batch 1, with
// every op of the real network present (nothing dropped). Names of ops are unique.
//
// Width and depth multipliers (WorkloadOptions::width, ::depth) scale a network the same way in
// every family; 1.0 (the default) leaves every graph exactly as published. With round(v) = round
// half up, i.e. floor(v + 0.5), taken with a 1e-9 slack so 5 x 0.3 counts as 1.5:
//  - width: a size c becomes max(m, m * round(c * width / m)), where m = 8 for conv channels
//    (stem and every stage; the bottleneck's 4x expansion applies to the scaled width), FFN
//    sizes, ALBERT's embedding size and GCN's hidden size, and m = lcm(8, heads) for transformer
//    hidden sizes so the head count stays and hidden stays divisible by it (24 for 12 heads,
//    16 for 16 heads). Input sizes (image channels, vocabulary, node features) and class counts
//    never scale.
//  - depth: a count n becomes max(1, round(n * depth)), for ResNet blocks per stage, transformer
//    encoder layers (ALBERT: applications of its one shared layer) and GCN layers (the output
//    layer included). E.g. resnet50 at depth 0.5: [3,4,6,3] -> [2,2,3,2].
// Both must lie in (0, 64]. A scaled graph's name gets "_w<width>" / "_d<depth>" appended.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sw/graph/graph.h"

namespace nm::sw {

// Which forward pass of a decoder LLM a graph is (build_decoder).
enum class DecoderPhase { kPrefill, kDecode };

struct WorkloadOptions {
  // Transformers (bert_base, bert_large, distilbert, albert_base): 1..512 tokens. Decoders
  // (gpt2, gpt2_medium, llama2_7b, llama3_8b): prompt tokens, 1..the model's positions.
  int64_t seq_len = 128;
  // Decoders only: prefill (the prompt) or one decode step with past_tokens in the KV cache.
  DecoderPhase phase = DecoderPhase::kPrefill;
  int64_t past_tokens = 0;
  // Decoders only: build just the first N transformer layers (0: all). Every layer of a decoder
  // has the same shapes, so a generate run simulates one and scales it (llm_figures.h).
  int decoder_layers_built = 0;
  double width = 1.0;  // channel / hidden / FFN / GCN hidden multiplier (rule above)
  double depth = 1.0;  // blocks per stage / encoder layers / GCN layers multiplier (rule above)
  // Which options the user gave, as they spelled them ("--seq-len", "--set workload.seq_len");
  // "" = not given, the default applies. load_workload rejects a given option the workload does
  // not read (InputError("command line", <spelling>, ...)): seq_len on a network that is not a
  // transformer, any of the three on an explicit graph file (ops:), and one a parametric file
  // pins itself. Nothing an option says is ever silently ignored.
  std::string seq_len_given, width_given, depth_given;
  // Inferences per run (images, sequences): the ResNet families, the transformers, the decoder
  // LLMs (sequences decoded together) and ONNX models; 1..kMaxBatch. GCNs (one graph per run)
  // and explicit graph files reject it.
  int64_t batch = 1;
  std::string batch_given;
};

constexpr int64_t kMaxBatch = 4096;

// The rules above: `multiple` is m.
int64_t scale_width(int64_t size, double width, int64_t multiple = 8);
int scale_depth(int count, double depth);

// torchvision ResNet-50 v1.5 (stride in the 3x3 conv), ImageNet 224x224x3, 1000 classes.
Graph build_resnet50();
// BERT-base (12 layers, hidden 768, 12 heads, FFN 3072, vocab 30522), embeddings + encoder +
// pooler + 2-class classifier head.
Graph build_bert_base(int64_t seq_len);
// 2-layer GCN on Cora: 2708 nodes, 1433 features, hidden 16, 7 classes; dense normalized adjacency.
Graph build_gcn_cora();

// ResNet-18/34 (BasicBlock) and -50/101/152 (Bottleneck v1.5), BatchNorm folded into conv biases.
// ImageNet: 224x224, 7x7/2 stem + maxpool, 1000 classes. CIFAR-10: 32x32, 3x3/1 stem, no maxpool,
// 10 classes. build_resnet(50, kImageNet, {}) is build_resnet50().
enum class ResNetDataset { kImageNet, kCifar10 };
Graph build_resnet(int layers, ResNetDataset dataset, const WorkloadOptions& options);

// Sequence classifiers (2 classes) on options.seq_len tokens:
//  - kBertBase: as build_bert_base; kBertLarge: 24 layers, hidden 1024, 16 heads, FFN 4096.
//  - kDistilBert: 6 layers, hidden 768, 12 heads, FFN 3072, no token-type embedding, no pooler:
//    [CLS] -> pre_classifier linear + ReLU -> classifier (HF DistilBertForSequenceClassification).
//  - kAlbertBase: vocab 30000, embedding 128 projected to hidden 768, 12 heads, FFN 3072, and one
//    set of encoder weights applied 12 times (parameters counted once).
enum class TransformerModel { kBertBase, kBertLarge, kDistilBert, kAlbertBase };
Graph build_transformer(TransformerModel model, const WorkloadOptions& options);

// `layers`-layer GCN (hidden 16, dense normalized adjacency) on Cora (2708 nodes, 1433 features,
// 7 classes), CiteSeer (3327, 3703, 6) or PubMed (19717, 500, 3). options.depth scales `layers`.
enum class GcnDataset { kCora, kCiteseer, kPubmed, kReddit };
// `sparse` stores A_hat as CSR (edges + self loops) and aggregates with sparse x dense kernels
// that never touch a zero; Reddit exists only sparse (its dense A_hat has 5.4e10 entries).
Graph build_gcn(GcnDataset dataset, int layers, const WorkloadOptions& options, bool sparse = false);

// Decoder-only LLMs (sw/graph/decoder_builder.cpp documents geometry, parameter counts and what
// prefill and decode compute). Width scales hidden (a multiple of lcm(8, heads), Llama lcm(8,
// 2 x heads)) and FFN; depth scales layers.
enum class DecoderModel { kGpt2, kGpt2Medium, kLlama2_7b, kLlama3_8b };
Graph build_decoder(DecoderModel model, const WorkloadOptions& options);
int64_t decoder_max_positions(DecoderModel model);     // 1024, 1024, 4096, 8192
int decoder_layers(DecoderModel model, double depth);  // transformer layers at this depth
// RMSNorm of x over its last axis from primitives (mul, reduce_mean, affine, sqrt, reciprocal,
// mul, mul by gamma [last]); ops are named `name`.<step>, the last one `name`. Returns its output.
int rmsnorm(Graph& g, const std::string& name, const std::string& layer, int x, int gamma, double eps);

// Graphs run back to back as one (a generate run: prefill, then decode steps): every tensor,
// op and layer name gets its part's prefix; inputs, outputs and constants' values are kept.
Graph chain_graphs(const std::string& name, const std::vector<std::pair<std::string, Graph>>& parts);

// Names accepted by load_workload without a path: resnet50, bert_base, gcn first, then
// resnet{18,34,101,152}, resnet{18,34,50,101,152}_cifar10, bert_large, distilbert, albert_base,
// gcn_{cora,citeseer,pubmed}_l{1,2,3,6,9}. `gcn` is gcn_cora_l2's graph under the name gcn_cora.
std::vector<std::string> builtin_workload_names();
bool is_builtin_workload(const std::string& name);
// True for the decoder LLMs (gpt2, gpt2_medium, llama2_7b, llama3_8b): they take --phase.
bool is_decoder_workload(const std::string& name);
int64_t decoder_positions(const std::string& name);              // a decoder's positions; 0 for others
int decoder_layer_count(const std::string& name, double depth);  // its layers at `depth`; 0 for others
// Builds a built-in by name with `options`. Throws nm::InputError for an unknown name or an option
// out of range.
Graph build_builtin_workload(const std::string& name, const WorkloadOptions& options);

// Loads a workload by built-in name, by name from workloads/NAME.yaml (searched in
// `workload_dirs`), or by path to a .yaml file. Throws nm::InputError naming the file/key.
Graph load_workload(const std::string& name_or_path, const WorkloadOptions& options,
                    const std::vector<std::string>& workload_dirs);

}  // namespace nm::sw
