#pragma once
// Loads the simulator configuration (architecture + energy table) from YAML.
//
// Contract: only this module and the workload loader include yaml-cpp. Every key is known:
// unknown or misspelled keys, wrong types, wrong units and out-of-range values throw
// nm::InputError(file, "dotted.key", "expected ..."). The built-in default is the embedded
// text of configs/pe1024.yaml (with configs/energy/45nm.yaml), so it equals those files.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hw/core/arch_config.h"
#include "hw/core/energy.h"
#include "sw/lowering/fusion.h"
#include "sw/lowering/row_blocking.h"
#include "sw/lowering/scheduling.h"
#include "sw/mapping/mapper.h"

namespace nm::sw {

// The compiler's choices (keys compiler.fusion, compiler.softmax_layernorm, mapper.objective,
// mapper.latency_tolerance).
struct CompilerConfig {
  FusionMode fusion = FusionMode::kEpilogue;
  RowBlocking row_blocking = RowBlocking::kRowBlocked;
  Pooling pooling = Pooling::kWindowBlocked;
  Schedule schedule = Schedule::kMemoryAware;
  MappingObjective objective = MappingObjective::kLatency;
  double latency_tolerance = 0.01;
};

struct SimConfig {
  hw::ArchConfig arch;
  CompilerConfig compiler;
  hw::EnergyTable energy;
  std::string source = "built-in default";      // file the config came from
  std::string energy_table = "45nm";            // value of the energy_table key
  std::string energy_source = "built-in 45nm";  // file the energy table came from
  // Where dram.standard and the pipe's own keys (dram.bandwidth_gbps, dram.latency_ns) were last
  // set: 0 built-in default, 1 a config file, 2 --set. A pipe key given at or after a standard
  // that replaces it would be silently unused, so validate_or_throw() rejects it.
  int dram_standard_layer = 0, dram_pipe_key_layer = 0;
  std::string dram_pipe_key;
};

SimConfig builtin_default_config();
SimConfig load_config_file(const std::string& path);
hw::EnergyTable load_energy_table_file(const std::string& path);

// Applies one "--set key.path=value" override (same keys and checks as the file, where = "--set").
void apply_override(SimConfig& config, const std::string& assignment);

// Throws InputError naming config.source and the first invalid key if hw::validate() reports problems.
void validate_or_throw(const SimConfig& config);

// The resolved configuration, with the same key structure as the YAML file.
nlohmann::json config_to_json(const SimConfig& config);

}  // namespace nm::sw
