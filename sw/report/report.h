#pragma once
// Reports of a run: a human summary, the schema-versioned JSON, and a per-kernel CSV.
//
// Contract: JSON figures are SI units named in their keys (seconds, joules, watts, bytes);
// schema "nm_sim/1". The CLI writes them with sw/proc/output_file.h (temporary file + rename), so
// a failed run never leaves a partial file.
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "sw/report/run_result.h"

namespace nm::sw {

nlohmann::json run_to_json(const RunResult& run);
void write_summary(std::ostream& out, const RunResult& run, bool verbose);
void write_kernel_csv(std::ostream& out, const RunResult& run);

}  // namespace nm::sw
