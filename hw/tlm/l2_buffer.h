#pragma once
// The L2 global buffer: a banked SRAM target. Transfers are striped over all banks, so it
// serves banks x bank_bytes_per_cycle bytes per cycle, in arrival order. It enforces the
// staging region's capacity: DMA fills allocate, the NoC reads that consume a step release,
// resident operands stay until end_kernel(). Exceeding capacity is a model error (the mapper
// validated the mapping against the same capacity): it is recorded, not thrown inside the
// simulation, and the simulator reports it once sc_start() returns.
//
// The activation region [0, l2_activation_bytes()) also holds data, reached only through debug
// transport (transport_dbg): no simulated time, no change to the bandwidth resource, the byte
// counters or the staging bookkeeping. An access not wholly inside the region moves nothing
// and answers TLM_ADDRESS_ERROR_RESPONSE. The region is allocated on the first debug access,
// so timing-only runs pay nothing for it.
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <cstdint>
#include <systemc>
#include <tlm>
#include <vector>

#include "hw/core/activity_trace.h"
#include "hw/core/arch_config.h"
#include "hw/core/bandwidth_resource.h"
#include "hw/tlm/sim_time.h"

namespace nm::hw {

class L2Buffer : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<L2Buffer> socket;

  L2Buffer(sc_core::sc_module_name name, const ArchConfig& arch, ClockDomain clock);

  // The staging bytes of the kernel that just ended are all free again.
  void end_kernel();

  uint64_t read_bytes() const { return read_bytes_; }
  uint64_t write_bytes() const { return write_bytes_; }
  uint64_t busy_cycles() const { return resource_.busy_cycles(); }
  uint64_t staged_bytes() const { return staged_bytes_; }
  uint64_t peak_staged_bytes() const { return peak_staged_bytes_; }
  uint64_t staging_capacity_bytes() const { return capacity_; }
  bool overflowed() const { return peak_staged_bytes_ > capacity_; }
  // Records every occupancy of the banks on its own track (before sc_start()).
  void set_trace(ActivityTrace* trace) {
    trace_ = trace;
    track_ = trace->add_track(name(), "bytes", "the banks serving a read or write (all banks, striped)");
  }

 private:
  void b_transport(int id, tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);
  unsigned int transport_dbg(int id, tlm::tlm_generic_payload& payload);

  BandwidthResource resource_;
  ClockDomain clock_;
  uint64_t capacity_;
  uint64_t activation_bytes_;
  std::vector<uint8_t> activation_data_;  // empty until the first debug access
  uint64_t read_bytes_ = 0;
  uint64_t write_bytes_ = 0;
  uint64_t staged_bytes_ = 0;
  uint64_t peak_staged_bytes_ = 0;
  ActivityTrace* trace_ = nullptr;
  uint32_t track_ = 0;
};

}  // namespace nm::hw
