// nm_sweep end to end: kill -9 and resume, shards and merge, monotonicity across resources,
// and bad input. Each point is its own nm_sim process, so these run real simulations.
#include <gtest/gtest.h>

#include "cli_test_util.h"

#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sw/proc/output_file.h"
#include "sw/sweep/sweep_csv.h"

namespace {

namespace fs = std::filesystem;

fs::path scratch() {
  static const nm::test::ScratchDir dir("nm_sweep_test");  // removed at exit
  return dir.path();
}

using nm::test::read_text;

fs::path write_sweep(const std::string& name, const std::string& text) {
  const fs::path p = scratch() / name;
  std::ofstream(p) << text;
  return p;
}

using Result = nm::test::CliRun;

Result sweep(const std::string& args) {
  return nm::test::run_cli(NM_SWEEP_PATH, args, scratch());
}

// Scratch directories named `prefix`XXXXXX in scratch().
size_t scratch_dirs(const std::string& prefix) {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(scratch()))
    n += e.path().filename().string().rfind(prefix, 0) == 0 && e.is_directory();
  return n;
}

// Waits (up to 10 s) until no process has `text` in its command line.
bool wait_until_no_process_mentions(const std::string& text) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    bool found = false;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/proc", ec)) {
      std::string cmdline = read_text(e.path() / "cmdline");
      std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
      found = found || cmdline.find(text) != std::string::npos;
    }
    if (!found) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

size_t data_rows(const fs::path& csv) {
  const std::string text = read_text(csv);
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  return lines > 0 ? lines - 1 : 0;
}

// 6 points x 2 workloads = 12 tasks.
const char* kSmallSweep =
    "axes:\n"
    "  dram.bandwidth_gbps: [32, 64, 128]\n"
    "  l2.bytes: [524288, 1048576]\n";

TEST(Sweep, WritesEveryTaskOnceAndMarksPareto) {
  const fs::path spec = write_sweep("small.yaml", kSmallSweep), out = scratch() / "plain.csv";
  const Result r =
      sweep("--sweep " + spec.string() + " --workloads gcn,tiny_mlp --out " + out.string() + " --jobs 2");
  ASSERT_EQ(r.status, 0) << r.err;
  const nm::sw::SweepCsv csv = nm::sw::read_sweep_csv(out.string(), false);
  ASSERT_EQ(csv.rows.size(), 12u);
  std::map<std::string, int> pareto_points;
  for (size_t i = 0; i < csv.rows.size(); ++i) {
    const auto f = nm::sw::split_csv_line(csv.rows[i]);
    EXPECT_EQ(nm::sw::row_task(csv.rows[i]), i);  // sorted by task
    EXPECT_EQ(f[f.size() - 2], "ok");
    ASSERT_TRUE(f.back() == "0" || f.back() == "1");
    pareto_points[f[2]] += f.back() == "1";
  }
  EXPECT_GE(pareto_points["gcn"], 1);
  EXPECT_GE(pareto_points["tiny_mlp"], 1);
}

// A workload file is a row named by its name:, as nm_sim reports it, not by its path; two
// workloads that would share a name keep what was given, so they stay apart.
TEST(Sweep, NamesFileWorkloadsByTheirName) {
  const fs::path spec = write_sweep("names.yaml", "axes:\n  l2.bytes: [524288, 1048576]\n");
  const fs::path out = scratch() / "names.csv";
  const std::string file = std::string(NM_SOURCE_DIR) + "/workloads/tiny_mlp.yaml";
  Result r = sweep("--sweep " + spec.string() + " --workloads gcn," + file + " --out " + out.string());
  ASSERT_EQ(r.status, 0) << r.err;
  std::set<std::string> names;
  for (const std::string& row : nm::sw::read_sweep_csv(out.string(), false).rows)
    names.insert(nm::sw::split_csv_line(row)[2]);
  EXPECT_EQ(names, (std::set<std::string>{"gcn", "tiny_mlp"}));

  const fs::path both = scratch() / "both.csv";
  r = sweep("--sweep " + spec.string() + " --workloads tiny_mlp," + file + " --out " + both.string());
  ASSERT_EQ(r.status, 0) << r.err;
  names.clear();
  for (const std::string& row : nm::sw::read_sweep_csv(both.string(), false).rows)
    names.insert(nm::sw::split_csv_line(row)[2]);
  EXPECT_EQ(names, (std::set<std::string>{"tiny_mlp", file}));
}

