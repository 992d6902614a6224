#pragma once
// Where every program tensor's bytes live on the accelerator in functional mode: the L2
// activation region for tensors plan_residency() kept on chip, DRAM for the rest.
//
// Contract:
//  - DRAM: tensors in program order, each at the next dram_burst_bytes-aligned global address.
//  - PEs: a tensor fused away (ProgramTensor::in_pe) has no address: it exists only in the
//    registers of the kernel that produces and consumes it.
//  - L2: the address plan_residency() gave each on-chip tensor (first fit over the activation
//    region, so two tensors live at the same time never overlap).
#include <cstdint>
#include <vector>

#include "hw/core/arch_config.h"
#include "sw/functional/program_executor.h"
#include "sw/lowering/kernel_program.h"

namespace nm::sw {

struct TensorAddress {
  bool in_pe = false;  // lives only in the PEs of a fused kernel (no address)
  bool in_l2 = false;
  uint64_t address = 0;
  uint64_t bytes = 0;
};

std::vector<TensorAddress> plan_addresses(const KernelProgram& program, const hw::ArchConfig& arch,
                                          NumericMode mode);

}  // namespace nm::sw
