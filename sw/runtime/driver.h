#pragma once
// Driver: the software side's TLM initiator. Issues each mapped kernel to the accelerator's
// command processor as one transaction and records its start, end, action counts and the
// occupancy of every resource while it ran.
#include <tlm_utils/simple_initiator_socket.h>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "hw/core/action_counts.h"
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

  const std::vector<KernelMeasurement>& measurements() const { return measurements_; }
  // The first kernel during which L2 staging overflowed (empty if none did).
  const std::string& first_overflow_kernel() const { return first_overflow_kernel_; }
  bool finished() const { return finished_; }

 private:
  void run();

  const hw::Accelerator& accelerator_;
  std::vector<IssuedKernel> kernels_;
  hw::ClockDomain clock_;
  std::vector<KernelMeasurement> measurements_;
  std::string first_overflow_kernel_;
  bool finished_ = false;
};

}  // namespace nm::sw
