#pragma once
// Weights and inputs for functional execution: random from a seed, or real ones from a file.
//
// Random weights (random_weights): every constant tensor of the graph, each from its own stream
// Rng(seed_for(seed, tensor name)) (sw/functional/random.h: mt19937_64 + portable Box-Muller), so
// values are bit-identical across runs and platforms. A tensor's role comes from the first op that
// reads it and the input position there (graph.h):
//  - conv2d weight (input 1) and linear weight (input 1), and a constant matmul operand b:
//    in a graph with a layernorm (a transformer: the BERT family, GPT, ViT) N(0, 0.02^2), BERT's
//    initializer_range, as BERT, GPT-2 and ViT initialise (layernorm renormalizes each layer, and
//    He-normal there made any perturbation grow about 1.4x per layer: int8 BERT-base's last-layer
//    cosine was 0.455); otherwise He-normal
//    N(0, 2 / fan_in), fan_in = KH*KW*Cin/groups, in, or K, so activations keep their
//    scale through ReLU stacks. Three adjustments keep activations O(1) where He alone does
//    not (measured: resnet50's final activations reach rms ~1100 without the first):
//    * residual branches nothing renormalizes: the weight of the conv/linear whose output
//      (through reshapes) is input 0 of an add that no layernorm reads (the builders put the
//      branch first, the shortcut second) gets std / sqrt(B), B = the number of such adds, so
//      the B branch variances sum to about one input variance (the idea of Fixup / zero-init
//      residual BN). ResNets: the last conv of each block; BERT's adds all feed a layernorm.
//    * the attention query: a weight whose output (through reshapes) is operand a of a matmul
//      feeding a softmax gets std / sqrt(K) of that matmul, and so does its bias: the
//      1/sqrt(head_dim) score scale that bert_builder folds into the query weights.
//    * GCN: the linear reading the node features (a graph input, in a graph with an adjacency)
//      counts fan_in as the expected non-zero inputs, in * 0.01 (the features are 0/1 at 1%).
//  - biases (conv/linear input 2): N(0, 0.01^2), small but not zero so bias paths are exercised.
//  - layernorm gamma (input 1) = 1, beta (input 2) = 0.
//  - embedding tables: N(0, 0.02^2) (BERT's initializer_range).
//  - graph adjacency (a constant square [.., n, n] matmul operand a, or any sparse constant):
//    A_hat = D^-1/2 (A + I)
//    D^-1/2 of a random undirected graph, uniform over graphs with E/2 distinct edges (no self
//    loops), E = Tensor::nonzeros - nodes for sparse tensors, else the dataset's directed edge
//    count from gcn_builder.cpp looked up by node count (Cora 10556, CiteSeer 9104, PubMed 88648,
//    Reddit 114615892), else 4 per node. The graph is a dataset, not a parameter: it uses the fixed
//    seed kGraphSeed whatever `seed` is, so the dense and _sparse variants of a workload share it.
//    Sparse tensors are stored as CSR, dense ones as dense [1, n, n].
//  - anything else: N(0, 0.02^2).
//
// Random inputs (random_inputs), per graph input, from seed_for(seed, name):
//  - token ids (the ids input of an embedding): uniform over [0, V), V = the table's rows.
//  - GCN node features (any other input of a graph with an adjacency): 0/1, each entry 1 with
//    probability 0.01; stored as CSR when the adjacency is sparse (Reddit's features would be
//    140 M floats dense), dense otherwise.
//  - anything else (images, tiny_mlp's x): N(0, 1).
//
// Weight file format "nm_weights/1": a JSON index next to a raw little-endian blob.
//
//   model.json
//   {
//     "format": "nm_weights/1",
//     "graph": "resnet50",              (optional, informational)
//     "data": "model.bin",              (optional: the blob, relative to the JSON's directory;
//                                        default: the JSON path with its extension replaced by .bin)
//     "tensors": [
//       {"name": "conv1.weight", "shape": [7, 7, 3, 64], "dtype": "float32", "offset": 0, "bytes": 37632},
//       {"name": "adjacency", "shape": [1, 2708, 2708], "dtype": "float32", "layout": "csr",
//        "nonzeros": 13264, "offset": 37632, "bytes": 127832},
//       ...
//     ]
//   }
//
//  - name: the Graph tensor name (matched exactly); shape: must equal the graph's shape.
//  - dtype: "float32" only. offset, bytes: the tensor's byte range in the blob.
//  - layout "dense" (the default): element_count(shape) float32 values, row-major in the IR's
//    layouts: conv weights [KH, KW, Cin/groups, Cout], linear weights [in, out] (PyTorch stores
//    [out, in] and [Cout, Cin, KH, KW]: transpose when exporting), BatchNorm folded into conv bias,
//    bytes = 4 * elements.
//  - layout "csr": rows = product of all dims but the last, cols = the last dim; the byte range
//    holds row_ptr (rows + 1 int64), then col (nonzeros int32, strictly increasing within a row),
//    then val (nonzeros float32), bytes = 8 * (rows + 1) + 8 * nonzeros.
//  - Either layout loads into either kind of tensor: a csr entry for a dense tensor is expanded, a
//    dense entry for a sparse tensor (Tensor::nonzeros >= 0) is compressed. The number of stored
//    entries need not equal Tensor::nonzeros (the cost model's figure).
//  - Every constant tensor of the graph must be present; entries naming no constant are ignored
//    (a file may hold more than one graph needs). Values must be finite.
// load_weights throws nm::InputError(file, key, what) naming the JSON or blob file, the entry
// (e.g. "tensors[3].shape") and the tensor on any problem: unreadable file, invalid JSON
// (key "line:column"), wrong format, missing or mistyped field, shape mismatch, missing tensor,
// byte range outside the blob, malformed CSR, non-finite value.
#include <cstdint>
#include <string>

#include "sw/functional/tensor_data.h"
#include "sw/graph/graph.h"

namespace nm::sw {

// The adjacency's seed: fixed, so a workload's graph does not change with --seed.
constexpr uint64_t kGraphSeed = 0x6e6d5f6772617068ULL;  // "nm_graph"

TensorMap random_weights(const Graph& graph, uint64_t seed);
TensorMap random_inputs(const Graph& graph, uint64_t seed);

// Every constant tensor of `graph`, read from `path_json` and its blob (format above).
TensorMap load_weights(const std::string& path_json, const Graph& graph);

// True when some constant of the graph carries its own values (Tensor::values: an imported
// model's initializers). embedded_weights() returns every constant's values; a constant
// without them is an error (std::logic_error: an importer bug, never the user's input).
bool has_embedded_weights(const Graph& graph);
TensorMap embedded_weights(const Graph& graph);
// Writes every constant tensor of `graph` from `tensors` (sparse ones as csr) to `path_json` and
// the blob next to it (same path, extension .bin), each through a temporary file and a rename.
// Throws nm::InputError if a file cannot be written, std::invalid_argument if `tensors` lacks a
// constant or holds one of the wrong shape.
void save_weights(const std::string& path_json, const Graph& graph, const TensorMap& tensors);

}  // namespace nm::sw
