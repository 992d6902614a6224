#pragma once
// A silicon-area proxy for Pareto ranking of sweep points (not a layout estimate).
//
// Contract: mm^2 at 45 nm = PEs x (multiplier + accumulator adder area of the datatype) +
// SRAM bits (all L1s + L2) x cell area / array efficiency. Sources in area_model.cpp.
#include <cstdint>
#include <string>

namespace nm::sw {

double area_proxy_mm2(uint64_t pe_count, uint64_t l1_bytes_per_pe, uint64_t l2_bytes,
                      const std::string& datatype);

}  // namespace nm::sw
