// nm_sweep: runs a cartesian design-space sweep, one nm_sim child process per (point, workload)
// task (SystemC elaborates once per process), --jobs at a time. Each finished row is appended
// with one write() to an O_APPEND file, so a sweep killed at any moment keeps every finished row
// whole; --resume runs only the missing tasks. --shard I/N runs tasks with index % N == I - 1;
// --merge joins shard files. The finished file is sorted by task with Pareto points marked.
// One run at a time owns an --out: OUT.csv.lock is flock()ed for the whole run, and a second run
// on the same --out fails at once (exit 2) instead of duplicating tasks. The nm_sim children's
// scratch directory lives next to --out (.OUT.csv.nm_sweep_XXXXXX); the children die with
// nm_sweep (PR_SET_PDEATHSIG), and the next run on that --out removes a directory a killed run left.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "hw/core/input_error.h"
#include "sw/cli/guarded_main.h"
#include "sw/graph/workloads.h"
#include "sw/proc/output_file.h"
#include "sw/proc/subprocess.h"
#include "sw/report/report.h"
#include "sw/sweep/sweep_csv.h"
#include "sw/sweep/sweep_spec.h"

namespace {

namespace fs = std::filesystem;
using nm::InputError;

constexpr const char* kUsage =
    "usage: nm_sweep --sweep SWEEP.yaml --workloads A,B,... --out OUT.csv [--config FILE.yaml]\n"
    "                [--jobs N] [--shard I/N] [--resume]\n"
    "       nm_sweep --merge OUT.csv SHARD1.csv SHARD2.csv ...\n"
    "\n"
    "Runs every point of a design-space sweep on every workload, each as its own nm_sim process, and\n"
    "writes one CSV row per (point, workload) with every summary figure of nm_sim (SI units: s, J, W,\n"
    "bytes, mm^2) and the Pareto-optimal points (latency, energy, area) marked. A point nm_sim rejects\n"
    "(exit 2, e.g. buffers too small) is a row with its error as status, not a failure of the sweep.\n"
    "Ends with one line on stderr: rows written, failed points, output path, wall time.\n"
    "\n"
    "  --sweep SWEEP.yaml    base_config (optional, relative to the file) and axes: config keys as\n"
    "                        --set takes them (e.g. l2.bytes: [524288, 1048576]) or workload.width,\n"
    "                        workload.depth, workload.seq_len, workload.batch, and for the decoder\n"
    "                        LLMs workload.phase (prefill, decode, generate) and workload.gen_tokens\n"
    "                        (their rows add ttft_s, tpot_s, tokens_per_s, j_per_token); points are\n"
    "                        the cartesian product.\n"
    "                        The axis config: [a.yaml, b.yaml] runs each point with each config file\n"
    "                        (instead of the base config) and prints them side by side with ratios\n"
    "  --workloads A,B,...   workloads to run at every point (names or .yaml paths, as nm_sim\n"
    "                        --workload takes them)\n"
    "  --out OUT.csv         output CSV; must not exist unless --resume. OUT.csv.lock exists while a\n"
    "                        run writes it; a second run on the same --out is an error\n"
    "  --config FILE.yaml    base config, replacing the sweep file's base_config; default: the file's,\n"
    "                        else nm_sim's built-in configs/pe1024.yaml\n"
    "  --jobs N              nm_sim processes at a time; default: the number of CPUs\n"
    "  --shard I/N           run only tasks with index % N == I - 1 (1 <= I <= N), e.g. one shard per\n"
    "                        cluster job; default 1/1 (all)\n"
    "  --resume              continue an interrupted OUT.csv: run only the tasks it does not hold\n"
    "  --merge OUT.csv SHARD.csv...  join shard outputs into OUT.csv (same sweep; tasks in order,\n"
    "                        Pareto marks recomputed over all rows)\n"
    "  --help, -h            print this text\n"
    "Exit status: 0 done (rejected points included); 2 bad input (one 'error:' line on stderr); 3 an\n"
    "nm_sim child crashed (its row says so) or another internal error.\n";

struct Options {
  std::string sweep, out;
  std::vector<std::string> workloads;
  std::optional<std::string> config;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  size_t shard = 1, shards = 1;
  bool resume = false;
  std::vector<std::string> merge_inputs;  // with --merge
  bool merge = false;
  bool help = false;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, sep)) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

