#include "sw/lowering/scheduling.h"

#include <algorithm>
#include <vector>

namespace nm::sw {

const char* schedule_name(Schedule mode) {
  return mode == Schedule::kProgramOrder ? "program_order" : "memory_aware";
}

uint64_t activation_dram_bytes(const KernelProgram& p, hw::DataType type) {
  uint64_t bytes = 0;
  auto in_dram = [&](int id) {
    const ProgramTensor& t = p.tensors[static_cast<size_t>(id)];
    return !t.constant && !t.on_chip && !t.in_pe;
  };
  for (const LoweredKernel& k : p.kernels) {
    if (!k.issued()) continue;
    std::vector<int> reads = p.reads(k);
    std::sort(reads.begin(), reads.end());
    reads.erase(std::unique(reads.begin(), reads.end()), reads.end());
    for (int r : reads) {
      if (in_dram(r)) bytes += tensor_bytes(p.tensors[static_cast<size_t>(r)], type);
    }
    const int out = p.written_output(k);
    if (in_dram(out)) bytes += tensor_bytes(p.tensors[static_cast<size_t>(out)], type);
  }
  return bytes;
}

namespace {

// An issued kernel and the kernels fused into it: kernels [first, first + size).
struct Unit {
  size_t first = 0, size = 1;
};

// The program's units in order, or none if some fused kernel does not follow its host
// contiguously (no pass writes such a program; the pass then leaves the order alone).
std::vector<Unit> units_of(const KernelProgram& p) {
  std::vector<Unit> units;
  for (size_t i = 0; i < p.kernels.size();) {
    const LoweredKernel& k = p.kernels[i];
    if (!k.issued()) return {};
    for (size_t e = 0; e < k.epilogue.size(); ++e) {
      if (k.epilogue[e] != static_cast<int>(i + 1 + e)) return {};
    }
    units.push_back({i, 1 + k.epilogue.size()});
    i += units.back().size;
  }
  return units;
}

// Every tensor a kernel reads, constants included (dependencies only look at produced ones).
std::vector<int> operands(const LoweredKernel& k) {
  std::vector<int> r = k.streams;
  if (k.b_operand >= 0) r.push_back(k.b_operand);
  r.insert(r.end(), k.b_extras.begin(), k.b_extras.end());
  return r;
}

// Units in as-late-as-possible order: walking the lowering's order backwards, each unit goes
// just before the earliest of its readers already placed (a unit nobody reads goes first of
// those placed, i.e. it keeps its place before every later unit).
std::vector<size_t> sunk_order(const KernelProgram& p, const std::vector<Unit>& units) {
  std::vector<int> producer(p.tensors.size(), -1);  // unit that writes each tensor
  for (size_t u = 0; u < units.size(); ++u) {
    for (size_t i = units[u].first; i < units[u].first + units[u].size; ++i) {
      if (p.kernels[i].output >= 0) producer[static_cast<size_t>(p.kernels[i].output)] = static_cast<int>(u);
    }
  }
  std::vector<std::vector<size_t>> readers(units.size());
  for (size_t u = 0; u < units.size(); ++u) {
    for (size_t i = units[u].first; i < units[u].first + units[u].size; ++i) {
      for (int t : operands(p.kernels[i])) {
        const int from = producer[static_cast<size_t>(t)];
        if (from >= 0 && static_cast<size_t>(from) != u) readers[static_cast<size_t>(from)].push_back(u);
      }
    }
  }
  std::vector<size_t> order;  // placed units, in execution order
  order.reserve(units.size());
  for (size_t u = units.size(); u-- > 0;) {
    // The first placed reader (every reader comes later in the lowering's order, so is placed).
    const auto at = std::find_if(order.begin(), order.end(), [&](size_t placed) {
      return std::find(readers[u].begin(), readers[u].end(), placed) != readers[u].end();
    });
    if (at == order.end()) {
      order.insert(order.begin(), u);
      continue;
    }
    order.insert(at, u);
  }
  return order;
}

// The program with its units in `order`, kernel indices in fused_into / epilogue renumbered.
KernelProgram reordered(const KernelProgram& p, const std::vector<Unit>& units,
                        const std::vector<size_t>& order) {
  KernelProgram out = p;
  out.kernels.clear();
  std::vector<int> new_index(p.kernels.size(), -1);
  for (size_t u : order) {
    for (size_t i = units[u].first; i < units[u].first + units[u].size; ++i) {
      new_index[i] = static_cast<int>(out.kernels.size());
      out.kernels.push_back(p.kernels[i]);
    }
  }
  for (LoweredKernel& k : out.kernels) {
    if (k.fused_into >= 0) k.fused_into = new_index[static_cast<size_t>(k.fused_into)];
    for (int& e : k.epilogue) e = new_index[static_cast<size_t>(e)];
  }
  return out;
}

}  // namespace

bool schedule_for_residency(KernelProgram& program, Schedule mode, const hw::ArchConfig& arch) {
  plan_residency(program, arch);
  if (mode == Schedule::kProgramOrder) return false;
  const std::vector<Unit> units = units_of(program);
  if (units.empty()) return false;
  const std::vector<size_t> order = sunk_order(program, units);
  bool same = true;
  for (size_t u = 0; u < order.size(); ++u) same = same && order[u] == u;
  if (same) return false;
  KernelProgram sunk = reordered(program, units, order);
  plan_residency(sunk, arch);
  if (activation_dram_bytes(sunk, arch.datatype) >= activation_dram_bytes(program, arch.datatype))
    return false;
  program = std::move(sunk);
  return true;
}

}  // namespace nm::sw
