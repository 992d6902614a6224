#include "hw/core/sram_model.h"

#include <array>
#include <cmath>
#include <stdexcept>
#include <utility>
#include <vector>

namespace nm::hw {

const char* sram_cells_name(SramCells cells) {
  switch (cells) {
    case SramCells::kFixed:
      return "fixed";
    case SramCells::kCactiLop:
      return "cacti7_lop";
    case SramCells::kCactiHp:
      return "cacti7_hp";
  }
  return "unknown";
}

namespace {

constexpr size_t kMetrics = 5;  // read pJ, write pJ, leakage mW, area mm^2, cycle ns
using Metrics = std::array<double, kMetrics>;

struct Run {
  uint64_t bytes;
  uint32_t port_bits, banks;
  SramCells cells;
  Metrics figures;
};

// CACTI 7.0, 45 nm, 350 K: size (B), port width (bit), banks, flavour, read and write pJ per
// access, leakage mW, area mm^2, cycle ns (../shared/reference/energy/cacti7_45nm_sram.csv).
const std::vector<Run>& runs() {
  static const std::vector<Run> table = {
      {512, 16, 1, SramCells::kCactiHp, 0.646, 0.937, 0.6018, 0.0019, 0.145},
      {4096, 8, 1, SramCells::kCactiHp, 2.253, 1.499, 4.7895, 0.0132, 0.210},
      {4096, 16, 1, SramCells::kCactiHp, 2.349, 2.049, 4.7518, 0.0131, 0.210},
      {4096, 32, 1, SramCells::kCactiHp, 2.541, 3.148, 4.7321, 0.0132, 0.210},
      {4096, 64, 1, SramCells::kCactiHp, 2.924, 5.345, 4.7400, 0.0135, 0.210},
      {4096, 128, 1, SramCells::kCactiHp, 3.684, 9.733, 4.7520, 0.0143, 0.210},
      {8192, 64, 1, SramCells::kCactiHp, 5.288, 6.502, 8.7532, 0.0263, 0.253},
      {32768, 64, 1, SramCells::kCactiHp, 14.925, 12.690, 32.8606, 0.0949, 0.431},
      {1048576, 64, 1, SramCells::kCactiHp, 67.688, 55.894, 954.9320, 3.1695, 0.795},
      {1048576, 128, 1, SramCells::kCactiHp, 115.033, 91.446, 905.2360, 3.2471, 2.072},
      {1048576, 256, 1, SramCells::kCactiHp, 179.969, 171.029, 907.1660, 3.6752, 2.072},
      {1048576, 512, 1, SramCells::kCactiHp, 311.132, 352.773, 906.0800, 3.9517, 2.218},
      {1048576, 128, 8, SramCells::kCactiHp, 99.571, 109.981, 1072.8640, 3.7617, 0.570},
      {1048576, 256, 16, SramCells::kCactiHp, 167.362, 207.202, 1179.8176, 3.6482, 0.570},
      {1048576, 512, 8, SramCells::kCactiHp, 357.093, 377.448, 1007.4160, 4.3964, 2.072},
      {512, 16, 1, SramCells::kCactiLop, 0.349, 0.458, 0.0079, 0.0019, 0.341},
      {4096, 8, 1, SramCells::kCactiLop, 1.729, 0.972, 0.0612, 0.0148, 0.479},
      {4096, 16, 1, SramCells::kCactiLop, 1.813, 1.165, 0.0596, 0.0141, 0.479},
      {4096, 32, 1, SramCells::kCactiLop, 1.990, 1.559, 0.0589, 0.0141, 0.479},
      {4096, 64, 1, SramCells::kCactiLop, 2.342, 2.346, 0.0585, 0.0147, 0.479},
      {4096, 128, 1, SramCells::kCactiLop, 2.140, 4.848, 0.0629, 0.0143, 0.501},
      {8192, 64, 1, SramCells::kCactiLop, 3.162, 3.244, 0.1159, 0.0263, 0.570},
      {32768, 64, 1, SramCells::kCactiLop, 7.233, 5.619, 0.4377, 0.1119, 0.725},
      {1048576, 64, 1, SramCells::kCactiLop, 41.761, 29.739, 12.0241, 3.2633, 2.577},
      {1048576, 128, 1, SramCells::kCactiLop, 62.069, 51.902, 12.0560, 3.5890, 2.577},
      {1048576, 256, 1, SramCells::kCactiLop, 107.109, 94.633, 12.0296, 3.6772, 2.771},
      {1048576, 512, 1, SramCells::kCactiLop, 187.146, 191.538, 12.0157, 3.9540, 3.162},
      {1048576, 128, 8, SramCells::kCactiLop, 65.054, 55.041, 12.3800, 3.6893, 2.577},
      {1048576, 256, 16, SramCells::kCactiLop, 112.147, 113.098, 14.3013, 3.7129, 1.362},
      {1048576, 512, 8, SramCells::kCactiLop, 208.380, 210.281, 13.4013, 4.4006, 2.771},
  };
  return table;
}

const Metrics& run(SramCells cells, uint64_t bytes, uint32_t port_bits, uint32_t banks) {
  for (const Run& r : runs()) {
    if (r.cells == cells && r.bytes == bytes && r.port_bits == port_bits && r.banks == banks)
      return r.figures;
  }
  throw std::logic_error("sram_model: no CACTI run for this anchor");
}

// y(x) through points (x ascending) on log-log axes: straight lines between points; beyond the
// ends the end segment's slope (extrapolate) or the end value (clamp). `outside` is set when x
// lies beyond the points.
double log_log(const std::vector<std::pair<double, double>>& points, double x, bool extrapolate,
               bool* outside) {
  if (points.size() == 1) return points.front().second;
  size_t i = 0;
  if (x < points.front().first) {
    *outside = true;
    if (!extrapolate) return points.front().second;
  } else if (x > points.back().first) {
    *outside = true;
    if (!extrapolate) return points.back().second;
    i = points.size() - 2;
  } else {
    while (i + 2 < points.size() && x > points[i + 1].first) ++i;
  }
  const auto& [x0, y0] = points[i];
  const auto& [x1, y1] = points[i + 1];
  const double t = (std::log(x) - std::log(x0)) / (std::log(x1) - std::log(x0));
  return std::exp(std::log(y0) + t * (std::log(y1) - std::log(y0)));
}

constexpr uint64_t kSmallAnchor = 4096, kLargeAnchor = 1048576;

// figure(width) / figure(64 bit) at one anchor capacity, for metric m.
double width_ratio_at(SramCells cells, uint64_t anchor, uint32_t port_bits, size_t m, bool* outside) {
  const std::vector<uint32_t> widths = anchor == kSmallAnchor ? std::vector<uint32_t>{8, 16, 32, 64, 128}
                                                              : std::vector<uint32_t>{64, 128, 256, 512};
  const double base = run(cells, anchor, 64, 1)[m];
  std::vector<std::pair<double, double>> points;
  for (uint32_t w : widths) points.emplace_back(w, run(cells, anchor, w, 1)[m] / base);
  bool beyond = false;
  const double r = log_log(points, port_bits, true, &beyond);
  // Only a width beyond both anchors' runs (8..512 bit) counts as extrapolated.
  if (beyond && (port_bits < 8 || port_bits > 512)) *outside = true;
  return r;
}

double width_factor(SramCells cells, uint64_t bytes, uint32_t port_bits, size_t m, bool* outside) {
  if (port_bits == 64) return 1.0;
  bool ignored = false;
  const std::vector<std::pair<double, double>> anchors = {
      {static_cast<double>(kSmallAnchor), width_ratio_at(cells, kSmallAnchor, port_bits, m, outside)},
      {static_cast<double>(kLargeAnchor), width_ratio_at(cells, kLargeAnchor, port_bits, m, outside)}};
  return log_log(anchors, static_cast<double>(bytes), false, &ignored);
}

double bank_factor(SramCells cells, uint32_t banks, uint32_t port_bits, size_t m, bool* outside) {
  if (banks == 1) return 1.0;
  auto ratio = [&](uint32_t w, uint32_t b) {
    return run(cells, kLargeAnchor, w, b)[m] / run(cells, kLargeAnchor, w, 1)[m];
  };
  bool ignored = false;
  const double f8 = log_log({{128, ratio(128, 8)}, {512, ratio(512, 8)}}, port_bits, false, &ignored);
  const double f16 = ratio(256, 16);
  return log_log({{1, 1.0}, {8, f8}, {16, f16}}, banks, true, outside);
}

double base_curve(SramCells cells, uint64_t bytes, size_t m, bool* outside) {
  bool ignored = false;
  // The 512 B run has a 16-bit port: its 64-bit equivalent divides out the 4 KiB width factor.
  const double small = run(cells, 512, 16, 1)[m] / width_ratio_at(cells, kSmallAnchor, 16, m, &ignored);
  std::vector<std::pair<double, double>> points = {{512.0, small}};
  for (uint64_t b : {uint64_t{4096}, uint64_t{8192}, uint64_t{32768}, uint64_t{1048576}})
    points.emplace_back(static_cast<double>(b), run(cells, b, 64, 1)[m]);
  return log_log(points, static_cast<double>(bytes), true, outside);
}

}  // namespace

const std::vector<CactiRun>& cacti_runs() {
  static const std::vector<CactiRun> view = [] {
    std::vector<CactiRun> v;
    for (const Run& r : runs()) {
      SramFigures f;
      f.read_pj_per_access = r.figures[0];
      f.write_pj_per_access = r.figures[1];
      f.leakage_mw = r.figures[2];
      f.area_mm2 = r.figures[3];
      f.cycle_ns = r.figures[4];
      v.push_back({{r.bytes, r.port_bits, r.banks}, r.cells, f});
    }
    return v;
  }();
  return view;
}

SramFigures sram_figures(const SramGeometry& g, SramCells cells) {
  if (cells == SramCells::kFixed)
    throw std::invalid_argument("sram_figures: fixed cells have no CACTI figures");
  if (g.bytes == 0 || g.port_bits == 0 || g.banks == 0)
    throw std::invalid_argument("sram_figures: zero size");
  Metrics out{};
  bool outside = false;
  for (size_t m = 0; m < kMetrics; ++m) {
    out[m] = base_curve(cells, g.bytes, m, &outside) *
             width_factor(cells, g.bytes, g.port_bits, m, &outside) *
             bank_factor(cells, g.banks, g.port_bits, m, &outside);
  }
  SramFigures f;
  f.read_pj_per_access = out[0];
  f.write_pj_per_access = out[1];
  f.leakage_mw = out[2];
  f.area_mm2 = out[3];
  f.cycle_ns = out[4];
  f.extrapolated = outside;
  return f;
}

}  // namespace nm::hw
