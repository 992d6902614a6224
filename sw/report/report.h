#pragma once
// Reports of a run: a human summary, the schema-versioned JSON, and a per-kernel CSV.
//
// Contract: JSON figures are SI units named in their keys (seconds, joules, watts, bytes);
// schema "nm_sim/1". Files are written atomically (temporary file + rename), so a failed run
// never leaves a partial file.
#include <functional>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "sw/report/run_result.h"

namespace nm::sw {

nlohmann::json run_to_json(const RunResult& run);
void write_summary(std::ostream& out, const RunResult& run, bool verbose);
void write_kernel_csv(std::ostream& out, const RunResult& run);

// Writes `text` to `path` through a temporary file in the same directory; throws InputError
// naming the path when it cannot.
void write_file_atomically(const std::string& path, const std::string& text);
// The same, streaming: `write` puts the file's text on the stream (for large files: the trace).
void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write);
// Throws the InputError write_file_atomically would, without leaving a file: lets the CLI reject
// an unwritable output path before a long run rather than after it.
void check_writable(const std::string& path);

}  // namespace nm::sw
