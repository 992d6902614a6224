#include "sw/lowering/fusion.h"

#include <algorithm>
#include <vector>

#include "hw/core/os_dataflow.h"

namespace nm::sw {

const char* fusion_mode_name(FusionMode mode) {
  return mode == FusionMode::kNone ? "none" : "epilogue";
}

namespace {

bool is_host(const LoweredKernel& k) {
  return k.issued() && (k.desc.kind == hw::KernelKind::kGemm || k.desc.kind == hw::KernelKind::kSpmm);
}

bool contains(const std::vector<int>& v, int x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

class EpilogueFuser {
 public:
  EpilogueFuser(KernelProgram& program, const hw::ArchConfig& arch)
      : p_(program), arch_(arch), readers_(tensor_readers(program)) {}

  size_t run() {
    size_t fused = 0;
    for (size_t i = 0; i < p_.kernels.size(); ++i) {
      if (is_host(p_.kernels[i])) fused += fuse_after(static_cast<int>(i));
    }
    return fused;
  }

 private:
  // The kernels starting at j that must fuse together: a per-element op alone, or a segment
  // index with the PWL that reads its index (an index is never written back on its own).
  std::vector<int> group_at(int j, uint64_t elements) const {
    const auto n = static_cast<int>(p_.kernels.size());
    auto per_element = [&](int at, KernelOp op) {
      if (at >= n) return false;
      const LoweredKernel& k = p_.kernels[static_cast<size_t>(at)];
      return k.issued() && k.semantics.op == op && k.desc.elements() == elements && k.desc.table_columns == 0;
    };
    const KernelOp op = p_.kernels[static_cast<size_t>(j)].semantics.op;
    if (op == KernelOp::kSegmentIndex) {
      const int index = p_.kernels[static_cast<size_t>(j)].output;
      if (per_element(j, op) && per_element(j + 1, KernelOp::kPwl) &&
          contains(p_.kernels[static_cast<size_t>(j + 1)].streams, index))
        return {j, j + 1};
      return {};
    }
    if (op == KernelOp::kAdd || op == KernelOp::kSquare || op == KernelOp::kMul || op == KernelOp::kAffine) {
      if (per_element(j, op)) return {j};
    }
    return {};
  }

  int fuse_after(int host) {
    LoweredKernel& h = p_.kernels[static_cast<size_t>(host)];
    const uint64_t elements = h.desc.elements();
    std::vector<int> chain = {host};
    std::vector<int> values = {h.output};  // tensors the chain holds in the PEs
    int current = h.output;
    std::vector<std::vector<int>> groups;    // the absorbed groups, in order
    std::vector<std::vector<int>> external;  // per group: residual operands, one stream per output
    for (int j = host + 1; j < static_cast<int>(p_.kernels.size());) {
      const std::vector<int> group = group_at(j, elements);
      if (group.empty()) break;
      // The group must continue from the chain's current value; its other inputs are its own,
      // the chain's, or full tensors produced before the host started.
      std::vector<int> produced = values, group_external;
      bool reads_current = false, ok = true;
      for (int g : group) {
        const LoweredKernel& k = p_.kernels[static_cast<size_t>(g)];
        for (int s : k.streams) {
          if (s == current) reads_current = true;
          if (contains(produced, s)) continue;
          const ProgramTensor& t = p_.tensors[static_cast<size_t>(s)];
          if (t.index || t.elements != elements) ok = false;
          group_external.push_back(s);
        }
        produced.push_back(k.output);
      }
      if (!ok || !reads_current) break;
      // Every value the chain holds now stops being visible: nobody else may read it.
      std::vector<int> members = chain;
      members.insert(members.end(), group.begin(), group.end());
      const bool private_values = std::all_of(values.begin(), values.end(), [&](int v) {
        if (p_.tensors[static_cast<size_t>(v)].pinned_dram) return false;
        const std::vector<int>& r = readers_[static_cast<size_t>(v)];
        return std::all_of(r.begin(), r.end(), [&](int reader) { return contains(members, reader); });
      });
      if (!private_values) break;
      chain = std::move(members);
      for (int g : group) values.push_back(p_.kernels[static_cast<size_t>(g)].output);
      current = values.back();
      groups.push_back(group);
      external.push_back(std::move(group_external));
      j = group.back() + 1;
    }
    // The epilogue's tables and residual tiles sit in L1 beside the GEMM's operands: a compiler
    // fuses only as many groups as leave the smallest tile room (else the kernel could not run
    // at all where the unfused sequence can).
    size_t fused_groups = groups.size();
    while (fused_groups > 0 && !fits(host, epilogue_of(groups, external, fused_groups))) --fused_groups;
    if (fused_groups == 0) return 0;

    h.desc.epilogue = epilogue_of(groups, external, fused_groups);
    int last = h.output;
    for (size_t g = 0; g < fused_groups; ++g) {
      for (int member : groups[g]) {
        LoweredKernel& k = p_.kernels[static_cast<size_t>(member)];
        k.fused_into = host;
        h.epilogue.push_back(member);
        p_.tensors[static_cast<size_t>(last)].in_pe = true;  // every value but the last stays in the PEs
        last = k.output;
      }
    }
    return static_cast<int>(h.epilogue.size());
  }

  // The cost descriptor of the first `count` groups run as an epilogue.
  hw::Epilogue epilogue_of(const std::vector<std::vector<int>>& groups,
                           const std::vector<std::vector<int>>& external, size_t count) const {
    hw::Epilogue e;
    for (size_t g = 0; g < count; ++g) {
      for (int member : groups[g]) {
        const hw::KernelDesc& d = p_.kernels[static_cast<size_t>(member)].desc;
        e.ops += 1;
        e.macs_per_element += d.macs_per_element;
        if (d.table_bytes > 0) {
          e.table_lookups += 1;
          e.table_bytes += d.table_bytes;
        }
      }
      e.operand_streams += static_cast<uint32_t>(external[g].size());
    }
    return e;
  }

  // Whether the host with this epilogue still has a legal smallest tile, its operands and
  // residuals coming from DRAM (the worst case; residency is decided later).
  bool fits(int host, const hw::Epilogue& e) const {
    hw::KernelDesc d = p_.kernels[static_cast<size_t>(host)].desc;
    d.epilogue = e;
    const uint64_t in = hw::operand_bytes(arch_.datatype);
    d.a_dram_bytes = std::max<uint64_t>(d.a_dram_bytes, d.batch * d.m * d.k * in);
    d.b_dram_bytes = std::max<uint64_t>(d.b_dram_bytes, d.k * d.n * in);
    d.epilogue.operand_dram_bytes = d.elements() * e.operand_streams * in;
    return hw::mapping_fits(d, hw::Mapping{2, 2, 2, false, false}, arch_);
  }

  KernelProgram& p_;
  const hw::ArchConfig& arch_;
  std::vector<std::vector<int>> readers_;  // kernels that read each tensor
};

}  // namespace

size_t fuse_epilogues(KernelProgram& program, FusionMode mode, const hw::ArchConfig& arch) {
  if (mode == FusionMode::kNone) return 0;
  return EpilogueFuser(program, arch).run();
}

}  // namespace nm::sw
