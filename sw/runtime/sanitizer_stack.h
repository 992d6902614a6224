#pragma once

namespace nm::sw {

// Under AddressSanitizer, tells it again that this thread runs on its own stack. Debian's SystemC
// 2.3.4 annotates its coroutine switches for ASan, but after sc_start() returns ASan still records
// the main thread's stack as the last SC_THREAD's coroutine stack. LeakSanitizer then scans that
// range at exit instead of the real stack: pointers held only on the real stack look leaked, and
// once SystemC has unmapped part of the coroutine stack the scan faults ("Tracer caught signal 11",
// a flaky LeakSanitizer fatal error). Call on the thread that called sc_start(), after it returns.
// A no-op in builds without ASan.
void restore_thread_stack_for_sanitizer();

}  // namespace nm::sw
