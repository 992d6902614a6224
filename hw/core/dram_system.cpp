#include "hw/core/dram_system.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>

#include "hw/core/dram_model.h"

namespace nm::hw {

DramSpec dram_spec_of(const ArchConfig& arch) {
  const std::optional<DramSpec> spec = dram_preset(arch.dram_standard);
  if (!spec) throw std::invalid_argument("dram.standard: " + arch.dram_standard + " is not a DRAM standard");
  return *spec;
}

TimedDramChannel::TimedDramChannel(const DramSpec& spec, double clock_ghz)
    : timing_(spec), dram_per_accel_(1.0 / (clock_ghz * spec.tck_ns)) {}

uint64_t TimedDramChannel::to_dram(uint64_t accel_cycle) const {
  return static_cast<uint64_t>(std::ceil(static_cast<double>(accel_cycle) * dram_per_accel_ - 1e-9));
}

uint64_t TimedDramChannel::to_accel(uint64_t dram_cycle) const {
  return static_cast<uint64_t>(std::ceil(static_cast<double>(dram_cycle) / dram_per_accel_ - 1e-9));
}

uint64_t TimedDramChannel::serve(uint64_t arrival_cycle, uint64_t local_address, uint64_t bytes,
                                 bool is_write) {
  if (bytes == 0) return arrival_cycle;
  const uint64_t done = timing_.serve(to_dram(arrival_cycle), local_address, bytes, is_write);
  return std::max(arrival_cycle, to_accel(done));
}

uint64_t TimedDramChannel::busy_cycles() const {
  return to_accel(timing_.counters().busy_cycles);
}

ActionCounts TimedDramChannel::command_counts() const {
  const DramCounters& c = timing_.counters();
  ActionCounts a;
  a.dram_activates = c.activates;
  a.dram_precharges = c.precharges;
  a.dram_read_bursts = c.reads;
  a.dram_write_bursts = c.writes;
  a.dram_refreshes = c.refreshes;
  a.dram_row_hits = c.row_hits;
  return a;
}

DramStreams::DramStreams(const ArchConfig& arch)
    : channels_(arch.dram_channels), burst_bytes_(arch.dram_burst_bytes) {
  // Each stream in its own quarter of every channel (rows far from the others'), a quarter of the
  // banks further on than the one before, so streams do not start in the same banks (a layout
  // detail a compiler controls; aligned, every switch between streams was a conflict). Capacity is
  // the standard's per channel; the bandwidth pipe has no geometry and takes 1 GiB per channel.
  uint64_t per_channel = uint64_t{1} << 30, bank_step = 0;
  if (arch.dram_timed()) {
    const DramSpec spec = dram_spec_of(arch);
    per_channel = spec.capacity_bytes();
    bank_step = spec.page_bytes() * spec.bank_groups * std::max<uint32_t>(1, spec.banks_per_group / 4);
  }
  const auto start = [&](uint64_t quarter) {
    return (per_channel / 4 * quarter + bank_step * quarter) / burst_bytes_ * channels_;
  };
  b_burst_ = b_base_ = start(1);
  write_burst_ = start(2);
  other_burst_ = start(3);
  pieces_.reserve(3 * channels_);
}

void DramStreams::append_range(uint64_t first_burst, uint64_t bursts) {
  for (uint64_t i = 0; i < channels_ && i < bursts; ++i) {
    const uint64_t n = DramModel::striped_bursts(bursts, i, channels_);
    const uint64_t first = first_burst + i;  // global burst; the channel's next ones follow every `channels_`
    pieces_.push_back(
        {static_cast<uint32_t>(first % channels_), first / channels_ * burst_bytes_, n * burst_bytes_});
  }
}

void DramStreams::append(uint64_t bursts, uint64_t& cursor) {
  append_range(cursor, bursts);
  cursor += bursts;
}

void DramStreams::append_rows(const std::vector<TensorRows>& tiles) {
  uint64_t run_first = 0, run_end = 0;  // bursts [first, end) not yet appended
  auto flush = [&] {
    if (run_end > run_first) append_range(run_first, run_end - run_first);
    run_first = run_end = 0;
  };
  for (const TensorRows& t : tiles) {
    const uint64_t base = (t.stream == DramStream::kA ? a_base_ : b_base_) * burst_bytes_;
    for (uint64_t r = 0; r < t.rows && t.row_bytes > 0; ++r) {
      const uint64_t start = base + t.offset + r * t.pitch;
      const uint64_t first = start / burst_bytes_;
      const uint64_t end = (start + t.row_bytes + burst_bytes_ - 1) / burst_bytes_;
      if (run_end > run_first && first <= run_end && first >= run_first) {
        run_end = std::max(run_end, end);  // touches or overlaps the run: one range
      } else {
        flush();
        run_first = first;
        run_end = end;
      }
    }
  }
  flush();
}

const std::vector<DramStreamPiece>& DramStreams::next(uint64_t bytes, bool is_write) {
  pieces_.clear();
  append((bytes + burst_bytes_ - 1) / burst_bytes_, is_write ? write_burst_ : a_burst_);
  return pieces_;
}

const std::vector<DramStreamPiece>& DramStreams::next_read(const DramReadSplit& split,
                                                           const std::vector<TensorRows>& rows) {
  pieces_.clear();
  if (!rows.empty()) {
    append_rows(rows);
    append((split.other + burst_bytes_ - 1) / burst_bytes_, other_burst_);
    return pieces_;
  }
  const uint64_t total = (split.total() + burst_bytes_ - 1) / burst_bytes_;
  uint64_t a = split.a / burst_bytes_, b = split.b / burst_bytes_, other = split.other / burst_bytes_;
  uint64_t partial = total - a - b - other;  // at most one per stream with a remainder
  for (auto [whole, bytes] :
       {std::pair<uint64_t*, uint64_t>{&a, split.a}, {&b, split.b}, {&other, split.other}}) {
    if (partial > 0 && bytes % burst_bytes_ != 0) {
      ++*whole;
      --partial;
    }
  }
  append(a, a_burst_);
  append(b, b_burst_);
  append(other, other_burst_);
  return pieces_;
}

DramModel::DramModel(const ArchConfig& arch) : burst_bytes_(arch.dram_burst_bytes) {
  if (arch.dram_timed()) {
    const DramSpec spec = dram_spec_of(arch);
    timed_.reserve(arch.dram_channels);
    for (uint32_t c = 0; c < arch.dram_channels; ++c) timed_.emplace_back(spec, arch.clock_ghz);
    streams_ = std::make_unique<DramStreams>(arch);
  } else {
    channels_.assign(arch.dram_channels, BandwidthResource(arch.dram_bytes_per_cycle() / arch.dram_channels,
                                                           arch.dram_latency_cycles()));
  }
}

DramModel::~DramModel() = default;

uint64_t DramModel::serve_read(uint64_t request_cycle, const DramReadSplit& split,
                               const std::vector<TensorRows>& rows) {
  if (!streams_) return serve(request_cycle, split.total(), false);
  apply_writes_until(request_cycle);
  latest_read_ = std::max(latest_read_, request_cycle);
  return serve_on(timed_, request_cycle, streams_->next_read(split, rows), false);
}

uint64_t DramModel::serve(uint64_t request_cycle, uint64_t bytes, bool is_write) {
  uint64_t done = request_cycle;
  if (streams_) {
    const std::vector<DramStreamPiece>& pieces = streams_->next(bytes, is_write);
    if (!is_write) {
      apply_writes_until(request_cycle);
      latest_read_ = std::max(latest_read_, request_cycle);
      return serve_on(timed_, request_cycle, pieces, false);
    }
    if (request_cycle <= latest_read_) {  // no later read can come before it: serve it now
      apply_writes_until(request_cycle);
      return serve_on(timed_, request_cycle, pieces, true);
    }
    // Ahead of the reads served so far: time it on a copy, apply it once the reads catch up.
    std::vector<TimedDramChannel> copy = timed_;
    for (const PendingWrite& w : pending_) serve_on(copy, w.arrival, w.pieces, true);
    pending_.push_back({request_cycle, pieces});
    return serve_on(copy, request_cycle, pieces, true);
  }
  const uint64_t bursts = (bytes + burst_bytes_ - 1) / burst_bytes_;
  const uint64_t n = channels_.size();
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t channel_bursts = bursts_for_channel(bursts, i);
    if (channel_bursts == 0) continue;
    done = std::max(done,
                    channels_[(next_channel_ + i) % n].serve(request_cycle, channel_bursts * burst_bytes_));
  }
  next_channel_ = (next_channel_ + bursts) % n;
  return done;
}

