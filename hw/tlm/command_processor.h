#pragma once
// Command processor: the TLM target the driver sends kernel commands to. A command carries a
// KernelExtension (descriptor + mapping); the command processor expands it into the tile plan
// (address generation) step by step, queues the steps on the DMA, and completes the transaction
// when every step has been computed and every output written back. Only a short window of steps
// exists at a time (as in a hardware command queue), so a plan of any length takes bounded memory.
#include <tlm_utils/simple_target_socket.h>

#include <deque>
#include <systemc>
#include <tlm>

#include "hw/core/arch_config.h"
#include "hw/core/tile_plan.h"
#include "hw/tlm/dma_engine.h"
#include "hw/tlm/kernel_progress.h"
#include "hw/tlm/l2_buffer.h"

namespace nm::hw {

class CommandProcessor : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<CommandProcessor> socket;
  KernelProgress progress;

  CommandProcessor(sc_core::sc_module_name name, const ArchConfig& arch);
  void connect(DmaEngine* dma, L2Buffer* l2) {
    dma_ = dma;
    l2_ = l2;
  }

  // Steps issued to the DMA and not yet released: enough that the DMA never waits for the
  // command processor (it holds at most the staging slots' worth), few enough to stay small.
  static constexpr size_t kStepWindow = 16;
  // The most steps held at once over the run (at most kStepWindow).
  size_t peak_steps_held() const { return peak_steps_held_; }

 private:
  void b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);

  void retire_released_steps();

  ArchConfig arch_;
  std::deque<PlanStep> window_;  // issued steps, oldest first (a deque keeps their addresses)
  std::deque<bool> released_;    // parallel to window_
  size_t peak_steps_held_ = 0;
  DmaEngine* dma_ = nullptr;
  L2Buffer* l2_ = nullptr;
};

}  // namespace nm::hw
