#pragma once
// Cycle <-> sc_time conversion: hw/core counts cycles, only hw/tlm sees sc_time.
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <systemc>

namespace nm::hw {

class ClockDomain {
 public:
  explicit ClockDomain(double clock_ghz) : period_ps_(1000.0 / clock_ghz) {}
  // Both conversions check their range before casting (sc_time's from double, llround's).
  sc_core::sc_time to_time(uint64_t cycles) const {
    const double ps = static_cast<double>(cycles) * period_ps_;
    if (!(ps * 1e-12 < sc_core::sc_max_time().to_seconds()))
      throw std::overflow_error(std::to_string(cycles) + " cycles leave SystemC's time range");
    return sc_core::sc_time(ps, sc_core::SC_PS);
  }
  uint64_t to_cycles(const sc_core::sc_time& t) const {
    const double cycles = t.to_seconds() * 1e12 / period_ps_;
    if (!(cycles < 9223372036854775808.0))  // 2^63: llround's range
      throw std::overflow_error("simulated time " + t.to_string() + " overflows a cycle count");
    return static_cast<uint64_t>(std::llround(cycles));
  }
  uint64_t now_cycles() const { return to_cycles(sc_core::sc_time_stamp()); }
  double ghz() const { return 1000.0 / period_ps_; }

 private:
  double period_ps_;
};

}  // namespace nm::hw
