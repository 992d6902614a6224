#include "sw/sweep/sweep_csv.h"

#include <fmt/format.h>
#include <algorithm>
#include <array>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "hw/core/input_error.h"
#include "sw/proc/input_file.h"

namespace nm::sw {

namespace {

// Summary figures copied from nm_sim's JSON, in column order.
const std::vector<std::string> kFigures = {
    "latency_s", "throughput_per_s", "energy_j", "power_w",        "throughput_per_watt",
    "macs",      "macs_executed",    "cycles",   "pe_utilization", "dram_bytes",
    "l2_bytes",  "noc_bytes"};
const std::vector<std::string> kEnergyParts = {"mac", "registers", "l1", "l2", "noc", "dram", "static"};
// A decoder LLM's figures (nm_sim's JSON "llm"); empty where a phase or workload has none.
const std::vector<std::string> kLlmFigures = {"ttft_s", "tpot_s", "tokens_per_s", "j_per_token"};

std::string number(const nlohmann::json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  return fmt::format("{:.9g}", v.get<double>());
}

size_t column(const std::vector<std::string>& header, const std::string& name) {
  const auto it = std::find(header.begin(), header.end(), name);
  if (it == header.end()) throw std::logic_error("sweep CSV has no column " + name);
  return static_cast<size_t>(it - header.begin());
}

// The columns finalize_csv reads (task first, as nm_sweep writes it).
const std::vector<std::string> kReadColumns = {"task",     "workload", "latency_s", "energy_j",
                                               "area_mm2", "status",   "pareto"};
// The figures the Pareto mark compares, in every row whose status is "ok".
const std::vector<std::string> kParetoFigures = {"latency_s", "energy_j", "area_mm2"};

// A task index as nm_sweep writes it: decimal digits only (no sign, no space, no suffix).
std::optional<uint64_t> parse_task(const std::string& s) {
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// A figure as sweep_row writes it ({:.9g} or an integer); the whole field must be the number.
std::optional<double> parse_figure(const std::string& s) {
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// A field quoted for a one-line message: control bytes escaped, long values cut.
std::string quoted(const std::string& field) {
  constexpr size_t kMaxShown = 40;
  std::string q = "'";
  for (size_t i = 0; i < field.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(field[i]);
    q += c < 0x20 || c == 0x7f ? fmt::format("\\x{:02x}", c) : std::string(1, field[i]);
  }
  return q + (field.size() > kMaxShown ? "...'" : "'");
}

// Every row finalize_csv and --merge/--resume read is checked here, where the file and line are
// known: the header has the columns they read, a row has the header's field count, a whole task
// index, and numbers where the Pareto mark compares figures.
void check_row(const std::string& path, size_t line_no, const std::vector<std::string>& header,
               const std::string& row) {
  const std::vector<std::string> f = split_csv_line(row);
  if (f.size() != header.size()) {
    throw InputError(path, fmt::format("line {}", line_no),
                     fmt::format("expected {} fields as in the header, got {}", header.size(), f.size()));
  }
  const auto where = [&](size_t c) {
    return fmt::format("line {}, column {} ({})", line_no, c + 1, header[c]);
  };
  const size_t task = column(header, "task");
  if (!parse_task(f[task])) {
    throw InputError(path, where(task), "expected a task index (a whole number), got " + quoted(f[task]));
  }
  if (f[column(header, "status")] != "ok") return;  // a failed run has no figures
  for (const std::string& name : kParetoFigures) {
    const size_t c = column(header, name);
    if (!parse_figure(f[c])) throw InputError(path, where(c), "expected a number, got " + quoted(f[c]));
  }
}

}  // namespace

std::vector<std::string> sweep_header(const SweepSpec& spec, bool llm_columns) {
  std::vector<std::string> h = {"task", "point", "workload"};
  for (const SweepAxis& a : spec.axes) h.push_back(a.key);
  h.insert(h.end(), kFigures.begin(), kFigures.end());
  for (const std::string& p : kEnergyParts) h.push_back("energy_" + p + "_j");
  h.push_back("area_mm2");
  if (llm_columns) h.insert(h.end(), kLlmFigures.begin(), kLlmFigures.end());
  h.push_back("status");
  h.push_back("pareto");
  return h;
}

std::string csv_line(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) line += ',';
    const std::string& f = fields[i];
    if (f.find_first_of(",\"\n") == std::string::npos) {
      line += f;
    } else {
      line += '"';
      for (char c : f) line += c == '"' ? std::string("\"\"") : std::string(1, c == '\n' ? ' ' : c);
      line += '"';
    }
  }
  return line;
}

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

std::string sweep_row(size_t task, size_t point, const std::string& workload,
                      const std::vector<std::pair<std::string, std::string>>& assignments,
                      const nlohmann::json* result, const std::string& status, bool llm_columns) {
  std::vector<std::string> f = {std::to_string(task), std::to_string(point), workload};
  for (const auto& [key, value] : assignments) f.push_back(value);
  if (result != nullptr) {
    for (const std::string& key : kFigures) f.push_back(number(result->at(key)));
    for (const std::string& p : kEnergyParts) f.push_back(number(result->at("energy_breakdown_j").at(p)));
    f.push_back(number(result->at("area_mm2")));
  } else {
    f.insert(f.end(), kFigures.size() + kEnergyParts.size() + 1, "");
  }
  if (llm_columns) {
    const nlohmann::json* llm = result != nullptr && result->contains("llm") ? &result->at("llm") : nullptr;
    for (const std::string& key : kLlmFigures)
      f.push_back(llm != nullptr && llm->contains(key) ? number(llm->at(key)) : "");
  }
  f.push_back(status);
  f.push_back("");  // pareto: filled by finalize_csv once every point is in
  return csv_line(f) + "\n";
}

SweepCsv read_sweep_csv(const std::string& path, bool truncate_partial) {
  const std::string text = read_text_file(path, kMaxSweepCsvBytes);
  // Only lines that end in '\n' were written whole.
  const size_t complete = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
  SweepCsv csv;
  std::istringstream lines(text.substr(0, complete));
  std::string line;
  if (!std::getline(lines, csv.header)) throw InputError(path, "header", "expected a sweep CSV header line");
  const std::vector<std::string> header = split_csv_line(csv.header);
  if (header.front() != "task") {
    throw InputError(path, "header",
                     "expected nm_sweep's header, whose first column is task, got " + quoted(header.front()));
  }
  for (const std::string& name : kReadColumns) {
    if (std::find(header.begin(), header.end(), name) == header.end())
      throw InputError(path, "header",
                       "expected nm_sweep's header, which has a column " + name + "; it has none");
  }
  for (size_t line_no = 2; std::getline(lines, line); ++line_no) {
    if (line.empty()) continue;
    check_row(path, line_no, header, line);
    csv.rows.push_back(line);
  }
  // Cut the partial line only once the file is known to be a sweep CSV.
  if (truncate_partial && complete < text.size()) std::filesystem::resize_file(path, complete);
  return csv;
}

uint64_t row_task(const std::string& row) {
  const std::optional<uint64_t> task = parse_task(split_csv_line(row).front());
  if (!task) throw std::invalid_argument("sweep CSV row without a task index: " + row);
  return *task;
}

std::string finalize_csv(const SweepCsv& csv) {
  const std::vector<std::string> header = split_csv_line(csv.header);
  const size_t workload = column(header, "workload"), latency = column(header, "latency_s"),
               energy = column(header, "energy_j"), area = column(header, "area_mm2"),
               status = column(header, "status"), pareto = column(header, "pareto");
  std::vector<std::vector<std::string>> rows;
  for (const std::string& r : csv.rows) rows.push_back(split_csv_line(r));
  // Rows come from read_sweep_csv, which checked every field read here.
  for (const auto& r : rows) {
    if (r.size() != header.size()) throw std::logic_error("sweep CSV row of the wrong width: " + csv_line(r));
  }
  auto task = [](const std::vector<std::string>& r) {
    const std::optional<uint64_t> t = parse_task(r[0]);
    if (!t) throw std::logic_error("sweep CSV row without a task index: " + csv_line(r));
    return *t;
  };
  std::sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) { return task(a) < task(b); });

  auto figure = [](const std::string& field) {
    const std::optional<double> v = parse_figure(field);
    if (!v) throw std::logic_error("sweep CSV figure is not a number: " + field);
    return *v;
  };
  auto figures = [&](const std::vector<std::string>& r) {
    return std::array<double, 3>{figure(r[latency]), figure(r[energy]), figure(r[area])};
  };
  for (auto& r : rows) {
    if (r[status] != "ok") {
      r[pareto] = "";
      continue;
    }
    const auto mine = figures(r);
    bool dominated = false;
    for (const auto& other : rows) {
      if (&other == &r || other[status] != "ok" || other[workload] != r[workload]) continue;
      const auto theirs = figures(other);
      const bool no_worse = theirs[0] <= mine[0] && theirs[1] <= mine[1] && theirs[2] <= mine[2];
      const bool better = theirs[0] < mine[0] || theirs[1] < mine[1] || theirs[2] < mine[2];
      if (no_worse && better) {
        dominated = true;
        break;
      }
    }
    r[pareto] = dominated ? "0" : "1";
  }
  std::string text = csv.header + "\n";
  for (const auto& r : rows) text += csv_line(r) + "\n";
  return text;
}

}  // namespace nm::sw