uint64_t DramModel::serve_on(std::vector<TimedDramChannel>& channels, uint64_t arrival,
                             const std::vector<DramStreamPiece>& pieces, bool is_write) {
  uint64_t done = arrival;
  for (const DramStreamPiece& p : pieces) {
    done = std::max(done, channels[p.channel].serve(arrival, p.local_address, p.bytes, is_write));
  }
  return done;
}

void DramModel::apply_writes_until(uint64_t cycle) {
  while (!pending_.empty() && pending_.front().arrival <= cycle) {
    serve_on(timed_, pending_.front().arrival, pending_.front().pieces, true);
    pending_.pop_front();
  }
}

void DramModel::finish() {
  apply_writes_until(~uint64_t{0});
}

uint64_t DramModel::busy_cycles() const {
  uint64_t busy = 0;
  for (const auto& c : channels_) busy = std::max(busy, c.busy_cycles());
  for (const auto& c : timed_) busy = std::max(busy, c.busy_cycles());
  return busy;
}

void estimate_dram_commands(ActionCounts& counts, const ArchConfig& arch) {
  if (!arch.dram_timed()) return;
  static std::map<std::string, DramSpec> specs;  // the mapper prices thousands of candidates
  auto it = specs.find(arch.dram_standard);
  if (it == specs.end()) it = specs.emplace(arch.dram_standard, dram_spec_of(arch)).first;
  const DramSpec& spec = it->second;
  const uint64_t burst = spec.burst_bytes(), page = spec.page_bytes();
  counts.dram_read_bursts = (counts.dram_read_bytes + burst - 1) / burst;
  counts.dram_write_bursts = (counts.dram_write_bytes + burst - 1) / burst;
  counts.dram_activates =
      (counts.dram_read_bytes + page - 1) / page + (counts.dram_write_bytes + page - 1) / page;
  counts.dram_precharges = counts.dram_activates;
  counts.dram_row_hits = counts.dram_read_bursts + counts.dram_write_bursts - counts.dram_activates;
}

}  // namespace nm::hw
