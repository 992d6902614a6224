// nm_sim --trace: the timeline is valid trace-event JSON, one serial track per resource whose
// slices never overlap and add up to the module's busy counter, kernel slices that span exactly
// the reported latency, and bad paths that fail cleanly before the run without leaving a file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_test_util.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using nm::test::CliRun;
using nm::test::read_text;

fs::path scratch_dir() {
  static const nm::test::ScratchDir dir("nm_sim_trace");
  return dir.path();
}

CliRun run_nm_sim(const std::string& args) {
  return nm::test::run_cli(NM_SIM_PATH, args, scratch_dir());
}

// Trace timestamps are microseconds printed to 6 decimals: integer picoseconds.
int64_t ps(const json& us) {
  return std::llround(us.get<double>() * 1e6);
}

struct Traced {
  json trace;
  json run;
};

// One traced run per workload (and extra arguments), cached: the checks below read the same files.
const Traced& traced(const std::string& workload) {
  static std::map<std::string, Traced> cache;
  auto it = cache.find(workload);
  if (it != cache.end()) return it->second;
  const std::string stem = "run" + std::to_string(cache.size());
  const fs::path trace = scratch_dir() / (stem + ".trace.json");
  const fs::path out = scratch_dir() / (stem + ".json");
  const CliRun r =
      run_nm_sim("--workload " + workload + " --trace " + trace.string() + " --json " + out.string());
  EXPECT_EQ(r.status, 0) << r.err;
  Traced t;
  t.trace = json::parse(read_text(trace));  // throws (fails the test) on invalid JSON
  t.run = json::parse(read_text(out));
  return cache[workload] = std::move(t);
}

// The complete events of each track (by tid), in time order.
std::map<int, std::vector<json>> slices_by_tid(const json& trace) {
  std::map<int, std::vector<json>> by_tid;
  for (const json& e : trace.at("traceEvents")) {
    if (e.at("ph") == "X") by_tid[e.at("tid").get<int>()].push_back(e);
  }
  for (auto& [tid, v] : by_tid) {
    std::stable_sort(v.begin(), v.end(),
                     [](const json& a, const json& b) { return ps(a["ts"]) < ps(b["ts"]); });
  }
  return by_tid;
}

class Trace : public ::testing::TestWithParam<std::string> {};

TEST_P(Trace, HasOneNamedTrackPerResource) {
  const Traced& t = traced(GetParam());
  const json& other = t.trace.at("otherData");
  EXPECT_EQ(other.at("schema"), "nm_sim/trace/1");
  EXPECT_NE(other.at("time_unit").get<std::string>().find("microseconds"), std::string::npos);
  std::vector<std::string> expected = {
      "kernels",         "layers",        "accelerator.dma.fill", "accelerator.dma.drain",
      "accelerator.noc", "accelerator.l2"};
  const uint64_t clusters = t.run.at("config").at("pe").at("clusters").get<uint64_t>();
  const uint64_t channels = t.run.at("config").at("dram").at("channels").get<uint64_t>();
  for (uint64_t c = 0; c < clusters; ++c) expected.push_back("accelerator.cluster" + std::to_string(c));
  for (uint64_t c = 0; c < channels; ++c) expected.push_back("accelerator.dram" + std::to_string(c));
  std::vector<std::string> names;
  std::map<int, std::string> thread_names;
  for (const json& track : other.at("tracks")) names.push_back(track.at("name"));
  for (const json& e : t.trace.at("traceEvents")) {
    if (e.at("ph") == "M" && e.at("name") == "thread_name")
      thread_names[e.at("tid")] = e.at("args").at("name");
  }
  EXPECT_EQ(names, expected);
  ASSERT_EQ(thread_names.size(), expected.size());
  const auto by_tid = slices_by_tid(t.trace);
  for (const json& track : other.at("tracks")) {
    const int tid = track.at("tid");
    EXPECT_EQ(thread_names.at(tid), track.at("name"));
    EXPECT_TRUE(by_tid.count(tid)) << track.at("name") << " has no slice";
  }
}

