#include "sw/cli/cli_options.h"

#include <cerrno>
#include <cstdlib>

#include "hw/core/input_error.h"
#include "sw/sweep/sweep_spec.h"

namespace nm::sw {

const char* cli_usage() {
  return "usage: nm_sim --workload NAME|FILE.yaml|FILE.onnx [options]   simulate one inference of a network\n"
         "       nm_sim --table3 [--config FILE] [--set key=value]... [--datatype T] [--seq-len N] [--json "
         "FILE]\n"
         "       nm_sim --list-workloads | --help\n"
         "\n"
         "Simulates one run (one inference, or --batch of them) of a network on the NeuralMatrix GEMM "
         "accelerator\n"
         "(SystemC/TLM-2.0) and prints latency, throughput, energy, power and throughput per watt, and\n"
         "what bounds every kernel.\n"
         "\n"
         "Workload:\n"
         "  --workload NAME|FILE.yaml|FILE.onnx\n"
         "                             a built-in network (resnet50, bert_base, gcn, ...: see\n"
         "                             --list-workloads), workloads/NAME.yaml, a path to a .yaml file,\n"
         "                             or an ONNX model (its weights are the functional run's; the\n"
         "                             README lists the ONNX ops supported)\n"
         "  --seq-len N                tokens per inference of a transformer (bert_base, bert_large,\n"
         "                             distilbert, albert_base), 1..512; default 128. An error on any\n"
         "                             other workload\n"
         "  --width W                  multiplier of channels / hidden / FFN / GCN hidden sizes, in\n"
         "                             (0, 64]; default 1 (rounding rule in sw/graph/workloads.h)\n"
         "  --depth D                  multiplier of blocks per stage / encoder layers / GCN layers, in\n"
         "                             (0, 64]; default 1. --width and --depth: built-in networks and\n"
         "                             'family:' files only, an error on an explicit graph (ops:)\n"
         "  --batch N                  inferences per run (images, sequences), 1..4096; default 1: the\n"
         "                             ResNets, the transformers, the decoder LLMs (N sequences decoded\n"
         "                             together) and ONNX models (a batch-1 or dynamic leading\n"
         "                             dimension); weights are fetched once per batch\n"
         "  --phase prefill|decode|generate\n"
         "                             decoder LLMs (gpt2, gpt2_medium, llama2_7b, llama3_8b) only:\n"
         "                             prefill (default) runs the --seq-len-token prompt (TTFT); decode\n"
         "                             one token with --seq-len tokens in the KV cache (TPOT); generate\n"
         "                             prefill, then --gen-tokens decode steps, the cache growing by one\n"
         "                             token per step. --seq-len up to 1024 (GPT-2), 4096 (Llama-2), 8192\n"
         "                             (Llama-3)\n"
         "  --gen-tokens N             decode steps of --phase generate, 1..the model's positions minus\n"
         "                             --seq-len; default 128\n"
         "  --decode-samples N         decode steps --phase generate simulates, first and last\n"
         "                             included, the others' figures interpolated linearly in the cache\n"
         "                             length; >= 2, default 3; 0 simulates every step\n"
         "  --simulate-layers N        transformer layers --phase generate simulates per pass (all have\n"
         "                             the same shapes; the figures scale them to the model's); default\n"
         "                             1, 0 = every layer\n"
         "  --list-workloads           print the built-in names and the workload files found, then exit\n"
         "\n"
         "Accelerator:\n"
         "  --config FILE.yaml         architecture + energy table; default: the built-in copy of\n"
         "                             configs/pe1024.yaml (the paper's Table 2: 1024 PEs in 8 clusters,\n"
         "                             1 GHz, 1 MiB L2, 32 Gbit/s DRAM, int8)\n"
         "  --set key.path=VALUE       override one config key, in the config file's units: e.g.\n"
         "                             pe.count=2048, l2.bytes=2097152 (bytes), clock_ghz=1.5 (GHz),\n"
         "                             dram.bandwidth_gbps=256 (Gbit/s). Repeatable, applied in order\n"
         "                             after --config. workload.seq_len, workload.width and\n"
         "                             workload.depth set the workload options above, as nm_sweep's\n"
         "                             axes do (giving one both ways is an error)\n"
         "  --datatype int8|fp16       int8 with int32 accumulate or fp16 with fp32 accumulate;\n"
         "                             default: the config's datatype (int8 in the built-in)\n"
         "\n"
         "Output (stdout gets a summary; files are written only after a successful run):\n"
         "  --json FILE                every figure (schema nm_sim/1; seconds, joules, watts, bytes),\n"
         "                             every kernel, module counters and the resolved config\n"
         "  --csv FILE                 one row per kernel: shape, tile, cycles, bound, bytes per level,\n"
         "                             energy per component (J), start_cycle\n"
         "  --trace FILE.json          timeline of the run as Chrome trace-event JSON (open it in\n"
         "                             ui.perfetto.dev or chrome://tracing; scripts/plot_timeline.sh\n"
         "                             draws it): a track of kernels, one of layers, and one per\n"
         "                             resource (DMA fill and drain, NoC, L2, each PE cluster, each\n"
         "                             DRAM channel) with a slice per busy interval (kernel, bytes or\n"
         "                             MACs, bound); times in simulated microseconds\n"
         "  --verbose, -v              also print per-layer and per-kernel rows\n"
         "\n"
         "Functional simulation (real tensors through the data path; timing unchanged):\n"
         "  --functional               run it and report per-layer and output errors against an fp32\n"
         "                             reference\n"
         "  --seed N                   seed of the random weights and inputs, >= 0; default 1\n"
         "  --samples N                inputs scored, 1..100000; default 1 (random), or every sample of\n"
         "                             --inputs\n"
         "  --weights FILE.json        weights from an nm_weights/1 file; default: an ONNX model's own,\n"
         "                             else random from --seed\n"
         "  --inputs FILE.npy          real inputs (NumPy .npy, leading dimension = samples, each in the\n"
         "                             model's layout: NCHW images for ONNX models); the first sample\n"
         "                             also calibrates the int8 scales\n"
         "  --labels FILE.npy          integer class labels per sample: adds top-1 accuracy of the data\n"
         "                             path and of the fp32 reference\n"
         "  --outputs FILE.npy         write the data path's first output, [samples, output dims]\n"
         "  --numerics datatype|fp32   the data path in the config's datatype (default), or in fp32\n"
         "                             with the PWL approximations only (the approximation's own error)\n"
         "  --pwl-method uniform|elastic  where PWL breakpoints go; default uniform\n"
         "\n"
         "The paper's Table 3:\n"
         "  --table3                   run resnet50, bert_base and gcn (each in a child nm_sim, in\n"
         "                             parallel) and print Table 3 with the simulated row, its ratio to\n"
         "                             the paper's and the throughput-per-power gains over CPU, GPU, SoC;\n"
         "                             --seq-len applies to bert_base; --json writes nm_sim/table3/1\n"
         "\n"
         "Exit status: 0 done; 2 bad input (one line 'error: <where>: <key>: <what was expected>' on\n"
         "stderr); 3 internal error.\n";
}

CliOptions parse_cli(const std::vector<std::string>& args) {
  CliOptions o;
  // --seq-len, --width or --depth (`flag`), given as `spelling` (the flag or --set workload.KEY).
  auto set_workload_option = [&](const std::string& flag, const std::string& spelling, const std::string& v) {
    std::string& given = flag == "--seq-len" ? o.seq_len_given
                         : flag == "--batch" ? o.batch_given
                         : flag == "--width" ? o.width_given
                                             : o.depth_given;
    if (!given.empty() && given != spelling) {
      throw InputError("command line", spelling, "conflicts with " + given + " given earlier; give it once");
    }
    given = spelling;
    errno = 0;
    char* end = nullptr;
    if (flag == "--seq-len" || flag == "--batch") {
      const long long n = std::strtoll(v.c_str(), &end, 10);
      if (errno != 0 || end == v.c_str() || *end != '\0' || n <= 0) {
        throw InputError("command line", spelling, "expected a positive integer, got '" + v + "'");
      }
      (flag == "--seq-len" ? o.seq_len : o.batch) = n;
      return;
    }
    const double x = std::strtod(v.c_str(), &end);
    if (errno != 0 || end == v.c_str() || *end != '\0' || !(x > 0 && x <= 64)) {
      throw InputError("command line", spelling, "expected a multiplier in (0, 64], got '" + v + "'");
    }
    (flag == "--width" ? o.width : o.depth) = x;
  };
  // --phase and --gen-tokens, given as the flag or as --set workload.phase / workload.gen_tokens.
  auto set_phase = [&](const std::string& spelling, const std::string& v) {
    if (v != "prefill" && v != "decode" && v != "generate")
      throw InputError("command line", spelling, "expected prefill, decode or generate, got '" + v + "'");
    o.phase = v;
  };
  auto set_gen_tokens = [&](const std::string& spelling, const std::string& v) {
    errno = 0;
    char* end = nullptr;
    const long long n = std::strtoll(v.c_str(), &end, 10);
    if (errno != 0 || end == v.c_str() || *end != '\0' || n < 1 || n > 1000000)
      throw InputError("command line", spelling, "expected a positive integer, got '" + v + "'");
    o.gen_tokens = n;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* expected) -> std::string {
      if (i + 1 >= args.size() || args[i + 1].rfind("--", 0) == 0) {
        throw InputError("command line", a, std::string("expected ") + expected + " after it");
      }
      return args[++i];
    };
    if (a == "--config") {
      o.config_path = value("a config file path");
    } else if (a == "--workload") {
      o.workload = value("a workload name or .yaml path");
    } else if (a == "--set") {
      const std::string v = value("key.path=value");
      const size_t eq = v.find('=');
      if (eq == std::string::npos) throw InputError("command line", "--set " + v, "expected key.path=value");
      const std::string key = v.substr(0, eq);
      if (key.rfind("workload.", 0) == 0) {
        // The sweep's mapping of workload axes to nm_sim flags, so both accept the same keys.
        const std::vector<std::string> flag = sweep_axis_arguments(key, v.substr(eq + 1));
        if (flag.front() == "--set") {
          throw InputError("command line", "--set " + key,
                           "unknown workload option; expected workload.seq_len, workload.width, "
                           "workload.depth, workload.batch, workload.phase or workload.gen_tokens");
        }
        const std::string spelling = "--set " + key, given = flag.back();
        if (flag.front() == "--phase") {
          set_phase(spelling, given);
        } else if (flag.front() == "--gen-tokens") {
          set_gen_tokens(spelling, given);
        } else {
          set_workload_option(flag.front(), spelling, given);
        }
      } else {
        o.overrides.push_back(v);
      }
    } else if (a == "--datatype") {
      o.datatype = value("int8 or fp16");
      if (*o.datatype != "int8" && *o.datatype != "fp16") {
        throw InputError("command line", "--datatype", "expected int8 or fp16, got '" + *o.datatype + "'");
      }
    } else if (a == "--seq-len" || a == "--width" || a == "--depth" || a == "--batch") {
      set_workload_option(
          a, a, value(a == "--seq-len" || a == "--batch" ? "a positive integer" : "a multiplier in (0, 64]"));
    } else if (a == "--functional") {
      o.functional = true;
    } else if (a == "--seed" || a == "--samples") {
      const std::string v = value(a == "--seed" ? "a non-negative integer" : "a positive integer");
      errno = 0;
      char* end = nullptr;
      const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
      const bool ok = errno == 0 && end != v.c_str() && *end == '\0' && v[0] != '-';
      if (a == "--seed") {
        if (!ok) throw InputError("command line", a, "expected a non-negative integer, got '" + v + "'");
        o.seed = n;
      } else {
        if (!ok || n == 0 || n > 100000)
          throw InputError("command line", a, "expected a positive integer up to 100000, got '" + v + "'");
        o.samples = static_cast<uint32_t>(n);
      }
    } else if (a == "--weights") {
      o.weights_path = value("an nm_weights/1 JSON file");
    } else if (a == "--inputs") {
      o.inputs_path = value("a NumPy .npy file");
    } else if (a == "--labels") {
      o.labels_path = value("a NumPy .npy file");
    } else if (a == "--outputs") {
      o.outputs_path = value("an output .npy file path");
    } else if (a == "--numerics") {
      o.numerics = value("datatype or fp32");
      if (*o.numerics != "datatype" && *o.numerics != "fp32") {
        throw InputError("command line", a, "expected datatype or fp32, got '" + *o.numerics + "'");
      }
    } else if (a == "--pwl-method") {
      o.pwl_method = value("uniform or elastic");
      if (*o.pwl_method != "uniform" && *o.pwl_method != "elastic") {
        throw InputError("command line", a, "expected uniform or elastic, got '" + *o.pwl_method + "'");
      }
    } else if (a == "--phase") {
      set_phase(a, value("prefill, decode or generate"));
    } else if (a == "--simulate-layers") {
      const std::string v = value("a non-negative integer");
      errno = 0;
      char* end = nullptr;
      const long long n = std::strtoll(v.c_str(), &end, 10);
      if (errno != 0 || end == v.c_str() || *end != '\0' || n < 0 || n > 100000)
        throw InputError("command line", a, "expected a non-negative integer, got '" + v + "'");
      o.simulate_layers = n;
    } else if (a == "--gen-tokens") {
      set_gen_tokens(a, value("a positive integer"));
    } else if (a == "--decode-samples") {
      const std::string v = value("0 or an integer >= 2");
      errno = 0;
      char* end = nullptr;
      const long long n = std::strtoll(v.c_str(), &end, 10);
      if (errno != 0 || end == v.c_str() || *end != '\0' || n < 0 || n == 1 || n > 1000000)
        throw InputError("command line", a, "expected 0 (every step) or an integer >= 2, got '" + v + "'");
      o.decode_samples = n;
    } else if (a == "--json") {
      o.json_path = value("an output file path");
    } else if (a == "--csv") {
      o.csv_path = value("an output file path");
    } else if (a == "--trace") {
      o.trace_path = value("an output file path (.json)");
    } else if (a == "--table3") {
      o.table3 = true;
    } else if (a == "--list-workloads") {
      o.list_workloads = true;
    } else if (a == "--verbose" || a == "-v") {
      o.verbose = true;
    } else if (a == "--help" || a == "-h") {
      o.help = true;
    } else {
      throw InputError("command line", a, "unknown option; see nm_sim --help");
    }
  }
  if (o.table3) {
    // Table 3 fixes the workloads, and its runs' per-kernel output goes nowhere.
    if (!o.workload.empty())
      throw InputError("command line", "--table3", "expected either --table3 or --workload, not both");
    if (o.csv_path) throw InputError("command line", "--csv", "not available with --table3 (use --workload)");
    if (o.trace_path)
      throw InputError("command line", "--trace", "not available with --table3 (use --workload)");
    if (o.verbose)
      throw InputError("command line", "--verbose", "not available with --table3 (use --workload)");
    // Table 3 is the paper's networks as published; a scaled one is not in it.
    for (const std::string* given : {&o.width_given, &o.depth_given, &o.batch_given}) {
      if (!given->empty())
        throw InputError("command line", *given, "not available with --table3 (use --workload)");
    }
  }
  if ((o.gen_tokens || o.decode_samples || o.simulate_layers) && (!o.phase || *o.phase != "generate")) {
    throw InputError("command line",
                     o.gen_tokens       ? "--gen-tokens"
                     : o.decode_samples ? "--decode-samples"
                                        : "--simulate-layers",
                     "only applies with --phase generate");
  }
  if (o.phase && o.table3) throw InputError("command line", "--phase", "not available with --table3");
  if (!o.functional) {
    // These only mean something in a functional run: silently ignoring them would mislead.
    const char* stray = o.seed           ? "--seed"
                        : o.samples      ? "--samples"
                        : o.weights_path ? "--weights"
                        : o.pwl_method   ? "--pwl-method"
                        : o.inputs_path  ? "--inputs"
                        : o.labels_path  ? "--labels"
                        : o.outputs_path ? "--outputs"
                        : o.numerics     ? "--numerics"
                                         : nullptr;
    if (stray != nullptr) throw InputError("command line", stray, "only applies with --functional");
  } else if (o.table3) {
    throw InputError("command line", "--functional", "not available with --table3 (use --workload)");
  }
  if (!o.help && !o.list_workloads && !o.table3 && o.workload.empty()) {
    throw InputError("command line", "--workload",
                     "expected a workload (see nm_sim --list-workloads) or --table3");
  }
  return o;
}

}  // namespace nm::sw
