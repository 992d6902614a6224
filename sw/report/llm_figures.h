#pragma once
// Figures of a decoder LLM run (--phase prefill | decode | generate): time to first token, time
// per output token, tokens/s and J/token, from one simulated run (plain C++, no SystemC).
//
// A generate run simulates one program: the prefill, then a few decode steps (kernels whose
// layer starts with "prefill/" and "decode<t>/", t the step). Each part's latency is the end of
// its last kernel minus the end of the part before it (so the parts' latencies sum to the run's
// cycles and a prefetch that overlaps the previous part counts once); its energy is its kernels'
// energy plus the run's remainder (leakage between kernels) in proportion to its cycles. The
// steps not simulated take the figures of the line through their two simulated neighbours, in
// the step index (= cache length - seq_len): a decode step's work is affine in the cache length
// (weights fixed, attention linear), so MACs interpolate exactly and time nearly so.
//
// A generate run may build only the first `layers_simulated` of a decoder's `layers` transformer
// layers in each part (every layer has the same shapes): a part's kernels of layers "layers.<i>"
// then count layers / layers_simulated times (their cycles from the end of the part's kernels
// before them to the end of the last of them; their energy and MACs), the rest (embedding,
// final norm, LM head) once.
//
// Contract: SI units. Decode step t (0-based) has seq_len + t tokens cached, appends its own,
// and attends over seq_len + t + 1 keys. A run of B sequences (run.batch, --batch) decodes B tokens
// per step: tpot_s is the step time, tokens_per_s = B / tpot_s (the decode rate), j_per_token =
// mean decode step energy / B; ttft_s is the batch's prefill.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sw/report/run_result.h"

namespace nm::sw {

struct DecodeStepFigures {
  int64_t step = 0;
  int64_t cached_tokens = 0;  // before the step
  bool simulated = false;     // else interpolated
  double latency_s = 0, energy_j = 0;
  uint64_t macs = 0;
};

struct LlmFigures {
  std::string phase;  // prefill, decode or generate
  int64_t seq_len = 0, gen_tokens = 0;
  int64_t batch = 1;                        // sequences decoded together
  int layers = 0, layers_simulated = 0;     // generate: transformer layers, and those simulated
  double ttft_s = 0, prefill_energy_j = 0;  // prefill and generate
  uint64_t prefill_macs = 0;
  double tpot_s = 0, tokens_per_s = 0, j_per_token = 0;  // decode and generate
  double decode_latency_s = 0, decode_energy_j = 0;      // all decode steps
  uint64_t decode_macs = 0;
  double generate_latency_s = 0, generate_energy_j = 0;  // generate: prefill + decode
  std::vector<DecodeStepFigures> steps;                  // generate: every step
};

// The steps a generate run simulates: `samples` (>= 2) evenly spaced over 0..gen_tokens-1, first
// and last included; every step when samples is 0 or at least gen_tokens.
std::vector<int64_t> sampled_decode_steps(int64_t gen_tokens, int64_t samples);
// Layer prefix of a generate run's part.
std::string prefill_prefix();
std::string decode_prefix(int64_t step);

// phase "prefill" or "decode": the whole run is the one pass. "generate": `sampled` lists the
// simulated steps (sampled_decode_steps).
LlmFigures llm_figures(const RunResult& run, const std::string& phase, int64_t seq_len, int64_t gen_tokens,
                       const std::vector<int64_t>& sampled, int layers = 1, int layers_simulated = 1);

nlohmann::json llm_to_json(const LlmFigures& f);
void write_llm_summary(std::ostream& out, const LlmFigures& f);

}  // namespace nm::sw
