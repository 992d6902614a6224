// libFuzzer harness: an nm_weights/1 index and its blob through load_weights, for a small graph
// (linear 4 -> 3 with bias, linear 3 -> 2). The input is the JSON index, a line "--blob--", then
// the blob's bytes (written to w.bin; the seeds name it in "data").
#include <string>

#include "sw/functional/weights.h"
#include "sw/graph/workloads.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

const char* const kGraph = R"(name: fuzz_mlp
inputs:
  - {name: x, shape: [1, 4]}
constants:
  - {name: fc1.weight, shape: [4, 3]}
  - {name: fc1.bias, shape: [3]}
  - {name: fc2.weight, shape: [3, 2]}
ops:
  - {op: linear, name: fc1, layer: fc1, inputs: [x, fc1.weight, fc1.bias], output: h, shape: [1, 3]}
  - {op: linear, name: fc2, layer: fc2, inputs: [h, fc2.weight], output: y, shape: [1, 2]}
outputs: [y]
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const nm::sw::Graph graph =
      nm::sw::load_workload(nm::fuzz::write_scratch("fuzz_mlp.yaml", kGraph), nm::sw::WorkloadOptions{}, {});
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::string separator = "\n--blob--\n";
  const size_t cut = input.find(separator);
  const std::string index = cut == std::string::npos ? input : input.substr(0, cut);
  const std::string blob = cut == std::string::npos ? std::string() : input.substr(cut + separator.size());
  const std::string path = nm::fuzz::write_scratch("w.json", index);
  nm::fuzz::write_scratch("w.bin", blob);
  nm::fuzz::expect_clean([&] { (void)nm::sw::load_weights(path, graph); });
  return 0;
}
