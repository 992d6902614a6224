#pragma once
// Completion tracking of the running kernel. The command processor streams the tile plan: it
// adds each step's work items, DMA-only steps and DRAM writebacks as it issues the step, and
// closes the kernel after the last; engines report each item done. Engines also release each
// step once nothing refers to it any more (the NoC after distributing it, the DMA after a
// DMA-only step), so the command processor can reuse its storage.
#include <cstdint>
#include <systemc>
#include <vector>

namespace nm::hw {

struct PlanStep;

class KernelProgress {
 public:
  void begin() {
    outstanding_ = 0;
    open_ = true;
  }
  void add(uint64_t items) { outstanding_ += items; }
  void close() {
    open_ = false;
    if (outstanding_ == 0) finished_.notify(sc_core::SC_ZERO_TIME);
  }
  void done_one() {
    if (outstanding_ > 0 && --outstanding_ == 0 && !open_) finished_.notify(sc_core::SC_ZERO_TIME);
  }
  void wait_finished() {
    while (open_ || outstanding_ > 0) sc_core::wait(finished_);
  }

  void release_step(const PlanStep* step) {
    released_.push_back(step);
    step_released_.notify(sc_core::SC_ZERO_TIME);
  }
  // Calls `f` on each step released since the last call (the list keeps its capacity: this runs
  // once per issued step).
  template <typename F>
  void drain_released(F&& f) {
    for (const PlanStep* step : released_) f(step);
    released_.clear();
  }
  const sc_core::sc_event& step_released_event() const { return step_released_; }

 private:
  uint64_t outstanding_ = 0;
  bool open_ = false;
  sc_core::sc_event finished_;
  std::vector<const PlanStep*> released_;
  sc_core::sc_event step_released_;
};

}  // namespace nm::hw
