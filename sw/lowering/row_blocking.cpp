#include "sw/lowering/row_blocking.h"

#include <algorithm>
#include <vector>

#include "hw/core/os_dataflow.h"

namespace nm::sw {

const char* row_blocking_name(RowBlocking mode) {
  return mode == RowBlocking::kDecomposed ? "decomposed" : "row_blocked";
}

namespace {

// Passes over the block and cross-PE reductions of each op (why: see row_blocking.h).
constexpr uint32_t kSoftmaxPasses = 3, kSoftmaxReductions = 2;      // max; sum
constexpr uint32_t kLayerNormPasses = 3, kLayerNormReductions = 2;  // mean; variance

struct Group {
  size_t first = 0, last = 0;  // kernel range [first, last]
  int op = -1;
};

// Contiguous kernels lowered from one softmax or layernorm op.
std::vector<Group> find_groups(const KernelProgram& p, const Graph& graph) {
  std::vector<Group> groups;
  for (size_t i = 0; i < p.kernels.size();) {
    const int op = p.kernels[i].semantics.graph_op;
    size_t j = i;
    while (j + 1 < p.kernels.size() && p.kernels[j + 1].semantics.graph_op == op) ++j;
    const OpKind kind = op >= 0 ? graph.ops()[static_cast<size_t>(op)].kind : OpKind::kRelu;
    if (kind == OpKind::kSoftmax || kind == OpKind::kLayerNorm) groups.push_back({i, j, op});
    i = j + 1;
  }
  return groups;
}

// The row-block kernel that does a group's work: MACs and tables are the members' own.
LoweredKernel make_host(const KernelProgram& p, const Graph& graph, const Group& g) {
  const Op& op = graph.ops()[static_cast<size_t>(g.op)];
  LoweredKernel host;
  hw::KernelDesc& d = host.desc;
  d.name = op.name;
  d.layer = op.layer;
  d.kind = hw::KernelKind::kRowBlock;
  const bool softmax = op.kind == OpKind::kSoftmax;
  d.passes = softmax ? kSoftmaxPasses : kLayerNormPasses;
  d.reductions = softmax ? kSoftmaxReductions : kLayerNormReductions;
  uint64_t macs = 0;
  for (size_t i = g.first; i <= g.last; ++i) {
    const hw::KernelDesc& m = p.kernels[i].desc;
    macs += m.macs();
    if (m.kind == hw::KernelKind::kGemm) {  // a row reduction: rows x len
      d.m = m.m;
      d.n = m.k;
    }
    if (m.table_columns > 0) {
      d.column_table_bytes += m.table_bytes;
    } else {
      d.table_bytes += m.table_bytes;
    }
  }
  d.row_macs = d.m > 0 ? macs / d.m : 0;
  host.semantics.op = KernelOp::kRowBlock;
  host.semantics.graph_op = g.op;
  host.streams = {p.kernels[g.first].streams.at(0)};
  host.output = -1;  // the members write; written_output() is the last member's output
  return host;
}

bool intermediates_private(const KernelProgram& p, const Group& g,
                           const std::vector<std::vector<int>>& readers) {
  for (size_t i = g.first; i < g.last; ++i) {
    const int t = p.kernels[i].output;
    if (p.tensors[static_cast<size_t>(t)].pinned_dram) return false;
    for (int r : readers[static_cast<size_t>(t)]) {
      if (r < static_cast<int>(g.first) || r > static_cast<int>(g.last)) return false;
    }
  }
  return true;
}

}  // namespace

size_t block_rows_on_chip(KernelProgram& p, const Graph& graph, RowBlocking mode,
                          const hw::ArchConfig& arch) {
  if (mode == RowBlocking::kDecomposed) return 0;
  const std::vector<std::vector<int>> readers = tensor_readers(p);
  std::vector<Group> groups;
  std::vector<LoweredKernel> hosts;
  for (const Group& g : find_groups(p, graph)) {
    bool issued = true;
    for (size_t i = g.first; i <= g.last; ++i) issued = issued && p.kernels[i].issued();
    if (!issued || !intermediates_private(p, g, readers)) continue;
    // One row must fit the buffers as a real compiler would check: input from DRAM, output to it.
    LoweredKernel host = make_host(p, graph, g);
    hw::KernelDesc worst = host.desc;
    worst.a_dram_bytes = worst.m * worst.n * hw::operand_bytes(arch.datatype);
    if (worst.m == 0 || !hw::mapping_fits(worst, hw::Mapping{1, 1, 1, false, false}, arch)) continue;
    groups.push_back(g);
    hosts.push_back(std::move(host));
  }
  if (groups.empty()) return 0;

  std::vector<LoweredKernel> kernels;
  kernels.reserve(p.kernels.size() + groups.size());
  size_t next_group = 0;
  for (size_t i = 0; i < p.kernels.size(); ++i) {
    if (next_group < groups.size() && groups[next_group].first == i) {
      const Group& g = groups[next_group];
      const int host_index = static_cast<int>(kernels.size());
      kernels.push_back(std::move(hosts[next_group++]));
      for (size_t j = g.first; j <= g.last; ++j) {
        LoweredKernel member = p.kernels[j];
        member.fused_into = host_index;
        kernels[static_cast<size_t>(host_index)].epilogue.push_back(static_cast<int>(kernels.size()));
        if (j < g.last) p.tensors[static_cast<size_t>(member.output)].in_pe = true;
        kernels.push_back(std::move(member));
      }
      i = g.last;
      continue;
    }
    kernels.push_back(std::move(p.kernels[i]));
  }
  p.kernels = std::move(kernels);
  return groups.size();
}

}  // namespace nm::sw
