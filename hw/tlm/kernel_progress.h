#pragma once
// Completion tracking of the running kernel: the command processor sets how many work items,
// DMA-only steps and DRAM writebacks to expect; engines report each one done.
#include <cstdint>
#include <systemc>

namespace nm::hw {

class KernelProgress {
 public:
  void expect(uint64_t items) { outstanding_ = items; }
  void done_one() {
    if (outstanding_ > 0 && --outstanding_ == 0) finished_.notify(sc_core::SC_ZERO_TIME);
  }
  void wait_finished() {
    while (outstanding_ > 0) sc_core::wait(finished_);
  }

 private:
  uint64_t outstanding_ = 0;
  sc_core::sc_event finished_;
};

}  // namespace nm::hw
