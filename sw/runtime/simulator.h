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
#include "hw/core/activity_trace.h"
#include "hw/core/energy.h"
#include "hw/core/kernel_desc.h"
#include "hw/core/pipeline_model.h"
#include "sw/config/config_loader.h"
#include "sw/functional/functional_run.h"
#include "sw/lowering/kernel_program.h"
#include "sw/report/run_result.h"

namespace nm::sw {

// With `functional` (prepared), the program's tensors also live in the accelerator's DRAM and L2
// models and each kernel's data is computed as the kernel completes (debug transport: no simulated
// time), then result.functional holds the errors. Timing and energy are identical either way.
// With `trace`, every module records its busy intervals into it (sw/report/trace_json.h writes
// them); without, nothing is recorded.
RunResult run_simulation(const KernelProgram& program, const SimConfig& config,
                         FunctionalSession* functional = nullptr, hw::ActivityTrace* trace = nullptr);

}  // namespace nm::sw
