#include "sw/report/trace_json.h"

#include <fmt/format.h>
#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hw/core/kernel_desc.h"
#include "hw/core/pipeline_model.h"

namespace nm::sw {

namespace {

constexpr int kPid = 1;
constexpr int kKernelTid = 0;
constexpr int kLayerTid = 1;
constexpr int kFirstResourceTid = 2;

// Cycles as trace-event microseconds, exact to the picosecond.
class TimeFormat {
 public:
  explicit TimeFormat(double clock_ghz) : ps_per_cycle_(1000.0 / clock_ghz) {}
  int64_t ps(uint64_t cycle) const { return std::llround(static_cast<double>(cycle) * ps_per_cycle_); }
  static std::string us(int64_t ps) { return fmt::format("{}.{:06}", ps / 1000000, ps % 1000000); }

 private:
  double ps_per_cycle_;
};

std::string json_string(const std::string& s) {
  return nlohmann::json(s).dump();
}

void metadata(std::ostream& out, int tid, const std::string& name, int sort_index) {
  out << fmt::format(
      ",\n{{\"ph\":\"M\",\"pid\":{},\"tid\":{},\"name\":\"thread_name\",\"args\":{{\"name\":{}}}}}", kPid,
      tid, json_string(name));
  out << fmt::format(
      ",\n{{\"ph\":\"M\",\"pid\":{},\"tid\":{},\"name\":\"thread_sort_index\",\"args\":{{\"sort_index\":{}}}}"
      "}",
      kPid, tid, sort_index);
}

// One complete event; `args` is the inside of the args object.
void slice(std::ostream& out, const TimeFormat& time, int tid, uint64_t start_cycle, uint64_t end_cycle,
           const std::string& quoted_name, const char* category, const std::string& args) {
  const int64_t start = time.ps(start_cycle);
  out << fmt::format(
      ",\n{{\"ph\":\"X\",\"pid\":{},\"tid\":{},\"ts\":{},\"dur\":{},\"name\":{},\"cat\":\"{}\",\"args\":{{{}}"
      "}}}",
      kPid, tid, TimeFormat::us(start), TimeFormat::us(time.ps(end_cycle) - start), quoted_name, category,
      args);
}

}  // namespace

void write_trace_json(std::ostream& out, const RunResult& run, hw::ActivityTrace& trace) {
  const TimeFormat time(run.config.arch.clock_ghz);
  const std::vector<hw::ActivityTrace::Track>& tracks = trace.tracks();

  nlohmann::json track_info = nlohmann::json::array();
  track_info.push_back({{"tid", kKernelTid},
                        {"name", "kernels"},
                        {"serial", true},
                        {"what",
                         "each issued kernel, first DMA request to last write-back; args: layer, kind, "
                         "bound (the resource busiest while it ran), start_cycle, cycles, fused"}});
  track_info.push_back({{"tid", kLayerTid},
                        {"name", "layers"},
                        {"serial", true},
                        {"what", "consecutive kernels of one layer of the network"}});
  for (size_t t = 0; t < tracks.size(); ++t) {
    uint64_t busy = 0;
    for (const auto& s : tracks[t].slices) busy += s.end_cycle - s.start_cycle;
    track_info.push_back({{"tid", kFirstResourceTid + static_cast<int>(t)},
                          {"name", tracks[t].name},
                          {"serial", true},
                          {"unit", tracks[t].unit},
                          {"what", tracks[t].what},
                          {"busy_cycles", busy}});
  }
  const nlohmann::json other = {
      {"schema", "nm_sim/trace/1"},
      {"workload", run.workload},
      {"time_unit",
       "ts and dur: simulated microseconds (the trace-event format's unit), exact to the picosecond; "
       "kernel slices also give start_cycle and cycles"},
      {"clock_ghz", run.config.arch.clock_ghz},
      {"cycles", run.cycles},
      {"latency_s", run.latency_s()},
      {"tracks", track_info}};

  out << "{\"displayTimeUnit\":\"ns\",\n\"otherData\":" << other.dump() << ",\n\"traceEvents\":[\n";
  out << fmt::format("{{\"ph\":\"M\",\"pid\":{},\"name\":\"process_name\",\"args\":{{\"name\":{}}}}}", kPid,
                     json_string("nm_sim " + run.workload + " (" + run.config.source + ")"));
  metadata(out, kKernelTid, "kernels", 0);
  metadata(out, kLayerTid, "layers", 1);
  for (size_t t = 0; t < tracks.size(); ++t) {
    const int tid = kFirstResourceTid + static_cast<int>(t);
    metadata(out, tid, tracks[t].name, tid);
  }

  // Kernels, and layers as runs of consecutive kernels of one layer.
  std::vector<std::string> names, resource_args;
  names.reserve(run.kernels.size());
  size_t layer_first = 0;
  for (size_t i = 0; i < run.kernels.size(); ++i) {
    const KernelRecord& k = run.kernels[i];
    names.push_back(json_string(k.desc.name));
    const char* bound = hw::bound_name(k.simulated.bound);
    resource_args.push_back(fmt::format("\"bound\":\"{}\"", bound));
    std::string fused;
    for (const std::string& f : k.fused) fused += (fused.empty() ? "" : "+") + f;
    slice(out, time, kKernelTid, k.start_cycle, k.start_cycle + k.simulated.cycles, names.back(), "kernel",
          fmt::format(
              "\"layer\":{},\"kind\":\"{}\",\"bound\":\"{}\",\"start_cycle\":{},\"cycles\":{},\"fused\":{}",
              json_string(k.desc.layer), hw::kernel_kind_name(k.desc.kind), bound, k.start_cycle,
              k.simulated.cycles, json_string(fused)));
    const bool layer_ends = i + 1 == run.kernels.size() || run.kernels[i + 1].desc.layer != k.desc.layer;
    if (layer_ends) {
      const KernelRecord& first = run.kernels[layer_first];
      slice(out, time, kLayerTid, first.start_cycle, k.start_cycle + k.simulated.cycles,
            json_string(k.desc.layer), "layer", fmt::format("\"kernels\":{}", i + 1 - layer_first));
      layer_first = i + 1;
    }
  }
  for (size_t t = 0; t < tracks.size(); ++t) {
    const int tid = kFirstResourceTid + static_cast<int>(t);
    const char* category = tracks[t].unit == "macs" ? "compute" : "transfer";
    for (const auto& s : tracks[t].slices) {
      slice(out, time, tid, s.start_cycle, s.end_cycle, names.at(s.kernel), category,
            fmt::format("\"{}\":{},{}", tracks[t].unit, s.amount, resource_args.at(s.kernel)));
    }
  }
  out << "\n]}\n";
}

}  // namespace nm::sw
