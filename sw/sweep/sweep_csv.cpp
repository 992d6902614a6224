#include "sw/sweep/sweep_csv.h"

#include <fmt/format.h>
#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "hw/core/input_error.h"
#include "sw/sweep/area_model.h"

namespace nm::sw {

namespace {

// Summary figures copied from nm_sim's JSON, in column order.
const std::vector<std::string> kFigures = {
    "latency_s", "throughput_per_s", "energy_j", "power_w",        "throughput_per_watt",
    "macs",      "macs_executed",    "cycles",   "pe_utilization", "dram_bytes",
    "l2_bytes",  "noc_bytes"};
const std::vector<std::string> kEnergyParts = {"mac", "l1", "l2", "noc", "dram", "static"};

std::string number(const nlohmann::json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  return fmt::format("{:.9g}", v.get<double>());
}

size_t column(const std::vector<std::string>& header, const std::string& name) {
  const auto it = std::find(header.begin(), header.end(), name);
  if (it == header.end()) throw std::runtime_error("sweep CSV has no column " + name);
  return static_cast<size_t>(it - header.begin());
}

}  // namespace

std::vector<std::string> sweep_header(const SweepSpec& spec) {
  std::vector<std::string> h = {"task", "point", "workload"};
  for (const SweepAxis& a : spec.axes) h.push_back(a.key);
  h.insert(h.end(), kFigures.begin(), kFigures.end());
  for (const std::string& p : kEnergyParts) h.push_back("energy_" + p + "_j");
  h.push_back("area_proxy_mm2");
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
                      const nlohmann::json* result, const std::string& status) {
  std::vector<std::string> f = {std::to_string(task), std::to_string(point), workload};
  for (const auto& [key, value] : assignments) f.push_back(value);
  if (result != nullptr) {
    for (const std::string& key : kFigures) f.push_back(number(result->at(key)));
    for (const std::string& p : kEnergyParts) f.push_back(number(result->at("energy_breakdown_j").at(p)));
    const nlohmann::json& c = result->at("config");
    f.push_back(fmt::format(
        "{:.9g}",
        area_proxy_mm2(c.at("pe").at("count").get<uint64_t>(), c.at("l1").at("bytes_per_pe").get<uint64_t>(),
                       c.at("l2").at("bytes").get<uint64_t>(), c.at("datatype").get<std::string>())));
  } else {
    f.insert(f.end(), kFigures.size() + kEnergyParts.size() + 1, "");
  }
  f.push_back(status);
  f.push_back("");  // pareto: filled by finalize_csv once every point is in
  return csv_line(f) + "\n";
}

SweepCsv read_sweep_csv(const std::string& path, bool truncate_partial) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "file", "cannot open: no such file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  // Only lines that end in '\n' were written whole.
  const size_t complete = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
  if (truncate_partial && complete < text.size()) std::filesystem::resize_file(path, complete);
  SweepCsv csv;
  std::istringstream lines(text.substr(0, complete));
  std::string line;
  if (!std::getline(lines, csv.header)) throw InputError(path, "header", "expected a sweep CSV header line");
  while (std::getline(lines, line)) {
    if (!line.empty()) csv.rows.push_back(line);
  }
  return csv;
}

uint64_t row_task(const std::string& row) {
  return std::stoull(row.substr(0, row.find(',')));
}

std::string finalize_csv(const SweepCsv& csv) {
  const std::vector<std::string> header = split_csv_line(csv.header);
  const size_t workload = column(header, "workload"), latency = column(header, "latency_s"),
               energy = column(header, "energy_j"), area = column(header, "area_proxy_mm2"),
               status = column(header, "status"), pareto = column(header, "pareto");
  std::vector<std::vector<std::string>> rows;
  for (const std::string& r : csv.rows) rows.push_back(split_csv_line(r));
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return std::stoull(a[0]) < std::stoull(b[0]); });

  auto figures = [&](const std::vector<std::string>& r) {
    return std::array<double, 3>{std::stod(r[latency]), std::stod(r[energy]), std::stod(r[area])};
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
