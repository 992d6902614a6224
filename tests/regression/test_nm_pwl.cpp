// nm_pwl end to end: one fit (text and JSON), the error table of every function (CSV), the
// paper's Table 1, and bad input (status 2, one error line, no file).
#include <gtest/gtest.h>

#include "cli_test_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using nm::test::CliRun;
using nm::test::read_text;

class NmPwl : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nm_pwl_cli_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  CliRun nm_pwl(const std::string& args) const { return nm::test::run_cli(NM_PWL_PATH, args, dir_); }

  // Status 2, exactly one "error: ..." line naming `key`, nothing on stdout, no output file.
  void expect_one_error(const std::string& args, const std::string& key) const {
    const fs::path out = dir_ / "bad.out";
    const std::string file_flag = args.find("--all") != std::string::npos ? " --csv " : " --json ";
    const std::string full =
        args.find("--json") == std::string::npos && args.find("--csv") == std::string::npos
            ? args + file_flag + out.string()
            : args;
    const CliRun r = nm_pwl(full);
    EXPECT_EQ(r.status, 2) << full << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << full << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(key), std::string::npos) << full << "\n" << r.err;
    EXPECT_EQ(r.out, "") << full;
    EXPECT_FALSE(fs::exists(out)) << full;
  }

  fs::path dir_;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, sep)) parts.push_back(part);
  return parts;
}

TEST_F(NmPwl, FunctionPrintsSegmentsAndErrors) {
  const fs::path out = dir_ / "gelu.json";
  const CliRun r = nm_pwl("--function gelu --granularity 0.25 --json " + out.string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  for (const char* text : {"gelu, uniform, granularity 0.25", "[-4, 4] (34 segments", "y = x * K[S] + B[S]",
                           "max abs", "mean abs", "rms", "68 at int8, 136 at fp16", "y = 0 below lo"}) {
    EXPECT_NE(r.out.find(text), std::string::npos) << text << "\n" << r.out;
  }
  const json j = json::parse(read_text(out));
  EXPECT_EQ(j.at("schema"), "nm_pwl/1");
  EXPECT_EQ(j.at("segments"), 34);
  EXPECT_EQ(j.at("breakpoints").size(), 33u);
  EXPECT_EQ(j.at("slopes").size(), 34u);
  EXPECT_EQ(j.at("intercepts").size(), 34u);
  const double max_abs = j.at("errors").at("max_abs").get<double>();
  EXPECT_GT(max_abs, 0.006);
  EXPECT_LT(max_abs, 0.0625 / 8 * 0.7978845608);  // h^2/8 max|GELU''|
  EXPECT_EQ(j.at("table_bytes").at("int8"), 68);
  EXPECT_EQ(j.at("table_bytes").at("fp16"), 136);

  const fs::path el = dir_ / "tanh.json";
  const CliRun e =
      nm_pwl("--function tanh --method elastic --domain -8,8 --granularity 0.5 --json " + el.string());
  ASSERT_EQ(e.status, 0) << e.err;
  const json k = json::parse(read_text(el));
  EXPECT_EQ(k.at("method"), "elastic");
  EXPECT_EQ(k.at("domain"), json::array({-8.0, 8.0}));
  EXPECT_EQ(k.at("segments"), 34);
  EXPECT_EQ(k.at("table_bytes").at("map"), 32 * 4 + 2);
  EXPECT_NE(e.out.find("S = map[F]"), std::string::npos) << e.out;

  const CliRun rr = nm_pwl("--function rsqrt");
  ASSERT_EQ(rr.status, 0) << rr.err;
  EXPECT_NE(rr.out.find("range reduction"), std::string::npos) << rr.out;
  EXPECT_NE(rr.out.find("over x in [1e-3, 1e3]"), std::string::npos) << rr.out;
}

TEST_F(NmPwl, AllWritesTheErrorTableAsCsv) {
  const fs::path csv = dir_ / "all.csv";
  const CliRun r = nm_pwl("--all --csv " + csv.string());
  ASSERT_EQ(r.status, 0) << r.err;
  const std::vector<std::string> lines = split(read_text(csv), '\n');
  ASSERT_EQ(lines.size(), 1u + 12 * 3 * 2);  // 12 fitted functions, 3 granularities, 2 methods
  const std::vector<std::string> header = split(lines[0], ',');
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  for (const char* c : {"function", "method", "granularity", "segments", "max_abs", "mean_abs", "rms",
                        "table_bytes_int8", "table_bytes_fp16"}) {
    ASSERT_TRUE(col.count(c)) << c;
  }
  // Rows come in (uniform, elastic) pairs per function and granularity.
  for (size_t i = 1; i + 1 < lines.size(); i += 2) {
    const auto u = split(lines[i], ','), e = split(lines[i + 1], ',');
    ASSERT_EQ(u.size(), header.size());
    ASSERT_EQ(u[col["method"]], "uniform");
    ASSERT_EQ(e[col["method"]], "elastic");
    ASSERT_EQ(u[col["function"]], e[col["function"]]);
    EXPECT_EQ(u[col["segments"]], e[col["segments"]]);
    EXPECT_EQ(u[col["table_bytes_int8"]], e[col["table_bytes_int8"]]);
    const double mu = std::stod(u[col["max_abs"]]), me = std::stod(e[col["max_abs"]]);
    if (u[col["function"]] == "relu" || u[col["function"]] == "leaky_relu") {
      EXPECT_EQ(mu, 0.0);
      EXPECT_EQ(me, 0.0);
    } else {
      EXPECT_LT(me, mu) << lines[i];
    }
  }
  for (const char* text : {"gelu", "silu", "erf", "sqrt", "elastic"}) {
    EXPECT_NE(r.out.find(text), std::string::npos) << text;
  }
}

TEST_F(NmPwl, OverheadPrintsTable1WithTheRule) {
  const CliRun r = nm_pwl("--overhead");
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* text : {"resnet50", "bert_base", "gcn", "rule: per layer (nm_sim's)", "rule: per function",
                           "rule: per channel", "114KB", "49.2KB", "0.10-0.74%", "granularity 0.25"}) {
    EXPECT_NE(r.out.find(text), std::string::npos) << text << "\n" << r.out;
  }
  const CliRun h = nm_pwl("--overhead --granularity 0.5");
  ASSERT_EQ(h.status, 0) << h.err;
  EXPECT_NE(h.out.find("granularity 0.5"), std::string::npos);
  EXPECT_NE(h.out, r.out);
}

