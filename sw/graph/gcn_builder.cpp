// L-layer GCN (Kipf & Welling) as a Graph: softmax(A_hat ... relu(A_hat X W1) ... W_L), on the
// Planetoid citation graphs Cora, CiteSeer and PubMed.
//
// A_hat = D^-1/2 (A + I) D^-1/2 is precomputed and stored dense as a constant, so it counts in
// parameter_count(); on Cora (2 layers): 23,063 learned parameters + 7,333,264 adjacency entries
// = 7,356,327. Dropout is training-only and omitted. The bias is applied in the X*W linear, before
// aggregation (Kipf/PyG add it after); the MACs and parameter count are the same.
//
// Sparse variants store A_hat as CSR with edges + self-loop entries (the graphs' published edge
// counts: PyTorch Geometric's Planetoid and Reddit statistics, both directions of each edge) and
// aggregate with sparse x dense kernels. Reddit (232,965 nodes, 602 features, 41 classes,
// Hamilton et al. 2017) exists only sparse: its dense A_hat would hold 5.4e10 entries.
#include <string>

#include "hw/core/input_error.h"
#include "sw/graph/builder_util.h"
#include "sw/graph/workload_yaml.h"
#include "sw/graph/workloads.h"

namespace nm::sw {
namespace {

using detail::append_linear;
using detail::append_op;

constexpr int64_t kHidden = 16;

struct Dataset {
  const char* name;
  int64_t nodes, features, classes;
  int64_t edges;  // directed adjacency entries, without self loops
};

Dataset dataset_of(GcnDataset dataset) {
  switch (dataset) {
    case GcnDataset::kCora:
      return {"cora", 2708, 1433, 7, 10556};
    case GcnDataset::kCiteseer:
      return {"citeseer", 3327, 3703, 6, 9104};
    case GcnDataset::kPubmed:
      return {"pubmed", 19717, 500, 3, 88648};
    case GcnDataset::kReddit:
      return {"reddit", 232965, 602, 41, 114615892};
  }
  throw InputError("built-in workload", "dataset", "unknown GCN dataset");
}

}  // namespace

Graph build_gcn(GcnDataset dataset, int layers, const WorkloadOptions& options, bool sparse) {
  const Dataset d = dataset_of(dataset);
  const std::string base = "gcn_" + std::string(d.name) + "_l" + std::to_string(layers) +
                           (sparse && dataset != GcnDataset::kReddit ? "_sparse" : "");
  const std::string where = "built-in workload " + base;
  if (layers < 1) throw InputError(where, "layers", "expected at least 1, got " + std::to_string(layers));
  detail::check_batch(base, options, where);
  if (dataset == GcnDataset::kReddit && !sparse)
    throw InputError(where, "adjacency", "Reddit exists only sparse");
  detail::check_multiplier(options.width, where, "width");
  detail::check_multiplier(options.depth, where, "depth");
  const int64_t hidden = scale_width(kHidden, options.width);
  const int count = scale_depth(layers, options.depth);

  Graph g(detail::scaled_name(base, options.width, options.depth));
  const int features = g.add_tensor("features", {d.nodes, d.features});
  g.mark_input(features);
  const int adjacency = g.add_tensor("adjacency", {1, d.nodes, d.nodes}, /*constant=*/true);
  if (sparse) g.set_nonzeros(adjacency, d.edges + d.nodes);  // + self loops

  // Transform first (X*W is [nodes, 16]) so the aggregation multiplies by a 16-wide operand rather
  // than a features-wide one. A_hat is operand a of each aggregation: matmul operand order is
  // semantic, so the constant comes first there. Every layer but the last ends in a ReLU.
  int x = features;
  for (int l = 1; l <= count; ++l) {
    const std::string layer = "gcn" + std::to_string(l);
    const int64_t out = l == count ? d.classes : hidden;
    // kLinear takes x[..., in], so after layer 1 the batched [1, nodes, h] feeds it directly.
    x = append_linear(g, layer + ".linear", layer, x, out);
    // The reshape adds the batch dim that kMatMul expects.
    if (l == 1) x = append_op(g, OpKind::kReshape, layer + ".batch", layer, {x}, {1, d.nodes, out});
    x = append_op(g, OpKind::kMatMul, layer + ".aggregate", layer, {adjacency, x}, {1, d.nodes, out});
    if (l < count) x = append_op(g, OpKind::kRelu, layer + ".relu", layer, {x}, {1, d.nodes, out});
  }
  x = append_op(g, OpKind::kSoftmax, "softmax", "classifier", {x}, {1, d.nodes, d.classes});
  g.mark_output(x);
  return g;
}

Graph build_gcn_cora() {
  // The original built-in `gcn`: gcn_cora_l2 under its historical graph name.
  return detail::renamed(build_gcn(GcnDataset::kCora, 2, WorkloadOptions{}), "gcn_cora");
}

}  // namespace nm::sw
