// The plotting scripts: plot_sweep.sh on every shipped sweep CSV and on sweeps the shipped ones do
// not cover (a workload given by path, a text axis, one varying axis), plot_timeline.sh on a
// trace; each PNG they print exists and is a real image, and input they cannot plot is one
// line on stderr, exit status 2 and no PNG.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli_test_util.h"

namespace {

namespace fs = std::filesystem;
using nm::test::CliRun;
using nm::test::read_text;

fs::path scratch() {
  static const nm::test::ScratchDir dir("nm_plots");
  return dir.path();
}

bool have(const char* tool) {
  return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0;
}

CliRun script(const std::string& name, const std::string& args) {
  return nm::test::run_cli("bash " + std::string(NM_SOURCE_DIR) + "/scripts/" + name, args, scratch());
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// A PNG file of a plotted size (an empty canvas would be a few KB).
void expect_png(const fs::path& png) {
  ASSERT_TRUE(fs::exists(png)) << png;
  const std::string bytes = read_text(png);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << png;
  EXPECT_GT(bytes.size(), 15000u) << png;
}

void expect_one_line_failure(const CliRun& r, const fs::path& out_dir) {
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(out_dir, ec)) ADD_FAILURE() << "left " << e.path();
}

#define REQUIRE_PLOT_TOOLS() \
  if (!have("gnuplot") || !have("jq")) GTEST_SKIP() << "gnuplot or jq missing: run scripts/setup.sh"

TEST(PlotSweep, EveryShippedSweepPlots) {
  REQUIRE_PLOT_TOOLS();
  size_t sweeps = 0;
  for (const auto& e : fs::directory_iterator(fs::path(NM_SOURCE_DIR) / "docs" / "sweeps")) {
    if (e.path().extension() != ".csv") continue;
    ++sweeps;
    const fs::path out = scratch() / e.path().stem();
    const CliRun r = script("plot_sweep.sh", e.path().string() + " " + out.string());
    ASSERT_EQ(r.status, 0) << e.path() << ": " << r.err;
    EXPECT_EQ(r.err, "") << e.path();  // no raw gnuplot warnings
    const std::vector<std::string> pngs = lines_of(r.out);
    // Two metrics against each of the two varying axes, and the Pareto plot.
    EXPECT_EQ(pngs.size(), 5u) << r.out;
    for (const std::string& png : pngs) expect_png(png);
    EXPECT_NE(std::find(pngs.begin(), pngs.end(), (out / "pareto.png").string()), pngs.end()) << r.out;
  }
  EXPECT_GE(sweeps, 3u);
}

// A sweep of one file workload given by path over a text axis and a byte axis.
TEST(PlotSweep, WorkloadByPathTextAxisAndChosenAxes) {
  REQUIRE_PLOT_TOOLS();
  const fs::path csv = scratch() / "custom.csv";
  std::ofstream f(csv);
  f << "task,point,workload,datatype,l1.bytes_per_pe,latency_s,throughput_per_watt,energy_j,status,pareto\n";
  int task = 0;
  for (const char* dt : {"int8", "fp16"}) {
    for (int l1 : {2048, 4096, 8192}) {
      const double lat = (dt[0] == 'i' ? 1.0 : 2.0) * 1e-3 * 4096 / l1;
      f << task << "," << task << ",/some/dir/my net.yaml," << dt << "," << l1 << "," << lat << ","
        << 1 / (lat * 0.5) << "," << lat * 0.5 << ",ok,1\n";
      ++task;
    }
  }
  f << task << "," << task << ",/some/dir/my net.yaml,fp16,16384,,,,error,\n";  // a failed point is skipped
  f.close();
  const fs::path out = scratch() / "custom";
  CliRun r = script("plot_sweep.sh", "'" + csv.string() + "' " + out.string());
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<std::string> pngs = lines_of(r.out);
  EXPECT_EQ(pngs.size(), 5u) << r.out;
  for (const std::string& png : pngs) expect_png(png);
  expect_png(out / "tpw_vs_datatype.png");
  expect_png(out / "latency_vs_l1.png");

  const fs::path chosen = scratch() / "chosen";
  r = script("plot_sweep.sh",
             csv.string() + " " + chosen.string() + " --x l1.bytes_per_pe --y energy_j,power_w");
  EXPECT_EQ(r.status, 2) << "power_w is not a column of this CSV: " << r.err;
  r = script("plot_sweep.sh", csv.string() + " " + chosen.string() + " --x l1.bytes_per_pe --y energy_j");
  ASSERT_EQ(r.status, 0) << r.err;
  pngs = lines_of(r.out);
  ASSERT_EQ(pngs.size(), 2u) << r.out;
  expect_png(chosen / "energy_vs_l1.png");
}

TEST(PlotSweep, WhatCannotBePlottedIsOneLineAndNoPng) {
  REQUIRE_PLOT_TOOLS();
  const fs::path out = scratch() / "refused";
  fs::create_directories(out);
  // Not a sweep CSV.
  expect_one_line_failure(script("plot_sweep.sh", std::string(NM_SOURCE_DIR) + "/README.md " + out.string()),
                          out);
  // No successful row.
  const fs::path failed = scratch() / "failed.csv";
  std::ofstream(failed)
      << "task,point,workload,pe.count,latency_s,energy_j,throughput_per_watt,status,pareto\n"
         "0,0,gcn,256,,,,error,\n1,1,gcn,512,,,,error,\n";
  expect_one_line_failure(script("plot_sweep.sh", failed.string() + " " + out.string()), out);
  // Nothing varies.
  const fs::path flat = scratch() / "flat.csv";
  std::ofstream(flat) << "task,point,workload,pe.count,latency_s,energy_j,throughput_per_watt,status,pareto\n"
                         "0,0,gcn,256,0.001,0.002,500,ok,1\n1,0,resnet50,256,0.01,0.02,50,ok,1\n";
  expect_one_line_failure(script("plot_sweep.sh", flat.string() + " " + out.string()), out);
  // An axis or metric the sweep does not have; a missing file.
  const std::string shipped = std::string(NM_SOURCE_DIR) + "/docs/sweeps/pe_x_buffers.csv ";
  expect_one_line_failure(script("plot_sweep.sh", shipped + out.string() + " --x l1.bytes_per_pe"), out);
  expect_one_line_failure(script("plot_sweep.sh", shipped + out.string() + " --y speed"), out);
  expect_one_line_failure(script("plot_sweep.sh", (scratch() / "missing.csv").string() + " " + out.string()),
                          out);
}

TEST(PlotTimeline, DrawsATraceAndRefusesOtherJson) {
  REQUIRE_PLOT_TOOLS();
  const fs::path trace = scratch() / "gcn.trace.json";
  const fs::path json = scratch() / "gcn.json";
  CliRun r = nm::test::run_cli(
      NM_SIM_PATH, "--workload gcn --trace " + trace.string() + " --json " + json.string(), scratch());
  ASSERT_EQ(r.status, 0) << r.err;
  r = script("plot_timeline.sh", trace.string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, (scratch() / "gcn.trace.png").string() + "\n");
  expect_png(scratch() / "gcn.trace.png");
  // A window of it.
  const fs::path window = scratch() / "window.png";
  r = script("plot_timeline.sh", trace.string() + " " + window.string() + " 1 2");
  ASSERT_EQ(r.status, 0) << r.err;
  expect_png(window);

  const fs::path out = scratch() / "timeline_refused";
  fs::create_directories(out);
  expect_one_line_failure(script("plot_timeline.sh", json.string() + " " + (out / "x.png").string()), out);
  expect_one_line_failure(
      script("plot_timeline.sh", trace.string() + " " + (out / "x.png").string() + " 5 1"), out);
}

}  // namespace
