// SystemC test binary: GoogleTest under sc_main (gtest_main's main() would hide sc_main).
// ctest runs each TEST in its own process, because SystemC elaborates once per process.
#include <gtest/gtest.h>
#include <cstdlib>
#include <systemc>

#include "sw/runtime/sanitizer_stack.h"

int sc_main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  ::testing::InitGoogleTest(&argc, argv);
  const int failed = RUN_ALL_TESTS();
  // The test's sc_start() left ASan believing this thread runs on a coroutine stack.
  nm::sw::restore_thread_stack_for_sanitizer();
  return failed;
}
