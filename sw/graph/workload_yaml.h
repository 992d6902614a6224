#pragma once
// Workload YAML loader, internal to sw/graph: callers use load_workload() in workloads.h.
// The file format is documented at the top of workload_yaml.cpp and in workloads/README.md.
#include <cstdint>
#include <string>
#include <vector>

#include "sw/graph/workloads.h"

namespace nm::sw::detail {

// Loads one workload file. Throws nm::InputError(path, key, ...) for any problem in it.
Graph load_workload_yaml(const std::string& path, const WorkloadOptions& options);

// The BERT family has 512 position embeddings, the decoders their own `positions`. Throws
// nm::InputError(where, key, ...) when seq_len is outside 1..positions; `model` names the network.
void check_bert_seq_len(int64_t seq_len, const std::string& where, const std::string& key,
                        const std::string& model = "BERT-base", int64_t positions = 512);
// The positions of a built-in that reads seq_len (512 for the BERT family).
int64_t seq_len_limit(const std::string& builtin_name);

// Display name ("BERT-large", ...) of a built-in workload that reads seq_len; "" for the others.
std::string seq_len_model(const std::string& builtin_name);

// Up to `max_count` of `candidates` within a typo's edit distance of `given` (case-insensitive
// Levenshtein, at most max(2, a third of the longer name), and at most one more than the closest
// candidate's), closest first, ties in list order.
std::vector<std::string> closest_names(const std::string& given, const std::vector<std::string>& candidates,
                                       size_t max_count);
// "did you mean a, b or c?" with closest_names(given, candidates, 3); "" when none is close.
std::string did_you_mean(const std::string& given, const std::vector<std::string>& candidates);

// "bert_base, bert_large, distilbert and albert_base": the built-ins that read seq_len.
std::string transformer_names();

// Throws InputError("command line", options.seq_len_given, ...) when seq_len was given: for a
// workload (`workload` names it in the message) that has no sequence length.
void reject_seq_len(const std::string& workload, const WorkloadOptions& options);

// Checks the options built-in `name` reads (seq_len for transformers, width, depth); throws
// nm::InputError(where, <option>, ...), and rejects a given seq_len `name` does not read.
void check_builtin_options(const std::string& name, const WorkloadOptions& options, const std::string& where);

// Throws nm::InputError when options.batch is out of range or given for `workload` that takes
// none (a GCN: names starting with "gcn").
void check_batch(const std::string& workload, const WorkloadOptions& options, const std::string& where);

}  // namespace nm::sw::detail