size_t positive(const std::string& flag, const std::string& v) {
  size_t pos = 0;
  long long n = -1;
  try {
    n = std::stoll(v, &pos);
  } catch (const std::exception&) {
  }
  if (n <= 0 || pos != v.size())
    throw InputError("command line", flag, "expected a positive integer, got '" + v + "'");
  return static_cast<size_t>(n);
}

Options parse(const std::vector<std::string>& args) {
  Options o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* expected) {
      if (i + 1 >= args.size())
        throw InputError("command line", a, std::string("expected ") + expected + " after it");
      return args[++i];
    };
    if (a == "--sweep") {
      o.sweep = value("a sweep file");
    } else if (a == "--workloads") {
      o.workloads = split(value("a comma-separated list of workloads"), ',');
    } else if (a == "--out") {
      o.out = value("an output CSV path");
    } else if (a == "--config") {
      o.config = value("a config file");
    } else if (a == "--jobs") {
      o.jobs = static_cast<unsigned>(positive(a, value("a positive integer")));
    } else if (a == "--shard") {
      const std::string v = value("I/N");
      const auto parts = split(v, '/');
      if (parts.size() != 2) throw InputError("command line", a, "expected I/N, got '" + v + "'");
      o.shard = positive(a, parts[0]);
      o.shards = positive(a, parts[1]);
      if (o.shard > o.shards)
        throw InputError("command line", a, "expected I between 1 and N, got '" + v + "'");
    } else if (a == "--resume") {
      o.resume = true;
    } else if (a == "--merge") {
      o.merge = true;
      o.out = value("an output CSV path");
      while (i + 1 < args.size()) o.merge_inputs.push_back(args[++i]);
      if (o.merge_inputs.empty())
        throw InputError("command line", a, "expected shard CSV files after OUT.csv");
    } else if (a == "--help" || a == "-h") {
      o.help = true;
    } else {
      throw InputError("command line", a, "unknown option; see nm_sweep --help");
    }
  }
  if (o.help || o.merge) return o;
  if (o.sweep.empty()) throw InputError("command line", "--sweep", "expected a sweep file");
  if (o.workloads.empty()) throw InputError("command line", "--workloads", "expected at least one workload");
  if (o.out.empty()) throw InputError("command line", "--out", "expected an output CSV path");
  return o;
}

std::string first_line(const fs::path& p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  return line;
}

// One line on stderr, redrawn in place: done/total and the time left at the current rate.
class ProgressBar {
 public:
  explicit ProgressBar(size_t total) : total_(total), enabled_(isatty(STDERR_FILENO) != 0) {}
  void update(size_t done) {
    if (!enabled_ || total_ == 0) return;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double eta =
        done > 0 ? elapsed * static_cast<double>(total_ - done) / static_cast<double>(done) : 0.0;
    const size_t width = 30, filled = width * done / total_;
    std::cerr << fmt::format("\r[{}{}] {}/{}  ETA {:.0f} s ", std::string(filled, '#'),
                             std::string(width - filled, '.'), done, total_, eta)
              << std::flush;
    if (done == total_) std::cerr << "\n";
  }