TEST_F(NmPwl, BadInputIsOneErrorLine) {
  expect_one_error("", "mode");
  expect_one_error("--function softplus", "--function");
  expect_one_error("--function", "--function");
  expect_one_error("--function gelu --granularity 0", "--granularity");
  expect_one_error("--function gelu --granularity -1", "--granularity");
  expect_one_error("--function gelu --granularity 0.25x", "--granularity");
  expect_one_error("--function gelu --granularity nan", "--granularity");
  expect_one_error("--function gelu --method fast", "--method");
  expect_one_error("--function gelu --domain 3,1", "--domain");
  expect_one_error("--function gelu --domain -8", "--domain");
  expect_one_error("--function gelu --domain a,b", "--domain");
  expect_one_error("--function relu --domain -1,1", "--domain");
  expect_one_error("--function reciprocal --domain 1,3", "--domain");
  expect_one_error("--function gelu --method elastic --granularity 0.01", "--granularity");
  expect_one_error("--function gelu --granularity 1e-9", "--granularity");
  expect_one_error("--function gelu --all", "mode");
  expect_one_error("--all --granularity 0.5", "--granularity");
  expect_one_error("--overhead --method elastic", "--method");
  expect_one_error("--function gelu --csv " + (dir_ / "bad.out").string(), "--csv");
  expect_one_error("--overhead --json " + (dir_ / "bad.out").string(), "--json");
  expect_one_error("--function gelu --bogus", "--bogus");
  expect_one_error("--function gelu --json " + (dir_ / "no_such_dir" / "f.json").string(), "--json");
  const CliRun help = nm_pwl("--help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("usage: nm_pwl"), std::string::npos);
}

// --help says what every option does, with units and defaults.
TEST_F(NmPwl, HelpDescribesEveryOption) {
  const CliRun help = nm_pwl("--help");
  ASSERT_EQ(help.status, 0);
  for (const char* flag : {"--function", "--all", "--overhead", "--granularity", "--method", "--domain",
                           "--json", "--csv", "--help"}) {
    EXPECT_NE(help.out.find(std::string("\n  ") + flag), std::string::npos) << flag << "\n" << help.out;
  }
  for (const char* fact : {"default 0.25", "default uniform", "input units", "Exit status"}) {
    EXPECT_NE(help.out.find(fact), std::string::npos) << fact << "\n" << help.out;
  }
}

}  // namespace
