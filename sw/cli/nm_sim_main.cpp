// nm_sim: parse, load, lower, simulate, report. Errors in the user's input print one line
// "error: ..." and exit 2; output files are written only after a successful run.
#include <malloc.h>
#include <algorithm>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <systemc>
#include <tuple>

#include <fmt/format.h>

#include "hw/core/input_error.h"
#include "sw/cli/cli_options.h"
#include "sw/cli/guarded_main.h"
#include "sw/config/config_loader.h"
#include "sw/config/reference_data.h"
#include "sw/graph/workloads.h"
#include "sw/lowering/fusion.h"
#include "sw/lowering/kernel_program.h"
#include "sw/lowering/row_blocking.h"
#include "sw/lowering/scheduling.h"
#include "sw/proc/output_file.h"
#include "sw/proc/subprocess.h"
#include "sw/report/llm_figures.h"
#include "sw/report/report.h"
#include "sw/report/table3.h"
#include "sw/report/trace_json.h"
#include "sw/runtime/simulator.h"

namespace {

std::vector<std::string> workload_dirs() {
  return {"workloads", std::string(NM_SOURCE_DIR) + "/workloads"};
}

void list_workloads() {
  std::cout << "built-in:";
  for (const std::string& name : nm::sw::builtin_workload_names()) std::cout << " " << name;
  std::cout << "\n";
  for (const std::string& dir : workload_dirs()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) continue;
    std::cout << dir << ":";
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".yaml") std::cout << " " << entry.path().stem().string();
    }
    std::cout << "\n";
    break;
  }
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A private directory for the children's JSON and stderr, removed however the run ends.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "nm_sim_table3_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("cannot create a directory in " + pattern);
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// What the simulated row ran with, for the table's heading.
std::string table3_label(const nm::sw::CliOptions& options, const nlohmann::json& config) {
  std::string label =
      options.config_path ? *options.config_path : "built-in default config (configs/pe1024.yaml)";
  label += ", " + config.at("datatype").get<std::string>();
  for (const std::string& assignment : options.overrides) label += ", --set " + assignment;
  label += ", BERT sequence length " + std::to_string(options.seq_len);
  return label;
}

// SystemC elaborates once per process, so each network runs in a child nm_sim with the same
// config arguments; the three run in parallel.
int run_table3(const nm::sw::CliOptions& options) {
  using namespace nm::sw;
  const ReferenceTable reference = load_reference_table();
  const ScratchDir scratch;
  std::vector<std::string> common;
  if (options.config_path) common.insert(common.end(), {"--config", *options.config_path});
  for (const std::string& assignment : options.overrides) common.insert(common.end(), {"--set", assignment});
  if (options.datatype) common.insert(common.end(), {"--datatype", *options.datatype});

  constexpr size_t kRuns = kTable3Workloads.size();
  auto json_path = [&](size_t w) { return scratch.path() / (std::string(kTable3Workloads[w]) + ".json"); };
  auto stderr_path = [&](size_t w) {
    return scratch.path() / (std::string(kTable3Workloads[w]) + ".stderr");
  };
  std::vector<ProcessJob> jobs;
  for (size_t w = 0; w < kRuns; ++w) {
    ProcessJob job;
    job.argv = {self_directory() + "/nm_sim", "--workload", kTable3Workloads[w], "--json",
                json_path(w).string()};
    job.argv.insert(job.argv.end(), common.begin(), common.end());
    // Only the transformer reads a sequence length; the others reject one.
    if (std::string(kTable3Workloads[w]) == "bert_base")
      job.argv.insert(job.argv.end(), {"--seq-len", std::to_string(options.seq_len)});
    job.stderr_path = stderr_path(w).string();
    jobs.push_back(std::move(job));
  }
  std::array<int, kRuns> status{};
  run_jobs(jobs, kRuns, [&](size_t w, int exit_status) { status[w] = exit_status; });

  // A failing child already printed its one error line (to its stderr file): pass the first on
  // and exit with its status, so a bad config gives one line, not one per network.
  for (size_t w = 0; w < kRuns; ++w) {
    if (status[w] == 0) continue;
    const std::string err = read_text(stderr_path(w));
    if (status[w] == 2) {
      std::cerr << err;
      return 2;
    }
    std::cerr << (err.empty() ? "internal error: nm_sim --workload " + std::string(kTable3Workloads[w]) +
                                    " exited with status " + std::to_string(status[w]) + "\n"
                              : err);
    return 3;
  }
  for (size_t w = 0; w < kRuns; ++w) std::cerr << read_text(stderr_path(w));

  SimulatedRuns runs;
  nlohmann::json config;
  for (size_t w = 0; w < kRuns; ++w) {
    const nlohmann::json j = nlohmann::json::parse(read_text(json_path(w)));
    runs[w] = {j.at("latency_s").get<double>(), j.at("throughput_per_s").get<double>(),
               j.at("power_w").get<double>(), j.at("throughput_per_watt").get<double>()};
    if (w == 0) config = j.at("config");
  }
  const int node = static_cast<int>(config.at("energy").at("technology_nm").get<double>());
  std::cout << table3_text(reference, runs, table3_label(options, config), node);
  if (options.json_path) {
    write_file_atomically(*options.json_path, table3_json(reference, runs, config).dump(2) + "\n");
  }
  return 0;
}