 private:
  size_t total_;
  bool enabled_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

struct Task {
  size_t index, point;
  std::string workload;  // as given: what nm_sim runs
  std::string name;      // as reported: the CSV's workload column
};

// Rows of `csv` whose status is not "ok": points nm_sim rejected or crashed on.
size_t failed_rows(const nm::sw::SweepCsv& csv) {
  const std::vector<std::string> header = nm::sw::split_csv_line(csv.header);
  const size_t status =
      static_cast<size_t>(std::find(header.begin(), header.end(), "status") - header.begin());
  return static_cast<size_t>(std::count_if(csv.rows.begin(), csv.rows.end(), [&](const std::string& row) {
    const std::vector<std::string> fields = nm::sw::split_csv_line(row);
    return status < fields.size() && fields[status] != "ok";
  }));
}

// The last line on stderr: what the file now holds and how long it took.
void print_summary(const std::string& verb, const nm::sw::SweepCsv& csv, const std::string& detail,
                   const std::string& out, std::chrono::steady_clock::time_point start) {
  const size_t failed = failed_rows(csv);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cerr << fmt::format("nm_sweep: {} {} row{} ({}{} failed point{}{}) to {} in {:.1f} s\n", verb,
                           csv.rows.size(), csv.rows.size() == 1 ? "" : "s", detail, failed,
                           failed == 1 ? "" : "s", failed == 0 ? "" : ", see their status column", out,
                           seconds);
}

// With a config axis: every (workload, other axes) group's configs side by side on stdout, each
// figure also as a ratio to the first config's.
void print_config_comparison(const nm::sw::SweepSpec& spec, const nm::sw::SweepCsv& csv) {
  const std::vector<std::string> header = nm::sw::split_csv_line(csv.header);
  auto column = [&](const std::string& name) {
    return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const size_t workload = column("workload"), config = column(nm::sw::kConfigAxis), status = column("status");
  const std::vector<std::string> figures = {"latency_s", "energy_j", "power_w", "throughput_per_watt"};
  const std::vector<double> scale = {1e3, 1e3, 1, 1};
  const std::vector<std::string> titles = {"latency (ms)", "energy (mJ)", "power (W)", "inf/s/W"};
  std::vector<std::string> configs;
  for (const nm::sw::SweepAxis& a : spec.axes) {
    if (a.key == nm::sw::kConfigAxis) configs = a.values;
  }
  // Groups in order of first appearance; within one, rows in the axis' config order.
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::vector<std::string>>> groups;
  for (const std::string& line : csv.rows) {
    std::vector<std::string> row = nm::sw::split_csv_line(line);
    std::string key = row[workload];
    for (size_t c = workload + 1; c < column("latency_s"); ++c) {
      if (c != config) key += fmt::format(", {}={}", header[c], row[c]);
    }
    if (!groups.count(key)) order.push_back(key);
    groups[key].push_back(std::move(row));
  }
  auto rank = [&](const std::vector<std::string>& row) {
    return std::find(configs.begin(), configs.end(), row[config]) - configs.begin();
  };
  std::cout << fmt::format("Configs side by side; x: ratio to {}\n",
                           fs::path(configs.front()).filename().string());
  std::cout << fmt::format("{:<24}", "config");
  for (const std::string& t : titles) std::cout << fmt::format(" {:>13}", t);
  for (const std::string& t : titles) std::cout << fmt::format(" {:>13}", t.substr(0, t.find(' ')) + " x");
  std::cout << "\n";
  for (const std::string& key : order) {
    auto& rows = groups[key];
    std::stable_sort(rows.begin(), rows.end(),
                     [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
    std::cout << key << "\n";
    const std::vector<std::string>* reference = rows.front()[status] == "ok" ? &rows.front() : nullptr;
    for (const auto& row : rows) {
      std::cout << fmt::format("  {:<22}", fs::path(row[config]).filename().string());
      if (row[status] != "ok") {
        std::cout << "  " << row[status] << "\n";
        continue;
      }
      for (size_t f = 0; f < figures.size(); ++f)
        std::cout << fmt::format(" {:>13.4g}", std::stod(row[column(figures[f])]) * scale[f]);
      for (size_t f = 0; f < figures.size() && reference != nullptr; ++f) {
        const double ref = std::stod((*reference)[column(figures[f])]);
        std::cout << fmt::format(" {:>13.3f}", std::stod(row[column(figures[f])]) / ref);
      }
      std::cout << "\n";
    }
  }
}

// Scratch directories of earlier runs on `out` killed before they could remove theirs. Only called
// with `out` locked, so none of them belongs to a running nm_sweep.
void remove_stale_scratch(const std::string& out) {
  const fs::path dir = fs::path(out).parent_path().empty() ? fs::path(".") : fs::path(out).parent_path();
  const std::string prefix = "." + fs::path(out).filename().string() + ".nm_sweep_";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() == prefix.size() + 6 && name.compare(0, prefix.size(), prefix) == 0 &&
        entry.is_directory(ec) && !entry.is_symlink(ec)) {
      fs::remove_all(entry.path(), ec);
    }
  }
}

// Removes the directory when the run ends, also by an exception (a kill leaves it to the next run).
struct ScratchDir {
  fs::path path;
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// A new scratch directory next to `out` for the children's JSON and stderr files.
fs::path make_scratch(const std::string& out) {
  const fs::path dir = fs::path(out).parent_path().empty() ? fs::path(".") : fs::path(out).parent_path();
  std::string templ = (dir / ("." + fs::path(out).filename().string() + ".nm_sweep_XXXXXX")).string();
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    const int e = errno;
    throw InputError(out, "file",
                     "cannot create a scratch directory in " + dir.string() + ": " + std::strerror(e));
  }
  return fs::path(buf.data());
}

int run_sweep(const Options& o) {
  const auto start = std::chrono::steady_clock::now();
  const nm::sw::OutputLock lock(o.out);
  nm::sw::check_output_paths({{"--out", o.out}});
  remove_stale_scratch(o.out);
  const nm::sw::SweepSpec spec = nm::sw::load_sweep_spec(o.sweep, o.config);
  // The spec caps its points; the workload list (which may repeat) multiplies them again.
  if (spec.point_count() > nm::sw::kMaxSweepTasks / o.workloads.size()) {
    throw InputError("command line", "--workloads",
                     fmt::format("expected at most {} tasks (points x workloads), got {} x {}",
                                 nm::sw::kMaxSweepTasks, spec.point_count(), o.workloads.size()));
  }
  // Unknown workloads fail now, not once per point. Rows name a workload as nm_sim reports it
  // (a file by its name:, not its path), unless two different ones would share a name.
  std::map<std::string, std::string> names;  // given -> reported
  for (const std::string& w : o.workloads) {
    const nm::sw::Graph graph =
        nm::sw::load_workload(w, {}, {"workloads", std::string(NM_SOURCE_DIR) + "/workloads"});
    names[w] = nm::sw::is_builtin_workload(w) ? w : graph.name();
  }
  std::map<std::string, int> uses;
  for (const auto& entry : names) ++uses[entry.second];
  for (auto& [given, name] : names) {
    if (uses[name] > 1) name = given;
  }
  // Decoder LLMs add their TTFT, TPOT, tokens/s and J/token columns.
  const bool llm_columns = std::any_of(o.workloads.begin(), o.workloads.end(),
                                       [](const std::string& w) { return nm::sw::is_decoder_workload(w); });
  const std::string header = nm::sw::csv_line(nm::sw::sweep_header(spec, llm_columns));

  std::vector<Task> tasks;
  for (size_t p = 0; p < spec.point_count(); ++p) {
    for (const std::string& w : o.workloads) {
      const size_t index = tasks.size();
      tasks.push_back({index, p, w, names.at(w)});
    }
  }
  std::set<size_t> done;
  if (fs::exists(o.out)) {
    if (!o.resume) throw InputError(o.out, "file", "exists; pass --resume to continue it, or remove it");
    if (nm::sw::read_sweep_csv(o.out, false).header != header)
      throw InputError(o.out, "header", "written by a different sweep; cannot resume it");
    // Only now, with the file known to be this sweep's, drop a row cut mid-write.
    const nm::sw::SweepCsv existing = nm::sw::read_sweep_csv(o.out, /*truncate_partial=*/true);
    for (const std::string& row : existing.rows) {
      const uint64_t task = nm::sw::row_task(row);
      if (task >= tasks.size()) {
        throw InputError(
            o.out, fmt::format("task {}", task),
            fmt::format("expected a task index below {}, this sweep's task count", tasks.size()));
      }
      done.insert(task);
    }
  } else {
    nm::sw::write_file_atomically(o.out, header + "\n");
  }
  std::vector<Task> pending;
  for (const Task& t : tasks) {
    if (t.index % o.shards == o.shard - 1 && !done.count(t.index)) pending.push_back(t);
  }
  const size_t total = pending.size() + std::count_if(done.begin(), done.end(),
                                                      [&](size_t i) { return i % o.shards == o.shard - 1; });

  const int fd = ::open(o.out.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) throw InputError(o.out, "file", "cannot open for appending");
  const ScratchDir scratch_dir{make_scratch(o.out)};
  const fs::path& scratch = scratch_dir.path;
  const std::string nm_sim = nm::sw::self_directory() + "/nm_sim";

  std::vector<nm::sw::ProcessJob> jobs;
  for (const Task& t : pending) {
    nm::sw::ProcessJob job;
    job.argv = {nm_sim, "--workload", t.workload, "--json",
                (scratch / fmt::format("{}.json", t.index)).string()};
    // A config axis replaces the base config at each point.
    if (spec.base_config && !spec.has_config_axis())
      job.argv.insert(job.argv.end(), {"--config", *spec.base_config});
    for (const auto& [key, value] : spec.point(t.point)) {
      const std::vector<std::string> args = nm::sw::sweep_axis_arguments(key, value);
      job.argv.insert(job.argv.end(), args.begin(), args.end());
    }
    job.stderr_path = (scratch / fmt::format("{}.err", t.index)).string();
    jobs.push_back(std::move(job));
  }
  ProgressBar bar(total);
  size_t finished = total - pending.size();
  bar.update(finished);
  bool crashed = false;
  nm::sw::run_jobs(jobs, o.jobs, [&](size_t i, int status) {
    const Task& t = pending[i];
    const auto assignments = spec.point(t.point);
    std::string row;
    if (status == 0) {
      std::ifstream in(jobs[i].argv[4]);
      const nlohmann::json result = nlohmann::json::parse(in);
      row = nm::sw::sweep_row(t.index, t.point, t.name, assignments, &result, "ok", llm_columns);
    } else {
      // Exit 2 is a point the config rules reject (e.g. buffers too small): a result, not a crash.
      if (status != 2) crashed = true;
      const std::string why = first_line(jobs[i].stderr_path);
      row =
          nm::sw::sweep_row(t.index, t.point, t.name, assignments, nullptr,
                            status == 2 ? why : fmt::format("crash: exit {}: {}", status, why), llm_columns);
    }
    // One write() of one whole line: a kill leaves the row either absent or complete.
    if (::write(fd, row.data(), row.size()) != static_cast<ssize_t>(row.size())) {
      throw std::runtime_error("cannot append to " + o.out);
    }
    bar.update(++finished);
  });
  ::close(fd);
  const nm::sw::SweepCsv result = nm::sw::read_sweep_csv(o.out, false);
  nm::sw::write_file_atomically(o.out, nm::sw::finalize_csv(result));
  const size_t resumed = result.rows.size() - pending.size();
  if (spec.has_config_axis() && o.shards == 1)
    print_config_comparison(spec, nm::sw::read_sweep_csv(o.out, false));
  print_summary("wrote", result, resumed == 0 ? "" : fmt::format("{} kept from the earlier run, ", resumed),
                o.out, start);
  return crashed ? 3 : 0;
}

int run_merge(const Options& o) {
  const auto start = std::chrono::steady_clock::now();
  const nm::sw::OutputLock lock(o.out);
  nm::sw::check_output_paths({{"--out", o.out}});
  nm::sw::SweepCsv merged;
  std::map<uint64_t, std::string> rows;
  for (const std::string& in : o.merge_inputs) {
    const nm::sw::SweepCsv part = nm::sw::read_sweep_csv(in, false);
    if (merged.header.empty()) merged.header = part.header;
    if (part.header != merged.header)
      throw InputError(in, "header", "differs from " + o.merge_inputs.front() + "'s");
    for (const std::string& row : part.rows) {
      // The Pareto mark depends on the other rows: compare rows without it.
      const std::string body = row.substr(0, row.rfind(','));
      const auto [it, inserted] = rows.emplace(nm::sw::row_task(row), row);
      if (!inserted && it->second.substr(0, it->second.rfind(',')) != body) {
        throw InputError(in, "task " + std::to_string(it->first),
                         "appears in two inputs with different figures");
      }
    }
  }
  for (const auto& [task, row] : rows) merged.rows.push_back(row);
  nm::sw::write_file_atomically(o.out, nm::sw::finalize_csv(merged));
  print_summary("merged", merged, fmt::format("from {} files, ", o.merge_inputs.size()), o.out, start);
  return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
  return nm::sw::run_guarded([&] {
    const Options o = parse(std::vector<std::string>(argv + 1, argv + argc));
    if (o.help) {
      std::cout << kUsage;
      return 0;
    }
    return o.merge ? run_merge(o) : run_sweep(o);
  });
}
