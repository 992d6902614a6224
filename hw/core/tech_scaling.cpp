#include "hw/core/tech_scaling.h"

#include <cmath>
#include <stdexcept>
#include <vector>

namespace nm::hw {

namespace {

struct NodeFactors {
  double node_nm, energy, area;
};

// Stillmaker-Baas energy factor (45 nm at 0.9 V, the table's Horowitz figures -> node at its nominal
// supply: 0.9 V at 32-20 nm, 0.8 V at 16-14, 0.75 V at 10, 0.7 V at 7, 1.1-1.3 V above 45) and area
// factor vs 45 nm.
const std::vector<NodeFactors>& table() {
  static const std::vector<NodeFactors> t = {
      {7, 0.057, 0.059}, {10, 0.083, 0.10}, {14, 0.11, 0.17}, {16, 0.14, 0.19}, {20, 0.24, 0.21},
      {32, 0.64, 0.46},  {45, 1.0, 1.0},    {65, 1.99, 1.5},  {90, 3.80, 2.8},  {130, 7.46, 6.4},
  };
  return t;
}

// Log-linear in the node between tabulated nodes: factor(node) for one column.
double interpolate(double node, double NodeFactors::*column) {
  const std::vector<NodeFactors>& t = table();
  for (size_t i = 0; i + 1 < t.size(); ++i) {
    if (node > t[i + 1].node_nm) continue;
    const double x =
        (std::log(node) - std::log(t[i].node_nm)) / (std::log(t[i + 1].node_nm) - std::log(t[i].node_nm));
    return std::exp(std::log(t[i].*column) + x * (std::log(t[i + 1].*column) - std::log(t[i].*column)));
  }
  return t.back().*column;
}

}  // namespace

TechScale scale_from_45nm(double node_nm) {
  if (!(node_nm >= kMinNodeNm && node_nm <= kMaxNodeNm))
    throw std::invalid_argument("scale_from_45nm: node outside 7..130 nm");
  TechScale s;
  s.node_nm = node_nm;
  s.logic_energy = interpolate(node_nm, &NodeFactors::energy);
  s.area = interpolate(node_nm, &NodeFactors::area);
  s.leakage = s.area;
  constexpr double kSramStallNm = 22;
  s.sram_energy = node_nm >= kSramStallNm
                      ? s.logic_energy
                      : interpolate(kSramStallNm, &NodeFactors::energy) * std::sqrt(node_nm / kSramStallNm);
  return s;
}

}  // namespace nm::hw
