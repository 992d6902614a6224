#include "sw/proc/output_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "hw/core/input_error.h"

namespace nm::sw {

namespace {

namespace fs = std::filesystem;

std::string directory_of(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

// Throws unless `path` is absent or a regular file (lstat: a symbolic link is not followed).
void check_target(const std::string& path, const std::string& key) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    throw InputError(path, key, std::string("cannot write: ") + std::strerror(errno));
  }
  const char* kind = S_ISLNK(st.st_mode)                          ? "a symbolic link"
                     : S_ISFIFO(st.st_mode)                       ? "a FIFO"
                     : S_ISDIR(st.st_mode)                        ? "a directory"
                     : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                     : S_ISSOCK(st.st_mode)                       ? "a socket"
                                                                  : nullptr;
  if (kind != nullptr) {
    throw InputError(
        path, key,
        std::string("is ") + kind + "; output files replace only regular files (give another path)");
  }
}

// A temporary file next to the target, open for writing.
struct TempFile {
  std::string target;
  std::string path;
  int fd = -1;

  explicit TempFile(const std::string& target_path, const std::string& key = "file") : target(target_path) {
    std::string name = fs::path(target_path).filename().string();
    std::string templ = directory_of(target_path) + "/." + name + ".XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    fd = ::mkstemp(buf.data());
    if (fd < 0) {
      const int e = errno;
      throw InputError(
          target_path, key,
          "cannot write: cannot create a file in " + directory_of(target_path) + ": " + std::strerror(e));
    }
    path = buf.data();
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    if (!path.empty()) ::unlink(path.c_str());
  }

  void write_all(const std::string& text) {
    const char* p = text.data();
    size_t left = text.size();
    while (left > 0) {
      const ssize_t n = ::write(fd, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail("write failed");
      p += n;
      left -= static_cast<size_t>(n);
    }
    struct stat st {};
    mode_t mode = 0;
    if (::stat(target.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      mode = st.st_mode & 07777;
    } else {
      const mode_t mask = ::umask(0);
      ::umask(mask);
      mode = 0666 & ~mask;
    }
    if (::fchmod(fd, mode) != 0) fail("cannot set permissions");
    if (::fsync(fd) != 0) fail("write failed");
    const int rc = ::close(fd);
    fd = -1;
    if (rc != 0) fail("write failed");
  }

  [[noreturn]] void fail(const std::string& what) {
    const int e = errno;
    throw InputError(target, "file", what + ": " + std::strerror(e));
  }

  void rename_into_place() {
    if (::rename(path.c_str(), target.c_str()) != 0) fail("cannot rename into place");
    path.clear();
  }
};

}  // namespace

void check_output_paths(const std::vector<OutputPath>& outputs) {
  std::vector<std::pair<fs::path, const OutputPath*>> seen;
  for (const OutputPath& o : outputs) {
    if (o.path.empty()) continue;
    const std::string key = o.option.empty() ? "file" : o.option;
    check_target(o.path, key);
    std::error_code ec;
    const fs::path dir = directory_of(o.path);
    if (!fs::is_directory(dir, ec)) {
      throw InputError(o.path, key, "cannot write: directory " + dir.string() + " does not exist");
    }
    // The same file under two spellings (a/../x, ./x, a linked directory) is still one file.
    const fs::path resolved = fs::weakly_canonical(fs::absolute(o.path, ec), ec);
    for (const auto& [other, first] : seen) {
      if (!resolved.empty() && resolved == other) {
        throw InputError(
            "command line", o.option,
            "names the same file as " + first->option + " (" + o.path + "); each output needs its own file");
      }
    }
    seen.emplace_back(resolved, &o);
    TempFile probe(o.path, key);  // the directory accepts a new file; removed again at once
  }
}

void write_files_atomically(const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<std::unique_ptr<TempFile>> temps;
  for (const auto& [path, text] : files) {
    check_target(path, "file");
    temps.push_back(std::make_unique<TempFile>(path));
    temps.back()->write_all(text);
  }
  for (auto& t : temps) t->rename_into_place();
}

OutputLock::OutputLock(const std::string& path) : lock_path_(path + ".lock") {
  // A lock file removed by its previous holder between our open and flock is stale: retry on the
  // file now at the path.
  for (;;) {
    fd_ = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd_ < 0) {
      const int e = errno;
      throw InputError(path, "file", "cannot create the lock file " + lock_path_ + ": " + std::strerror(e));
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int e = errno;
      ::close(fd_);
      fd_ = -1;
      if (e != EWOULDBLOCK) {
        throw InputError(path, "file", "cannot lock " + lock_path_ + ": " + std::strerror(e));
      }
      std::string owner;
      std::getline(std::ifstream(lock_path_), owner);
      throw InputError(path, "file",
                       "in use by another nm_sweep" +
                           (owner.empty() ? std::string() : " (pid " + owner + ")") + ", which holds " +
                           lock_path_ + "; wait for it to finish");
    }
    struct stat held {
    }, now{};
    if (::fstat(fd_, &held) == 0 && ::stat(lock_path_.c_str(), &now) == 0 && held.st_dev == now.st_dev &&
        held.st_ino == now.st_ino) {
      break;
    }
    ::close(fd_);
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] const ssize_t n = ::write(fd_, pid.data(), pid.size());
  }
}

OutputLock::~OutputLock() {
  // Unlinked while still held, so no other process can lock this inode and then find it gone.
  ::unlink(lock_path_.c_str());
  ::close(fd_);
}

}  // namespace nm::sw
