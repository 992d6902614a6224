#include "hw/tlm/kernel_extension.h"

namespace nm::hw {

void init_transfer(tlm::tlm_generic_payload& payload, tlm::tlm_command command, uint64_t address,
                   uint64_t bytes) {
  payload.set_command(command);
  payload.set_address(address);
  payload.set_data_ptr(nullptr);
  payload.set_data_length(static_cast<unsigned int>(bytes));
  payload.set_streaming_width(static_cast<unsigned int>(bytes));
  payload.set_byte_enable_ptr(nullptr);
  payload.set_dmi_allowed(false);
  payload.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

}  // namespace nm::hw
