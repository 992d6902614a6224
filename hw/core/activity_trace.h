#pragma once
// A timeline of one run: per hardware resource (track), the intervals it was busy, each tagged
// with the kernel that was running and the amount it moved or computed. Recorded by the SystemC
// modules only when a trace was asked for (they hold a null pointer otherwise, so an untraced
// run pays one branch per transaction); written out by sw/report/trace_json.h.
//
// Contract: cycles of the accelerator clock. record() takes [start_cycle, end_cycle) with
// start <= end; an empty interval is dropped. A slice touching the track's previous slice of the
// same kernel is merged into it (a busy stretch stays one slice; amounts add). A serial track's
// slices never overlap (its resource does one thing at a time); slices of a track may be
// recorded out of time order (resources that fill idle gaps), so tracks() sorts them.
#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace nm::hw {

class ActivityTrace {
 public:
  struct Slice {
    uint64_t start_cycle = 0;
    uint64_t end_cycle = 0;
    uint64_t amount = 0;  // in the track's unit
    uint32_t kernel = 0;  // index of the issued kernel that was running
  };
  struct Track {
    std::string name;  // the module's SystemC name, or a process of it ("accelerator.dma.fill")
    std::string unit;  // of Slice::amount: "bytes" or "macs"
    std::string what;  // what a slice is, for the trace's reader
    std::vector<Slice> slices;
  };

  // Called at elaboration; returns the track's id.
  uint32_t add_track(std::string name, std::string unit, std::string what) {
    tracks_.push_back({std::move(name), std::move(unit), std::move(what), {}});
    return static_cast<uint32_t>(tracks_.size() - 1);
  }

  // The driver calls this before issuing kernel `index`: kernels run one after another.
  void begin_kernel(uint32_t index) { kernel_ = index; }

  void record(uint32_t track, uint64_t start_cycle, uint64_t end_cycle, uint64_t amount) {
    if (end_cycle <= start_cycle) return;
    std::vector<Slice>& s = tracks_[track].slices;
    if (!s.empty() && s.back().kernel == kernel_ && s.back().end_cycle == start_cycle) {
      s.back().end_cycle = end_cycle;
      s.back().amount += amount;
      return;
    }
    s.push_back({start_cycle, end_cycle, amount, kernel_});
  }

  // Every track, its slices in time order.
  const std::vector<Track>& tracks() {
    for (Track& t : tracks_) {
      std::stable_sort(t.slices.begin(), t.slices.end(),
                       [](const Slice& a, const Slice& b) { return a.start_cycle < b.start_cycle; });
    }
    return tracks_;
  }

 private:
  std::vector<Track> tracks_;
  uint32_t kernel_ = 0;
};

}  // namespace nm::hw
