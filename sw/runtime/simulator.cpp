#include "sw/runtime/simulator.h"

#include <systemc>

#include "hw/tlm/accelerator.h"
#include "sw/mapping/mapper.h"
#include "sw/runtime/driver.h"

namespace nm::sw {

RunResult run_simulation(const KernelProgram& program, const SimConfig& config) {
  RunResult result;
  result.workload = program.workload;
  result.config = config;
  result.network_macs = program.network_macs();

  // The compiler side: one mapping per kernel, searched once per distinct shape.
  Mapper mapper(config.arch, config.energy, config.source);
  std::vector<IssuedKernel> issued;
  result.kernels.reserve(program.kernels.size());
  for (const LoweredKernel& k : program.kernels) {
    const MappingChoice& choice = mapper.map(k.desc);
    KernelRecord record;
    record.desc = k.desc;
    record.mapping = choice.mapping;
    record.estimate = choice.estimate;
    result.kernels.push_back(std::move(record));
  }
  for (const KernelRecord& r : result.kernels) issued.push_back({&r.desc, r.mapping});
  result.mapping_searches = mapper.searches();

  // The hardware side: elaborate, run, read back what every module counted.
  hw::ClockDomain clock(config.arch.clock_ghz);
  hw::Accelerator accelerator("accelerator", config.arch);
  Driver driver("driver", accelerator, std::move(issued), clock);
  driver.socket.bind(accelerator.command_processor().socket);
  sc_core::sc_start();
  if (!driver.finished()) throw std::runtime_error("simulation stopped before the last kernel completed");
  if (accelerator.l2().overflowed()) {
    throw std::runtime_error("L2 staging overflow in kernel '" + driver.first_overflow_kernel() +
                             "': " + std::to_string(accelerator.l2().peak_staged_bytes()) + " B > " +
                             std::to_string(accelerator.l2().staging_capacity_bytes()) + " B");
  }

  const double seconds_per_cycle = 1.0 / (config.arch.clock_ghz * 1e9);
  for (size_t i = 0; i < result.kernels.size(); ++i) {
    KernelRecord& r = result.kernels[i];
    const KernelMeasurement& m = driver.measurements()[i];
    r.start_cycle = m.start_cycle;
    r.simulated = m.busy;
    r.counts = m.counts;
    r.energy = hw::price_actions(m.counts, static_cast<double>(m.busy.cycles) * seconds_per_cycle,
                                 config.energy, config.arch);
    result.totals += r.counts;
    result.energy += r.energy;
    result.cycles = m.end_cycle;
  }
  result.peak_l2_staging_bytes = accelerator.l2().peak_staged_bytes();
  for (auto& m : accelerator.module_stats())
    result.module_counters.emplace_back(m.name, std::move(m.counters));
  return result;
}

}  // namespace nm::sw
