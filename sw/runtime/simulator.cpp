#include "sw/runtime/simulator.h"

#include <exception>
#include <memory>
#include <systemc>

#include "hw/core/area_model.h"
#include "hw/core/energy.h"
#include "hw/tlm/accelerator.h"
#include "sw/functional/address_plan.h"
#include "sw/mapping/mapper.h"
#include "sw/runtime/driver.h"
#include "sw/runtime/sanitizer_stack.h"
#include "sw/runtime/tlm_tensor_store.h"

namespace nm::sw {

RunResult run_simulation(const KernelProgram& program, const SimConfig& config, FunctionalSession* functional,
                         hw::ActivityTrace* trace) {
  RunResult result;
  result.workload = program.workload;
  result.batch = program.batch;
  result.config = config;
  // SRAM energy and leakage at this configuration's sizes (a fixed table stays as it is); the
  // mapper ranks and the run is priced with the same figures.
  // Under a DRAM standard, DRAM is priced per command from its IDD figures.
  result.config.energy =
      hw::with_dram_figures(hw::with_sram_figures(config.energy, config.arch), config.arch);
  result.area = hw::area_of(config.arch, config.energy);
  if (config.energy.sram_cells != hw::SramCells::kFixed)
    result.sram = hw::price_srams(config.arch, config.energy.sram_cells);
  result.network_macs = program.network_macs();
  const hw::EnergyTable& energy = result.config.energy;

  // The compiler side: one mapping per kernel, searched once per distinct shape.
  // Kernels fused into an epilogue are not issued: their host carries their cost.
  Mapper mapper(config.arch, energy, config.source, config.compiler.objective,
                config.compiler.latency_tolerance);
  std::vector<IssuedKernel> issued;
  std::vector<size_t> program_index;  // of each issued kernel
  result.kernels.reserve(program.kernels.size());
  for (size_t i = 0; i < program.kernels.size(); ++i) {
    const LoweredKernel& k = program.kernels[i];
    if (!k.issued()) continue;
    const MappingChoice& choice = mapper.map(k.desc);
    KernelRecord record;
    record.desc = k.desc;
    record.mapping = choice.mapping;
    record.estimate = choice.estimate;
    record.mapping_reason = choice.reason;
    for (int e : k.epilogue) record.fused.push_back(program.kernels[static_cast<size_t>(e)].desc.name);
    result.kernels.push_back(std::move(record));
    program_index.push_back(i);
  }
  for (const KernelRecord& r : result.kernels) issued.push_back({&r.desc, r.mapping});
  result.mapping_searches = mapper.searches();

  // The hardware side: elaborate, run, read back what every module counted.
  hw::ClockDomain clock(config.arch.clock_ghz);
  hw::Accelerator accelerator("accelerator", config.arch);
  Driver driver("driver", accelerator, std::move(issued), clock);
  driver.socket.bind(accelerator.command_processor().socket);
  if (trace != nullptr) {
    accelerator.set_trace(trace);
    driver.set_trace(trace);
  }

  // Functional mode: data is loaded before the first kernel and each kernel's result computed as
  // it completes. An error in a hook stops the simulation and is rethrown here, outside SystemC.
  std::unique_ptr<TensorStore> store;
  std::exception_ptr functional_error;
  auto guarded = [&](auto&& body) {
    if (functional_error) return;
    try {
      body();
    } catch (...) {
      functional_error = std::current_exception();
      sc_core::sc_stop();
    }
  };
  if (functional != nullptr) {
    // The data path in the accelerator's datatype lives in its DRAM and L2 models. An fp32 data
    // path (--numerics fp32: the PWL approximation alone) does not fit the datatype's storage
    // plan, so its tensors stay in host memory; timing is the same either way.
    const NumericMode datatype_mode = numeric_mode_for(config.arch.datatype);
    if (functional->mode() == datatype_mode) {
      store =
          std::make_unique<TlmTensorStore>(accelerator, plan_addresses(program, config.arch, datatype_mode));
    } else {
      store = std::make_unique<HostTensorStore>();
    }
    driver.set_hooks([&] { guarded([&] { functional->load(*store); }); },
                     [&](size_t i) {
                       guarded([&] {
                         // The host kernel, then its epilogue in order (intermediates stay in the PEs).
                         const LoweredKernel& host = program.kernels[program_index[i]];
                         functional->execute(program_index[i], *store);
                         for (int e : host.epilogue) functional->execute(static_cast<size_t>(e), *store);
                       });
                     });
  }
  sc_core::sc_start();
  restore_thread_stack_for_sanitizer();
  if (functional_error) std::rethrow_exception(functional_error);
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
    r.energy = hw::price_actions(m.counts, static_cast<double>(m.busy.cycles) * seconds_per_cycle, energy,
                                 config.arch);
    result.totals += r.counts;
    result.energy += r.energy;
    result.cycles = m.end_cycle;
  }
  result.peak_l2_staging_bytes = accelerator.l2().peak_staged_bytes();
  double busy_byte_capacity = 0;  // peak bytes the channels could have moved while busy
  for (uint32_t c = 0; c < config.arch.dram_channels; ++c) {
    busy_byte_capacity += static_cast<double>(accelerator.dram_channel(c).busy_cycles()) *
                          config.arch.dram_bytes_per_cycle() / config.arch.dram_channels;
  }
  if (busy_byte_capacity > 0)
    result.dram_efficiency = static_cast<double>(result.totals.dram_bytes()) / busy_byte_capacity;
  for (auto& m : accelerator.module_stats())
    result.module_counters.emplace_back(m.name, std::move(m.counters));
  if (functional != nullptr) result.functional = functional->finish(*store);
  return result;
}

}  // namespace nm::sw
