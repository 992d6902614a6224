#pragma once
// Output files every nm_* tool writes (--json, --csv, nm_sweep's --out, weight files).
//
// Contract: a file is written to a temporary file of its own in the target's directory (mkstemp,
// ".<name>.XXXXXX", so concurrent writers and a user's own "<name>.tmp" never collide), flushed to
// disk, and renamed over the target only when every file of the call was written whole. Any failure
// removes the temporaries and leaves every target as it was: no partial file, no truncated file.
// The new file gets the replaced file's permissions, or 0666 minus the umask.
// A target that exists and is not a regular file (a symbolic link, FIFO, device, directory,
// socket) is refused with an error rather than replaced or written through: renaming over a link
// would silently turn it into a plain file, and writing into a FIFO or device cannot be undone.
// Errors are nm::InputError(path, "file", what).
#include <string>
#include <utility>
#include <vector>

namespace nm::sw {

struct OutputPath {
  std::string option;  // how the user named it, for messages: "--json", "--csv", "--out"
  std::string path;
};

// Checks, before any work is done, that every output can be written: no two name the same file
// (after resolving ".", ".." and symbolic links in the directories), no target is an existing
// non-regular file, and each directory exists and accepts a new file (one is created and
// removed). Empty paths are skipped.
void check_output_paths(const std::vector<OutputPath>& outputs);

// Writes every (path, text) as described above: all temporaries first, then all renames.
void write_files_atomically(const std::vector<std::pair<std::string, std::string>>& files);

inline void write_file_atomically(const std::string& path, const std::string& text) {
  write_files_atomically({{path, text}});
}

}  // namespace nm::sw

namespace nm::sw {

// An exclusive lock on an output that a run appends to over time (nm_sweep's --out): flock() on
// "<path>.lock", which holds the owner's pid. Taken without waiting: a second holder gets an
// InputError naming the file and the running pid. The lock file is removed on release; one left by
// a killed process is not locked any more (the kernel drops flocks with the process) and is reused.
class OutputLock {
 public:
  explicit OutputLock(const std::string& path);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

 private:
  std::string lock_path_;
  int fd_ = -1;
};

}  // namespace nm::sw
