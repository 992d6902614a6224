// 2-layer GCN (Kipf & Welling) on Cora as a Graph: softmax(A_hat relu(A_hat X W1) W2).
//
// A_hat = D^-1/2 (A + I) D^-1/2 is precomputed and stored dense as a constant, so it counts in
// parameter_count(): 23,063 learned parameters + 7,333,264 adjacency entries = 7,356,327.
// Dropout is training-only and omitted. The bias is applied in the X*W linear, before
// aggregation (Kipf/PyG add it after); the MACs and parameter count are the same.
#include "sw/graph/builder_util.h"
#include "sw/graph/workloads.h"

namespace nm::sw {
namespace {

using detail::append_linear;
using detail::append_op;

constexpr int64_t kNodes = 2708;
constexpr int64_t kFeatures = 1433;
constexpr int64_t kHidden = 16;
constexpr int64_t kClasses = 7;

}  // namespace

Graph build_gcn_cora() {
  Graph g("gcn_cora");
  const int features = g.add_tensor("features", {kNodes, kFeatures});
  g.mark_input(features);
  const int adjacency = g.add_tensor("adjacency", {1, kNodes, kNodes}, /*constant=*/true);

  // Transform first (X*W is [2708, 16]) so the aggregation multiplies by a 16-wide operand rather
  // than a 1433-wide one. The reshape adds the batch dim that kMatMul expects. A_hat is operand a
  // of each aggregation: matmul operand order is semantic, so the constant comes first there.
  int x = append_linear(g, "gcn1.linear", "gcn1", features, kHidden);
  x = append_op(g, OpKind::kReshape, "gcn1.batch", "gcn1", {x}, {1, kNodes, kHidden});
  x = append_op(g, OpKind::kMatMul, "gcn1.aggregate", "gcn1", {adjacency, x}, {1, kNodes, kHidden});
  x = append_op(g, OpKind::kRelu, "gcn1.relu", "gcn1", {x}, {1, kNodes, kHidden});

  // kLinear takes x[..., in], so the batched [1, 2708, 16] feeds it directly.
  x = append_linear(g, "gcn2.linear", "gcn2", x, kClasses);
  x = append_op(g, OpKind::kMatMul, "gcn2.aggregate", "gcn2", {adjacency, x}, {1, kNodes, kClasses});
  x = append_op(g, OpKind::kSoftmax, "softmax", "classifier", {x}, {1, kNodes, kClasses});
  g.mark_output(x);
  return g;
}

}  // namespace nm::sw
