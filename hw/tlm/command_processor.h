#pragma once
// Command processor: the TLM target the driver sends kernel commands to. A command carries a
// KernelExtension (descriptor + mapping); the command processor expands it into the tile plan
// (address generation), queues the steps on the DMA, and completes the transaction when every
// step has been computed and every output written back.
#include <tlm_utils/simple_target_socket.h>
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

 private:
  void b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);

  ArchConfig arch_;
  TilePlan plan_;
  DmaEngine* dma_ = nullptr;
  L2Buffer* l2_ = nullptr;
};

}  // namespace nm::hw
