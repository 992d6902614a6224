#include "sw/runtime/tlm_tensor_store.h"

#include <stdexcept>
#include <string>

namespace nm::sw {

const TensorAddress& TlmTensorStore::where(int tensor, uint64_t bytes) const {
  const TensorAddress& a = plan_.at(static_cast<size_t>(tensor));
  if (bytes != a.bytes) {
    throw std::logic_error("tensor " + std::to_string(tensor) + ": " + std::to_string(bytes) +
                           " B do not match its " + std::to_string(a.bytes) + " B storage");
  }
  return a;
}

void TlmTensorStore::write(int tensor, const std::vector<uint8_t>& bytes) {
  const TensorAddress& a = where(tensor, bytes.size());
  if (a.in_pe) {
    in_pe_[tensor] = bytes;
    return;
  }
  auto* data = const_cast<uint8_t*>(bytes.data());  // a write payload only reads its data
  if (a.in_l2) {
    accelerator_.debug_l2(tlm::TLM_WRITE_COMMAND, a.address, data, a.bytes);
  } else {
    accelerator_.debug_dram(tlm::TLM_WRITE_COMMAND, a.address, data, a.bytes);
  }
}

std::vector<uint8_t> TlmTensorStore::read(int tensor) {
  const TensorAddress& a = plan_.at(static_cast<size_t>(tensor));
  if (a.in_pe) return in_pe_.at(tensor);
  std::vector<uint8_t> bytes(a.bytes);
  if (a.in_l2) {
    accelerator_.debug_l2(tlm::TLM_READ_COMMAND, a.address, bytes.data(), a.bytes);
  } else {
    accelerator_.debug_dram(tlm::TLM_READ_COMMAND, a.address, bytes.data(), a.bytes);
  }
  return bytes;
}

}  // namespace nm::sw
