// libFuzzer harness: a sweep CSV through read_sweep_csv (as nm_sweep --resume and --merge read
// one), then finalize_csv. The first byte chooses whether a partial last line is cut.
#include "sw/sweep/sweep_csv.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool truncate = (data[0] & 1) != 0;
  const std::string path = nm::fuzz::write_scratch("sweep.csv", data + 1, size - 1);
  nm::fuzz::expect_clean([&] {
    const nm::sw::SweepCsv csv = nm::sw::read_sweep_csv(path, truncate);
    for (const std::string& row : csv.rows) (void)nm::sw::row_task(row);
    (void)nm::sw::finalize_csv(csv);
  });
  return 0;
}
