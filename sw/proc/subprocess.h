#pragma once
// Child processes for runs that need their own SystemC elaboration (SystemC elaborates once
// per process): start, wait for any, and locate sibling executables.
//
// Contract: start_process never throws on a failing child; it returns the child's pid or throws
// std::runtime_error when the process cannot be created at all. wait_any returns the pid and
// exit status (status 128 + signal for a child killed by a signal).
#include <sys/types.h>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace nm::sw {

// Starts `argv[0]` with `argv`; the child's stdout goes to `stdout_path` (or /dev/null when
// empty) and its stderr to `stderr_path` (or is inherited when empty). The child is killed
// (SIGKILL, PR_SET_PDEATHSIG) when the thread that started it exits, so a killed nm_sweep leaves no
// nm_sim running; call it from the thread that waits for the children.
pid_t start_process(const std::vector<std::string>& argv, const std::string& stdout_path = "",
                    const std::string& stderr_path = "");

// Waits for any child; returns {pid, exit status}.
std::pair<pid_t, int> wait_any();

// Runs to completion and returns the exit status.
int run_process(const std::vector<std::string>& argv, const std::string& stdout_path = "",
                const std::string& stderr_path = "");

struct ProcessJob {
  std::vector<std::string> argv;
  std::string stdout_path;  // empty: /dev/null
  std::string stderr_path;  // empty: inherited
};

// Runs `jobs` with at most `parallel` at once (in order of index), calling on_done(index, exit
// status) as each finishes, in completion order.
void run_jobs(const std::vector<ProcessJob>& jobs, unsigned parallel,
              const std::function<void(size_t, int)>& on_done);

// Path of the running executable's directory (from /proc/self/exe).
std::string self_directory();

}  // namespace nm::sw
