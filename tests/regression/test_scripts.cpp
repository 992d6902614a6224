// scripts/run.sh and scripts/build.sh with cmake, dpkg-query (setup.sh's check) and ccache
// replaced by stubs that log their arguments: run.sh builds only nm_sim, after setup.sh, says so
// on stderr, and uses ccache when it is on PATH; build.sh without targets still builds all.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli_test_util.h"

namespace {

namespace fs = std::filesystem;
using nm::test::CliRun;

struct Stubbed {
  fs::path bin, build, log;
};

void write_script(const fs::path& path, const std::string& body) {
  std::ofstream(path) << "#!/bin/sh\n" << body;
  fs::permissions(path, fs::perms::owner_all);
}

// A fresh stub directory per case: stubs log one line per call to `log`.
Stubbed make_stubs(const fs::path& dir, bool with_ccache) {
  fs::remove_all(dir);
  Stubbed s{dir / "bin", dir / "build", dir / "calls.log"};
  fs::create_directories(s.bin);
  fs::create_directories(s.build);
  const std::string log = " >> '" + s.log.string() + "'\n";
  // `cmake --build DIR` leaves an nm_sim stub in DIR, as the real build leaves nm_sim.
  write_script(s.bin / "nm_sim.stub", "echo \"nm_sim $*\"" + log);
  write_script(s.bin / "cmake", "echo \"cmake $*\"" + log + "if [ \"$1\" = --build ]; then cp '" +
                                    (s.bin / "nm_sim.stub").string() + "' \"$2/nm_sim\"; fi\n");
  write_script(s.bin / "dpkg-query", "echo \"dpkg-query $*\"" + log + "printf 'install ok installed'\n");
  if (with_ccache) write_script(s.bin / "ccache", "echo \"ccache $*\"" + log);
  return s;
}

std::vector<std::string> lines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

CliRun run_script(const Stubbed& s, const std::string& script, const std::string& args) {
  const std::string env = "PATH='" + s.bin.string() + "':\"$PATH\" NM_BUILD_DIR='" + s.build.string() +
                          "' NM_BUILD_JOBS=3 bash " + std::string(NM_SOURCE_DIR) + "/scripts/" + script;
  return nm::test::run_cli(env, args, s.bin.parent_path());
}

fs::path scratch() {
  static const nm::test::ScratchDir dir("nm_scripts");
  return dir.path();
}

TEST(RunScript, BuildsOnlyNmSimAfterSetupAndSaysSo) {
  const Stubbed s = make_stubs(scratch() / "run", /*with_ccache=*/true);
  const CliRun r = run_script(s, "run.sh", "--workload gcn");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::vector<std::string> calls = lines(s.log);
  ASSERT_GE(calls.size(), 3u);
  // setup.sh's package check runs before anything is configured or built.
  EXPECT_EQ(calls.front().rfind("dpkg-query", 0), 0u) << calls.front();
  std::string configure, build;
  for (const std::string& c : calls) {
    if (c.rfind("cmake -S", 0) == 0) configure = c;
    if (c.rfind("cmake --build", 0) == 0) build = c;
  }
  EXPECT_NE(configure.find("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"), std::string::npos) << configure;
  EXPECT_EQ(build, "cmake --build " + s.build.string() + " -j 3 --target nm_sim");
  EXPECT_EQ(calls.back(), "nm_sim --workload gcn");
  // stderr says what is built, with how many jobs, and roughly how long a first build takes.
  EXPECT_NE(r.err.find("build: building nm_sim"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("3 jobs"), std::string::npos) << r.err;
  EXPECT_NE(
      r.err.find("first build of nm_sim: roughly 2 min with 3 jobs on an idle machine (3.5 CPU-minutes"),
      std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "");  // nm_sim's stdout only (the stub prints nothing)
}

TEST(RunScript, DefaultsToBertBase) {
  const Stubbed s = make_stubs(scratch() / "default", /*with_ccache=*/false);
  const CliRun r = run_script(s, "run.sh", "");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(lines(s.log).back(), "nm_sim --workload bert_base");
}

TEST(BuildScript, BuildsEverythingByDefaultAndNamedTargetsOtherwise) {
  const Stubbed s = make_stubs(scratch() / "all", /*with_ccache=*/false);
  CliRun r = run_script(s, "build.sh", "");
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<std::string> calls = lines(s.log);
  EXPECT_EQ(calls.back(), "cmake --build " + s.build.string() + " -j 3 --target all");
  EXPECT_NE(r.err.find("build: building all"), std::string::npos) << r.err;

  fs::remove(s.log);
  r = run_script(s, "build.sh", "nm_sweep nm_pwl");
  ASSERT_EQ(r.status, 0) << r.err;
  calls = lines(s.log);
  EXPECT_EQ(calls.back(), "cmake --build " + s.build.string() + " -j 3 --target nm_sweep nm_pwl");
}

TEST(BuildScript, WithoutCcacheDropsACachedLauncher) {
  const Stubbed s = make_stubs(scratch() / "plain", /*with_ccache=*/false);
  if (std::system("command -v ccache >/dev/null 2>&1") == 0) GTEST_SKIP() << "ccache is installed here";
  const CliRun r = run_script(s, "build.sh", "nm_sim");
  ASSERT_EQ(r.status, 0) << r.err;
  std::string configure;
  for (const std::string& c : lines(s.log)) {
    if (c.rfind("cmake -S", 0) == 0) configure = c;
  }
  EXPECT_NE(configure.find("-UCMAKE_CXX_COMPILER_LAUNCHER"), std::string::npos) << configure;
  EXPECT_EQ(configure.find("ccache"), std::string::npos) << configure;
  EXPECT_NE(r.err.find("no ccache"), std::string::npos) << r.err;
}

TEST(BuildScript, EstimatesOnlyWhatWasNeverBuilt) {
  const Stubbed s = make_stubs(scratch() / "again", /*with_ccache=*/false);
  CliRun r = run_script(s, "build.sh", "nm_sim");  // leaves the nm_sim stub
  ASSERT_EQ(r.status, 0) << r.err;
  std::ofstream(s.build / "libnm_tlm.a") << "";
  r = run_script(s, "build.sh", "nm_sim");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err.find("first build"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("only what changed"), std::string::npos) << r.err;
  // The libraries are there; the tests are not: their share of a first build.
  r = run_script(s, "build.sh", "");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(
      r.err.find(
          "first build of nm_sweep nm_pwl unit_tests tlm_tests regression_tests onnx_tests: roughly 3 min "
          "with 3 jobs on an idle machine (7.0 CPU-minutes"),
      std::string::npos)
      << r.err;
}

}  // namespace
