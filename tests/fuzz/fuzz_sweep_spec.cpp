// libFuzzer harness: a sweep file through load_sweep_spec (every axis value is checked against
// the base config there), then the nm_sim arguments of its first and last points. The file is
// sweeps/sweep.yaml in the scratch directory, next to a copy of configs/pe1024.yaml, so the
// seeds' "base_config: ../pe1024.yaml" resolves as in the repo.
#include <filesystem>
#include <optional>

#include "sw/sweep/sweep_spec.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool once = [] {
    std::filesystem::create_directories(nm::fuzz::scratch_dir() / "sweeps");
    std::filesystem::copy_file(std::string(NM_SOURCE_DIR) + "/configs/pe1024.yaml",
                               nm::fuzz::scratch_dir() / "pe1024.yaml",
                               std::filesystem::copy_options::overwrite_existing);
    return true;
  }();
  (void)once;
  const std::string path = nm::fuzz::write_scratch("sweeps/sweep.yaml", data, size);
  nm::fuzz::expect_clean([&] {
    const nm::sw::SweepSpec spec = nm::sw::load_sweep_spec(path, std::nullopt);
    const size_t points = spec.point_count();
    if (points == 0) return;
    for (const size_t index : {size_t{0}, points - 1}) {
      for (const auto& [key, value] : spec.point(index)) (void)nm::sw::sweep_axis_arguments(key, value);
    }
  });
  return 0;
}
