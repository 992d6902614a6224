#pragma once
// The paper's Table 3 (data/paper_table3.yaml): measured and published figures of other
// processors and of the paper's own NeuralMatrix, for comparison with the simulated figures.
//
// Contract: the loader is strict. A missing file, malformed YAML, an unknown or missing key, a
// value that is not a positive number, or a table without exactly one CPU, GPU and SoC row and one
// NeuralMatrix row (each with all three networks) throws nm::InputError(file, key, "expected ...").
// Figures keep the text the paper prints (e.g. "6.930") next to their value.
#include <array>
#include <optional>
#include <string>
#include <vector>

namespace nm::sw {

// The networks of Table 3, in the paper's column order; also the keys of the data file and the
// built-in workload names.
inline constexpr std::array<const char*, 3> kTable3Workloads = {"resnet50", "bert_base", "gcn"};
inline constexpr std::array<const char*, 3> kTable3WorkloadTitles = {"ResNet-50", "BERT-base", "GCN"};

struct PaperFigure {
  double value = 0;
  std::string text;  // as printed in the paper
};

// One network's columns of one row: L, S, T, P, T/P.
struct PaperFigures {
  PaperFigure latency_ms;
  PaperFigure speedup;
  PaperFigure throughput;  // inferences per second
  PaperFigure power_w;
  PaperFigure throughput_per_watt;
};

struct ReferenceRow {
  std::string type;       // CPU, GPU, SoC, FPGA or ASIC
  std::string processor;  // without the citation
  int tech_node_nm = 0;
  std::string citation;                                // "[14]", or empty where the paper cites none
  std::array<std::optional<PaperFigures>, 3> figures;  // per kTable3Workloads; nullopt = '-'
};

struct ReferenceTable {
  std::string source;  // file it was loaded from
  std::vector<ReferenceRow> rows;

  // The rows the comparisons are made against (the loader guarantees they exist and are complete).
  const ReferenceRow& row_of_type(const std::string& type) const;  // "CPU", "GPU", "SoC"
  const ReferenceRow& neuralmatrix() const;                        // the paper's own row
};

std::string default_reference_path();  // NM_SOURCE_DIR "/data/paper_table3.yaml"
ReferenceTable load_reference_table(const std::string& path = default_reference_path());

}  // namespace nm::sw
