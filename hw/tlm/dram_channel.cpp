#include "hw/tlm/dram_channel.h"

#include <algorithm>
#include <cstring>

namespace nm::hw {

DramChannel::DramChannel(sc_core::sc_module_name name, double bytes_per_cycle, uint64_t latency_cycles,
                         ClockDomain clock)
    : sc_module(name), socket("socket"), resource_(bytes_per_cycle, latency_cycles), clock_(clock) {
  socket.register_b_transport(this, &DramChannel::b_transport);
  socket.register_transport_dbg(this, &DramChannel::transport_dbg);
}

DramChannel::DramChannel(sc_core::sc_module_name name, const DramSpec& spec, ClockDomain clock)
    : sc_module(name),
      socket("socket"),
      timed_(std::make_unique<TimedDramChannel>(spec, clock.ghz())),
      clock_(clock) {
  socket.register_b_transport(this, &DramChannel::b_transport);
  socket.register_transport_dbg(this, &DramChannel::transport_dbg);
}

void DramChannel::b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay) {
  const uint64_t bytes = payload.get_data_length();
  const uint64_t request = clock_.to_cycles(sc_core::sc_time_stamp() + delay);
  uint64_t done = 0;
  if (timed_) {
    done = timed_->serve(request, payload.get_address(), bytes, payload.is_write());
    if (trace_ != nullptr) {
      // In flight from arrival to completion; slices never overlap, so they add up to the union
      // of those intervals, which is what busy_cycles() counts.
      const uint64_t start = std::max(request, trace_end_);
      if (done > start) trace_->record(track_, start, done, bytes);
      trace_end_ = std::max(trace_end_, done);
    }
  } else {
    resource_.retire_before(clock_.now_cycles());  // nothing can arrive in the past
    done = resource_.serve(request, bytes);
    if (trace_ != nullptr) {
      const uint64_t end = done - resource_.latency_cycles();
      trace_->record(track_, end - resource_.occupancy_cycles(bytes), end, bytes);
    }
  }
  (payload.is_read() ? read_bytes_ : write_bytes_) += bytes;
  delay = clock_.to_time(done) - sc_core::sc_time_stamp();
  payload.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int DramChannel::transport_dbg(tlm::tlm_generic_payload& payload) {
  const unsigned int length = payload.get_data_length();
  if (payload.get_command() == tlm::TLM_IGNORE_COMMAND || length == 0) {
    payload.set_response_status(tlm::TLM_OK_RESPONSE);
    return 0;
  }
  uint8_t* data = payload.get_data_ptr();
  const uint64_t address = payload.get_address();
  for (uint64_t done = 0; done < length;) {
    const uint64_t page = (address + done) / kPageBytes;
    const uint64_t in_page = (address + done) % kPageBytes;
    const uint64_t n = std::min<uint64_t>(length - done, kPageBytes - in_page);
    auto it = pages_.find(page);
    if (payload.is_write()) {
      if (it == pages_.end()) it = pages_.emplace(page, std::make_unique<uint8_t[]>(kPageBytes)).first;
      std::memcpy(it->second.get() + in_page, data + done, n);
    } else if (it == pages_.end()) {
      std::memset(data + done, 0, n);  // reads do not allocate: untouched memory is zero
    } else {
      std::memcpy(data + done, it->second.get() + in_page, n);
    }
    done += n;
  }
  payload.set_response_status(tlm::TLM_OK_RESPONSE);
  return length;
}

}  // namespace nm::hw