int run(const std::vector<std::string>& args) {
  using namespace nm::sw;
  const CliOptions options = parse_cli(args);
  if (options.help) {
    std::cout << cli_usage();
    return 0;
  }
  if (options.list_workloads) {
    list_workloads();
    return 0;
  }
  // Every output path is checked before the run: a bad one costs no simulation time, and never
  // after another output was already replaced.
  check_output_paths({{"--json", options.json_path.value_or("")},
                      {"--csv", options.csv_path.value_or("")},
                      {"--trace", options.trace_path.value_or("")},
                      {"--outputs", options.outputs_path.value_or("")}});
  if (options.table3) return run_table3(options);
  SimConfig config = options.config_path ? load_config_file(*options.config_path) : builtin_default_config();
  for (const std::string& assignment : options.overrides) apply_override(config, assignment);
  if (options.datatype) apply_override(config, "datatype=" + *options.datatype);
  // Errors found later (validation, buffers too small for a tile) may come from an override.
  if (!options.overrides.empty() || options.datatype) config.source += " with command-line overrides";
  validate_or_throw(config);

  WorkloadOptions workload_options;
  workload_options.seq_len = options.seq_len;
  workload_options.width = options.width;
  workload_options.depth = options.depth;
  workload_options.seq_len_given = options.seq_len_given;
  workload_options.width_given = options.width_given;
  workload_options.depth_given = options.depth_given;
  workload_options.batch = options.batch;
  workload_options.batch_given = options.batch_given;
  // Decoder LLMs: which pass (prefill by default); generate chains the prefill and the sampled
  // decode steps into one program, so SystemC elaborates once (llm_figures.h).
  const bool decoder = is_decoder_workload(options.workload);
  if (options.phase && !decoder) {
    throw nm::InputError(
        "command line", "--phase",
        "only applies to the decoder LLMs gpt2, gpt2_medium, llama2_7b and llama3_8b, not '" +
            options.workload + "'");
  }
  const std::string phase = decoder ? options.phase.value_or("prefill") : "";
  const int64_t gen_tokens = options.gen_tokens.value_or(128);
  std::vector<int64_t> sampled;
  int layers = 1, layers_simulated = 1;
  Graph graph;
  if (phase == "decode" || phase == "generate") {
    // The cache must fit the model's positions: checked here, where the flags are known.
    const int64_t positions = decoder_positions(options.workload);
    const int64_t last = phase == "decode" ? options.seq_len + 1 : options.seq_len + gen_tokens;
    if (last > positions) {
      const std::string flag = phase == "generate"             ? "--gen-tokens"
                               : options.seq_len_given.empty() ? "--seq-len"
                                                               : options.seq_len_given;
      throw nm::InputError(
          "command line", flag,
          "--seq-len " + std::to_string(options.seq_len) +
              (phase == "decode" ? " cached tokens + 1" : " + --gen-tokens " + std::to_string(gen_tokens)) +
              " = " + std::to_string(last) + " tokens exceed " + options.workload + "'s " +
              std::to_string(positions) + " positions");
    }
  }
  if (phase == "decode") {
    workload_options.phase = DecoderPhase::kDecode;
    workload_options.past_tokens = options.seq_len;
    graph = load_workload(options.workload, workload_options, workload_dirs());
  } else if (phase == "generate") {
    sampled = sampled_decode_steps(gen_tokens, options.decode_samples.value_or(3));
    layers = decoder_layer_count(options.workload, options.depth);
    workload_options.decoder_layers_built = static_cast<int>(options.simulate_layers.value_or(1));
    layers_simulated = workload_options.decoder_layers_built == 0
                           ? layers
                           : std::min(layers, workload_options.decoder_layers_built);
    std::vector<std::pair<std::string, Graph>> parts;
    parts.emplace_back(prefill_prefix(), load_workload(options.workload, workload_options, workload_dirs()));
    for (int64_t t : sampled) {
      WorkloadOptions step = workload_options;
      step.phase = DecoderPhase::kDecode;
      step.past_tokens = options.seq_len + t;
      parts.emplace_back(decode_prefix(t), load_workload(options.workload, step, workload_dirs()));
    }
    graph = chain_graphs(parts.front().second.name() + "_generate", parts);
  } else {
    graph = load_workload(options.workload, workload_options, workload_dirs());
  }
  KernelProgram program = lower_graph(graph, {config.arch.datatype, config.arch.pwl_granularity});
  // A built-in is reported by the name it was asked for (gcn, not its graph's gcn_cora); a file by
  // its graph's name (the file's name:, else the builder's or the file name), not by its path.
  program.workload = is_builtin_workload(options.workload) ? options.workload : graph.name();
  block_rows_on_chip(program, graph, config.compiler.row_blocking, config.arch);
  block_pool_windows(program, graph, config.compiler.pooling, config.arch);
  fuse_epilogues(program, config.compiler.fusion, config.arch);
  schedule_for_residency(program, config.compiler.schedule, config.arch);

  // Functional mode: weights, the reference and calibration are host work done before SystemC
  // runs; the datatype's data path then runs inside the simulation.
  std::unique_ptr<FunctionalSession> functional;
  if (options.functional) {
    FunctionalOptions f;
    f.mode = numeric_mode_for(config.arch.datatype);
    f.pwl.granularity = config.arch.pwl_granularity;
    if (options.pwl_method && *options.pwl_method == "elastic") f.pwl.method = PwlMethod::kElastic;
    if (options.seed) f.seed = *options.seed;
    if (options.samples) f.samples = *options.samples;
    if (options.weights_path) f.weights_file = *options.weights_path;
    if (options.inputs_path) f.inputs_file = *options.inputs_path;
    if (options.labels_path) f.labels_file = *options.labels_path;
    if (options.outputs_path) f.outputs_file = *options.outputs_path;
    if (options.numerics && *options.numerics == "fp32") f.mode = NumericMode::kFp32;
    functional = std::make_unique<FunctionalSession>(graph, program, f);
    functional->prepare();
  }
  // Recorded only when asked for: an untraced run's modules hold a null trace.
  std::unique_ptr<nm::hw::ActivityTrace> trace;
  if (options.trace_path) trace = std::make_unique<nm::hw::ActivityTrace>();
  const RunResult result = run_simulation(program, config, functional.get(), trace.get());
  if (result.sram) {
    for (const auto& [key, geometry, figures] :
         {std::tuple{"l1", result.sram->l1, result.sram->l1_figures},
          std::tuple{"l2", result.sram->l2, result.sram->l2_figures}}) {
      if (!figures.extrapolated) continue;
      std::cerr << fmt::format(
          "warning: {}: {} B, {}-bit port, {} banks lies outside the CACTI runs (512 B to 1 MiB, 8 to 512 "
          "bit, "
          "up to 16 banks); its energy, leakage and area are extrapolated\n",
          key, geometry.bytes, geometry.port_bits, geometry.banks);
    }
  }
  std::optional<LlmFigures> llm;
  if (decoder)
    llm = llm_figures(result, phase, options.seq_len, gen_tokens, sampled, layers, layers_simulated);
  write_summary(std::cout, result, options.verbose);
  if (llm) write_llm_summary(std::cout, *llm);
  // Both files or neither: all are written to temporaries before any is renamed into place.
  std::vector<std::pair<std::string, std::string>> outputs;
  if (options.json_path) {
    nlohmann::json j = run_to_json(result);
    if (llm) j["llm"] = llm_to_json(*llm);
    outputs.emplace_back(*options.json_path, j.dump(2) + "\n");
  }
  if (options.csv_path) {
    std::ostringstream csv;
    write_kernel_csv(csv, result);
    outputs.emplace_back(*options.csv_path, csv.str());
  }
  if (options.trace_path) {
    std::ostringstream text;
    write_trace_json(text, result, *trace);
    outputs.emplace_back(*options.trace_path, text.str());
  }
  write_files_atomically(outputs);
  return 0;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  // The mapping search allocates and frees per-candidate state (residency bitmaps, resource
  // histories) of up to megabytes for LLM-sized kernels; glibc would mmap and unmap each (a page
  // fault per page every time). Kept on the heap, it is reused by the next candidate (llama2_7b
  // --phase generate --seq-len 2048: 0.30 s of system time becomes 0.04 s).
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  const std::vector<std::string> args(argv + 1, argv + argc);
  return nm::sw::run_guarded([&] { return run(args); });
}

// SystemC prints a copyright banner on first elaboration unless this is set; set it before
// sc_main runs so stdout carries only nm_sim's report.
namespace {
const bool kQuietSystemC = [] { return setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0) == 0; }();
}  // namespace