// config: [a, b] as an axis: each point runs with each file (relative to the sweep file), the
// other axes on top; the CSV names the file; stdout puts the configs side by side with ratios.
TEST(Sweep, ConfigAxisComparesConfigFilesSideBySide) {
  std::string base = read_text(fs::path(NM_SOURCE_DIR) / "configs" / "pe1024.yaml");
  const std::string from = "count: 1024", to = "count: 512";
  ASSERT_NE(base.find(from), std::string::npos);
  const fs::path dir = scratch() / "compare";
  fs::create_directories(dir);
  std::ofstream(dir / "pe512.yaml") << std::string(base).replace(base.find(from), from.size(), to);
  const fs::path spec = dir / "compare.yaml";
  std::ofstream(spec) << "axes:\n  config: [" << NM_SOURCE_DIR << "/configs/pe1024.yaml, pe512.yaml]\n"
                      << "  dram.bandwidth_gbps: [32, 256]\n";
  const fs::path out = scratch() / "compare.csv";
  const Result r = sweep("--sweep " + spec.string() + " --workloads gcn --out " + out.string());
  ASSERT_EQ(r.status, 0) << r.err;
  const nm::sw::SweepCsv csv = nm::sw::read_sweep_csv(out.string(), false);
  ASSERT_EQ(csv.rows.size(), 4u);
  const std::vector<std::string> header = nm::sw::split_csv_line(csv.header);
  ASSERT_EQ(header[3], "config");
  std::map<std::string, double> energy;  // config file name at 32 Gbit/s -> energy
  for (const std::string& row : csv.rows) {
    const auto f = nm::sw::split_csv_line(row);
    EXPECT_EQ(f[f.size() - 2], "ok");
    if (f[4] == "32") energy[fs::path(f[3]).filename().string()] = std::stod(f[7]);
  }
  ASSERT_EQ(energy.size(), 2u);
  EXPECT_NE(energy["pe1024.yaml"], energy["pe512.yaml"]);  // the file took effect
  EXPECT_NE(r.out.find("ratio to pe1024.yaml"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("gcn, dram.bandwidth_gbps=256"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  pe512.yaml"), std::string::npos) << r.out;

  // A bad file on the axis fails before anything runs, naming the sweep file and the axis.
  const fs::path bad = dir / "bad.yaml";
  std::ofstream(bad) << "axes:\n  config: [missing.yaml]\n";
  const Result b =
      sweep("--sweep " + bad.string() + " --workloads gcn --out " + (scratch() / "bad.csv").string());
  EXPECT_EQ(b.status, 2);
  EXPECT_NE(b.err.find("axes.config"), std::string::npos) << b.err;
}

// The last line on stderr: rows written, failed points, the output path and the wall time.
TEST(Sweep, EndsWithAOneLineSummary) {
  const fs::path spec = write_sweep("summary.yaml", "axes:\n  l1.bytes_per_pe: [8, 4096]\n"),
                 out = scratch() / "summary.csv";
  const Result r = sweep("--sweep " + spec.string() + " --workloads tiny_mlp,gcn --out " + out.string());
  ASSERT_EQ(r.status, 0) << r.err;  // a point nm_sim rejects (8 B of L1) is a row, not a failure
  const std::regex summary("nm_sweep: wrote 4 rows \\(2 failed points, see their status column\\) to " +
                           out.string() + " in [0-9]+\\.[0-9] s\n");
  EXPECT_TRUE(std::regex_match(r.err, summary)) << r.err;

  // Resumed: says how many rows were already there.
  const Result again =
      sweep("--sweep " + spec.string() + " --workloads tiny_mlp,gcn --out " + out.string() + " --resume");
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_NE(again.err.find("nm_sweep: wrote 4 rows (4 kept from the earlier run, 2 failed points"),
            std::string::npos)
      << again.err;

  const fs::path merged = scratch() / "summary_merged.csv";
  const Result m = sweep("--merge " + merged.string() + " " + out.string());
  ASSERT_EQ(m.status, 0) << m.err;
  EXPECT_NE(m.err.find("nm_sweep: merged 4 rows (from 1 files, 2 failed points"), std::string::npos) << m.err;
}

// --help says what every option does, with units and defaults.
TEST(Sweep, HelpDescribesEveryOption) {
  const Result r = sweep("--help");
  ASSERT_EQ(r.status, 0);
  for (const char* flag : {"--sweep", "--workloads", "--out", "--config", "--jobs", "--shard", "--resume",
                           "--merge", "--help"}) {
    EXPECT_NE(r.out.find(std::string("\n  ") + flag), std::string::npos) << flag << "\n" << r.out;
  }
  for (const char* fact :
       {"default: the number of CPUs", "default 1/1", "workload.seq_len", "SI units", "Exit status"}) {
    EXPECT_NE(r.out.find(fact), std::string::npos) << fact << "\n" << r.out;
  }
}

TEST(Sweep, KilledMidwayAndResumedLosesNoPointAndRepeatsNone) {
  const fs::path spec = write_sweep("kill.yaml", kSmallSweep);
  const fs::path reference = scratch() / "reference.csv", out = scratch() / "killed.csv";
  ASSERT_EQ(sweep("--sweep " + spec.string() + " --workloads gcn,bert_base --out " + reference.string() +
                  " --jobs 1")
                .status,
            0);

  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl(NM_SWEEP_PATH, NM_SWEEP_PATH, "--sweep", spec.c_str(), "--workloads", "gcn,bert_base", "--out",
            out.c_str(), "--jobs", "1", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Kill as soon as a few rows are in, well before the 12 tasks finish.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (data_rows(out) < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  const size_t rows_at_kill = data_rows(out);
  ASSERT_GE(rows_at_kill, 3u);
  ASSERT_LT(rows_at_kill, 12u) << "the sweep finished before it could be killed";
  // The nm_sim children died with nm_sweep (their --json is in the scratch directory next to out).
  const std::string scratch_prefix = "." + out.filename().string() + ".nm_sweep_";
  EXPECT_TRUE(wait_until_no_process_mentions(scratch_prefix)) << "an nm_sim child outlived nm_sweep";
  EXPECT_EQ(scratch_dirs(scratch_prefix), 1u);  // left by the kill

  const Result resumed = sweep("--sweep " + spec.string() + " --workloads gcn,bert_base --out " +
                               out.string() + " --jobs 2 --resume");
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  const nm::sw::SweepCsv csv = nm::sw::read_sweep_csv(out.string(), false);
  std::set<uint64_t> tasks;
  for (const std::string& row : csv.rows) EXPECT_TRUE(tasks.insert(nm::sw::row_task(row)).second) << row;
  EXPECT_EQ(tasks.size(), 12u);
  EXPECT_EQ(read_text(out), read_text(reference));  // the same figures as an uninterrupted sweep
  EXPECT_EQ(scratch_dirs(scratch_prefix), 0u);      // the resumed run removed the killed run's
  EXPECT_FALSE(fs::exists(out.string() + ".lock"));
}

// One run at a time per --out: while another holds OUT.csv.lock, a second run (or --merge) fails at
// once, touching nothing.
TEST(Sweep, SecondRunOnTheSameOutIsRefused) {
  const fs::path spec = write_sweep("locked.yaml", kSmallSweep), out = scratch() / "locked.csv";
  std::ofstream(out) << "not touched";
  const nm::sw::OutputLock held(out.string());
  for (const std::string& args :
       {"--sweep " + spec.string() + " --workloads gcn --resume --out " + out.string(),
        "--merge " + out.string() + " " + out.string()}) {
    const Result r = sweep(args);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_EQ(r.err, "error: " + out.string() + ": file: in use by another nm_sweep (pid " +
                         std::to_string(::getpid()) + "), which holds " + out.string() +
                         ".lock; wait for it to finish\n");
  }
  EXPECT_EQ(read_text(out), "not touched");
}

// Two --resume runs started together on one --out: one runs the sweep, the other is refused; the
// file holds every task once.
TEST(Sweep, ConcurrentResumesDoNotDuplicateTasks) {
  const fs::path spec = write_sweep("race.yaml", kSmallSweep), out = scratch() / "race.csv";
  const std::string args =
      "--sweep " + spec.string() + " --workloads gcn,tiny_mlp --jobs 1 --out " + out.string();
  ASSERT_EQ(sweep(args + " --shard 1/4").status, 0);  // a partial file to resume
  std::vector<pid_t> pids;
  for (int i = 0; i < 2; ++i) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      const std::string cmd = std::string(NM_SWEEP_PATH) + " " + args + " --resume 2>/dev/null";
      ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    pids.push_back(pid);
  }
  std::vector<int> statuses;
  for (const pid_t pid : pids) {
    int raw = 0;
    ::waitpid(pid, &raw, 0);
    statuses.push_back(WIFEXITED(raw) ? WEXITSTATUS(raw) : -1);
  }
  std::sort(statuses.begin(), statuses.end());
  // Usually one is refused (2); if the first finished before the second started, both succeed.
  EXPECT_TRUE(statuses == (std::vector<int>{0, 2}) || statuses == (std::vector<int>{0, 0}))
      << statuses[0] << " " << statuses[1];
  const nm::sw::SweepCsv csv = nm::sw::read_sweep_csv(out.string(), false);
  std::set<uint64_t> tasks;
  for (const std::string& row : csv.rows) EXPECT_TRUE(tasks.insert(nm::sw::row_task(row)).second) << row;
  EXPECT_EQ(tasks.size(), 12u);
}

TEST(Sweep, ShardsMergedEqualTheUnshardedRun) {
  const fs::path spec = write_sweep("shard.yaml", kSmallSweep), whole = scratch() / "whole.csv";
  const std::string base = "--sweep " + spec.string() + " --workloads gcn,tiny_mlp --jobs 2 --out ";
  ASSERT_EQ(sweep(base + whole.string()).status, 0);
  std::string shards;
  for (int i = 1; i <= 3; ++i) {
    const fs::path part = scratch() / ("shard" + std::to_string(i) + ".csv");
    ASSERT_EQ(sweep(base + part.string() + " --shard " + std::to_string(i) + "/3").status, 0);
    EXPECT_EQ(data_rows(part), 4u);
    shards += " " + part.string();
  }
  const fs::path merged = scratch() / "merged.csv";
  const Result r = sweep("--merge " + merged.string() + shards);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(read_text(merged), read_text(whole));
}

// Strictly the fastest mapping (mapper.latency_tolerance 0): the default 1% tolerance may trade
// up to 1% of a kernel's latency for energy, differently at each point.
TEST(Sweep, MoreDramNocOrL2NeverMakesAPointSlower) {
  const fs::path spec = write_sweep("mono.yaml",
                                    "axes:\n"
                                    "  mapper.latency_tolerance: [0]\n"
                                    "  dram.bandwidth_gbps: [32, 128]\n"
                                    "  noc.bandwidth_gbps: [128, 512]\n"
                                    "  l2.bytes: [524288, 1048576, 2097152]\n");
  const fs::path out = scratch() / "mono.csv";
  const Result r =
      sweep("--sweep " + spec.string() + " --workloads gcn,bert_base,resnet50 --out " + out.string());
  ASSERT_EQ(r.status, 0) << r.err;
  const nm::sw::SweepCsv csv = nm::sw::read_sweep_csv(out.string(), false);
  const auto header = nm::sw::split_csv_line(csv.header);
  const auto col = [&](const std::string& name) {
    return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const size_t workload = col("workload"), dram = col("dram.bandwidth_gbps"), noc = col("noc.bandwidth_gbps"),
               l2 = col("l2.bytes"), cycles = col("cycles");
  std::vector<std::vector<std::string>> rows;
  for (const std::string& row : csv.rows) rows.push_back(nm::sw::split_csv_line(row));
  size_t pairs = 0;
  for (const auto& a : rows) {
    for (const auto& b : rows) {
      if (a[workload] != b[workload]) continue;
      const bool no_less = std::stod(b[dram]) >= std::stod(a[dram]) &&
                           std::stod(b[noc]) >= std::stod(a[noc]) && std::stod(b[l2]) >= std::stod(a[l2]);
      if (!no_less || &a == &b) continue;
      ++pairs;
      EXPECT_LE(std::stoull(b[cycles]), std::stoull(a[cycles]))
          << b[workload] << ": dram " << b[dram] << " noc " << b[noc] << " l2 " << b[l2]
          << " is slower than dram " << a[dram] << " noc " << a[noc] << " l2 " << a[l2];
    }
  }
  EXPECT_GT(pairs, 0u);
}

TEST(Sweep, WorkloadOptionsAreAxesToo) {
  const fs::path spec = write_sweep("width.yaml",
                                    "axes:\n  workload.width: [0.5, 1]\n  workload.depth: [1, 2]\n"),
                 out = scratch() / "width.csv";
  const Result r =
      sweep("--sweep " + spec.string() + " --workloads tiny_mlp,resnet18_cifar10 --out " + out.string());
  ASSERT_EQ(r.status, 0) << r.err;
  const nm::sw::SweepCsv csv = nm::sw::read_sweep_csv(out.string(), false);
  ASSERT_EQ(csv.rows.size(), 8u);
  const auto header = nm::sw::split_csv_line(csv.header);
  const size_t macs = static_cast<size_t>(std::find(header.begin(), header.end(), "macs") - header.begin());
  // resnet18_cifar10 rows: tasks 1, 3, 5, 7 = (w 0.5, d 1), (0.5, 2), (1, 1), (1, 2).
  const auto m = [&](size_t task) { return std::stoull(nm::sw::split_csv_line(csv.rows[task])[macs]); };
  EXPECT_LT(m(1), m(5));  // narrower: fewer MACs
  EXPECT_LT(m(5), m(7));  // deeper: more MACs
  const fs::path bad = write_sweep("badwidth.yaml", "axes:\n  workload.width: [0]\n");
  const Result rejected =
      sweep("--sweep " + bad.string() + " --workloads gcn --out " + (scratch() / "bw.csv").string());
  EXPECT_EQ(rejected.status, 2);
  EXPECT_NE(rejected.err.find("workload.width"), std::string::npos) << rejected.err;
}

// Decoder LLMs sweep their phase and batch; their rows carry TTFT, TPOT, tokens/s and J/token
// (empty where the phase has none, and for a non-decoder workload in the same sweep).
TEST(Sweep, DecoderPhasesAreAxesWithTheirOwnFigures) {
  const fs::path spec = write_sweep(
                     "phase.yaml",
                     "axes:\n  workload.phase: [prefill, decode]\n  workload.batch: [1, 4]\n"
                     "  workload.width: [0.25]\n  workload.depth: [0.17]\n  workload.seq_len: [32]\n"),
                 out = scratch() / "phase.csv";
  const Result r = sweep("--sweep " + spec.string() + " --workloads gpt2,tiny_mlp --out " + out.string());
  ASSERT_EQ(r.status, 0) << r.err;
  const nm::sw::SweepCsv csv = nm::sw::read_sweep_csv(out.string(), false);
  ASSERT_EQ(csv.rows.size(), 8u);  // (prefill, decode) x (1, 4) x (gpt2, tiny_mlp)
  const auto header = nm::sw::split_csv_line(csv.header);
  const auto col = [&](const std::string& name) {
    const auto it = std::find(header.begin(), header.end(), name);
    EXPECT_NE(it, header.end()) << name;
    return static_cast<size_t>(it - header.begin());
  };
  const auto field = [&](size_t task, const std::string& name) {
    return nm::sw::split_csv_line(csv.rows[task])[col(name)];
  };
  // gpt2 rows: tasks 0 (prefill, b1), 2 (prefill, b4), 4 (decode, b1), 6 (decode, b4).
  EXPECT_FALSE(field(0, "ttft_s").empty());
  EXPECT_TRUE(field(0, "tpot_s").empty());
  EXPECT_FALSE(field(4, "tpot_s").empty());
  EXPECT_GT(std::stod(field(6, "tokens_per_s")), 2 * std::stod(field(4, "tokens_per_s")));  // batched decode
  // tiny_mlp takes no phase: its rows are rejected points, not a failed sweep.
  EXPECT_NE(field(5, "status").find("--phase"), std::string::npos) << field(5, "status");
  const fs::path bad = write_sweep("badphase.yaml", "axes:\n  workload.phase: [sideways]\n");
  const Result rejected =
      sweep("--sweep " + bad.string() + " --workloads gpt2 --out " + (scratch() / "bp.csv").string());
  EXPECT_EQ(rejected.status, 2);
  EXPECT_NE(rejected.err.find("prefill, decode or generate"), std::string::npos) << rejected.err;
}

TEST(Sweep, RejectsBadInputWithOneLine) {
  const fs::path bad = write_sweep("bad.yaml", "axes:\n  l2.bytez: [1, 2]\n");
  Result r = sweep("--sweep " + bad.string() + " --workloads gcn --out " + (scratch() / "bad.csv").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("bad.yaml"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("l2.bytez"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(scratch() / "bad.csv"));

  const fs::path spec = write_sweep("ok.yaml", kSmallSweep), exists = scratch() / "exists.csv";
  std::ofstream(exists) << "keep me\n";
  r = sweep("--sweep " + spec.string() + " --workloads gcn --out " + exists.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--resume"), std::string::npos) << r.err;
  EXPECT_EQ(read_text(exists), "keep me\n");  // nothing already written is lost

  r = sweep("--sweep " + spec.string() + " --workloads gcn --out x.csv --shard 4/3");
  EXPECT_EQ(r.status, 2);
  r = sweep("--sweep " + spec.string() + " --workloads resnet51 --out " + (scratch() / "w.csv").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("resnet51"), std::string::npos) << r.err;
}

// ---------------------------------------------------------------------------------------------
// Malformed sweep CSVs (--merge and --resume): one error line naming the file and the line, status
// 2, and the files left as they were.

// The header nm_sweep writes for kSmallSweep's axes, and a finished row of it with `latency`.
std::string small_header() {
  nm::sw::SweepSpec spec;
  spec.axes = {{"dram.bandwidth_gbps", {"32", "64", "128"}}, {"l2.bytes", {"524288", "1048576"}}};
  return nm::sw::csv_line(nm::sw::sweep_header(spec));
}

std::string small_row(const std::string& task, const std::string& latency) {
  std::vector<std::string> f = nm::sw::split_csv_line(small_header());
  for (std::string& v : f) v = "1";
  f[0] = task;
  f[2] = "gcn";
  f[5] = latency;  // latency_s follows task, point, workload and the two axes
  f[f.size() - 2] = "ok";
  f.back() = "";
  return nm::sw::csv_line(f);
}

void expect_one_error_line(const Result& r, const std::vector<std::string>& parts) {
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  for (const std::string& p : parts) EXPECT_NE(r.err.find(p), std::string::npos) << p << " in " << r.err;
}

TEST(Sweep, MergeRejectsMalformedCsvWithFileAndLine) {
  ASSERT_EQ(nm::sw::split_csv_line(small_header())[5], "latency_s");
  const fs::path good = write_sweep("good_part.csv", small_header() + "\n" + small_row("0", "0.5") + "\n");
  struct Case {
    const char* name;
    std::string text;
    std::vector<std::string> parts;
  };
  const std::vector<Case> cases = {
      {"short_row.csv",
       small_header() + "\n" + small_row("1", "0.5") + "\n2,0,gcn\n",
       {"short_row.csv", "line 3", "fields"}},
      {"long_row.csv",
       small_header() + "\n" + small_row("1", "0.5") + ",extra\n",
       {"long_row.csv", "line 2", "fields"}},
      {"bad_latency.csv",
       small_header() + "\n" + small_row("1", "fast") + "\n",
       {"bad_latency.csv", "line 2", "column 6", "latency_s", "'fast'"}},
      {"huge_latency.csv",
       small_header() + "\n" + small_row("1", "1e999") + "\n",
       {"huge_latency.csv", "line 2", "latency_s", "'1e999'"}},
      {"bad_task.csv",
       small_header() + "\n" + small_row("x1", "0.5") + "\n",
       {"bad_task.csv", "line 2", "column 1", "task", "'x1'"}},
      {"huge_task.csv",
       small_header() + "\n" + small_row("99999999999999999999999", "0.5") + "\n",
       {"huge_task.csv", "line 2", "task"}},
      {"negative_task.csv",
       small_header() + "\n" + small_row("-1", "0.5") + "\n",
       {"negative_task.csv", "line 2", "task", "'-1'"}},
      {"no_task.csv", "a,b\n1,2\n", {"no_task.csv", "header", "task", "'a'"}},
      {"no_latency.csv", "task,workload\n1,gcn\n", {"no_latency.csv", "header", "latency_s"}},
  };
  for (const Case& c : cases) {
    const fs::path bad = write_sweep(c.name, c.text), out = scratch() / "merged_bad.csv";
    std::ofstream(out) << "keep me\n";
    const Result r = sweep("--merge " + out.string() + " " + good.string() + " " + bad.string());
    expect_one_error_line(r, c.parts);
    EXPECT_EQ(read_text(out), "keep me\n") << c.name;  // an existing output is left alone
    EXPECT_EQ(read_text(bad), c.text) << c.name;
  }
}

TEST(Sweep, ResumeRejectsMalformedCsvAndLeavesItAsItWas) {
  const fs::path spec = write_sweep("resume_bad.yaml", kSmallSweep);
  // A short row, and a last line cut mid-write that --resume would normally drop.
  const std::string short_row = small_header() + "\n" + small_row("0", "0.5") + "\n3,1\n7,3,gc";
  const std::string bad_number = small_header() + "\n" + small_row("0", "0.5e") + "\n";
  for (const std::string& text : {short_row, bad_number}) {
    const fs::path out = write_sweep("resume_bad.csv", text);
    const Result r =
        sweep("--sweep " + spec.string() + " --workloads gcn,tiny_mlp --out " + out.string() + " --resume");
    expect_one_error_line(r, {"resume_bad.csv", "line "});
    EXPECT_EQ(read_text(out), text);
  }
  // A task this sweep does not have (12 tasks: 0 .. 11).
  const std::string foreign = small_header() + "\n" + small_row("99", "0.5") + "\n";
  const fs::path out = write_sweep("resume_bad.csv", foreign);
  expect_one_error_line(
      sweep("--sweep " + spec.string() + " --workloads gcn,tiny_mlp --out " + out.string() + " --resume"),
      {"resume_bad.csv", "task 99", "below 12"});
  EXPECT_EQ(read_text(out), foreign);
  // Another sweep's file (other axes) is not cut either, nor a file that is no sweep CSV.
  nm::sw::SweepSpec other_spec;
  other_spec.axes = {{"l2.bytes", {"524288"}}};
  const std::string other_sweep = nm::sw::csv_line(nm::sw::sweep_header(other_spec)) + "\n0,0,gc";
  for (const std::string& text : {other_sweep, std::string("a,b\n1,2\n3,")}) {
    const fs::path other = write_sweep("resume_other.csv", text);
    expect_one_error_line(
        sweep("--sweep " + spec.string() + " --workloads gcn --out " + other.string() + " --resume"),
        {"resume_other.csv", "header"});
    EXPECT_EQ(read_text(other), text);
  }
}

// ---------------------------------------------------------------------------------------------
// Malformed sweep files: one error line naming the file and the key, before any point runs.

TEST(Sweep, RejectsNonScalarAndDuplicateKeys) {
  struct Case {
    const char* name;
    const char* text;
    std::vector<std::string> parts;
  };
  const std::vector<Case> cases = {
      {"list_key.yaml", "axes:\n  ? [pe.count, l2.bytes]\n  : [1024]\n", {"list_key.yaml", "axes", "a list"}},
      {"map_key.yaml", "? {axes: 1}\n: 2\n", {"map_key.yaml", "top level", "a mapping"}},
      {"dup_axis.yaml",
       "axes:\n  pe.count: [1024]\n  pe.count: [512]\n",
       {"dup_axis.yaml", "axes.pe.count", "duplicate"}},
      {"dup_axes.yaml",
       "axes:\n  pe.count: [1024]\naxes:\n  l2.bytes: [524288]\n",
       {"dup_axes.yaml", "axes", "duplicate"}},
      {"dup_base.yaml",
       "base_config: a.yaml\nbase_config: b.yaml\naxes:\n  pe.count: [1024]\n",
       {"dup_base.yaml", "base_config", "duplicate"}},
      // nm_sim's --seq-len takes a base-10 integer only; 1e3 used to pass here and fail every point.
      {"seq_len.yaml", "axes:\n  workload.seq_len: [1e3]\n", {"seq_len.yaml", "workload.seq_len", "'1e3'"}},
  };
  for (const Case& c : cases) {
    const fs::path spec = write_sweep(c.name, c.text), out = scratch() / "keys.csv";
    const Result r = sweep("--sweep " + spec.string() + " --workloads gcn --out " + out.string());
    expect_one_error_line(r, c.parts);
    EXPECT_FALSE(fs::exists(out)) << c.name;
  }
}

// 10 axes of 100 values: 10^20 points overflow a 64-bit count. Refused at once, before any task.
TEST(Sweep, RefusesAbsurdPointCountsAtOnce) {
  std::string text = "axes:\n";
  for (const char* key :
       {"pe.count", "pe.clusters", "clock_ghz", "l1.bytes_per_pe", "l2.bytes", "l2.banks",
        "l2.bank_bytes_per_cycle", "noc.bandwidth_gbps", "dram.bandwidth_gbps", "dram.latency_ns"}) {
    text += std::string("  ") + key + ": [";
    for (int v = 1; v <= 100; ++v) text += (v > 1 ? ", " : "") + std::to_string(v);
    text += "]\n";
  }
  const fs::path spec = write_sweep("huge.yaml", text), out = scratch() / "huge.csv";
  const auto start = std::chrono::steady_clock::now();
  Result r = sweep("--sweep " + spec.string() + " --workloads gcn --out " + out.string());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  expect_one_error_line(r, {"huge.yaml", "axes", "1000000 points"});
  EXPECT_FALSE(fs::exists(out));

  // 1,000 points on 1,001 workloads is over the task cap as well (the workloads may repeat).
  std::string points = "axes:\n  dram.latency_ns: [";
  for (int v = 0; v < 1000; ++v) points += (v > 0 ? ", " : "") + std::to_string(v);
  points += "]\n";
  const fs::path thousand = write_sweep("thousand.yaml", points);
  std::string workloads = "gcn";
  for (int i = 0; i < 1000; ++i) workloads += ",gcn";
  r = sweep("--sweep " + thousand.string() + " --workloads " + workloads + " --out " + out.string());
  expect_one_error_line(r, {"--workloads", "1000000 tasks"});
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
