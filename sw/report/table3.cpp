#include "sw/report/table3.h"

#include <fmt/format.h>
#include <algorithm>
#include <cctype>

namespace nm::sw {

namespace {

using nlohmann::json;

constexpr size_t kWorkloads = kTable3Workloads.size();
const std::array<const char*, 5> kColumns = {"L (ms)", "S (x)", "T (1/s)", "P (W)", "T/P (1/W)"};
const std::array<const char*, 3> kBaselines = {"CPU", "GPU", "SoC"};

// The paper's own throughput-per-power claims (section 4.3: "up to 113x and 19.44x improvements
// compared with CPU and GPU"; the abstract: "113x to 19.44x ... compared to CPUs and GPUs").
// It makes none over the SoC.
std::optional<double> paper_claim(const std::string& baseline) {
  if (baseline == "CPU") return 113.0;
  if (baseline == "GPU") return 19.44;
  return std::nullopt;
}

Table3Figures values(const PaperFigures& f) {
  return {f.latency_ms.value, f.speedup.value, f.throughput.value, f.power_w.value,
          f.throughput_per_watt.value};
}

std::array<std::string, 5> texts(const PaperFigures& f) {
  return {f.latency_ms.text, f.speedup.text, f.throughput.text, f.power_w.text, f.throughput_per_watt.text};
}

std::array<std::string, 5> texts(const Table3Figures& f, int decimals) {
  const auto one = [&](double v) { return fmt::format("{:.{}f}", v, decimals); };
  return {one(f.latency_ms), one(f.speedup), one(f.throughput), one(f.power_w), one(f.throughput_per_watt)};
}

Gains gains(const std::array<double, kWorkloads>& tp, const ReferenceRow& baseline) {
  Gains g;
  for (size_t w = 0; w < kWorkloads; ++w) {
    g.per_workload[w] = tp[w] / baseline.figures[w]->throughput_per_watt.value;
  }
  g.min = *std::min_element(g.per_workload.begin(), g.per_workload.end());
  g.max = *std::max_element(g.per_workload.begin(), g.per_workload.end());
  return g;
}

json figures_json(const Table3Figures& f) {
  return {{"latency_ms", f.latency_ms},
          {"speedup", f.speedup},
          {"throughput", f.throughput},
          {"power_w", f.power_w},
          {"throughput_per_watt", f.throughput_per_watt}};
}

json gains_json(const Gains& g) {
  json j = json::object();
  for (size_t w = 0; w < kWorkloads; ++w) j[kTable3Workloads[w]] = g.per_workload[w];
  j["min"] = g.min;
  j["max"] = g.max;
  return j;
}

std::string processor_label(const ReferenceRow& r) {
  return r.processor + r.citation;
}

// Cells of the main table, aligned per column: type and processor left, figures right, and a bar
// between the networks' column groups.
class TextTable {
 public:
  void add(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }

  std::string render(const std::vector<std::string>& group_titles) const {
    std::vector<size_t> width(rows_.front().size(), 0);
    for (const auto& row : rows_) {
      for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
    }
    std::string out;
    // Group titles centred over their five columns, as in the paper's header.
    std::string titles = fmt::format("{:<{}}", "", width[0] + 2 + width[1] + 2 + width[2]);
    for (size_t g = 0; g < group_titles.size(); ++g) {
      size_t span = 0;
      for (size_t c = 0; c < kColumns.size(); ++c) span += width[3 + g * kColumns.size() + c] + 2;
      titles += " | " + fmt::format("{:^{}}", group_titles[g], span - 2);
    }
    out += trim_right(titles) + "\n";
    for (const auto& row : rows_) {
      std::string line;
      for (size_t c = 0; c < row.size(); ++c) {
        if (c >= 3 && (c - 3) % kColumns.size() == 0) {
          line += " | ";
        } else if (c > 0) {
          line += "  ";
        }
        line += c < 2 ? fmt::format("{:<{}}", row[c], width[c]) : fmt::format("{:>{}}", row[c], width[c]);
      }
      out += trim_right(line) + "\n";
    }
    return out;
  }

