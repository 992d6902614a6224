#include "hw/tlm/command_processor.h"

#include "hw/tlm/kernel_extension.h"

namespace nm::hw {

CommandProcessor::CommandProcessor(sc_core::sc_module_name name, const ArchConfig& arch)
    : sc_module(name), socket("socket"), arch_(arch) {
  socket.register_b_transport(this, &CommandProcessor::b_transport);
}

void CommandProcessor::b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay) {
  const auto* command = payload.get_extension<KernelExtension>();
  if (command == nullptr || command->kernel == nullptr) {
    payload.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);  // the extension is mandatory
    return;
  }
  wait(delay);
  delay = sc_core::SC_ZERO_TIME;

  plan_ = build_tile_plan(*command->kernel, command->mapping, arch_);
  uint64_t items = 0;
  for (const PlanStep& step : plan_.steps) {
    if (step.work.empty() && step.multicasts.empty()) ++items;  // DMA-only step
    for (const ClusterWork& w : step.work) items += 1 + (w.writeback_dram_bytes > 0 ? 1 : 0);
  }
  progress.expect(items);
  for (const PlanStep& step : plan_.steps) dma_->fill_queue.push(&step);
  progress.wait_finished();
  // DRAM writes still in flight (their latency) must land before the kernel is done.
  if (dma_->last_write_done() > sc_core::sc_time_stamp())
    wait(dma_->last_write_done() - sc_core::sc_time_stamp());
  l2_->end_kernel();
  payload.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace nm::hw
