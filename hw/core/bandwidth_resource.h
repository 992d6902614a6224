#pragma once
// A shared, bandwidth-limited resource (DRAM channel, NoC, L2) that serves requests whole, in
// the earliest idle interval at or after their arrival.
//
// Contract: serve(request_cycle, bytes) occupies the resource for ceil(bytes / bytes_per_cycle)
// consecutive cycles starting at the earliest cycle >= request_cycle at which it is idle for
// that long, and returns the completion cycle (end of occupancy + fixed latency). Requests that
// arrive in time order (the SystemC model) see plain busy-until FIFO behaviour: contention
// appears when requests overlap. A caller that computes requests out of time order (the
// analytical pipeline model) still gets the idle gaps an in-order arrival would have used.
// retire_before(t) forgets occupancy before t once no request can arrive earlier.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <map>

namespace nm::hw {

class BandwidthResource {
 public:
  BandwidthResource() = default;
  BandwidthResource(double bytes_per_cycle, uint64_t latency_cycles)
      : bytes_per_cycle_(bytes_per_cycle), latency_cycles_(latency_cycles) {}

  uint64_t occupancy_cycles(uint64_t bytes) const {
    return static_cast<uint64_t>(std::ceil(static_cast<double>(bytes) / bytes_per_cycle_ - 1e-9));
  }

  uint64_t serve(uint64_t request_cycle, uint64_t bytes) {
    const uint64_t occupancy = occupancy_cycles(bytes);
    bytes_served_ += bytes;
    if (occupancy == 0) return request_cycle + latency_cycles_;
    busy_cycles_ += occupancy;
    // Find the first gap of `occupancy` cycles at or after the request.
    uint64_t start = request_cycle;
    auto next = busy_.upper_bound(start);
    if (next != busy_.begin()) {
      auto prev = std::prev(next);
      if (prev->second > start) start = prev->second;
    }
    while (next != busy_.end() && next->first < start + occupancy) {
      start = std::max(start, next->second);
      ++next;
    }
    uint64_t end = start + occupancy;
    // Fast path (a saturated resource): the request extends the last busy interval in place.
    if (next == busy_.end() && !busy_.empty() && busy_.rbegin()->second == start) {
      busy_.rbegin()->second = end;
      return end + latency_cycles_;
    }
    // Insert [start, end) and merge with touching neighbours.
    auto it = busy_.emplace_hint(next, start, end);
    if (next != busy_.end() && next->first == end) {
      it->second = next->second;
      busy_.erase(next);
    }
    if (it != busy_.begin()) {
      auto prev = std::prev(it);
      if (prev->second == start) {
        prev->second = it->second;
        busy_.erase(it);
      }
    }
    return end + latency_cycles_;
  }

  void retire_before(uint64_t cycle) {
    while (!busy_.empty() && busy_.begin()->second < cycle) busy_.erase(busy_.begin());
  }

  uint64_t busy_until() const { return busy_.empty() ? 0 : busy_.rbegin()->second; }
  uint64_t busy_cycles() const { return busy_cycles_; }
  uint64_t bytes_served() const { return bytes_served_; }
  double bytes_per_cycle() const { return bytes_per_cycle_; }
  uint64_t latency_cycles() const { return latency_cycles_; }

 private:
  double bytes_per_cycle_ = 1.0;
  uint64_t latency_cycles_ = 0;
  std::map<uint64_t, uint64_t> busy_;  // start -> end of disjoint busy intervals
  uint64_t busy_cycles_ = 0;
  uint64_t bytes_served_ = 0;
};

}  // namespace nm::hw
