#pragma once
// Command-line options of nm_sim.
//
// Contract: parse_cli() never exits or prints; bad arguments throw
// nm::InputError("command line", "--flag", "expected ..."). `--set workload.seq_len=N` (and
// workload.width, workload.depth) sets the workload option as --seq-len (--width, --depth) does,
// the way nm_sweep's workload axes do; giving one option both ways is an error, and such a --set
// never reaches `overrides`.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nm::sw {

struct CliOptions {
  std::optional<std::string> config_path;
  std::string workload;
  std::vector<std::string> overrides;  // "key.path=value", in order
  std::optional<std::string> datatype;
  int64_t seq_len = 128;
  double width = 1.0;  // network width multiplier (rule in sw/graph/workloads.h)
  double depth = 1.0;  // network depth multiplier
  // How each was given ("--seq-len" or "--set workload.seq_len"), "" when not: the workload loader
  // rejects an option the workload does not read (WorkloadOptions::seq_len_given, ...).
  int64_t batch = 1;  // inferences per run (--batch)
  std::string seq_len_given, width_given, depth_given, batch_given;
  // Decoder LLMs (gpt2, gpt2_medium, llama2_7b, llama3_8b): which pass is simulated.
  // prefill (default): the seq_len-token prompt; decode: one step with seq_len tokens cached;
  // generate: prefill, then gen_tokens decode steps (the cache grows by one token per step).
  std::optional<std::string> phase;
  std::optional<int64_t> gen_tokens;       // generate only; default 128
  std::optional<int64_t> decode_samples;   // generate: decode steps simulated (>= 2, 0 = every one)
  std::optional<int64_t> simulate_layers;  // generate: layers simulated per pass (default 1, 0 = all)
  std::optional<std::string> json_path;
  std::optional<std::string> csv_path;
  std::optional<std::string> trace_path;  // timeline, Chrome trace-event JSON (sw/report/trace_json.h)
  // Functional mode: real tensors through the data path, errors against the fp32 reference.
  bool functional = false;
  std::optional<uint64_t> seed;             // weights and inputs (default 1)
  std::optional<uint32_t> samples;          // random inputs scored (default 1)
  std::optional<std::string> weights_path;  // nm_weights/1 JSON (default: random from the seed)
  std::optional<std::string> pwl_method;    // uniform (default) or elastic
  std::optional<std::string> inputs_path;   // .npy of real inputs (default: random from the seed)
  std::optional<std::string> labels_path;   // .npy of class labels: top-1 accuracy
  std::optional<std::string> outputs_path;  // .npy the data path's first output is written to
  std::optional<std::string> numerics;      // "datatype" (default) or "fp32" (PWL alone)
  bool table3 = false;  // the paper's Table 3: every Table 3 network, each in a child nm_sim
  bool list_workloads = false;
  bool verbose = false;
  bool help = false;
};

CliOptions parse_cli(const std::vector<std::string>& args);
const char* cli_usage();

}  // namespace nm::sw
