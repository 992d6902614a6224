#include "sw/runtime/driver.h"

#include <string>
#include <utility>

#include "hw/tlm/kernel_extension.h"

namespace nm::sw {

Driver::Driver(sc_core::sc_module_name name, const hw::Accelerator& accelerator,
               std::vector<IssuedKernel> kernels, hw::ClockDomain clock)
    : sc_module(name),
      socket("socket"),
      accelerator_(accelerator),
      kernels_(std::move(kernels)),
      clock_(clock) {
  SC_THREAD(run);
  // Functional hooks compute whole kernels (GEMMs, PWL fits) on this thread's stack, which
  // SystemC keeps small by default.
  set_stack_size(size_t{16} << 20);
}

void Driver::set_hooks(std::function<void()> on_start, std::function<void(size_t)> on_kernel_done) {
  on_start_ = std::move(on_start);
  on_kernel_done_ = std::move(on_kernel_done);
}

template <typename Hook>
void Driver::call_hook(const char* which, Hook&& hook) {
  const sc_core::sc_time before = sc_core::sc_time_stamp();
  hook();
  if (sc_core::sc_time_stamp() != before) {
    SC_REPORT_ERROR(name(), (std::string(which) + " hook consumed simulated time").c_str());
  }
}

void Driver::run() {
  tlm::tlm_generic_payload payload;
  hw::KernelExtension command;
  measurements_.reserve(kernels_.size());
  if (on_start_) call_hook("on_start", on_start_);
  for (size_t i = 0; i < kernels_.size(); ++i) {
    const IssuedKernel& k = kernels_[i];
    KernelMeasurement m;
    const hw::ActionCounts counts_before = accelerator_.counts();
    const auto busy_before = accelerator_.busy();
    m.start_cycle = clock_.now_cycles();
    if (trace_ != nullptr) trace_->begin_kernel(static_cast<uint32_t>(i));

    command.kernel = k.kernel;
    command.mapping = k.mapping;
    hw::init_transfer(payload, tlm::TLM_WRITE_COMMAND, 0, 0);
    payload.set_extension(&command);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    socket->b_transport(payload, delay);
    payload.clear_extension(&command);
    wait(delay);
    if (payload.get_response_status() != tlm::TLM_OK_RESPONSE) {
      SC_REPORT_ERROR(name(), ("kernel rejected by the command processor: " + k.kernel->name).c_str());
    }

    m.end_cycle = clock_.now_cycles();
    m.counts = accelerator_.counts() - counts_before;
    m.busy = hw::Accelerator::busy_between(busy_before, accelerator_.busy());
    m.busy.cycles = m.end_cycle - m.start_cycle;
    measurements_.push_back(m);
    if (first_overflow_kernel_.empty() && accelerator_.l2().overflowed())
      first_overflow_kernel_ = k.kernel->name;
    if (on_kernel_done_) call_hook("on_kernel_done", [this, i] { on_kernel_done_(i); });
  }
  finished_ = true;  // every engine now idles, so sc_start() returns by itself
}

}  // namespace nm::sw
