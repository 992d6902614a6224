#pragma once
// The exit-status contract every nm_* tool shares: bad user input (nm::InputError) prints one
// "error: ..." line and exits 2; any other failure prints one "internal error: ..." line and exits 3.
#include <exception>
#include <iostream>

#include "hw/core/input_error.h"

namespace nm::sw {

template <typename Body>
int run_guarded(Body body) {
  try {
    return body();
  } catch (const InputError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << escape_control(e.what()) << "\n";
    return 3;
  }
}

}  // namespace nm::sw
