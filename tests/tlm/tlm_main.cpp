// SystemC test binary: GoogleTest under sc_main (gtest_main's main() would hide sc_main).
// ctest runs each TEST in its own process, because SystemC elaborates once per process.
#include <gtest/gtest.h>
#include <cstdlib>
#include <systemc>

int sc_main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
