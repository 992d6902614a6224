// libFuzzer harness: a config YAML file (architecture + energy table) through load_config_file
// and validate_or_throw, exactly as nm_sim --config reads it.
#include "sw/config/config_loader.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = nm::fuzz::write_scratch("config.yaml", data, size);
  nm::fuzz::expect_clean([&] {
    const nm::sw::SimConfig config = nm::sw::load_config_file(path);
    nm::sw::validate_or_throw(config);
    (void)nm::sw::config_to_json(config).dump();
  });
  return 0;
}