 private:
  static std::string trim_right(std::string s) {
    s.erase(s.find_last_not_of(' ') + 1);
    return s;
  }
  std::vector<std::vector<std::string>> rows_;
};

std::vector<std::string> table_row(const std::string& type, const std::string& processor,
                                   const std::string& node,
                                   const std::array<std::optional<std::array<std::string, 5>>, 3>& cells) {
  std::vector<std::string> row = {type, processor, node};
  for (const auto& group : cells) {
    for (size_t c = 0; c < kColumns.size(); ++c) row.push_back(group ? (*group)[c] : "-");
  }
  return row;
}

std::string gain_text(double g) {
  return fmt::format("{:.2f}x", g);
}

}  // namespace

Table3Row simulated_row(const ReferenceTable& reference, const SimulatedRuns& runs) {
  const ReferenceRow& cpu = reference.row_of_type("CPU");
  Table3Row row;
  for (size_t w = 0; w < kWorkloads; ++w) {
    const SimulatedRun& r = runs[w];
    const double latency_ms = r.latency_s * 1e3;
    row[w] = {latency_ms, cpu.figures[w]->latency_ms.value / latency_ms, r.throughput_per_s, r.power_w,
              r.throughput_per_watt};
  }
  return row;
}

Table3Row ratio_to_paper(const ReferenceTable& reference, const Table3Row& simulated) {
  const ReferenceRow& paper = reference.neuralmatrix();
  Table3Row ratio;
  for (size_t w = 0; w < kWorkloads; ++w) {
    const Table3Figures p = values(*paper.figures[w]);
    const Table3Figures& s = simulated[w];
    ratio[w] = {s.latency_ms / p.latency_ms, s.speedup / p.speedup, s.throughput / p.throughput,
                s.power_w / p.power_w, s.throughput_per_watt / p.throughput_per_watt};
  }
  return ratio;
}

std::array<HeadlineGain, 3> headline_gains(const ReferenceTable& reference, const Table3Row& simulated) {
  const ReferenceRow& paper = reference.neuralmatrix();
  std::array<double, kWorkloads> simulated_tp{};
  std::array<double, kWorkloads> paper_tp{};
  for (size_t w = 0; w < kWorkloads; ++w) {
    simulated_tp[w] = simulated[w].throughput_per_watt;
    paper_tp[w] = paper.figures[w]->throughput_per_watt.value;
  }
  std::array<HeadlineGain, 3> out;
  for (size_t b = 0; b < kBaselines.size(); ++b) {
    const ReferenceRow& base = reference.row_of_type(kBaselines[b]);
    out[b] = {kBaselines[b], base.processor, gains(simulated_tp, base), gains(paper_tp, base),
              paper_claim(kBaselines[b])};
  }
  return out;
}

std::string table3_text(const ReferenceTable& reference, const SimulatedRuns& runs, const std::string& label,
                        int tech_node_nm) {
  const Table3Row sim = simulated_row(reference, runs);
  const Table3Row ratio = ratio_to_paper(reference, sim);

  TextTable table;
  std::vector<std::string> header = {"Type", "Processor", "Node (nm)"};
  for (size_t w = 0; w < kWorkloads; ++w) header.insert(header.end(), kColumns.begin(), kColumns.end());
  table.add(header);
  for (const ReferenceRow& r : reference.rows) {
    std::array<std::optional<std::array<std::string, 5>>, 3> cells;
    for (size_t w = 0; w < kWorkloads; ++w) {
      if (r.figures[w]) cells[w] = texts(*r.figures[w]);
    }
    table.add(table_row(r.type, processor_label(r), std::to_string(r.tech_node_nm), cells));
  }
  std::array<std::optional<std::array<std::string, 5>>, 3> sim_cells;
  std::array<std::optional<std::array<std::string, 5>>, 3> ratio_cells;
  for (size_t w = 0; w < kWorkloads; ++w) {
    sim_cells[w] = texts(sim[w], 2);
    ratio_cells[w] = texts(ratio[w], 3);
  }
  table.add(table_row("sim", "NeuralMatrix (nm_sim)", std::to_string(tech_node_nm), sim_cells));
  table.add(table_row("", "simulated / paper", "-", ratio_cells));

  std::string out =
      "Table 3 of Sun et al., \"NeuralMatrix: Moving Entire Neural Networks to General Matrix "
      "Multiplication\n"
      "for Efficient Inference\" (the paper's figures, '-' where it has none), then nm_sim's NeuralMatrix\n";
  out += "simulated: " + label + "\n\n";
  std::vector<std::string> titles(kTable3WorkloadTitles.begin(), kTable3WorkloadTitles.end());
  out += table.render(titles);
  out +=
      "S: latency of the paper's CPU row / latency. simulated / paper: each simulated figure divided by the\n"
      "paper's NeuralMatrix row.\n\n";

  // Headline: the paper's efficiency claim, recomputed from the simulated row.
  out += "Throughput per power (T/P) of NeuralMatrix divided by the baseline's T/P:\n";
  std::vector<std::string> gain_header = {"", "baseline"};
  gain_header.insert(gain_header.end(), kTable3WorkloadTitles.begin(), kTable3WorkloadTitles.end());
  gain_header.insert(gain_header.end(), {"min..max", "paper's claim"});
  std::vector<std::vector<std::string>> lines = {gain_header};
  for (const HeadlineGain& h : headline_gains(reference, sim)) {
    for (const bool simulated : {true, false}) {
      const Gains& g = simulated ? h.simulated : h.paper_row;
      std::vector<std::string> line = {simulated ? "simulated" : "paper's row",
                                       h.baseline + " " + h.processor};
      for (double v : g.per_workload) line.push_back(gain_text(v));
      line.push_back(gain_text(g.min) + ".." + gain_text(g.max));
      if (simulated) line.push_back(h.paper_claim ? "up to " + fmt::format("{}x", *h.paper_claim) : "(none)");
      lines.push_back(line);
    }
  }
  std::vector<size_t> width(gain_header.size(), 0);
  for (const auto& line : lines) {
    for (size_t c = 0; c < line.size(); ++c) width[c] = std::max(width[c], line[c].size());
  }
  for (const auto& line : lines) {
    std::string text;
    for (size_t c = 0; c < line.size(); ++c) {
      const bool left = c < 2 || c + 1 == gain_header.size();
      text +=
          "  " + (left ? fmt::format("{:<{}}", line[c], width[c]) : fmt::format("{:>{}}", line[c], width[c]));
    }
    text.erase(text.find_last_not_of(' ') + 1);
    out += text + "\n";
  }
  out +=
      "The paper's claim (section 4.3; abstract: \"113x to 19.44x improvements in throughput per power\n"
      "compared to CPUs and GPUs\") covers ResNet-50 and BERT-base; \"paper's row\" recomputes it from its "
      "Table 3.\n";
  return out;
}

json table3_json(const ReferenceTable& reference, const SimulatedRuns& runs, const json& config) {
  const Table3Row sim = simulated_row(reference, runs);
  const Table3Row ratio = ratio_to_paper(reference, sim);
  json j;
  j["schema"] = "nm_sim/table3/1";
  j["config"] = config;
  json rows = json::array();
  for (const ReferenceRow& r : reference.rows) {
    json row = {{"type", r.type},
                {"processor", r.processor},
                {"tech_node_nm", r.tech_node_nm},
                {"citation", r.citation.empty() ? json(nullptr) : json(r.citation)}};
    for (size_t w = 0; w < kWorkloads; ++w) {
      row[kTable3Workloads[w]] = r.figures[w] ? figures_json(values(*r.figures[w])) : json(nullptr);
    }
    rows.push_back(std::move(row));
  }
  j["reference"] = std::move(rows);
  json simulated = json::object();
  json ratios = json::object();
  for (size_t w = 0; w < kWorkloads; ++w) {
    simulated[kTable3Workloads[w]] = figures_json(sim[w]);
    ratios[kTable3Workloads[w]] = figures_json(ratio[w]);
  }
  j["simulated"] = std::move(simulated);
  j["ratio_to_paper"] = std::move(ratios);
  json headline = json::object();
  for (const HeadlineGain& h : headline_gains(reference, sim)) {
    std::string key = "vs_" + h.baseline;
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    headline[key] = {{"baseline", h.baseline + " " + h.processor},
                     {"simulated", gains_json(h.simulated)},
                     {"paper_row", gains_json(h.paper_row)},
                     {"paper_claim", h.paper_claim ? json(*h.paper_claim) : json(nullptr)}};
  }
  j["headline"] = std::move(headline);
  return j;
}

}  // namespace nm::sw
