#pragma once
// TLM payload extensions of nm_sim's private protocol (mandatory on the transactions they
// name, as in Accellera's lt_extension_mandatory example).
//  - KernelExtension: driver -> command processor: the kernel descriptor and its mapping.
//  - WorkExtension: NoC -> cluster: the compute command of one step for that cluster.
//  - TransferExtension: on L2/NoC/DRAM transfers: the multicast destination set and whether a
//    transfer occupies or frees L2 staging space.
#include <tlm>

#include "hw/core/kernel_desc.h"
#include "hw/core/tile_plan.h"

namespace nm::hw {

struct KernelExtension : tlm::tlm_extension<KernelExtension> {
  const KernelDesc* kernel = nullptr;
  Mapping mapping;
  tlm::tlm_extension_base* clone() const override { return new KernelExtension(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const KernelExtension&>(other);
  }
};

struct WorkExtension : tlm::tlm_extension<WorkExtension> {
  const ClusterWork* work = nullptr;
  tlm::tlm_extension_base* clone() const override { return new WorkExtension(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const WorkExtension&>(other);
  }
};

struct TransferExtension : tlm::tlm_extension<TransferExtension> {
  uint64_t cluster_mask = 0;   // NoC: destinations of a multicast, or the source of a writeback
  uint64_t stage_bytes = 0;    // L2: bytes this access adds to the staging region
  uint64_t release_bytes = 0;  // L2: bytes of the staging region this access frees
  tlm::tlm_extension_base* clone() const override { return new TransferExtension(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const TransferExtension&>(other);
  }
};

// A payload for a data-less transfer of `bytes`: timing and counting only. Functional mode moves
// the data itself with debug transport (DmaEngine::debug_dram / debug_l2), which takes no time.
void init_transfer(tlm::tlm_generic_payload& payload, tlm::tlm_command command, uint64_t address,
                   uint64_t bytes);

}  // namespace nm::hw
