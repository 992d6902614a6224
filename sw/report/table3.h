#pragma once
// The paper's Table 3 with the simulated NeuralMatrix row: the text table as the paper lays it
// out, the throughput-per-power headline recomputed from the simulated row, and the JSON report.
//
// Contract: plain C++ (no SystemC). Inputs are the reference rows (sw/config/reference_data.h) and
// each network's simulated run figures in SI units, in kTable3Workloads order. Simulated S is the
// paper's CPU latency / simulated latency; "ratio to paper" is each simulated figure divided by the
// paper's NeuralMatrix figure; a headline gain is simulated T/P / the baseline's T/P.
// JSON schema "nm_sim/table3/1".
#include <array>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "sw/config/reference_data.h"

namespace nm::sw {

// A run's totals as nm_sim's JSON reports them (RunResult's figures).
struct SimulatedRun {
  double latency_s = 0;
  double throughput_per_s = 0;
  double power_w = 0;
  double throughput_per_watt = 0;
};
using SimulatedRuns = std::array<SimulatedRun, 3>;  // per kTable3Workloads

// One network's Table 3 columns, in the table's units.
struct Table3Figures {
  double latency_ms = 0;
  double speedup = 0;
  double throughput = 0;  // inferences per second
  double power_w = 0;
  double throughput_per_watt = 0;
};
using Table3Row = std::array<Table3Figures, 3>;  // per kTable3Workloads

Table3Row simulated_row(const ReferenceTable& reference, const SimulatedRuns& runs);
Table3Row ratio_to_paper(const ReferenceTable& reference, const Table3Row& simulated);

// T/P of NeuralMatrix over one baseline row, per network and across networks.
struct Gains {
  std::array<double, 3> per_workload{};
  double min = 0;
  double max = 0;
};

struct HeadlineGain {
  std::string baseline;  // "CPU", "GPU", "SoC"
  std::string processor;
  Gains simulated;                    // simulated T/P / baseline T/P
  Gains paper_row;                    // the paper's NeuralMatrix T/P / baseline T/P
  std::optional<double> paper_claim;  // "up to" figure from the paper's text, where it makes one
};

// Over the CPU, GPU and SoC rows, in that order.
std::array<HeadlineGain, 3> headline_gains(const ReferenceTable& reference, const Table3Row& simulated);

// `label` says what was simulated (config, datatype, overrides); `tech_node_nm` is the energy
// table's node, printed in the simulated row.
std::string table3_text(const ReferenceTable& reference, const SimulatedRuns& runs, const std::string& label,
                        int tech_node_nm);

// `config` is the resolved configuration of the runs (nm_sim's JSON "config").
nlohmann::json table3_json(const ReferenceTable& reference, const SimulatedRuns& runs,
                           const nlohmann::json& config);

}  // namespace nm::sw
