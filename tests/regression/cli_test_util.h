#pragma once
// Shared helpers for the end-to-end tests of the command-line tools: run a binary capturing its
// status, stdout and stderr; read a file; a scratch directory removed when the tests end.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace nm::test {

namespace fs = std::filesystem;

struct CliRun {
  int status = -1;
  std::string out;
  std::string err;
};

inline std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A directory under the system temp dir, removed with everything in it on destruction.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix)
      : path_(fs::temp_directory_path() / (prefix + "_" + std::to_string(::getpid()))) {
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Runs `binary args` through the shell; stderr goes through a file in `dir`.
inline CliRun run_cli(const std::string& binary, const std::string& args, const fs::path& dir) {
  const fs::path err = dir / "stderr.txt";
  const std::string cmd = binary + " " + args + " 2>" + err.string();
  CliRun r;
  FILE* pipe = popen(cmd.c_str(), "r");
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = read_text(err);
  return r;
}

// Bad input to `binary`: exit status 2, exactly one stderr line naming `names`, and no file at the
// --json path (the run is given `--json DIR/bad.json`).
inline void expect_one_line_rejection(const std::string& binary, const std::string& args,
                                      const std::string& names, const fs::path& dir) {
  const fs::path out = dir / "bad.json";
  const CliRun r = run_cli(binary, args + " --json " + out.string(), dir);
  EXPECT_EQ(r.status, 2) << args;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
  EXPECT_NE(r.err.find(names), std::string::npos) << args << ": " << r.err;
  EXPECT_FALSE(fs::exists(out)) << args;
}

}  // namespace nm::test
