#pragma once
// Driver: the software side's TLM initiator. Issues each mapped kernel to the accelerator's
// command processor as one transaction and records its start, end, action counts and the
// occupancy of every resource while it ran.
//
// Optional host hooks run in the driver's thread: on_start at time 0 before the first kernel is
// issued, on_kernel_done(i) right after kernel i returned and its measurement was recorded,
// before kernel i + 1 is issued. Hooks must not consume simulated time: they may only move data
// with debug transport (Accelerator::debug_dram / debug_l2), so a run with hooks times and
// counts exactly like one without. A hook that lets time pass is reported as an error.
#include <tlm_utils/simple_initiator_socket.h>
#include <cstddef>
#include <functional>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "hw/core/action_counts.h"
#include "hw/core/activity_trace.h"
#include "hw/core/kernel_desc.h"
#include "hw/core/pipeline_model.h"
#include "hw/tlm/accelerator.h"
#include "hw/tlm/sim_time.h"

namespace nm::sw {

struct IssuedKernel {
  const hw::KernelDesc* kernel = nullptr;
  hw::Mapping mapping;
};

struct KernelMeasurement {
  uint64_t start_cycle = 0;
  uint64_t end_cycle = 0;
  hw::ActionCounts counts;
  hw::KernelTiming busy;  // cycles = end - start; busy figures while the kernel ran
};

class Driver : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Driver);
  tlm_utils::simple_initiator_socket<Driver> socket;

  Driver(sc_core::sc_module_name name, const hw::Accelerator& accelerator, std::vector<IssuedKernel> kernels,
         hw::ClockDomain clock);

  // Call before sc_start(); either hook may be empty.
  void set_hooks(std::function<void()> on_start, std::function<void(size_t kernel_index)> on_kernel_done);

  // Tags the trace's slices with the kernel running (call before sc_start(); null: no trace).
  void set_trace(hw::ActivityTrace* trace) { trace_ = trace; }

  const std::vector<KernelMeasurement>& measurements() const { return measurements_; }
  // The first kernel during which L2 staging overflowed (empty if none did).
  const std::string& first_overflow_kernel() const { return first_overflow_kernel_; }
  bool finished() const { return finished_; }

 private:
  void run();
  template <typename Hook>
  void call_hook(const char* which, Hook&& hook);

  const hw::Accelerator& accelerator_;
  std::vector<IssuedKernel> kernels_;
  hw::ClockDomain clock_;
  std::function<void()> on_start_;
  std::function<void(size_t)> on_kernel_done_;
  std::vector<KernelMeasurement> measurements_;
  std::string first_overflow_kernel_;
  bool finished_ = false;
  hw::ActivityTrace* trace_ = nullptr;
};

}  // namespace nm::sw
