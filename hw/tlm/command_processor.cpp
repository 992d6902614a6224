#include "hw/tlm/command_processor.h"

#include <algorithm>

#include "hw/tlm/kernel_extension.h"

namespace nm::hw {

CommandProcessor::CommandProcessor(sc_core::sc_module_name name, const ArchConfig& arch)
    : sc_module(name), socket("socket"), arch_(arch) {
  socket.register_b_transport(this, &CommandProcessor::b_transport);
}

void CommandProcessor::retire_released_steps() {
  progress.drain_released([this](const PlanStep* step) {
    for (size_t i = 0; i < window_.size(); ++i) {
      if (&window_[i] == step) released_[i] = true;
    }
  });
  while (!window_.empty() && released_.front()) {
    window_.pop_front();
    released_.pop_front();
  }
}

void CommandProcessor::b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay) {
  const auto* command = payload.get_extension<KernelExtension>();
  if (command == nullptr || command->kernel == nullptr) {
    payload.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);  // the extension is mandatory
    return;
  }
  wait(delay);
  delay = sc_core::SC_ZERO_TIME;

  progress.begin();
  for_each_plan_step(*command->kernel, command->mapping, arch_, [this](const PlanStep& step) {
    retire_released_steps();
    while (window_.size() >= kStepWindow) {
      wait(progress.step_released_event());
      retire_released_steps();
    }
    uint64_t items = 0;
    if (step.work.empty() && step.multicasts.empty()) ++items;  // DMA-only step
    for (const ClusterWork& w : step.work) items += 1 + (w.writeback_dram_bytes > 0 ? 1 : 0);
    progress.add(items);
    window_.push_back(step);
    released_.push_back(false);
    peak_steps_held_ = std::max(peak_steps_held_, window_.size());
    dma_->fill_queue.push(&window_.back());
  });
  progress.close();
  progress.wait_finished();
  retire_released_steps();
  // DRAM writes still in flight (their latency) must land before the kernel is done.
  if (dma_->last_write_done() > sc_core::sc_time_stamp())
    wait(dma_->last_write_done() - sc_core::sc_time_stamp());
  l2_->end_kernel();
  payload.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace nm::hw
