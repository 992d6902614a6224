// libFuzzer harness: --set overrides. Each input line is one "key.path=value" applied to the
// built-in default config (as nm_sim applies its --set options in order), then validated.
#include <sstream>

#include "sw/config/config_loader.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const nm::sw::SimConfig base = nm::sw::builtin_default_config();
  std::istringstream lines(std::string(reinterpret_cast<const char*>(data), size));
  nm::fuzz::expect_clean([&] {
    nm::sw::SimConfig config = base;
    for (std::string line; std::getline(lines, line);) nm::sw::apply_override(config, line);
    nm::sw::validate_or_throw(config);
    (void)nm::sw::config_to_json(config).dump();
  });
  return 0;
}
