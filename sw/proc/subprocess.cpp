#include "sw/proc/subprocess.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
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
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string out = stdout_path.empty() ? "/dev/null" : stdout_path;
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (!stderr_path.empty()) {
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
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
