// Golden regression: small end-to-end runs compared with stored figures. A model change that
// moves any total by more than 0.1% or any kernel's cycles by more than 1% fails here, so such a
// change is deliberate: refresh with scripts/refresh_goldens.sh and explain why in the commit.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kGoldenDir = fs::path(NM_SOURCE_DIR) / "tests" / "regression" / "golden";

json run(const std::string& args) {
  const fs::path out = fs::temp_directory_path() / ("nm_sim_golden_" + std::to_string(::getpid()) + ".json");
  const std::string cmd = std::string(NM_SIM_PATH) + " " + args + " --json " + out.string() + " >/dev/null";
  const int status = std::system(cmd.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << cmd;
  std::ifstream f(out);
  json j = json::parse(f);
  fs::remove(out);
  return j;
}

// The figures a golden keeps: totals, and per kernel its name, cycles and DRAM bytes.
json compact(const std::string& args, const json& full) {
  json g;
  g["args"] = args;
  for (const char* key :
       {"cycles", "energy_j", "macs", "macs_executed", "dram_bytes", "l2_bytes", "noc_bytes"}) {
    g[key] = full[key];
  }
  json kernels = json::array();
  for (const json& k : full["kernels"]) kernels.push_back({k["name"], k["cycles"], k["dram_bytes"]});
  g["kernels"] = kernels;
  return g;
}

void expect_close(double golden, double now, double tolerance, const std::string& what) {
  EXPECT_LE(std::abs(now - golden), tolerance * std::abs(golden) + 1e-12)
      << what << ": golden " << golden << ", now " << now;
}

class Golden : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(Golden, MatchesStoredFigures) {
  const auto& [file, args] = GetParam();
  const fs::path path = kGoldenDir / file;
  const json now = compact(args, run(args));
  if (std::getenv("NM_REFRESH_GOLDENS") != nullptr) {
    fs::create_directories(kGoldenDir);
    std::ofstream(path) << now.dump(1) << "\n";
    GTEST_SKIP() << "refreshed " << path;
  }
  std::ifstream f(path);
  ASSERT_TRUE(f) << "missing golden " << path << " (scripts/refresh_goldens.sh writes it)";
  const json golden = json::parse(f);
  ASSERT_EQ(golden["args"], now["args"]);
  EXPECT_EQ(golden["macs"], now["macs"]);
  for (const char* key : {"cycles", "energy_j", "macs_executed", "dram_bytes", "l2_bytes", "noc_bytes"}) {
    expect_close(golden[key].get<double>(), now[key].get<double>(), 1e-3, key);
  }
  ASSERT_EQ(golden["kernels"].size(), now["kernels"].size());
  for (size_t i = 0; i < now["kernels"].size(); ++i) {
    const json& g = golden["kernels"][i];
    const json& n = now["kernels"][i];
    ASSERT_EQ(g[0], n[0]) << "kernel " << i;
    expect_close(g[1].get<double>(), n[1].get<double>(), 1e-2, n[0].get<std::string>() + " cycles");
    expect_close(g[2].get<double>(), n[2].get<double>(), 1e-2, n[0].get<std::string>() + " dram_bytes");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Runs, Golden,
    ::testing::Values(
        std::make_pair("resnet50_int8.json", "--workload resnet50"),
        std::make_pair("bert_base_int8.json", "--workload bert_base"),
        std::make_pair("bert_base_fp16_seq64.json", "--workload bert_base --datatype fp16 --seq-len 64"),
        std::make_pair("gcn_int8.json", "--workload gcn"),
        // The DRAM timing model (bank, row, refresh) under a standard.
        std::make_pair("gcn_int8_lpddr4.json", "--workload gcn --set dram.standard=lpddr4_3200"),
        std::make_pair("tiny_mlp_pe256.json",
                       "--workload tiny_mlp --set pe.count=256 --set l2.bytes=262144")),
    [](const ::testing::TestParamInfo<std::pair<const char*, const char*>>& info) {
      std::string name = info.param.first;
      return name.substr(0, name.find('.'));
    });

}  // namespace
