#include "sw/report/report.h"

#include "sw/report/functional_report.h"

#include "hw/core/os_dataflow.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "hw/core/energy.h"
#include "hw/core/input_error.h"

namespace nm::sw {

namespace {

nlohmann::json energy_json(const hw::EnergyBreakdown& e) {
  return {{"mac", e.mac_j}, {"registers", e.register_j}, {"l1", e.l1_j},        {"l2", e.l2_j},
          {"noc", e.noc_j}, {"dram", e.dram_j},          {"static", e.static_j}};
}

// The SRAM model's figures as priced: scaled to the energy table's node.
nlohmann::json sram_json(const hw::SramGeometry& g, const hw::SramFigures& f, const hw::EnergyTable& t) {
  return {{"bytes", g.bytes},
          {"port_bits", g.port_bits},
          {"banks", g.banks},
          {"read_pj_per_byte", f.read_pj_per_byte(g.port_bits) * t.sram_energy_scale},
          {"write_pj_per_byte", f.write_pj_per_byte(g.port_bits) * t.sram_energy_scale},
          {"leakage_mw", f.leakage_mw * t.sram_leakage_scale},
          {"area_mm2", f.area_mm2 * t.area_scale},
          {"cycle_ns", f.cycle_ns},
          {"extrapolated", f.extrapolated}};
}

double seconds(const RunResult& run, uint64_t cycles) {
  return static_cast<double>(cycles) / (run.config.arch.clock_ghz * 1e9);
}

// The DRAM model's figures: standard, efficiency, row hits, commands and energy by command.
nlohmann::json dram_json(const RunResult& run) {
  const hw::ArchConfig& a = run.config.arch;
  const hw::EnergyTable& t = run.config.energy;
  const hw::ActionCounts& c = run.totals;
  const hw::DramEnergyByCommand e = hw::dram_energy_by_command(c, t);
  const double background_j = t.leakage_dram_mw_per_channel * 1e-3 * a.dram_channels * run.latency_s();
  nlohmann::json j = {
      {"standard", a.dram_standard},
      {"channels", a.dram_channels},
      {"peak_bandwidth_gbps", a.dram_peak_gbps()},
      {"achieved_bandwidth_gbps",
       run.latency_s() > 0 ? static_cast<double>(c.dram_bytes()) * 8e-9 / run.latency_s() : 0.0},
      {"efficiency", run.dram_efficiency}};
  if (!a.dram_timed()) {
    j["row_hit_rate"] = nullptr;  // the pipe has no rows
    j["energy_by_command_j"] = {{"bytes", e.bytes_j}, {"background", background_j}};
    return j;
  }
  const uint64_t bursts = c.dram_read_bursts + c.dram_write_bursts;
  j["row_hit_rate"] = bursts == 0 ? 0.0 : static_cast<double>(c.dram_row_hits) / static_cast<double>(bursts);
  j["commands"] = {{"activate", c.dram_activates},
                   {"precharge", c.dram_precharges},
                   {"read", c.dram_read_bursts},
                   {"write", c.dram_write_bursts},
                   {"refresh", c.dram_refreshes}};
  j["energy_by_command_j"] = {{"activate", e.activate_j}, {"precharge", e.precharge_j},
                              {"read", e.read_j},         {"write", e.write_j},
                              {"refresh", e.refresh_j},   {"background", background_j}};
  j["pj_per_command"] = {
      {"activate", t.dram_activate_pj}, {"precharge", t.dram_precharge_pj},
      {"read", t.dram_read_burst_pj},   {"write", t.dram_write_burst_pj},
      {"refresh", t.dram_refresh_pj},   {"standby_mw_per_channel", t.leakage_dram_mw_per_channel}};
  return j;
}

}  // namespace

nlohmann::json run_to_json(const RunResult& run) {
  using nlohmann::json;
  json j;
  j["schema"] = "nm_sim/1";
  j["workload"] = run.workload;
  j["config"] = config_to_json(run.config);
  j["latency_s"] = run.latency_s();
  j["batch"] = run.batch;
  j["energy_per_inference_j"] = run.energy.total_j() / static_cast<double>(run.batch);
  j["throughput_per_s"] = run.throughput_per_s();
  j["energy_j"] = run.energy.total_j();
  j["power_w"] = run.power_w();
  j["throughput_per_watt"] = run.throughput_per_watt();
  j["macs"] = run.network_macs;
  j["macs_executed"] = run.totals.macs;
  j["cycles"] = run.cycles;
  j["pe_utilization"] = run.pe_utilization();
  j["dram_bytes"] = run.totals.dram_bytes();
  j["dram_read_bytes"] = run.totals.dram_read_bytes;
  j["dram_write_bytes"] = run.totals.dram_write_bytes;
  j["l2_bytes"] = run.totals.l2_bytes();
  j["noc_bytes"] = run.totals.noc_bytes;
  j["noc_byte_hops"] = run.totals.noc_byte_hops;
  j["l1_bytes"] = run.totals.l1_read_bytes + run.totals.l1_write_bytes;
  j["energy_breakdown_j"] = energy_json(run.energy);
  j["area_mm2"] = run.area.total_mm2();
  j["area_breakdown_mm2"] = {{"pe", run.area.pe_mm2},
                             {"l1", run.area.l1_mm2},
                             {"l2", run.area.l2_mm2},
                             {"noc", run.area.noc_mm2},
                             {"dram_phy", run.area.dram_phy_mm2}};
  if (run.sram) {
    j["sram"] = {{"cells", hw::sram_cells_name(run.config.energy.sram_cells)},
                 {"l1", sram_json(run.sram->l1, run.sram->l1_figures, run.config.energy)},
                 {"l2", sram_json(run.sram->l2, run.sram->l2_figures, run.config.energy)}};
  }
  j["peak_l2_staging_bytes"] = run.peak_l2_staging_bytes;
  j["dram"] = dram_json(run);
  json modules = json::object();
  for (const auto& [name, counters] : run.module_counters) {
    json& m = modules[name];
    for (const auto& [counter, value] : counters) m[counter] = value;
  }
  j["modules"] = std::move(modules);
  json kernels = json::array();
  for (const KernelRecord& k : run.kernels) {
    const hw::PeGrid grid = hw::pe_grid(k.mapping, run.config.arch);
    kernels.push_back({{"name", k.desc.name},
                       {"layer", k.desc.layer},
                       {"kind", hw::kernel_kind_name(k.desc.kind)},
                       {"batch", k.desc.batch},
                       {"m", k.desc.m},
                       {"n", k.desc.n},
                       {"k", k.desc.k},
                       {"macs", k.counts.macs},
                       {"network_linear", k.desc.network_linear},
                       {"cycles", k.simulated.cycles},
                       {"estimated_cycles", k.estimate.cycles},
                       {"start_cycle", k.start_cycle},
                       {"bound", hw::bound_name(k.simulated.bound)},
                       {"tile", {k.mapping.tm, k.mapping.tn, k.mapping.tk}},
                       {"pe_grid", {grid.rows, grid.cols, grid.k_split}},
                       {"tile_order", k.mapping.m_fastest ? "m_fastest" : "n_fastest"},
                       {"a_resident", k.mapping.a_resident},
                       {"b_resident", k.mapping.b_resident},
                       {"dram_bytes", k.counts.dram_bytes()},
                       {"l2_bytes", k.counts.l2_bytes()},
                       {"noc_bytes", k.counts.noc_bytes},
                       {"energy_j", k.energy.total_j()},
                       {"fused", k.fused},
                       {"mapping_reason", k.mapping_reason}});
  }
  j["kernels"] = std::move(kernels);
  if (run.functional) j["functional"] = functional_to_json(*run.functional);
  return j;
}

namespace {

void write_layer_rows(std::ostream& out, const RunResult& run) {
  // Layers in the order they first run; a layer is bound by what bounds most of its cycles.
  struct Layer {
    std::string name;
    size_t kernels = 0;
    uint64_t cycles = 0;
    double energy_j = 0;
    std::map<std::string, uint64_t> bound_cycles;
  };
  std::vector<Layer> layers;
  std::map<std::string, size_t> index;
  for (const KernelRecord& k : run.kernels) {
    const auto [it, added] = index.emplace(k.desc.layer, layers.size());
    if (added) {
      layers.emplace_back();
      layers.back().name = k.desc.layer;
    }
    Layer& l = layers[it->second];
    ++l.kernels;
    l.cycles += k.simulated.cycles;
    l.energy_j += k.energy.total_j();
    l.bound_cycles[hw::bound_name(k.simulated.bound)] += k.simulated.cycles;
  }
  out << fmt::format("\n  {:<28} {:>8} {:>12} {:>8} {:>12} {:>8}\n", "layer", "kernels", "cycles", "share",
                     "energy (uJ)", "bound");
  for (const Layer& l : layers) {
    const auto bound = std::max_element(l.bound_cycles.begin(), l.bound_cycles.end(),
                                        [](const auto& a, const auto& b) { return a.second < b.second; });
    out << fmt::format(
        "  {:<28} {:>8} {:>12} {:>7.1f}% {:>12.2f} {:>8}\n", l.name, l.kernels, l.cycles,
        100.0 * static_cast<double>(l.cycles) / static_cast<double>(std::max<uint64_t>(run.cycles, 1)),
        l.energy_j * 1e6, bound->first);
  }
}

}  // namespace

void write_summary(std::ostream& out, const RunResult& run, bool verbose) {
  const auto& a = run.config.arch;
  out << fmt::format("nm_sim: {} on {} PEs ({} clusters), {}, {} kernels\n", run.workload, a.pe_count,
                     a.clusters, hw::datatype_name(a.datatype), run.kernels.size());
  out << fmt::format("  latency             {:.4f} ms ({} cycles at {} GHz)\n", run.latency_s() * 1e3,
                     run.cycles, a.clock_ghz);
  out << fmt::format("  throughput          {:.2f} inferences/s\n", run.throughput_per_s());
  if (run.batch > 1) {
    out << fmt::format("  energy              {:.4f} mJ per inference ({:.4f} mJ per batch of {})\n",
                       run.energy.total_j() * 1e3 / static_cast<double>(run.batch),
                       run.energy.total_j() * 1e3, run.batch);
  } else {
    out << fmt::format("  energy              {:.4f} mJ per inference\n", run.energy.total_j() * 1e3);
  }
  out << fmt::format("  average power       {:.4f} W\n", run.power_w());
  out << fmt::format("  throughput / watt   {:.2f} inferences/s/W\n", run.throughput_per_watt());
  out << fmt::format("  PE utilization      {:.1f} % ({:.3f} G network MACs, {:.3f} G executed)\n",
                     run.pe_utilization() * 100, static_cast<double>(run.network_macs) * 1e-9,
                     static_cast<double>(run.totals.macs) * 1e-9);
  out << fmt::format("  traffic             DRAM {:.2f} MB, L2 {:.2f} MB, NoC {:.2f} MB\n",
                     static_cast<double>(run.totals.dram_bytes()) * 1e-6,
                     static_cast<double>(run.totals.l2_bytes()) * 1e-6,
                     static_cast<double>(run.totals.noc_bytes) * 1e-6);
  if (a.dram_timed()) {
    const uint64_t bursts = run.totals.dram_read_bursts + run.totals.dram_write_bursts;
    out << fmt::format(
        "  DRAM                {} x {}: {:.1f} Gbit/s peak, {:.1f} achieved, row hits {:.1f} %, efficiency "
        "{:.1f} %\n",
        a.dram_standard, a.dram_channels, a.dram_peak_gbps(),
        run.latency_s() > 0 ? static_cast<double>(run.totals.dram_bytes()) * 8e-9 / run.latency_s() : 0.0,
        bursts == 0 ? 0.0
                    : 100.0 * static_cast<double>(run.totals.dram_row_hits) / static_cast<double>(bursts),
        100.0 * run.dram_efficiency);
  }
  const hw::EnergyBreakdown& e = run.energy;
  const double total = e.total_j() > 0 ? e.total_j() : 1;
  out << fmt::format(
      "  energy breakdown    MAC {:.1f}%  registers {:.1f}%  L1 {:.1f}%  L2 {:.1f}%  NoC {:.1f}%  DRAM "
      "{:.1f}%  "
      "static {:.1f}%\n",
      100 * e.mac_j / total, 100 * e.register_j / total, 100 * e.l1_j / total, 100 * e.l2_j / total,
      100 * e.noc_j / total, 100 * e.dram_j / total, 100 * e.static_j / total);
  std::map<std::string, uint64_t> bound_cycles;
  for (const KernelRecord& k : run.kernels)
    bound_cycles[hw::bound_name(k.simulated.bound)] += k.simulated.cycles;
  std::string bounds;
  for (const auto& [name, cycles] : bound_cycles) {
    bounds += fmt::format("{} {:.1f}%  ", name,
                          100.0 * static_cast<double>(cycles) / static_cast<double>(run.cycles));
  }
  out << "  time bound by       " << bounds << "\n";
  out << fmt::format(
      "  area                {:.2f} mm^2 (PEs {:.2f}, L1 {:.2f}, L2 {:.2f}, NoC {:.2f}, DRAM PHY {:.2f})\n",
      run.area.total_mm2(), run.area.pe_mm2, run.area.l1_mm2, run.area.l2_mm2, run.area.noc_mm2,
      run.area.dram_phy_mm2);
  if (run.functional) write_functional_summary(out, *run.functional, verbose);
  if (!verbose) return;
  write_layer_rows(out, run);
  out << fmt::format("\n  {:<48} {:<14} {:>8} {:>8} {:>8} {:>12} {:>8}  {}\n", "kernel", "kind", "m", "n",
                     "k", "cycles", "bound", "fused epilogue");
  for (const KernelRecord& k : run.kernels) {
    out << fmt::format("  {:<48} {:<14} {:>8} {:>8} {:>8} {:>12} {:>8}  {}\n", k.desc.name,
                       hw::kernel_kind_name(k.desc.kind), k.desc.m, k.desc.n, k.desc.k, k.simulated.cycles,
                       hw::bound_name(k.simulated.bound), fmt::join(k.fused, " "));
    if (!k.mapping_reason.empty()) out << "      mapping " << k.mapping_reason << "\n";
  }
}

void write_kernel_csv(std::ostream& out, const RunResult& run) {
  out << "name,layer,kind,batch,m,n,k,tm,tn,tk,macs,cycles,estimated_cycles,latency_s,bound,utilization,"
         "dram_read_bytes,dram_write_bytes,l2_read_bytes,l2_write_bytes,noc_bytes,noc_byte_hops,l1_read_"
         "bytes,"
         "l1_write_bytes,energy_mac_j,energy_registers_j,energy_l1_j,energy_l2_j,energy_noc_j,energy_dram_j,"
         "energy_static_j,"
         "energy_j,start_cycle,fused\n";
  for (const KernelRecord& k : run.kernels) {
    const hw::ActionCounts& c = k.counts;
    const double util = k.simulated.cycles > 0
                            ? static_cast<double>(c.macs) /
                                  (static_cast<double>(run.config.arch.pe_count) * k.simulated.cycles)
                            : 0.0;
    out << fmt::format(
        "{},{},{},{},{},{},{},{},{},{},{},{},{},{:.9g},{},{:.6f},{},{},{},{},{},{},{},{},{:.6g},{:.6g},{:.6g}"
        ",{:.6g},{:.6g},"
        "{:.6g},{:.6g},{:.6g},{},{}\n",
        k.desc.name, k.desc.layer, hw::kernel_kind_name(k.desc.kind), k.desc.batch, k.desc.m, k.desc.n,
        k.desc.k, k.mapping.tm, k.mapping.tn, k.mapping.tk, c.macs, k.simulated.cycles, k.estimate.cycles,
        seconds(run, k.simulated.cycles), hw::bound_name(k.simulated.bound), util, c.dram_read_bytes,
        c.dram_write_bytes, c.l2_read_bytes, c.l2_write_bytes, c.noc_bytes, c.noc_byte_hops, c.l1_read_bytes,
        c.l1_write_bytes, k.energy.mac_j, k.energy.register_j, k.energy.l1_j, k.energy.l2_j, k.energy.noc_j,
        k.energy.dram_j, k.energy.static_j, k.energy.total_j(), k.start_cycle, fmt::join(k.fused, "+"));
  }
}

}  // namespace nm::sw
