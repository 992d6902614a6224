// libFuzzer harness: a workload YAML file (family or explicit ops) through load_workload, as
// nm_sim --workload FILE.yaml reads it.
#include "sw/graph/workloads.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = nm::fuzz::write_scratch("workload.yaml", data, size);
  nm::fuzz::expect_clean([&] { (void)nm::sw::load_workload(path, nm::sw::WorkloadOptions{}, {}); });
  return 0;
}