TEST_P(Trace, SerialTracksNeverOverlapAndSumToBusyCycles) {
  const Traced& t = traced(GetParam());
  const double clock_ghz = t.trace.at("otherData").at("clock_ghz");
  const auto by_tid = slices_by_tid(t.trace);
  const json& modules = t.run.at("modules");
  const int64_t latency_ps = std::llround(t.run.at("latency_s").get<double>() * 1e12);
  for (const json& track : t.trace.at("otherData").at("tracks")) {
    const std::string name = track.at("name");
    ASSERT_TRUE(track.at("serial").get<bool>()) << name;
    const std::vector<json>& slices = by_tid.at(track.at("tid").get<int>());
    int64_t busy_ps = 0;
    for (size_t i = 0; i < slices.size(); ++i) {
      const int64_t start = ps(slices[i]["ts"]);
      const int64_t dur = ps(slices[i]["dur"]);
      EXPECT_GT(dur, 0) << name;
      EXPECT_GE(start, 0) << name;
      EXPECT_LE(start + dur, latency_ps) << name << " slice " << i << " ends after the run";
      if (i + 1 < slices.size()) {
        ASSERT_LE(start + dur, ps(slices[i + 1]["ts"]))
            << name << ": slices " << i << " and " << i + 1 << " overlap";
      }
      busy_ps += dur;
    }
    const double busy_cycles = static_cast<double>(busy_ps) * clock_ghz / 1000.0;
    if (track.contains("busy_cycles"))
      EXPECT_NEAR(busy_cycles, track["busy_cycles"].get<double>(), 0.5) << name;
    if (modules.contains(name) && modules[name].contains("busy_cycles")) {
      EXPECT_NEAR(busy_cycles, modules[name]["busy_cycles"].get<double>(), 0.5) << name;
    }
  }
}

TEST_P(Trace, KernelSlicesSpanTheReportedLatency) {
  const Traced& t = traced(GetParam());
  const auto by_tid = slices_by_tid(t.trace);
  const std::vector<json>& kernels = by_tid.at(0);
  const json& reported = t.run.at("kernels");
  ASSERT_EQ(kernels.size(), reported.size());
  EXPECT_EQ(ps(kernels.front()["ts"]), 0);
  const json& last = kernels.back();
  EXPECT_EQ(ps(last["ts"]) + ps(last["dur"]), std::llround(t.run.at("latency_s").get<double>() * 1e12));
  for (size_t i = 0; i < kernels.size(); ++i) {
    EXPECT_EQ(kernels[i]["name"], reported[i]["name"]);
    EXPECT_EQ(kernels[i]["args"]["layer"], reported[i]["layer"]);
    EXPECT_EQ(kernels[i]["args"]["bound"], reported[i]["bound"]);
    EXPECT_EQ(kernels[i]["args"]["start_cycle"], reported[i]["start_cycle"]);
    EXPECT_EQ(kernels[i]["args"]["cycles"], reported[i]["cycles"]);
  }
  // Layers cover the same span.
  const std::vector<json>& layers = by_tid.at(1);
  EXPECT_EQ(ps(layers.front()["ts"]), 0);
  EXPECT_EQ(ps(layers.back()["ts"]) + ps(layers.back()["dur"]), ps(last["ts"]) + ps(last["dur"]));
}

INSTANTIATE_TEST_SUITE_P(Workloads, Trace,
                         ::testing::Values("resnet50", "gcn", "bert_base --seq-len 32 --set dram.channels=2"),
                         [](const auto& info) { return "case" + std::to_string(info.index); });

TEST(TraceCli, TracingDoesNotChangeTheResults) {
  const fs::path plain = scratch_dir() / "plain.json";
  const CliRun r = run_nm_sim("--workload gcn --json " + plain.string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json::parse(read_text(plain)), traced("gcn").run);
}

TEST(TraceCli, BadPathIsOneLineErrorBeforeTheRunAndLeavesNoFile) {
  const fs::path missing_dir = scratch_dir() / "no_such_dir" / "t.json";
  CliRun r = run_nm_sim("--workload resnet50 --trace " + missing_dir.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err.rfind("error: " + missing_dir.string() + ": ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_TRUE(r.out.empty()) << "the run should not have started: " << r.out;
  EXPECT_FALSE(fs::exists(missing_dir.parent_path()));

  // A directory is not a file either.
  r = run_nm_sim("--workload gcn --trace " + scratch_dir().string());
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;

  // A failing run leaves nothing behind at a good path.
  const fs::path good = scratch_dir() / "failed_run.json";
  r = run_nm_sim("--workload gcn --set pe.count=0 --trace " + good.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_FALSE(fs::exists(good));
  EXPECT_FALSE(fs::exists(good.string() + ".tmp"));

  r = run_nm_sim("--workload gcn --trace");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--trace"), std::string::npos) << r.err;
}

TEST(TraceCli, NotAvailableWithTable3) {
  const CliRun r = run_nm_sim("--table3 --trace " + (scratch_dir() / "t3.json").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--trace"), std::string::npos) << r.err;
}

}  // namespace
