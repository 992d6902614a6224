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
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace nm::hw {

class BandwidthResource {
 public:
  BandwidthResource() = default;
  BandwidthResource(double bytes_per_cycle, uint64_t latency_cycles)
      : bytes_per_cycle_(bytes_per_cycle), latency_cycles_(latency_cycles) {}

  // Checked before the cast: a rate so low that the count leaves uint64 (1e-300 Gbit/s made runs
  // faster) throws std::overflow_error. validate()'s bounds keep real configs far inside.
  uint64_t occupancy_cycles(uint64_t bytes) const {
    const double cycles = std::ceil(static_cast<double>(bytes) / bytes_per_cycle_ - 1e-9);
    if (!(cycles < 18446744073709551616.0)) {  // 2^64, exact; NaN fails too
      throw std::overflow_error("transfer of " + std::to_string(bytes) + " bytes at " +
                                std::to_string(bytes_per_cycle_) +
                                " bytes per cycle overflows a cycle count");
    }
    return cycles > 0 ? static_cast<uint64_t>(cycles) : 0;
  }

  uint64_t serve(uint64_t request_cycle, uint64_t bytes) {
    const uint64_t occupancy = occupancy_cycles(bytes);
    bytes_served_ += bytes;
    if (occupancy == 0) return request_cycle + latency_cycles_;
    busy_cycles_ += occupancy;
    // The first interval ending after the request (binary search: out-of-order callers may
    // request far behind the end of a long, fragmented history).
    size_t next = busy_.size();
    if (next > 0 && busy_.back().end > request_cycle) {
      next = static_cast<size_t>(
          std::partition_point(busy_.begin(), busy_.end(),
                               [request_cycle](const Interval& i) { return i.end <= request_cycle; }) -
          busy_.begin());
    }
    // Walk forward to the first gap of `occupancy` cycles at or after the request.
    uint64_t start = request_cycle;
    while (next < busy_.size() && busy_[next].start < start + occupancy) {
      start = std::max(start, busy_[next].end);
      ++next;
    }
    const uint64_t end = start + occupancy;
    // Insert [start, end) before `next`, merging with touching neighbours.
    const bool joins_prev = next > 0 && busy_[next - 1].end == start;
    const bool joins_next = next < busy_.size() && busy_[next].start == end;
    if (joins_prev && joins_next) {
      busy_[next - 1].end = busy_[next].end;
      busy_.erase(busy_.begin() + static_cast<std::ptrdiff_t>(next));
    } else if (joins_prev) {
      busy_[next - 1].end = end;
    } else if (joins_next) {
      busy_[next].start = start;
    } else {
      busy_.insert(busy_.begin() + static_cast<std::ptrdiff_t>(next), Interval{start, end});
    }
    return end + latency_cycles_;
  }

  void retire_before(uint64_t cycle) {
    size_t keep = 0;
    while (keep < busy_.size() && busy_[keep].end < cycle) ++keep;
    busy_.erase(busy_.begin(), busy_.begin() + static_cast<std::ptrdiff_t>(keep));
  }

  uint64_t busy_until() const { return busy_.empty() ? 0 : busy_.back().end; }
  uint64_t busy_cycles() const { return busy_cycles_; }
  uint64_t bytes_served() const { return bytes_served_; }
  double bytes_per_cycle() const { return bytes_per_cycle_; }
  uint64_t latency_cycles() const { return latency_cycles_; }

 private:
  double bytes_per_cycle_ = 1.0;
  uint64_t latency_cycles_ = 0;
  struct Interval {
    uint64_t start, end;
  };
  std::vector<Interval> busy_;  // disjoint busy intervals, sorted, touching ones merged
  uint64_t busy_cycles_ = 0;
  uint64_t bytes_served_ = 0;
};

}  // namespace nm::hw
