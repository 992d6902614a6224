#pragma once
// Cycle <-> sc_time conversion: hw/core counts cycles, only hw/tlm sees sc_time.
#include <cmath>
#include <cstdint>
#include <systemc>

namespace nm::hw {

class ClockDomain {
 public:
  explicit ClockDomain(double clock_ghz) : period_ps_(1000.0 / clock_ghz) {}
  sc_core::sc_time to_time(uint64_t cycles) const {
    return sc_core::sc_time(static_cast<double>(cycles) * period_ps_, sc_core::SC_PS);
  }
  uint64_t to_cycles(const sc_core::sc_time& t) const {
    return static_cast<uint64_t>(std::llround(t.to_seconds() * 1e12 / period_ps_));
  }
  uint64_t now_cycles() const { return to_cycles(sc_core::sc_time_stamp()); }

 private:
  double period_ps_;
};

}  // namespace nm::hw
