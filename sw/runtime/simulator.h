#pragma once
// Simulator facade: maps every kernel of a program, elaborates the SystemC accelerator and
// driver, runs them, and returns per-kernel and whole-run figures.
//
// Contract: SystemC elaborates once per process, so run_simulation() may be called once per
// process. Figures are SI units: seconds, joules, watts.
#include <cstdint>
#include <string>
#include <vector>

#include "hw/core/action_counts.h"
#include "hw/core/energy.h"
#include "hw/core/kernel_desc.h"
#include "hw/core/pipeline_model.h"
#include "sw/config/config_loader.h"
#include "sw/lowering/kernel_program.h"
#include "sw/report/run_result.h"

namespace nm::sw {

RunResult run_simulation(const KernelProgram& program, const SimConfig& config);

}  // namespace nm::sw
