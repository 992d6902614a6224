#pragma once
// A TensorStore whose bytes live in the simulated accelerator: program tensors in DRAM sit in
// the DRAM channel models (interleaved at burst granularity, hw/core/dram_address_map.h), on-chip
// tensors in the L2 model's activation region, at the addresses of sw/functional/address_plan.h.
// Every access is a TLM-2.0 debug transport through the DMA engine's sockets: data moves, no
// simulated time passes and no timing counter changes. A tensor fused away (in_pe) is held here,
// as the PE registers of the kernel that produces and consumes it hold it.
#include <map>
#include <vector>

#include "hw/tlm/accelerator.h"
#include "sw/functional/address_plan.h"
#include "sw/functional/program_executor.h"

namespace nm::sw {

class TlmTensorStore : public TensorStore {
 public:
  TlmTensorStore(hw::Accelerator& accelerator, std::vector<TensorAddress> plan)
      : accelerator_(accelerator), plan_(std::move(plan)) {}

  void write(int tensor, const std::vector<uint8_t>& bytes) override;
  std::vector<uint8_t> read(int tensor) override;

 private:
  const TensorAddress& where(int tensor, uint64_t bytes) const;

  hw::Accelerator& accelerator_;
  std::vector<TensorAddress> plan_;
  std::map<int, std::vector<uint8_t>> in_pe_;
};

}  // namespace nm::sw
