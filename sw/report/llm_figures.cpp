#include "sw/report/llm_figures.h"

#include <algorithm>
#include <cmath>
#include <ostream>
#include <stdexcept>

#include <fmt/format.h>

namespace nm::sw {

std::vector<int64_t> sampled_decode_steps(int64_t gen_tokens, int64_t samples) {
  std::vector<int64_t> steps;
  if (samples == 0 || samples >= gen_tokens) {
    for (int64_t t = 0; t < gen_tokens; ++t) steps.push_back(t);
    return steps;
  }
  for (int64_t i = 0; i < samples; ++i) {
    const auto t = static_cast<int64_t>(std::llround(
        static_cast<double>(i) * static_cast<double>(gen_tokens - 1) / static_cast<double>(samples - 1)));
    if (steps.empty() || steps.back() != t) steps.push_back(t);
  }
  return steps;
}

std::string prefill_prefix() {
  return "prefill/";
}

std::string decode_prefix(int64_t step) {
  return "decode" + std::to_string(step) + "/";
}

namespace {

struct Part {
  uint64_t end_cycle = 0;
  uint64_t before_layers_end = 0;  // end of the part's kernels issued before its first layer kernel
  uint64_t layers_end = 0;         // end of its last layer kernel
  bool in_layers = false;
  double kernel_energy_j = 0, layer_energy_j = 0;
  uint64_t macs = 0, layer_macs = 0;
};

}  // namespace

LlmFigures llm_figures(const RunResult& run, const std::string& phase, int64_t seq_len, int64_t gen_tokens,
                       const std::vector<int64_t>& sampled, int layers, int layers_simulated) {
  LlmFigures f;
  f.phase = phase;
  f.seq_len = seq_len;
  f.batch = run.batch;
  const double sequences = static_cast<double>(run.batch);
  const double clock_hz = run.config.arch.clock_ghz * 1e9;
  if (phase == "prefill") {
    f.ttft_s = run.latency_s();
    f.prefill_energy_j = run.energy.total_j();
    f.prefill_macs = run.network_macs;
    return f;
  }
  if (phase == "decode") {
    f.gen_tokens = 1;
    f.tpot_s = f.decode_latency_s = run.latency_s();
    f.tokens_per_s = f.tpot_s > 0 ? sequences / f.tpot_s : 0;
    f.decode_energy_j = run.energy.total_j();
    f.j_per_token = f.decode_energy_j / sequences;
    f.decode_macs = run.network_macs;
    return f;
  }
  if (phase != "generate") throw std::logic_error("llm_figures: unknown phase " + phase);
  f.gen_tokens = gen_tokens;
  f.layers = layers;
  f.layers_simulated = layers_simulated;
  const double factor = static_cast<double>(layers) / static_cast<double>(std::max(1, layers_simulated));
  // Parts in run order: the prefill, then the sampled steps.
  std::vector<std::string> prefixes = {prefill_prefix()};
  for (int64_t t : sampled) prefixes.push_back(decode_prefix(t));
  std::vector<Part> parts(prefixes.size());
  double kernels_energy = 0;
  for (const KernelRecord& k : run.kernels) {
    size_t p = 0;
    while (p < prefixes.size() && k.desc.layer.rfind(prefixes[p], 0) != 0) ++p;
    if (p == prefixes.size()) throw std::logic_error("llm_figures: kernel " + k.desc.name + " is in no part");
    Part& part = parts[p];
    const uint64_t end = k.start_cycle + k.simulated.cycles;
    const bool layer = k.desc.layer.rfind(prefixes[p] + "layers.", 0) == 0;
    const uint64_t macs = k.desc.network_linear ? k.desc.macs() - k.desc.epilogue_macs() : 0;
    part.end_cycle = std::max(part.end_cycle, end);
    kernels_energy += k.energy.total_j();
    if (layer) {
      part.in_layers = true;
      part.layers_end = std::max(part.layers_end, end);
      part.layer_energy_j += k.energy.total_j();
      part.layer_macs += macs;
    } else {
      if (!part.in_layers) part.before_layers_end = std::max(part.before_layers_end, end);
      part.kernel_energy_j += k.energy.total_j();
      part.macs += macs;
    }
  }
  const double remainder_j = run.energy.total_j() - kernels_energy;
  std::vector<double> latency(parts.size()), energy(parts.size());
  uint64_t before = 0;
  for (size_t p = 0; p < parts.size(); ++p) {
    Part& part = parts[p];
    const uint64_t end = std::max(part.end_cycle, before);
    const uint64_t cycles = end - before;
    const uint64_t layer_start = std::max(part.before_layers_end, before);
    const uint64_t layer_cycles =
        part.in_layers && part.layers_end > layer_start ? part.layers_end - layer_start : 0;
    before = end;
    const double scaled_cycles =
        static_cast<double>(cycles - layer_cycles) + factor * static_cast<double>(layer_cycles);
    latency[p] = scaled_cycles / clock_hz;
    energy[p] = part.kernel_energy_j + factor * part.layer_energy_j +
                (run.cycles > 0 ? remainder_j * scaled_cycles / static_cast<double>(run.cycles) : 0);
    part.macs += static_cast<uint64_t>(std::llround(factor * static_cast<double>(part.layer_macs)));
  }
  f.ttft_s = latency[0];
  f.prefill_energy_j = energy[0];
  f.prefill_macs = parts[0].macs;
  // Every step: simulated, or on the line through its simulated neighbours.
  size_t next = 0;  // index into sampled of the first sample >= t
  for (int64_t t = 0; t < gen_tokens; ++t) {
    while (next < sampled.size() && sampled[next] < t) ++next;
    DecodeStepFigures s;
    s.step = t;
    s.cached_tokens = seq_len + t;
    if (next < sampled.size() && sampled[next] == t) {
      s.simulated = true;
      s.latency_s = latency[next + 1];
      s.energy_j = energy[next + 1];
      s.macs = parts[next + 1].macs;
    } else {
      const size_t hi = std::min(next, sampled.size() - 1), lo = hi - 1;
      const double w = static_cast<double>(t - sampled[lo]) / static_cast<double>(sampled[hi] - sampled[lo]);
      auto mix = [w](double a, double b) { return a + (b - a) * w; };
      s.latency_s = mix(latency[lo + 1], latency[hi + 1]);
      s.energy_j = mix(energy[lo + 1], energy[hi + 1]);
      s.macs = static_cast<uint64_t>(std::llround(
          mix(static_cast<double>(parts[lo + 1].macs), static_cast<double>(parts[hi + 1].macs))));
    }
    f.decode_latency_s += s.latency_s;
    f.decode_energy_j += s.energy_j;
    f.decode_macs += s.macs;
    f.steps.push_back(s);
  }
  f.tpot_s = f.decode_latency_s / static_cast<double>(gen_tokens);
  f.tokens_per_s = f.tpot_s > 0 ? sequences / f.tpot_s : 0;
  f.j_per_token = f.decode_energy_j / (static_cast<double>(gen_tokens) * sequences);
  f.generate_latency_s = f.ttft_s + f.decode_latency_s;
  f.generate_energy_j = f.prefill_energy_j + f.decode_energy_j;
  return f;
}

nlohmann::json llm_to_json(const LlmFigures& f) {
  nlohmann::json j;
  j["phase"] = f.phase;
  j["seq_len"] = f.seq_len;
  j["batch"] = f.batch;
  if (f.phase == "generate") {
    j["layers"] = f.layers;
    j["layers_simulated"] = f.layers_simulated;
  }
  if (f.phase != "decode") {
    j["ttft_s"] = f.ttft_s;
    j["prefill_energy_j"] = f.prefill_energy_j;
    j["prefill_macs"] = f.prefill_macs;
  }
  if (f.phase == "prefill") return j;
  j["gen_tokens"] = f.gen_tokens;
  j["tpot_s"] = f.tpot_s;
  j["tokens_per_s"] = f.tokens_per_s;
  j["j_per_token"] = f.j_per_token;
  j["decode_latency_s"] = f.decode_latency_s;
  j["decode_energy_j"] = f.decode_energy_j;
  j["decode_macs"] = f.decode_macs;
  if (f.phase == "generate") {
    j["generate_latency_s"] = f.generate_latency_s;
    j["generate_energy_j"] = f.generate_energy_j;
    nlohmann::json steps = nlohmann::json::array();
    for (const DecodeStepFigures& s : f.steps) {
      steps.push_back({{"step", s.step},
                       {"cached_tokens", s.cached_tokens},
                       {"simulated", s.simulated},
                       {"latency_s", s.latency_s},
                       {"energy_j", s.energy_j},
                       {"macs", s.macs}});
    }
    j["decode_steps"] = std::move(steps);
  }
  return j;
}

void write_llm_summary(std::ostream& out, const LlmFigures& f) {
  if (f.phase != "decode") {
    const std::string prompts =
        f.batch > 1 ? fmt::format("{} sequences of {}", f.batch, f.seq_len) : std::to_string(f.seq_len);
    out << fmt::format("  TTFT (prefill)      {:.4f} ms for {} prompt tokens, {:.4f} mJ\n", f.ttft_s * 1e3,
                       prompts, f.prefill_energy_j * 1e3);
  }
  if (f.phase == "prefill") return;
  if (f.phase == "generate") {
    size_t simulated = 0;
    for (const DecodeStepFigures& s : f.steps) simulated += s.simulated;
    out << fmt::format(
        "  decode steps        {} ({} simulated, the rest interpolated), cache {} -> {} tokens\n",
        f.gen_tokens, simulated, f.seq_len, f.seq_len + f.gen_tokens - 1);
    if (f.layers_simulated < f.layers) {
      out << fmt::format(
          "  layers              {} of {} simulated per pass (same shapes), scaled to {}; the figures\n"
          "                      above are the simulated program's, those below the model's\n",
          f.layers_simulated, f.layers, f.layers);
    }
  }
  out << fmt::format("  TPOT (decode)       {:.4f} ms per output token{}\n", f.tpot_s * 1e3,
                     f.batch > 1 ? fmt::format(" (of each of {} sequences)", f.batch) : "");
  out << fmt::format("  decode rate         {:.2f} tokens/s, {:.4f} mJ/token\n", f.tokens_per_s,
                     f.j_per_token * 1e3);
  if (f.phase == "generate") {
    out << fmt::format("  generate total      {:.4f} ms, {:.4f} mJ (prefill + {} decode steps)\n",
                       f.generate_latency_s * 1e3, f.generate_energy_j * 1e3, f.gen_tokens);
  }
}

}  // namespace nm::sw
