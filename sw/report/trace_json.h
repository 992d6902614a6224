#pragma once
// The timeline of one run as Chrome trace-event JSON (opens in ui.perfetto.dev and
// chrome://tracing): one process, one track (thread) per hardware resource with a complete
// ("X") slice per busy interval, plus a track of kernels and a track of layers.
//
// Contract: schema "nm_sim/trace/1" (in otherData). ts and dur are simulated microseconds, the
// trace-event format's unit, printed exactly to the picosecond (cycles x 1000 / clock_ghz ps,
// rounded once per endpoint, so slices that touch in cycles touch in the file). Kernel slices
// also carry start_cycle and cycles. The first kernel starts at 0 and the last ends at the run's
// latency. Each resource track is serial: its slices never overlap, and their durations sum to
// the module's busy_cycles counter. One event per line, so line tools can read it too.
#include <ostream>

#include "hw/core/activity_trace.h"
#include "sw/report/run_result.h"

namespace nm::sw {

void write_trace_json(std::ostream& out, const RunResult& run, hw::ActivityTrace& trace);

}  // namespace nm::sw
