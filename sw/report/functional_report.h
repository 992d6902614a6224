#pragma once
// Reports of a functional run (sw/functional/functional_run.h): a text section for nm_sim's
// summary and the "functional" object of the nm_sim/1 JSON.
//
// Text: per layer, the error of the layer's output (its last op in graph order) for the
// datatype with PWL and for PWL alone (fp32); --verbose lists every op. Then every graph output
// with its sample-0 and worst-case errors and, for logits, the top-1 agreement.
#include <ostream>

#include <nlohmann/json.hpp>

#include "sw/functional/functional_run.h"

namespace nm::sw {

void write_functional_summary(std::ostream& out, const FunctionalReport& report, bool verbose);
nlohmann::json functional_to_json(const FunctionalReport& report);

}  // namespace nm::sw
