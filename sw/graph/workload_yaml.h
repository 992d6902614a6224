#pragma once
// Workload YAML loader, internal to sw/graph: callers use load_workload() in workloads.h.
// The file format is documented at the top of workload_yaml.cpp and in workloads/README.md.
#include <cstdint>
#include <string>

#include "sw/graph/workloads.h"

namespace nm::sw::detail {

// Loads one workload file. Throws nm::InputError(path, key, ...) for any problem in it.
Graph load_workload_yaml(const std::string& path, const WorkloadOptions& options);

// BERT-base has 512 position embeddings. Throws nm::InputError(where, key, ...) when
// seq_len is outside 1..512.
void check_bert_seq_len(int64_t seq_len, const std::string& where, const std::string& key);

}  // namespace nm::sw::detail
