#include "sw/functional/address_plan.h"

namespace nm::sw {

std::vector<TensorAddress> plan_addresses(const KernelProgram& program, const hw::ArchConfig& arch,
                                          NumericMode mode) {
  std::vector<TensorAddress> plan(program.tensors.size());
  uint64_t next_dram = 0;
  const uint64_t burst = arch.dram_burst_bytes;
  for (size_t t = 0; t < program.tensors.size(); ++t) {
    plan[t].bytes = stored_bytes(program.tensors[t], mode);
    if (program.tensors[t].in_pe) {
      plan[t].in_pe = true;
      continue;
    }
    if (program.tensors[t].on_chip) {
      plan[t].in_l2 = true;
      plan[t].address = program.tensors[t].l2_address;
      continue;
    }
    plan[t].address = next_dram;
    next_dram += (plan[t].bytes + burst - 1) / burst * burst;
  }
  return plan;
}

}  // namespace nm::sw
