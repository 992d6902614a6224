#include "sw/runtime/sanitizer_stack.h"

#if defined(__SANITIZE_ADDRESS__)
#define NM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NM_ASAN 1
#endif
#endif

#ifdef NM_ASAN
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>

#include <cstddef>
#endif

namespace nm::sw {

void restore_thread_stack_for_sanitizer() {
#ifdef NM_ASAN
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  void* stack_low = nullptr;
  size_t stack_size = 0;
  const bool known = pthread_attr_getstack(&attr, &stack_low, &stack_size) == 0;
  pthread_attr_destroy(&attr);
  if (!known) return;
  // A "switch" onto the stack we are already on: ASan only updates its record of the bounds.
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&fake_stack, stack_low, stack_size);
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
}

}  // namespace nm::sw
