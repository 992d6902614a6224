#include "sw/report/run_result.h"

namespace nm::sw {

double RunResult::latency_s() const {
  return static_cast<double>(cycles) / (config.arch.clock_ghz * 1e9);
}
double RunResult::throughput_per_s() const {
  return latency_s() > 0 ? static_cast<double>(batch) / latency_s() : 0.0;
}
double RunResult::power_w() const {
  return latency_s() > 0 ? energy.total_j() / latency_s() : 0.0;
}
double RunResult::throughput_per_watt() const {
  return power_w() > 0 ? throughput_per_s() / power_w() : 0.0;
}
double RunResult::pe_utilization() const {
  return cycles > 0 ? static_cast<double>(totals.macs) / (static_cast<double>(config.arch.pe_count) * cycles)
                    : 0.0;
}

}  // namespace nm::sw
