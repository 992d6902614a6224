#include "sw/proc/subprocess.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <map>
#include <stdexcept>

extern char** environ;

namespace nm::sw {

namespace {

int exit_status(int raw) {
  if (WIFEXITED(raw)) return WEXITSTATUS(raw);
  if (WIFSIGNALED(raw)) return 128 + WTERMSIG(raw);
  return 255;
}

}  // namespace

pid_t start_process(const std::vector<std::string>& argv, const std::string& stdout_path,
                    const std::string& stderr_path) {
  // Everything the child needs is prepared before fork(): between fork() and exec the child only
  // makes async-signal-safe calls.
  const std::string out = stdout_path.empty() ? "/dev/null" : stdout_path;
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int report[2];  // the child writes errno here if it cannot exec; closed by a successful exec
  if (::pipe2(report, O_CLOEXEC) != 0) {
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(errno));
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int e = errno;
    ::close(report[0]);
    ::close(report[1]);
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(e));
  }
  if (pid == 0) {
    auto fail = [&](int e) {
      [[maybe_unused]] const ssize_t n = ::write(report[1], &e, sizeof e);
      ::_exit(127);
    };
    // Killed with its parent (nm_sweep or nm_sim --table3 killed by kill -9, the OOM killer or
    // Slurm): no nm_sim keeps running, and writing, without anyone waiting for it.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail(errno);
    if (::getppid() != parent) ::_exit(128 + SIGKILL);  // the parent died before the prctl
    const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out_fd < 0 || ::dup2(out_fd, STDOUT_FILENO) < 0) fail(errno);
    ::close(out_fd);
    if (!stderr_path.empty()) {
      const int err_fd = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (err_fd < 0 || ::dup2(err_fd, STDERR_FILENO) < 0) fail(errno);
      ::close(err_fd);
    }
    ::execve(args[0], args.data(), environ);
    fail(errno);
  }
  ::close(report[1]);
  int child_errno = 0;
  ssize_t n = 0;
  do {
    n = ::read(report[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    int raw = 0;
    while (::waitpid(pid, &raw, 0) < 0 && errno == EINTR) {
    }
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(child_errno));
  }
  return pid;
}

std::pair<pid_t, int> wait_any() {
  int raw = 0;
  pid_t pid = 0;
  do {
    pid = ::waitpid(-1, &raw, 0);
  } while (pid < 0 && errno == EINTR);
  if (pid < 0) throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
  return {pid, exit_status(raw)};
}

int run_process(const std::vector<std::string>& argv, const std::string& stdout_path,
                const std::string& stderr_path) {
  const pid_t pid = start_process(argv, stdout_path, stderr_path);
  int raw = 0;
  while (::waitpid(pid, &raw, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
  }
  return exit_status(raw);
}

void run_jobs(const std::vector<ProcessJob>& jobs, unsigned parallel,
              const std::function<void(size_t, int)>& on_done) {
  std::map<pid_t, size_t> running;
  size_t next = 0;
  try {
    while (next < jobs.size() || !running.empty()) {
      while (running.size() < std::max(1u, parallel) && next < jobs.size()) {
        const ProcessJob& job = jobs[next];
        running.emplace(start_process(job.argv, job.stdout_path, job.stderr_path), next++);
      }
      const auto [pid, status] = wait_any();
      const auto it = running.find(pid);
      if (it == running.end()) continue;
      const size_t index = it->second;
      running.erase(it);
      on_done(index, status);
    }
  } catch (...) {
    while (!running.empty()) {  // reap what was started before giving up
      running.erase(wait_any().first);
    }
    throw;
  }
}

std::string self_directory() {
  return std::filesystem::read_symlink("/proc/self/exe").parent_path().string();
}

}  // namespace nm::sw
