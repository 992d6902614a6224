#pragma once
// Reports of a run: a human summary, the schema-versioned JSON, and a per-kernel CSV.
//
// Contract: JSON figures are SI units named in their keys (seconds, joules, watts, bytes);
// schema "nm_sim/1". Files are written atomically (temporary file + rename), so a failed run
// never leaves a partial file.
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

}  // namespace nm::sw
