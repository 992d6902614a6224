#pragma once
// One DRAM channel: a TLM target that serves reads and writes in arrival order and counts the
// bytes it moved. Under dram.standard = bandwidth it is a pipe (the channel's bandwidth after its
// access latency, busy-until); under a standard a thin shell over hw/core's TimedDramChannel,
// which times each request at its channel-local address with the standard's bank, row and
// refresh timing (the module adds no time of its own).
//
// It also stores data, reached only through debug transport (transport_dbg): the payload's
// address is channel-local (see hw/core/dram_address_map.h), the access takes no simulated time
// and leaves the bandwidth resource and the byte counters untouched. Storage is sparse, in
// pages allocated on the first write; bytes never written read as zero.
#include <tlm_utils/simple_target_socket.h>
#include <cstdint>
#include <memory>
#include <systemc>
#include <tlm>
#include <unordered_map>

#include "hw/core/action_counts.h"
#include "hw/core/activity_trace.h"
#include "hw/core/bandwidth_resource.h"
#include "hw/core/dram_system.h"
#include "hw/tlm/sim_time.h"

namespace nm::hw {

class DramChannel : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<DramChannel> socket;

  DramChannel(sc_core::sc_module_name name, double bytes_per_cycle, uint64_t latency_cycles,
              ClockDomain clock);
  // A channel of a DRAM standard.
  DramChannel(sc_core::sc_module_name name, const DramSpec& spec, ClockDomain clock);

  uint64_t read_bytes() const { return read_bytes_; }
  uint64_t write_bytes() const { return write_bytes_; }
  uint64_t busy_cycles() const { return timed_ ? timed_->busy_cycles() : resource_.busy_cycles(); }
  // The standard's timing model (nullptr for the bandwidth pipe).
  const TimedDramChannel* timed() const { return timed_.get(); }
  // DRAM command counts (all zero for the bandwidth pipe).
  ActionCounts command_counts() const { return timed_ ? timed_->command_counts() : ActionCounts{}; }
  // Records every occupancy of the channel on its own track (before sc_start()): the bursts'
  // transfer for the bandwidth pipe, a request in flight under a DRAM standard.
  void set_trace(ActivityTrace* trace) {
    trace_ = trace;
    track_ =
        trace->add_track(name(), "bytes",
                         timed_ ? "a request in flight (arrival to completion, bank timing)"
                                : "the channel transferring a request's bursts (access latency excluded)");
  }
  // Backing store allocated so far (whole pages), for statistics and tests.
  uint64_t stored_bytes() const { return pages_.size() * kPageBytes; }

 private:
  static constexpr uint64_t kPageBytes = 64 * 1024;

  void b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& payload);

  BandwidthResource resource_;
  std::unique_ptr<TimedDramChannel> timed_;
  ClockDomain clock_;
  uint64_t read_bytes_ = 0;
  uint64_t write_bytes_ = 0;
  ActivityTrace* trace_ = nullptr;
  uint32_t track_ = 0;
  uint64_t trace_end_ = 0;  // the last recorded slice's end (timed channels)
  std::unordered_map<uint64_t, std::unique_ptr<uint8_t[]>> pages_;  // page number -> bytes
};

}  // namespace nm::hw
