#include "hw/tlm/dram_channel.h"

namespace nm::hw {

DramChannel::DramChannel(sc_core::sc_module_name name, double bytes_per_cycle, uint64_t latency_cycles,
                         ClockDomain clock)
    : sc_module(name), socket("socket"), resource_(bytes_per_cycle, latency_cycles), clock_(clock) {
  socket.register_b_transport(this, &DramChannel::b_transport);
}

void DramChannel::b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay) {
  const uint64_t bytes = payload.get_data_length();
  const uint64_t request = clock_.to_cycles(sc_core::sc_time_stamp() + delay);
  resource_.retire_before(clock_.now_cycles());  // nothing can arrive in the past
  const uint64_t done = resource_.serve(request, bytes);
  (payload.is_read() ? read_bytes_ : write_bytes_) += bytes;
  delay = clock_.to_time(done) - sc_core::sc_time_stamp();
  payload.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace nm::hw
