// The sweeps committed under docs/sweeps/ still say what the tools produce: a sample of each
// CSV's rows (every 9th task) is re-run through nm_sim with the row's workload and axis values
// and the sweep file's base config, and every summary figure must match the committed one to the
// CSV's printed precision. When this fails, scripts/reproduce_paper.sh regenerates docs/.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_test_util.h"
#include "sw/sweep/sweep_csv.h"
#include "sw/sweep/sweep_spec.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path scratch() {
  static const nm::test::ScratchDir dir("nm_docs_fresh");
  return dir.path();
}

std::string shell_quote(const std::string& s) {
  return "'" + s + "'";
}

class DocsSweep : public ::testing::TestWithParam<std::string> {};

TEST_P(DocsSweep, SampledRowsMatchWhatNmSimProducesNow) {
  const fs::path root(NM_SOURCE_DIR);
  const fs::path csv_path = root / "docs" / "sweeps" / (GetParam() + ".csv");
  const fs::path spec_path = root / "configs" / "sweeps" / (GetParam() + ".yaml");
  const nm::sw::SweepSpec spec = nm::sw::load_sweep_spec(spec_path.string(), std::nullopt);
  const nm::sw::SweepCsv csv = nm::sw::read_sweep_csv(csv_path.string(), false);
  const std::vector<std::string> header = nm::sw::split_csv_line(csv.header);
  auto column = [&](const std::string& name) {
    return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const size_t workload = column("workload"), first_figure = column("latency_s"), status = column("status");
  ASSERT_LT(first_figure, header.size());
  // The figures nm_sim's JSON has at its top level: latency_s .. pe_utilization, bytes, area.
  std::vector<size_t> figures;
  for (size_t c = first_figure; c < header.size(); ++c) {
    if (header[c].rfind("energy_", 0) == 0 && header[c] != "energy_j") continue;
    if (header[c] == "status" || header[c] == "pareto") continue;
    figures.push_back(c);
  }
  size_t checked = 0;
  for (const std::string& line : csv.rows) {
    const std::vector<std::string> row = nm::sw::split_csv_line(line);
    if (nm::sw::row_task(line) % 9 != 0 || row[status] != "ok") continue;
    std::string args = "--workload " + shell_quote(row[workload]);
    if (spec.base_config) args += " --config " + shell_quote(*spec.base_config);
    std::string point;
    for (size_t c = workload + 1; c < first_figure; ++c) {
      for (const std::string& a : nm::sw::sweep_axis_arguments(header[c], row[c]))
        args += " " + shell_quote(a);
      point += " " + header[c] + "=" + row[c];
    }
    const fs::path out = scratch() / (GetParam() + "_" + row[0] + ".json");
    const nm::test::CliRun r = nm::test::run_cli(NM_SIM_PATH, args + " --json " + out.string(), scratch());
    ASSERT_EQ(r.status, 0) << args << ": " << r.err;
    const json result = json::parse(nm::test::read_text(out));
    for (size_t c : figures) {
      const double committed = std::stod(row[c]);
      const double now = result.at(header[c]).get<double>();
      // The CSV prints 9 significant digits.
      EXPECT_LE(std::abs(now - committed), 1e-8 * std::max(std::abs(now), std::abs(committed)) + 1e-300)
          << csv_path.filename().string() << " task " << row[0] << " (" << row[workload] << point
          << "): " << header[c] << " is " << row[c] << " in the file, " << now
          << " now; run scripts/reproduce_paper.sh to regenerate docs/";
    }
    ++checked;
  }
  EXPECT_GE(checked, 5u) << "too few rows sampled from " << csv_path;
}

INSTANTIATE_TEST_SUITE_P(Committed, DocsSweep,
                         ::testing::Values("pe_x_buffers", "paper_latency", "fig4_width_depth"));

}  // namespace
