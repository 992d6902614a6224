#pragma once
// Built-in workloads and the workload loader.
//
// Contract: every builder returns a Graph whose ops are in topological order, batch 1, with
// every op of the real network present (nothing dropped). Names of ops are unique.
#include <string>
#include <vector>

#include "sw/graph/graph.h"

namespace nm::sw {

struct WorkloadOptions {
  int64_t seq_len = 128;  // bert_base: tokens per sequence
};

// torchvision ResNet-50 (v1.5: stride in the 3x3 conv), ImageNet 224x224x3, 1000 classes.
Graph build_resnet50();
// BERT-base (12 layers, hidden 768, 12 heads, FFN 3072, vocab 30522), embeddings + encoder +
// pooler + 2-class classifier head.
Graph build_bert_base(int64_t seq_len);
// 2-layer GCN on Cora: 2708 nodes, 1433 features, hidden 16, 7 classes; dense normalized adjacency.
Graph build_gcn_cora();

// Names accepted by load_workload without a path.
std::vector<std::string> builtin_workload_names();

// Loads a workload by built-in name, by name from workloads/NAME.yaml (searched in
// `workload_dirs`), or by path to a .yaml file. Throws nm::InputError naming the file/key.
Graph load_workload(const std::string& name_or_path, const WorkloadOptions& options,
                    const std::vector<std::string>& workload_dirs);

}  // namespace nm::sw
