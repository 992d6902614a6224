#include "hw/tlm/accelerator.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nm::hw {

Accelerator::Accelerator(sc_core::sc_module_name name, const ArchConfig& arch)
    : sc_module(name),
      arch_(arch),
      clock_(arch.clock_ghz),
      command_processor_("command_processor", arch),
      dma_("dma", arch, clock_),
      l2_("l2", arch, clock_),
      noc_("noc", arch, clock_) {
  const std::optional<DramSpec> spec =
      arch.dram_timed() ? std::optional<DramSpec>(dram_spec_of(arch)) : std::nullopt;
  for (uint32_t c = 0; c < arch.dram_channels; ++c) {
    const std::string name = "dram" + std::to_string(c);
    if (spec) {
      dram_channels_.push_back(std::make_unique<DramChannel>(name.c_str(), *spec, clock_));
    } else {
      dram_channels_.push_back(std::make_unique<DramChannel>(name.c_str(),
                                                             arch.dram_bytes_per_cycle() / arch.dram_channels,
                                                             arch.dram_latency_cycles(), clock_));
    }
    dma_.dram_socket.bind(dram_channels_.back()->socket);
  }
  dma_.l2_socket.bind(l2_.socket);
  noc_.l2_socket.bind(l2_.socket);

  std::vector<sc_core::sc_semaphore*> l1_slots;
  for (uint32_t c = 0; c < arch.clusters; ++c) {
    clusters_.push_back(std::make_unique<PeCluster>(("cluster" + std::to_string(c)).c_str(), c, clock_));
    noc_.cluster_socket.bind(clusters_.back()->socket);
    clusters_.back()->writeback_socket.bind(noc_.writeback_socket);
    clusters_.back()->connect(&dma_, &command_processor_.progress);
    l1_slots.push_back(&clusters_.back()->l1_slots);
  }
  dma_.connect(&noc_.staged_queue, &command_processor_.progress);
  noc_.connect(&dma_.staging_slots, std::move(l1_slots), &command_processor_.progress);
  command_processor_.connect(&dma_, &l2_);
}

void Accelerator::set_trace(ActivityTrace* trace) {
  dma_.set_trace(trace);
  noc_.set_trace(trace);
  l2_.set_trace(trace);
  for (auto& c : clusters_) c->set_trace(trace);
  for (auto& d : dram_channels_) d->set_trace(trace);
}

std::vector<Accelerator::ModuleStats> Accelerator::module_stats() const {
  std::vector<ModuleStats> stats;
  stats.push_back(
      {dma_.name(), {{"staged_steps", dma_.staged_steps()}, {"drained_tiles", dma_.drained_tiles()}}});
  stats.push_back({l2_.name(),
                   {{"read_bytes", l2_.read_bytes()},
                    {"write_bytes", l2_.write_bytes()},
                    {"busy_cycles", l2_.busy_cycles()},
                    {"peak_staged_bytes", l2_.peak_staged_bytes()}}});
  stats.push_back(
      {noc_.name(),
       {{"bytes", noc_.bytes()}, {"byte_hops", noc_.byte_hops()}, {"busy_cycles", noc_.busy_cycles()}}});
  for (const auto& c : clusters_) {
    stats.push_back({c->name(),
                     {{"macs", c->macs()},
                      {"busy_cycles", c->busy_cycles()},
                      {"l1_read_bytes", c->l1_read_bytes()},
                      {"l1_write_bytes", c->l1_write_bytes()},
                      {"received_bytes", c->received_bytes()}}});
  }
  for (const auto& d : dram_channels_) {
    std::vector<std::pair<std::string, uint64_t>> counters{{"read_bytes", d->read_bytes()},
                                                           {"write_bytes", d->write_bytes()},
                                                           {"busy_cycles", d->busy_cycles()}};
    if (d->timed() != nullptr) {
      const ActionCounts c = d->command_counts();
      for (const auto& [key, value] : {std::pair<const char*, uint64_t>{"activates", c.dram_activates},
                                       {"precharges", c.dram_precharges},
                                       {"read_bursts", c.dram_read_bursts},
                                       {"write_bursts", c.dram_write_bursts},
                                       {"refreshes", c.dram_refreshes},
                                       {"row_hits", c.dram_row_hits}}) {
        counters.emplace_back(key, value);
      }
    }
    stats.push_back({d->name(), std::move(counters)});
  }
  return stats;
}

ActionCounts Accelerator::counts() const {
  ActionCounts a;
  for (const auto& c : clusters_) {
    a.macs += c->macs();
    a.l1_read_bytes += c->l1_read_bytes();
    a.l1_write_bytes += c->l1_write_bytes();
    a.pe_busy_cycles += c->busy_cycles();
  }
  a.l2_read_bytes = l2_.read_bytes();
  a.l2_write_bytes = l2_.write_bytes();
  a.noc_bytes = noc_.bytes();
  a.noc_byte_hops = noc_.byte_hops();
  for (const auto& d : dram_channels_) {
    a.dram_read_bytes += d->read_bytes();
    a.dram_write_bytes += d->write_bytes();
    const ActionCounts c = d->command_counts();
    a.dram_activates += c.dram_activates;
    a.dram_precharges += c.dram_precharges;
    a.dram_read_bursts += c.dram_read_bursts;
    a.dram_write_bursts += c.dram_write_bursts;
    a.dram_refreshes += c.dram_refreshes;
    a.dram_row_hits += c.dram_row_hits;
  }
  return a;
}

Accelerator::BusySnapshot Accelerator::busy() const {
  BusySnapshot s;
  for (const auto& c : clusters_) s.cluster_cycles.push_back(c->busy_cycles());
  s.noc_cycles = noc_.busy_cycles();
  s.l2_cycles = l2_.busy_cycles();
  for (const auto& d : dram_channels_) s.dram_channel_cycles.push_back(d->busy_cycles());
  return s;
}

KernelTiming Accelerator::busy_between(const BusySnapshot& before, const BusySnapshot& after) {
  KernelTiming t;
  for (size_t c = 0; c < after.cluster_cycles.size(); ++c) {
    t.compute_busy_cycles =
        std::max(t.compute_busy_cycles, after.cluster_cycles[c] - before.cluster_cycles[c]);
  }
  t.noc_busy_cycles = after.noc_cycles - before.noc_cycles;
  t.l2_busy_cycles = after.l2_cycles - before.l2_cycles;
  for (size_t c = 0; c < after.dram_channel_cycles.size(); ++c) {
    t.dram_busy_cycles =
        std::max(t.dram_busy_cycles, after.dram_channel_cycles[c] - before.dram_channel_cycles[c]);
  }
  t.bound = dominant_bound(t);
  return t;
}

}  // namespace nm::hw
