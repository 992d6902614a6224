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

// Contiguous kernels lowered from one op of a kind `wanted` accepts.
template <typename Wanted>
std::vector<Group> find_groups(const KernelProgram& p, const Graph& graph, Wanted wanted) {
  std::vector<Group> groups;
  for (size_t i = 0; i < p.kernels.size();) {
    const int op = p.kernels[i].semantics.graph_op;
    size_t j = i;
    while (j + 1 < p.kernels.size() && p.kernels[j + 1].semantics.graph_op == op) ++j;
    if (op >= 0 && wanted(graph.ops()[static_cast<size_t>(op)].kind)) groups.push_back({i, j, op});
    i = j + 1;
  }
  return groups;
}

// A host for a group: named after its op, no work of its own (its members compute the op), its
// one stream `input`; the caller fills the cost descriptor.
LoweredKernel blank_host(const Op& op, const Group& g, hw::KernelKind kind, int input) {
  LoweredKernel host;
  host.desc.name = op.name;
  host.desc.layer = op.layer;
  host.desc.kind = kind;
  host.semantics.op = KernelOp::kRowBlock;
  host.semantics.graph_op = g.op;
  host.streams = {input};
  host.output = -1;  // the members write; written_output() is the last member's output
  return host;
}

// The row-block kernel that does a group's work: MACs and tables are the members' own.
LoweredKernel make_host(const KernelProgram& p, const Graph& graph, const Group& g) {
  const Op& op = graph.ops()[static_cast<size_t>(g.op)];
  LoweredKernel host = blank_host(op, g, hw::KernelKind::kRowBlock, p.kernels[g.first].streams.at(0));
  hw::KernelDesc& d = host.desc;
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
  return host;
}

// The window-block kernel that does a pool's work: an element-wise kernel over the output whose
// one stream is the whole input (input_streams: input elements per output element), computing
// every pairwise max (or sum) of a window in its PEs.
LoweredKernel make_pool_host(const KernelProgram& p, const Graph& graph, const Group& g) {
  const Op& op = graph.ops()[static_cast<size_t>(g.op)];
  const int input = p.graph_tensor.at(static_cast<size_t>(op.inputs.at(0)));
  LoweredKernel host = blank_host(op, g, hw::KernelKind::kElementwise, input);
  hw::KernelDesc& d = host.desc;
  const uint64_t in_elements = p.tensors.at(static_cast<size_t>(input)).elements;
  const uint64_t out_elements = p.kernels[g.last].desc.elements();
  d.m = out_elements;
  d.input_streams = static_cast<uint32_t>(hw::ceil_div(in_elements, out_elements));
  uint64_t macs = 0;
  for (size_t i = g.first; i <= g.last; ++i) {
    const hw::KernelDesc& m = p.kernels[i].desc;
    macs += m.macs();
    d.table_bytes = std::max(d.table_bytes, m.table_bytes);  // one table (max's relu), shared
  }
  d.macs_per_element = static_cast<uint32_t>(hw::ceil_div(macs, out_elements));
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

// Replaces each group by its host followed by the group's kernels, fused into the host.
void insert_hosts(KernelProgram& p, const std::vector<Group>& groups, std::vector<LoweredKernel>& hosts) {
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
}

// The groups that may be blocked (issued, intermediates private) and whose host's smallest
// block fits the buffers as a real compiler would check: input from DRAM, output to it.
template <typename MakeHost>
size_t block_groups(KernelProgram& p, const std::vector<Group>& candidates, MakeHost make_host,
                    const hw::ArchConfig& arch) {
  const std::vector<std::vector<int>> readers = tensor_readers(p);
  std::vector<Group> groups;
  std::vector<LoweredKernel> hosts;
  for (const Group& g : candidates) {
    bool issued = true;
    for (size_t i = g.first; i <= g.last; ++i) issued = issued && p.kernels[i].issued();
    if (!issued || !intermediates_private(p, g, readers)) continue;
    LoweredKernel host = make_host(g);
    hw::KernelDesc worst = host.desc;
    worst.a_dram_bytes = worst.elements() * worst.input_streams * hw::operand_bytes(arch.datatype);
    const hw::Mapping smallest{worst.kind == hw::KernelKind::kRowBlock ? 1u : 2u, 1, 1, false, false};
    if (worst.m == 0 || !hw::mapping_fits(worst, smallest, arch)) continue;
    groups.push_back(g);
    hosts.push_back(std::move(host));
  }
  if (!groups.empty()) insert_hosts(p, groups, hosts);
  return groups.size();
}

}  // namespace

size_t block_rows_on_chip(KernelProgram& p, const Graph& graph, RowBlocking mode,
                          const hw::ArchConfig& arch) {
  if (mode == RowBlocking::kDecomposed) return 0;
  const std::vector<Group> candidates = find_groups(
      p, graph, [](OpKind kind) { return kind == OpKind::kSoftmax || kind == OpKind::kLayerNorm; });
  return block_groups(
      p, candidates, [&](const Group& g) { return make_host(p, graph, g); }, arch);
}

const char* pooling_name(Pooling mode) {
  return mode == Pooling::kDecomposed ? "decomposed" : "window_blocked";
}

size_t block_pool_windows(KernelProgram& p, const Graph& graph, Pooling mode, const hw::ArchConfig& arch) {
  if (mode == Pooling::kDecomposed) return 0;
  const std::vector<Group> candidates = find_groups(
      p, graph, [](OpKind kind) { return kind == OpKind::kMaxPool2d || kind == OpKind::kAvgPool2d; });
  return block_groups(
      p, candidates, [&](const Group& g) { return make_pool_host(p, graph, g); }, arch);
}

}  // namespace nm::sw
