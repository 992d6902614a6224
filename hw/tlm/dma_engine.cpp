#include "hw/tlm/dma_engine.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "hw/core/dram_address_map.h"
#include "hw/core/dram_model.h"
#include "hw/tlm/kernel_extension.h"

namespace nm::hw {

DmaEngine::DmaEngine(sc_core::sc_module_name name, const ArchConfig& arch, ClockDomain clock)
    : sc_module(name),
      dram_socket("dram_socket"),
      l2_socket("l2_socket"),
      staging_slots("staging_slots", 2),
      writeback_slots("writeback_slots", static_cast<int>(arch.clusters)),
      burst_bytes_(arch.dram_burst_bytes),
      clock_(clock),
      latency_(clock.to_time(arch.dram_latency_cycles())) {
  if (arch.dram_timed()) streams_ = std::make_unique<DramStreams>(arch);
  SC_THREAD(fill_thread);
  SC_THREAD(drain_thread);
}

sc_core::sc_time DmaEngine::accepted(const sc_core::sc_time& dram) const {
  return dram > latency_ ? dram - latency_ : sc_core::SC_ZERO_TIME;
}

sc_core::sc_time DmaEngine::dram_access(tlm::tlm_command command, uint64_t bytes) {
  const uint64_t channels = static_cast<uint64_t>(dram_socket.size());
  const uint64_t bursts = (bytes + burst_bytes_ - 1) / burst_bytes_;
  sc_core::sc_time slowest = sc_core::SC_ZERO_TIME;
  tlm::tlm_generic_payload payload;
  if (streams_) {  // a DRAM standard: each channel's piece at its address (dram_system.h)
    return transport_pieces(command, streams_->next(bytes, command == tlm::TLM_WRITE_COMMAND));
  }
  for (uint64_t i = 0; i < channels; ++i) {
    const uint64_t channel_bursts = DramModel::striped_bursts(bursts, i, channels);
    if (channel_bursts == 0) continue;
    const uint64_t c = (next_channel_ + i) % channels;
    init_transfer(payload, command, c * burst_bytes_, channel_bursts * burst_bytes_);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;  // channels work in parallel
    dram_socket[static_cast<int>(c)]->b_transport(payload, delay);
    slowest = std::max(slowest, delay);
  }
  next_channel_ = (next_channel_ + bursts) % channels;  // interleaving continues where it ended
  return slowest;
}

sc_core::sc_time DmaEngine::transport_pieces(tlm::tlm_command command,
                                             const std::vector<DramStreamPiece>& pieces) {
  sc_core::sc_time slowest = sc_core::SC_ZERO_TIME;
  tlm::tlm_generic_payload payload;
  for (const DramStreamPiece& p : pieces) {  // channels work in parallel, a channel's pieces in order
    init_transfer(payload, command, p.local_address, p.bytes);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    dram_socket[static_cast<int>(p.channel)]->b_transport(payload, delay);
    slowest = std::max(slowest, delay);
  }
  return slowest;
}

sc_core::sc_time DmaEngine::dram_read(const PlanStep& step) {
  const DramReadSplit split = dram_read_split(step);
  if (!streams_) return dram_access(tlm::TLM_READ_COMMAND, split.total());
  return transport_pieces(tlm::TLM_READ_COMMAND, streams_->next_read(split, step.dram_rows));
}

sc_core::sc_time DmaEngine::l2_access(tlm::tlm_command command, uint64_t bytes, uint64_t stage_bytes,
                                      uint64_t release_bytes) {
  tlm::tlm_generic_payload payload;
  TransferExtension ext;
  ext.stage_bytes = stage_bytes;
  ext.release_bytes = release_bytes;
  init_transfer(payload, command, 0, bytes);
  payload.set_extension(&ext);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  l2_socket->b_transport(payload, delay);
  payload.clear_extension(&ext);
  return delay;
}

namespace {

// One debug transaction on a reusable payload. A target that moves fewer bytes than asked means
// the caller's range is wrong (e.g. outside L2's activation region): throw where it can see it.
// `target_name` is only evaluated to report that.
template <typename TargetName>
uint64_t debug_transfer(tlm::tlm_fw_transport_if<>& target, tlm::tlm_generic_payload& payload,
                        tlm::tlm_command command, uint64_t address, uint8_t* data, uint64_t length,
                        TargetName&& target_name) {
  if (length > std::numeric_limits<unsigned int>::max()) {
    throw std::runtime_error("debug access of " + std::to_string(length) + " B to " + target_name() +
                             " exceeds one TLM payload");
  }
  init_transfer(payload, command, address, length);
  payload.set_data_ptr(data);
  const unsigned int moved = target.transport_dbg(payload);
  if (moved != length) {
    throw std::runtime_error("debug access to " + target_name() + " moved " + std::to_string(moved) + " of " +
                             std::to_string(length) + " B at address " + std::to_string(address) + " (" +
                             payload.get_response_string() + ")");
  }
  return moved;
}

// Socket indexing works only once elaboration has resolved the bindings.
void require_elaborated(const char* who) {
  const sc_core::sc_status status = sc_core::sc_get_status();
  if (status == sc_core::SC_ELABORATION || status == sc_core::SC_BEFORE_END_OF_ELABORATION) {
    throw std::runtime_error(std::string(who) + ": debug access before elaboration completed");
  }
}

}  // namespace

uint64_t DmaEngine::debug_dram(tlm::tlm_command command, uint64_t global_address, uint8_t* data,
                               uint64_t length) {
  require_elaborated(name());
  const uint32_t channels = static_cast<uint32_t>(dram_socket.size());
  tlm::tlm_generic_payload payload;
  for_each_dram_piece(global_address, length, channels, burst_bytes_, [&](const DramPiece& piece) {
    const uint32_t channel = piece.location.channel;
    debug_transfer(*dram_socket[static_cast<int>(channel)], payload, command, piece.location.local_address,
                   data + piece.offset, piece.length,
                   [channel] { return "DRAM channel " + std::to_string(channel); });
  });
  return length;
}

uint64_t DmaEngine::debug_l2(tlm::tlm_command command, uint64_t address, uint8_t* data, uint64_t length) {
  require_elaborated(name());
  tlm::tlm_generic_payload payload;
  return debug_transfer(*l2_socket[0], payload, command, address, data, length,
                        [] { return std::string("L2"); });
}

void DmaEngine::fill_thread() {
  for (;;) {
    const PlanStep* step = fill_queue.pop();
    staging_slots.wait();
    const uint64_t start = trace_ != nullptr ? clock_.now_cycles() : 0;
    sc_core::sc_time ready = sc_core::sc_time_stamp();
    if (step->dram_read_bytes > 0) {
      // DMA-kernel copies that stay on chip land in the activation region, not staging.
      const bool dma_only = step->multicasts.empty() && step->work.empty();
      const bool staged = !dma_only || step->dram_write_bytes > 0;
      const sc_core::sc_time dram = dram_read(*step);
      const sc_core::sc_time l2 =
          l2_access(tlm::TLM_WRITE_COMMAND, step->dram_read_bytes, staged ? step->dram_read_bytes : 0, 0);
      ready = sc_core::sc_time_stamp() + std::max(dram, l2);
      wait(std::max(accepted(dram), l2));  // free to issue once the channels accepted the data
    }
    if (step->dram_write_bytes > 0) {
      // A DMA-kernel copy writes back what it read: the write waits for the data.
      wait(ready - sc_core::sc_time_stamp());
      const sc_core::sc_time l2 =
          l2_access(tlm::TLM_READ_COMMAND, step->dram_write_bytes, 0, step->dram_write_bytes);
      const sc_core::sc_time dram = dram_access(tlm::TLM_WRITE_COMMAND, step->dram_write_bytes);
      wait(std::max(dram, l2));
      ready = sc_core::sc_time_stamp();
    }
    ++staged_steps_;
    if (step->multicasts.empty() && step->work.empty()) {
      if (ready > sc_core::sc_time_stamp()) wait(ready - sc_core::sc_time_stamp());
      if (trace_ != nullptr)
        trace_->record(fill_track_, start, clock_.now_cycles(),
                       step->dram_read_bytes + step->dram_write_bytes);
      staging_slots.post();
      progress_->release_step(step);
      progress_->done_one();
    } else {
      if (trace_ != nullptr)
        trace_->record(fill_track_, start, clock_.now_cycles(),
                       step->dram_read_bytes + step->dram_write_bytes);
      noc_queue_->push({step, ready});
    }
  }
}

void DmaEngine::drain_thread() {
  for (;;) {
    const WritebackJob job = drain_queue.pop();
    const uint64_t start = trace_ != nullptr ? clock_.now_cycles() : 0;
    ++drained_tiles_;
    const sc_core::sc_time l2 = l2_access(tlm::TLM_READ_COMMAND, job.bytes, 0, job.bytes);
    const sc_core::sc_time dram = dram_access(tlm::TLM_WRITE_COMMAND, job.bytes);
    last_write_done_ = std::max(last_write_done_, sc_core::sc_time_stamp() + dram);
    wait(l2);
    writeback_slots.post();  // the tile has left L2
    wait(std::max(accepted(dram), l2) - l2);
    if (trace_ != nullptr) trace_->record(drain_track_, start, clock_.now_cycles(), job.bytes);
    progress_->done_one();
  }
}

}  // namespace nm::hw
