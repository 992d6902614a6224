#pragma once
// The sweep's CSV: one row per (point, workload) task with every summary figure of nm_sim's
// JSON, the area proxy, a status and the Pareto mark.
//
// Contract: a row is one line ending in '\n', whose first field is its task index. Rows are
// appended as tasks finish (pareto empty); finalize_csv() sorts them by task and marks, per
// workload, the points no other point beats on latency, energy and area at once. A file
// whose last line lacks its '\n' was cut mid-write: read_sweep_csv drops that line.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "sw/sweep/sweep_spec.h"

namespace nm::sw {

// llm_columns: add a decoder LLM's ttft_s, tpot_s, tokens_per_s and j_per_token (nm_sweep does
// when a workload is a decoder).
std::vector<std::string> sweep_header(const SweepSpec& spec, bool llm_columns = false);
std::string csv_line(const std::vector<std::string>& fields);
std::vector<std::string> split_csv_line(const std::string& line);

// One task's row; `result` is nm_sim's JSON, or null when the run failed with `status`.
std::string sweep_row(size_t task, size_t point, const std::string& workload,
                      const std::vector<std::pair<std::string, std::string>>& assignments,
                      const nlohmann::json* result, const std::string& status, bool llm_columns = false);

struct SweepCsv {
  std::string header;             // without '\n'
  std::vector<std::string> rows;  // complete lines, without '\n'
};

// Reads `path`; with `truncate_partial`, also cuts a trailing partial line from the file (only
// once the rest has been read without error). Every complete row is checked: the header's field
// count, a whole task index, and numbers in the figures the Pareto mark compares of "ok" rows;
// anything else throws nm::InputError naming the file, the line and the column.
SweepCsv read_sweep_csv(const std::string& path, bool truncate_partial);
// The task index of a row read_sweep_csv accepted.
uint64_t row_task(const std::string& row);

// The finished file's text: header, rows sorted by task, Pareto column filled.
std::string finalize_csv(const SweepCsv& csv);

}  // namespace nm::sw
