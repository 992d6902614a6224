// Output files (sw/proc/output_file.h): temporary file + rename, nothing left and nothing replaced
// after a failure, same path twice, non-regular targets, and the exclusive lock.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "hw/core/input_error.h"
#include "sw/proc/output_file.h"

namespace {

namespace fs = std::filesystem;
using nm::InputError;
using nm::sw::check_output_paths;
using nm::sw::OutputLock;
using nm::sw::write_file_atomically;
using nm::sw::write_files_atomically;

class OutputFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nm_output_file_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static std::string read(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  // The message of the InputError `f` throws ("" if none).
  template <typename F>
  static std::string error_of(F&& f) {
    try {
      f();
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  }

  fs::path dir_;
};

TEST_F(OutputFile, WritesNewAndReplacesExistingLeavingNoTemporary) {
  write_file_atomically(path("a.json"), "first\n");
  EXPECT_EQ(read(path("a.json")), "first\n");
  ::chmod(path("a.json").c_str(), 0640);
  write_file_atomically(path("a.json"), "second\n");
  EXPECT_EQ(read(path("a.json")), "second\n");
  struct stat st {};
  ASSERT_EQ(::stat(path("a.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);  // the replaced file's permissions
  EXPECT_EQ(entries(), std::vector<std::string>{"a.json"});
}

// The temporary has a name of its own: a user's "X.tmp" is neither used nor removed.
TEST_F(OutputFile, LeavesAUsersTmpFileAlone) {
  std::ofstream(path("a.json.tmp")) << "mine";
  write_file_atomically(path("a.json"), "out");
  EXPECT_EQ(read(path("a.json.tmp")), "mine");
  EXPECT_EQ(entries(), (std::vector<std::string>{"a.json", "a.json.tmp"}));
}

TEST_F(OutputFile, MissingDirectoryIsAnErrorAndWritesNothing) {
  std::ofstream(path("keep.json")) << "keep";
  const std::string missing = path("no_such_dir/x.csv");
  const std::string e = error_of([&] {
    check_output_paths({{"--json", path("keep.json")}, {"--csv", missing}});
  });
  EXPECT_NE(e.find(missing), std::string::npos) << e;
  EXPECT_NE(e.find("does not exist"), std::string::npos) << e;
  // And when written anyway, all or nothing: keep.json is not replaced.
  EXPECT_NE(error_of([&] { write_files_atomically({{path("keep.json"), "new"}, {missing, "x"}}); }), "");
  EXPECT_EQ(read(path("keep.json")), "keep");
  EXPECT_EQ(entries(), std::vector<std::string>{"keep.json"});
}

TEST_F(OutputFile, SameFileTwiceIsAnError) {
  fs::create_directories(dir_ / "sub");
  const std::string e = error_of([&] {
    check_output_paths({{"--json", path("x")}, {"--csv", (dir_ / "sub" / ".." / "." / "x").string()}});
  });
  EXPECT_NE(e.find("command line: --csv: names the same file as --json"), std::string::npos) << e;
  EXPECT_EQ(error_of([&] { check_output_paths({{"--json", path("x")}, {"--csv", path("y")}}); }), "");
  EXPECT_EQ(entries(), std::vector<std::string>{"sub"});  // the writability probes are gone
}

// Renaming over a link would turn it into a plain file; writing into a FIFO or a device cannot be
// undone: all are refused, and left as they were.
TEST_F(OutputFile, RefusesSymlinkFifoAndDirectoryTargets) {
  std::ofstream(path("real.json")) << "real";
  fs::create_symlink(path("real.json"), path("link.json"));
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  fs::create_directories(dir_ / "dir");
  for (const auto& [name, kind] : std::vector<std::pair<std::string, std::string>>{
           {"link.json", "a symbolic link"}, {"fifo", "a FIFO"}, {"dir", "a directory"}}) {
    const std::string e1 = error_of([&] { check_output_paths({{"--json", path(name)}}); });
    EXPECT_NE(e1.find(path(name) + ": --json: is " + kind), std::string::npos) << e1;
    const std::string e2 = error_of([&] { write_file_atomically(path(name), "x"); });
    EXPECT_NE(e2.find("is " + kind), std::string::npos) << e2;
  }
  EXPECT_TRUE(fs::is_symlink(path("link.json")));
  EXPECT_EQ(read(path("real.json")), "real");
  EXPECT_EQ(entries(), (std::vector<std::string>{"dir", "fifo", "link.json", "real.json"}));
}

// A write that fails midway (here: the file size limit, as a full disk would) replaces neither
// file of the pair and leaves no temporary.
TEST_F(OutputFile, FailedWriteReplacesNothing) {
  std::ofstream(path("a.json")) << "old a";
  std::ofstream(path("b.csv")) << "old b";
  struct rlimit saved {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = saved;
  small.rlim_cur = 1000;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  const std::string e = error_of([&] {
    write_files_atomically({{path("a.json"), "new a"}, {path("b.csv"), std::string(5000, 'b')}});
  });
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_NE(e.find(path("b.csv") + ": file: write failed"), std::string::npos) << e;
  EXPECT_EQ(read(path("a.json")), "old a");
  EXPECT_EQ(read(path("b.csv")), "old b");
  EXPECT_EQ(entries(), (std::vector<std::string>{"a.json", "b.csv"}));
}

TEST_F(OutputFile, LockIsExclusiveAndRemovedOnRelease) {
  const std::string out = path("sweep.csv");
  {
    const OutputLock first(out);
    EXPECT_TRUE(fs::exists(out + ".lock"));
    const std::string e = error_of([&] { const OutputLock second(out); });
    EXPECT_NE(e.find(out + ": file: in use by another nm_sweep (pid " + std::to_string(::getpid()) + ")"),
              std::string::npos)
        << e;
  }
  EXPECT_FALSE(fs::exists(out + ".lock"));
  // A lock file left by a killed run is not locked: it is taken over.
  std::ofstream(out + ".lock") << "12345\n";
  EXPECT_EQ(error_of([&] { const OutputLock again(out); }), "");
}

}  // namespace
