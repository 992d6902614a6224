// nm_sim: parse, load, lower, simulate, report. Errors in the user's input print one line
// "error: ..." and exit 2; output files are written only after a successful run.
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <systemc>

#include "hw/core/input_error.h"
#include "sw/cli/cli_options.h"
#include "sw/config/config_loader.h"
#include "sw/graph/workloads.h"
#include "sw/lowering/kernel_program.h"
#include "sw/report/report.h"
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
  SimConfig config = options.config_path ? load_config_file(*options.config_path) : builtin_default_config();
  for (const std::string& assignment : options.overrides) apply_override(config, assignment);
  if (options.datatype) apply_override(config, "datatype=" + *options.datatype);
  // Errors found later (validation, buffers too small for a tile) may come from an override.
  if (!options.overrides.empty() || options.datatype) config.source += " with command-line overrides";
  validate_or_throw(config);

  WorkloadOptions workload_options;
  workload_options.seq_len = options.seq_len;
  const Graph graph = load_workload(options.workload, workload_options, workload_dirs());
  KernelProgram program = lower_graph(graph, {config.arch.datatype, config.arch.pwl_granularity});
  program.workload = options.workload;
  plan_residency(program, config.arch);

  const RunResult result = run_simulation(program, config);
  write_summary(std::cout, result, options.verbose);
  if (options.json_path) write_file_atomically(*options.json_path, run_to_json(result).dump(2) + "\n");
  if (options.csv_path) {
    std::ostringstream csv;
    write_kernel_csv(csv, result);
    write_file_atomically(*options.csv_path, csv.str());
  }
  return 0;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return run(args);
  } catch (const nm::InputError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << e.what() << "\n";
    return 3;
  }
}

// SystemC prints a copyright banner on first elaboration unless this is set; set it before
// sc_main runs so stdout carries only nm_sim's report.
namespace {
const bool kQuietSystemC = [] { return setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0) == 0; }();
}  // namespace
