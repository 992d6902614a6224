#pragma once
// One DRAM channel: a TLM target that serves reads and writes at the channel's bandwidth after
// its access latency, in arrival order (busy-until), and counts the bytes it moved.
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "hw/core/bandwidth_resource.h"
#include "hw/tlm/sim_time.h"

namespace nm::hw {

class DramChannel : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<DramChannel> socket;

  DramChannel(sc_core::sc_module_name name, double bytes_per_cycle, uint64_t latency_cycles,
              ClockDomain clock);

  uint64_t read_bytes() const { return read_bytes_; }
  uint64_t write_bytes() const { return write_bytes_; }
  uint64_t busy_cycles() const { return resource_.busy_cycles(); }

 private:
  void b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);

  BandwidthResource resource_;
  ClockDomain clock_;
  uint64_t read_bytes_ = 0;
  uint64_t write_bytes_ = 0;
};

}  // namespace nm::hw
