#include "hw/tlm/l2_buffer.h"

#include <algorithm>
#include <cstring>

#include "hw/tlm/kernel_extension.h"

namespace nm::hw {

L2Buffer::L2Buffer(sc_core::sc_module_name name, const ArchConfig& arch, ClockDomain clock)
    : sc_module(name),
      socket("socket"),
      resource_(arch.l2_bytes_per_cycle(), 0),
      clock_(clock),
      capacity_(arch.l2_staging_bytes()),
      activation_bytes_(arch.l2_activation_bytes()) {
  socket.register_b_transport(this, &L2Buffer::b_transport);
  socket.register_transport_dbg(this, &L2Buffer::transport_dbg);
}

void L2Buffer::end_kernel() {
  staged_bytes_ = 0;
}

void L2Buffer::b_transport(int /*id*/, tlm::tlm_generic_payload& payload, sc_core::sc_time& delay) {
  const uint64_t bytes = payload.get_data_length();
  const uint64_t request = clock_.to_cycles(sc_core::sc_time_stamp() + delay);
  resource_.retire_before(clock_.now_cycles());  // nothing can arrive in the past
  const uint64_t done = resource_.serve(request, bytes);
  if (trace_ != nullptr) trace_->record(track_, done - resource_.occupancy_cycles(bytes), done, bytes);
  (payload.is_read() ? read_bytes_ : write_bytes_) += bytes;

  if (const auto* t = payload.get_extension<TransferExtension>()) {
    if (t->stage_bytes > 0) {
      staged_bytes_ += t->stage_bytes;
      peak_staged_bytes_ = std::max(peak_staged_bytes_, staged_bytes_);
    }
    staged_bytes_ -= std::min<uint64_t>(staged_bytes_, t->release_bytes);
  }
  delay = clock_.to_time(done) - sc_core::sc_time_stamp();
  payload.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int L2Buffer::transport_dbg(int /*id*/, tlm::tlm_generic_payload& payload) {
  const uint64_t address = payload.get_address();
  const unsigned int length = payload.get_data_length();
  if (address > activation_bytes_ || length > activation_bytes_ - address) {
    payload.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return 0;
  }
  payload.set_response_status(tlm::TLM_OK_RESPONSE);
  if (payload.get_command() == tlm::TLM_IGNORE_COMMAND || length == 0) return 0;
  if (activation_data_.empty()) activation_data_.resize(activation_bytes_);
  uint8_t* region = activation_data_.data() + address;
  if (payload.is_write()) {
    std::memcpy(region, payload.get_data_ptr(), length);
  } else {
    std::memcpy(payload.get_data_ptr(), region, length);
  }
  return length;
}

}  // namespace nm::hw
