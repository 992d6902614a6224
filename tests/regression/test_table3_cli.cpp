// nm_sim --table3 end to end: its simulated row is exactly what separate --workload runs give,
// its ratios are simulated / paper, and bad input gives one error line and status 2.
#include <gtest/gtest.h>

#include "cli_test_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::array<const char*, 3> kWorkloads = {"resnet50", "bert_base", "gcn"};
const std::array<const char*, 5> kFigures = {"latency_ms", "speedup", "throughput", "power_w",
                                             "throughput_per_watt"};

using nm::test::CliRun;
using nm::test::read_text;

class Table3Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nm_table3_cli_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  CliRun nm_sim(const std::string& args) const { return nm::test::run_cli(NM_SIM_PATH, args, dir_); }

  // Bad input: status 2, exactly one "error: ..." line naming `key`, nothing on stdout, no file.
  void expect_one_error(const std::string& args, const std::string& key) const {
    const fs::path out = dir_ / "bad.json";
    const CliRun r = nm_sim(args + " --json " + out.string());
    EXPECT_EQ(r.status, 2) << args << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(key), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_FALSE(fs::exists(out));
  }

  fs::path dir_;
};

TEST_F(Table3Cli, SimulatedRowEqualsSeparateRuns) {
  const fs::path t3 = dir_ / "t3.json";
  const CliRun r = nm_sim("--table3 --json " + t3.string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const json j = json::parse(read_text(t3));
  EXPECT_EQ(j.at("schema"), "nm_sim/table3/1");
  EXPECT_EQ(j.at("config").at("datatype"), "int8");
  ASSERT_EQ(j.at("reference").size(), 8u);

  json paper;
  json cpu;
  for (const json& row : j.at("reference")) {
    if (row.at("processor") == "NeuralMatrix") paper = row;
    if (row.at("type") == "CPU") cpu = row;
  }
  ASSERT_TRUE(paper.is_object());
  ASSERT_TRUE(cpu.is_object());

  for (const char* w : kWorkloads) {
    SCOPED_TRACE(w);
    const fs::path single = dir_ / (std::string(w) + ".json");
    const CliRun s = nm_sim(std::string("--workload ") + w + " --json " + single.string());
    ASSERT_EQ(s.status, 0) << s.err;
    const json run = json::parse(read_text(single));
    const json& sim = j.at("simulated").at(w);
    EXPECT_DOUBLE_EQ(sim.at("latency_ms").get<double>(), run.at("latency_s").get<double>() * 1e3);
    EXPECT_DOUBLE_EQ(sim.at("throughput").get<double>(), run.at("throughput_per_s").get<double>());
    EXPECT_DOUBLE_EQ(sim.at("power_w").get<double>(), run.at("power_w").get<double>());
    EXPECT_DOUBLE_EQ(sim.at("throughput_per_watt").get<double>(),
                     run.at("throughput_per_watt").get<double>());
    EXPECT_EQ(j.at("config"), run.at("config"));
    EXPECT_DOUBLE_EQ(sim.at("speedup").get<double>(),
                     cpu.at(w).at("latency_ms").get<double>() / sim.at("latency_ms").get<double>());
    for (const char* f : kFigures) {
      EXPECT_DOUBLE_EQ(j.at("ratio_to_paper").at(w).at(f).get<double>(),
                       sim.at(f).get<double>() / paper.at(w).at(f).get<double>())
          << f;
    }
  }
  // The headline is the simulated T/P over the CPU's; the paper's claim is beside it.
  const json& vs_cpu = j.at("headline").at("vs_cpu");
  EXPECT_DOUBLE_EQ(vs_cpu.at("simulated").at("gcn").get<double>(),
                   j.at("simulated").at("gcn").at("throughput_per_watt").get<double>() /
                       cpu.at("gcn").at("throughput_per_watt").get<double>());
  EXPECT_EQ(vs_cpu.at("paper_claim"), 113.0);

  // The printed table has every row, the simulated row and the ratio row.
  for (const char* text : {"i7-11700", "3090Ti", "AGX ORIN", "Virtex7[14]", "DaDianNao[15]", "NPE[17]",
                           "SpAtten[18]", "NeuralMatrix (nm_sim)", "simulated / paper", "up to 19.44x"}) {
    EXPECT_NE(r.out.find(text), std::string::npos) << text << "\n" << r.out;
  }
}

TEST_F(Table3Cli, ConfigArgumentsReachEveryRun) {
  const fs::path t3 = dir_ / "t3.json";
  const CliRun r = nm_sim("--table3 --datatype fp16 --set dram.bandwidth_gbps=256 --json " + t3.string());
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(read_text(t3));
  EXPECT_EQ(j.at("config").at("datatype"), "fp16");
  EXPECT_EQ(j.at("config").at("dram").at("bandwidth_gbps"), 256.0);
  const fs::path single = dir_ / "gcn.json";
  ASSERT_EQ(
      nm_sim("--workload gcn --datatype fp16 --set dram.bandwidth_gbps=256 --json " + single.string()).status,
      0);
  EXPECT_DOUBLE_EQ(j.at("simulated").at("gcn").at("latency_ms").get<double>(),
                   json::parse(read_text(single)).at("latency_s").get<double>() * 1e3);
  EXPECT_NE(r.out.find("fp16"), std::string::npos);
}

TEST_F(Table3Cli, BadInputOneErrorLine) {
  expect_one_error("--table3 --workload gcn", "--table3");
  expect_one_error("--workload gcn --table3", "--table3");
  expect_one_error("--table3 --csv k.csv", "--csv");
  // Every child fails the same way; only one line is printed.
  expect_one_error("--table3 --set pe.count=0", "pe.count");
  expect_one_error("--table3 --set l2.bytez=1", "l2.bytez");
  expect_one_error("--table3 --config " + (dir_ / "missing.yaml").string(), "missing.yaml");
}

}  // namespace
