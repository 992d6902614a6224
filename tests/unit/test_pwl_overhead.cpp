// sw/pwl/pwl_overhead.h: Table 1 counts by hand, and the tables it counts are exactly the ones
// the lowering loads.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <utility>

#include "sw/graph/workloads.h"
#include "sw/lowering/kernel_program.h"
#include "sw/pwl/pwl_overhead.h"

namespace nm::sw {
namespace {

// (op name, function name) of every PWL kernel the lowering emits, read off the kernel names
// "<op>.<function>.pwl" and "<op>.max<i>.pwl" (pairwise max), with the table bytes it loads.
std::map<std::pair<std::string, std::string>, uint64_t> lowered_tables(const Graph& g) {
  std::map<std::pair<std::string, std::string>, uint64_t> out;
  const KernelProgram p = lower_graph(g, LoweringOptions{});
  for (const LoweredKernel& k : p.kernels) {
    const std::string& name = k.desc.name;
    const std::string suffix = ".pwl";
    if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    const std::string stem = name.substr(0, name.size() - suffix.size());
    const size_t dot = stem.rfind('.');
    std::string fn = stem.substr(dot + 1);
    if (fn.rfind("max", 0) == 0 && fn.find_first_not_of("0123456789", 3) == std::string::npos) fn = "max";
    out[{stem.substr(0, dot), fn}] = k.desc.table_bytes;
  }
  return out;
}

TEST(PwlOverhead, TablesAreTheOnesTheLoweringLoads) {
  for (const char* w : {"resnet50", "bert_base", "gcn"}) {
    const Graph g = build_builtin_workload(w, WorkloadOptions{});
    const auto lowered = lowered_tables(g);
    std::set<std::pair<std::string, std::string>> counted;
    for (const PwlTableUse& u : pwl_table_uses(g)) {
      const std::pair<std::string, std::string> key{u.op, pwl_spec(u.function).name};
      EXPECT_TRUE(counted.insert(key).second) << w << " " << key.first << " " << key.second;
      ASSERT_TRUE(lowered.count(key)) << w << " " << key.first << " " << key.second;
      EXPECT_EQ(lowered.at(key), pwl_table_bytes(u.function, 0.25, 1));  // int8 lowering
    }
    EXPECT_EQ(counted.size(), lowered.size()) << w;
  }
}

TEST(PwlOverhead, PerLayerCountsByHand) {
  // ResNet-50: 49 ReLUs (stem + 3 per bottleneck x 16) + the max pool, 2 segments x 2 each.
  const PwlOverhead r = pwl_overhead(build_resnet50(), 0.25, PwlTableRule::kPerLayer);
  EXPECT_EQ(r.tables, 50u);
  EXPECT_EQ(r.parameters, 200u);
  EXPECT_EQ(r.bytes(2), 400u);
  // BERT-base per layer: gelu 34 + softmax (max 2 + exp 34 + reciprocal 6) + 2 layernorms x
  // rsqrt 14 segments = 104 segments; plus the embedding layernorm (14) and the pooler tanh (34).
  const PwlOverhead b = pwl_overhead(build_bert_base(128), 0.25, PwlTableRule::kPerLayer);
  EXPECT_EQ(b.tables, 12u * 6 + 2);
  EXPECT_EQ(b.parameters, 2u * (12 * 104 + 14 + 34));
  // GCN: one ReLU + the output softmax (max, exp, reciprocal).
  const PwlOverhead c = pwl_overhead(build_gcn_cora(), 0.25, PwlTableRule::kPerLayer);
  EXPECT_EQ(c.tables, 4u);
  EXPECT_EQ(c.parameters, 2u * (2 + 2 + 34 + 6));
  EXPECT_EQ(c.model_parameters, 1433 * 16 + 16 + 16 * 7 + 7);  // the adjacency is not counted
  EXPECT_NEAR(c.fraction(), 88.0 / 23063.0, 1e-15);
}

TEST(PwlOverhead, OtherRules) {
  const Graph g = build_bert_base(128);
  const PwlOverhead f = pwl_overhead(g, 0.25, PwlTableRule::kPerFunction);
  EXPECT_EQ(f.tables, 6u);  // gelu, max, exp, reciprocal, rsqrt, tanh
  EXPECT_EQ(f.parameters, 2u * (34 + 2 + 34 + 6 + 14 + 34));
  const PwlOverhead c = pwl_overhead(build_resnet50(), 0.25, PwlTableRule::kPerChannel);
  // ReLU channels: stem 64 + sum over stages of blocks x (w + w + 4w), + the max pool's 64.
  const uint64_t relu_channels = 64 + 3 * 384 + 4 * 768 + 6 * 1536 + 3 * 3072;
  EXPECT_EQ(c.tables, relu_channels + 64);
  EXPECT_EQ(c.parameters, 4 * (relu_channels + 64));
  // A coarser granularity never adds parameters.
  EXPECT_LT(pwl_overhead(g, 0.5, PwlTableRule::kPerLayer).parameters,
            pwl_overhead(g, 0.25, PwlTableRule::kPerLayer).parameters);
}

}  // namespace
}  // namespace nm::sw
