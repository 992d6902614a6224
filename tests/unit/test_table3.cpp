// The paper's Table 3: the transcribed data file against the paper's own text, the headline and
// ratio arithmetic on made-up figures, the text table's rows, and the loader's errors.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "hw/core/input_error.h"
#include "sw/config/reference_data.h"
#include "sw/report/table3.h"

namespace nm::sw {
namespace {

namespace fs = std::filesystem;

// The paper's Table 3 as printed (caption through its last body row), copied verbatim from the
// paper's text (neuralmatrix-paper.md, lines 134-146) so this check runs on a plain clone; when the
// full text sits beside the repository, a second test checks the excerpt is still verbatim.
const std::string kPaper = std::string(NM_SOURCE_DIR) + "/tests/data/paper_table3.txt";
const std::string kFullPaper = std::string(NM_SOURCE_DIR) + "/../shared/paper/neuralmatrix-paper.md";

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream s(line);
  std::string field;
  while (std::getline(s, field, '\t')) fields.push_back(field);
  return fields;
}

// The body rows of the paper's Table 3: tab-separated lines starting with a processor type,
// between the "Table 3:" caption and the next table's caption.
std::vector<std::vector<std::string>> paper_table3_rows(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::vector<std::string>> rows;
  bool inside = false;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Table 3:", 0) == 0) inside = true;
    if (line.rfind("Table 4:", 0) == 0) break;
    if (!inside) continue;
    for (const char* type : {"CPU\t", "GPU\t", "SoC\t", "FPGA\t", "ASIC\t"}) {
      if (line.rfind(type, 0) == 0) rows.push_back(split_tabs(line));
    }
  }
  return rows;
}

// Every figure of the data file is the paper's, as printed. The one deliberate difference is the
// GPU's name: the paper prints "3900Ti", a typo for the 3090Ti of its section 4.1.
TEST(Table3Reference, TheExcerptIsThePapersText) {
  if (!fs::exists(kFullPaper)) GTEST_SKIP() << "the paper's full text is not beside the repository";
  EXPECT_EQ(paper_table3_rows(kPaper), paper_table3_rows(kFullPaper));
}

