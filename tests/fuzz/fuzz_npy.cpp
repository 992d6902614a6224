// libFuzzer harness: a .npy file through read_npy (magic, version, header dictionary, dtype,
// shape, data length). Seeds: arrays of each accepted dtype as numpy.save writes them.
#include <string>

#include "sw/functional/npy.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = nm::fuzz::write_scratch("array.npy", data, size);
  nm::fuzz::expect_clean([&] { (void)nm::sw::read_npy(path); });
  return 0;
}