TEST(Table3Reference, EveryFigureIsThePapers) {
  ASSERT_TRUE(fs::exists(kPaper)) << kPaper;
  const std::vector<std::vector<std::string>> paper = paper_table3_rows(kPaper);
  const ReferenceTable data = load_reference_table();
  ASSERT_EQ(paper.size(), 8u) << "expected the 8 body rows of Table 3 in " << kPaper;
  ASSERT_EQ(data.rows.size(), paper.size());
  for (size_t i = 0; i < paper.size(); ++i) {
    const std::vector<std::string>& p = paper[i];
    const ReferenceRow& r = data.rows[i];
    SCOPED_TRACE("row " + std::to_string(i) + " (" + p[0] + " " + p[1] + ")");
    ASSERT_EQ(p.size(), 3u + 3 * 5);
    EXPECT_EQ(r.type, p[0]);
    EXPECT_EQ(r.processor + r.citation, p[1] == "3900Ti" ? "3090Ti" : p[1]);
    EXPECT_EQ(std::to_string(r.tech_node_nm), p[2]);
    for (size_t w = 0; w < 3; ++w) {
      SCOPED_TRACE(kTable3Workloads[w]);
      const auto begin = p.begin() + 3 + 5 * w;
      const std::vector<std::string> printed(begin, begin + 5);
      if (printed == std::vector<std::string>(5, "-")) {
        EXPECT_FALSE(r.figures[w].has_value());
        continue;
      }
      ASSERT_TRUE(r.figures[w].has_value());
      const PaperFigures& f = *r.figures[w];
      const std::vector<const PaperFigure*> figures = {&f.latency_ms, &f.speedup, &f.throughput, &f.power_w,
                                                       &f.throughput_per_watt};
      for (size_t c = 0; c < 5; ++c) {
        EXPECT_EQ(figures[c]->text, printed[c]) << "column " << c;
        EXPECT_EQ(figures[c]->value, std::stod(printed[c])) << "column " << c;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Arithmetic on made-up figures, worked by hand

PaperFigure fig(double v) {
  return {v, std::to_string(v)};
}

ReferenceRow made_up_row(const std::string& type, const std::string& processor,
                         const std::array<std::array<double, 5>, 3>& figures) {
  ReferenceRow r;
  r.type = type;
  r.processor = processor;
  r.tech_node_nm = 7;
  for (size_t w = 0; w < 3; ++w) {
    const auto& v = figures[w];
    r.figures[w] = PaperFigures{fig(v[0]), fig(v[1]), fig(v[2]), fig(v[3]), fig(v[4])};
  }
  return r;
}

// L (ms), S, T, P, T/P per network; only the CPU latency and every T/P matter to the maths.
ReferenceTable made_up_reference() {
  ReferenceTable t;
  t.source = "made up";
  t.rows.push_back(
      made_up_row("CPU", "cpu", {{{40, 1, 25, 50, 0.5}, {40, 1, 25, 100, 0.25}, {40, 1, 25, 25, 1}}}));
  t.rows.push_back(
      made_up_row("GPU", "gpu", {{{4, 10, 250, 125, 2}, {4, 10, 250, 250, 1}, {4, 10, 250, 62.5, 4}}}));
  t.rows.push_back(
      made_up_row("SoC", "soc", {{{10, 4, 100, 25, 4}, {10, 4, 100, 20, 5}, {10, 4, 100, 10, 10}}}));
  ReferenceRow fpga;
  fpga.type = "FPGA";
  fpga.processor = "fpga";
  fpga.citation = "[1]";
  t.rows.push_back(fpga);
  t.rows.push_back(made_up_row("ASIC", "NeuralMatrix",
                               {{{4, 10, 250, 10, 25}, {5, 8, 200, 10, 20}, {1, 40, 1000, 20, 50}}}));
  return t;
}

// latency 8 / 10 / 2 ms; T/P 50 / 50 / 500.
const SimulatedRuns kMadeUpRuns = {{{0.008, 125, 2.5, 50}, {0.010, 100, 2, 50}, {0.002, 500, 1, 500}}};

TEST(Table3Math, SimulatedRowAndRatioToPaper) {
  const ReferenceTable ref = made_up_reference();
  const Table3Row sim = simulated_row(ref, kMadeUpRuns);
  // S = CPU latency 40 ms / simulated latency.
  EXPECT_DOUBLE_EQ(sim[0].latency_ms, 8);
  EXPECT_DOUBLE_EQ(sim[0].speedup, 5);
  EXPECT_DOUBLE_EQ(sim[1].speedup, 4);
  EXPECT_DOUBLE_EQ(sim[2].speedup, 20);
  EXPECT_DOUBLE_EQ(sim[0].throughput, 125);
  EXPECT_DOUBLE_EQ(sim[0].power_w, 2.5);
  EXPECT_DOUBLE_EQ(sim[0].throughput_per_watt, 50);
  const Table3Row ratio = ratio_to_paper(ref, sim);
  // ResNet-50 against the made-up paper row (4 ms, 10x, 250/s, 10 W, 25/W).
  EXPECT_DOUBLE_EQ(ratio[0].latency_ms, 2);
  EXPECT_DOUBLE_EQ(ratio[0].speedup, 0.5);
  EXPECT_DOUBLE_EQ(ratio[0].throughput, 0.5);
  EXPECT_DOUBLE_EQ(ratio[0].power_w, 0.25);
  EXPECT_DOUBLE_EQ(ratio[0].throughput_per_watt, 2);
  // GCN against (1 ms, 40x, 1000/s, 20 W, 50/W).
  EXPECT_DOUBLE_EQ(ratio[2].latency_ms, 2);
  EXPECT_DOUBLE_EQ(ratio[2].speedup, 0.5);
  EXPECT_DOUBLE_EQ(ratio[2].power_w, 0.05);
  EXPECT_DOUBLE_EQ(ratio[2].throughput_per_watt, 10);
}

TEST(Table3Math, HeadlineGains) {
  const ReferenceTable ref = made_up_reference();
  const auto h = headline_gains(ref, simulated_row(ref, kMadeUpRuns));
  ASSERT_EQ(h[0].baseline, "CPU");
  // Simulated T/P 50, 50, 500 over CPU 0.5, 0.25, 1.
  EXPECT_DOUBLE_EQ(h[0].simulated.per_workload[0], 100);
  EXPECT_DOUBLE_EQ(h[0].simulated.per_workload[1], 200);
  EXPECT_DOUBLE_EQ(h[0].simulated.per_workload[2], 500);
  EXPECT_DOUBLE_EQ(h[0].simulated.min, 100);
  EXPECT_DOUBLE_EQ(h[0].simulated.max, 500);
  // The paper's row, T/P 25, 20, 50, over the same CPU.
  EXPECT_DOUBLE_EQ(h[0].paper_row.per_workload[0], 50);
  EXPECT_DOUBLE_EQ(h[0].paper_row.per_workload[1], 80);
  EXPECT_DOUBLE_EQ(h[0].paper_row.min, 50);
  EXPECT_DOUBLE_EQ(h[0].paper_row.max, 80);
  // GPU 2, 1, 4: 25, 50, 125.
  ASSERT_EQ(h[1].baseline, "GPU");
  EXPECT_DOUBLE_EQ(h[1].simulated.min, 25);
  EXPECT_DOUBLE_EQ(h[1].simulated.per_workload[1], 50);
  EXPECT_DOUBLE_EQ(h[1].simulated.max, 125);
  // SoC 4, 5, 10: 12.5, 10, 50.
  ASSERT_EQ(h[2].baseline, "SoC");
  EXPECT_DOUBLE_EQ(h[2].simulated.per_workload[0], 12.5);
  EXPECT_DOUBLE_EQ(h[2].simulated.min, 10);
  EXPECT_DOUBLE_EQ(h[2].simulated.max, 50);
  // The paper claims up to 113x over the CPU and 19.44x over the GPU, nothing over the SoC.
  EXPECT_EQ(h[0].paper_claim, 113.0);
  EXPECT_EQ(h[1].paper_claim, 19.44);
  EXPECT_FALSE(h[2].paper_claim.has_value());
}

TEST(Table3Math, Json) {
  const ReferenceTable ref = made_up_reference();
  const nlohmann::json j = table3_json(ref, kMadeUpRuns, {{"datatype", "int8"}});
  EXPECT_EQ(j.at("schema"), "nm_sim/table3/1");
  EXPECT_EQ(j.at("config").at("datatype"), "int8");
  ASSERT_EQ(j.at("reference").size(), ref.rows.size());
  EXPECT_TRUE(j.at("reference")[3].at("resnet50").is_null());
  EXPECT_EQ(j.at("reference")[3].at("citation"), "[1]");
  EXPECT_TRUE(j.at("reference")[0].at("citation").is_null());
  EXPECT_DOUBLE_EQ(j.at("reference")[0].at("gcn").at("throughput_per_watt").get<double>(), 1);
  EXPECT_DOUBLE_EQ(j.at("simulated").at("bert_base").at("latency_ms").get<double>(), 10);
  EXPECT_DOUBLE_EQ(j.at("ratio_to_paper").at("resnet50").at("power_w").get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(j.at("headline").at("vs_cpu").at("simulated").at("max").get<double>(), 500);
  EXPECT_DOUBLE_EQ(j.at("headline").at("vs_soc").at("paper_row").at("gcn").get<double>(), 5);
  EXPECT_TRUE(j.at("headline").at("vs_soc").at("paper_claim").is_null());
}

// ---------------------------------------------------------------------------------------------
// The text table

TEST(Table3Text, EveryRowAligned) {
  const ReferenceTable ref = load_reference_table();
  const std::string text = table3_text(ref, kMadeUpRuns, "made-up runs", 45);
  std::vector<std::string> lines;
  std::stringstream s(text);
  for (std::string line; std::getline(s, line);) lines.push_back(line);
  auto line_starting = [&](const std::string& prefix) -> std::string {
    for (const std::string& line : lines) {
      if (line.rfind(prefix, 0) == 0) return line;
    }
    ADD_FAILURE() << "no line starts with '" << prefix << "' in\n" << text;
    return "";
  };
  // Every row of the data file: its type, then (after the padding) processor and citation.
  for (const ReferenceRow& r : ref.rows) {
    const std::string padded = fmt::format("{:<4}  {}", r.type, r.processor + r.citation);
    EXPECT_NE(text.find("\n" + padded + " "), std::string::npos) << padded;
  }
  const std::string virtex = line_starting("FPGA  Virtex7[14]");
  EXPECT_NE(virtex.find("16.10"), std::string::npos);
  EXPECT_NE(virtex.find(" - "), std::string::npos);                  // no BERT-base or GCN figures
  EXPECT_NE(line_starting("SoC").find("6.930"), std::string::npos);  // printed as the paper prints it
  const std::string sim = line_starting("sim   NeuralMatrix (nm_sim)");
  EXPECT_NE(sim.find("8.00"), std::string::npos);
  const std::string ratio = line_starting("      simulated / paper");
  EXPECT_NE(ratio.find("1.818"), std::string::npos);  // ResNet-50 latency 8 / 4.4
  EXPECT_NE(text.find("simulated: made-up runs"), std::string::npos);
  EXPECT_NE(text.find("up to 113x"), std::string::npos);
  EXPECT_NE(text.find("up to 19.44x"), std::string::npos);
  // The column bars line up on every line of the table.
  const std::string header = line_starting("Type");
  for (const std::string* line : {&virtex, &sim, &ratio}) {
    for (size_t pos = header.find('|'); pos != std::string::npos; pos = header.find('|', pos + 1)) {
      ASSERT_LT(pos, line->size());
      EXPECT_EQ((*line)[pos], '|') << *line;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Loader errors

class Table3Loader : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nm_table3_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string write(const std::string& text) {
    const fs::path p = dir_ / "table3.yaml";
    std::ofstream(p) << text;
    return p.string();
  }

  // The shipped data file with `from` replaced by `to` (once).
  std::string shipped_with(const std::string& from, const std::string& to) {
    std::ifstream in(default_reference_path());
    std::stringstream s;
    s << in.rdbuf();
    std::string text = s.str();
    const size_t pos = text.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos != std::string::npos) text.replace(pos, from.size(), to);
    return write(text);
  }

  static void expect_error(const std::function<void()>& load, const std::vector<std::string>& parts) {
    try {
      load();
      ADD_FAILURE() << "expected an InputError";
    } catch (const InputError& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
      for (const std::string& part : parts)
        EXPECT_NE(what.find(part), std::string::npos) << what << "\nlacks: " << part;
    }
  }

  fs::path dir_;
};

TEST_F(Table3Loader, ShippedFileLoads) {
  const ReferenceTable t = load_reference_table();
  EXPECT_EQ(t.rows.size(), 8u);
  EXPECT_EQ(t.row_of_type("GPU").processor, "3090Ti");
  EXPECT_EQ(t.neuralmatrix().figures[0]->latency_ms.text, "4.4");
}

TEST_F(Table3Loader, UnknownKey) {
  const std::string path = shipped_with("  tech_node_nm: 14\n", "  tech_node_nm: 14\n  vendor: Intel\n");
  expect_error([&] { load_reference_table(path); },
               {path + ": [0].vendor: unknown key; expected one of type, processor"});
}

TEST_F(Table3Loader, MisspelledFigureKey) {
  const std::string path = shipped_with("latency_ms: 6.27", "latncy_ms: 6.27");
  expect_error([&] { load_reference_table(path); },
               {path + ": [1].resnet50.latncy_ms: unknown key", "latency_ms"});
}

TEST_F(Table3Loader, MissingFile) {
  const std::string path = (dir_ / "nope.yaml").string();
  expect_error([&] { load_reference_table(path); }, {path + ": file: cannot open: no such file"});
}

TEST_F(Table3Loader, BadValues) {
  std::string path = shipped_with("speedup: 6.78", "speedup: 6.78x");
  expect_error([&] { load_reference_table(path); },
               {path + ": [1].resnet50.speedup: expected a positive number", "'6.78x'"});
  path = shipped_with(" power_w: 131.0, throughput_per_watt: 1.22}", " power_w: 131.0}");
  expect_error([&] { load_reference_table(path); },
               {path + ": [1].resnet50.throughput_per_watt: missing key"});
  path = shipped_with("type: FPGA", "type: TPU");
  expect_error([&] { load_reference_table(path); }, {path + ": [3].type: expected one of CPU, GPU", "'TPU'"});
  path = write("type: CPU\n");
  expect_error([&] { load_reference_table(path); }, {path + ": top level: expected a list of Table 3 rows"});
}

TEST_F(Table3Loader, ComparisonRowsRequired) {
  std::string path = shipped_with("type: SoC", "type: FPGA");
  expect_error([&] { load_reference_table(path); }, {path + ": SoC: expected a SoC row"});
  path = shipped_with(
      "  gcn: {latency_ms: 1.14, speedup: 29.93, throughput: 877.19, power_w: 14.4, "
      "throughput_per_watt: 60.91}",
      "  gcn: null");
  expect_error([&] { load_reference_table(path); }, {path + ": [7].gcn: expected figures"});
}

}  // namespace
}  // namespace nm::sw
