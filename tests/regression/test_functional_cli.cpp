// nm_sim --functional end to end: real tensors through the simulated accelerator leave every
// timing and energy figure unchanged; a 2-layer BERT keeps its stated accuracy; results depend
// on the seed and nothing else; bad input is one error line.
#include <gtest/gtest.h>

#include "cli_test_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using nm::test::CliRun;
using nm::test::read_text;

class FunctionalCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { dir_ = new nm::test::ScratchDir("nm_functional_cli"); }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  // Runs nm_sim with `args` and --json; returns the parsed JSON (status 0 asserted).
  static json run_json(const std::string& args, const std::string& name) {
    const fs::path out = dir_->path() / (name + ".json");
    const CliRun r = nm::test::run_cli(NM_SIM_PATH, args + " --json " + out.string(), dir_->path());
    EXPECT_EQ(r.status, 0) << args << "\n" << r.err;
    return json::parse(read_text(out));
  }

  static const json& op(const json& run, const std::string& name) {
    for (const json& o : run.at("functional").at("ops")) {
      if (o.at("name") == name) return o;
    }
    ADD_FAILURE() << "no op " << name;
    static const json none;
    return none;
  }

  static nm::test::ScratchDir* dir_;
};

nm::test::ScratchDir* FunctionalCli::dir_ = nullptr;

// The functional data path only adds data to the transactions (debug transport): every figure
// but the "functional" object is identical, kernel by kernel.
TEST_F(FunctionalCli, TimingAndEnergyAreIdenticalWithAndWithoutFunctional) {
  for (const std::string w : {"gcn", "tiny_mlp --datatype fp16", "bert_base --depth 0.17 --seq-len 32"}) {
    const json plain = run_json("--workload " + w, "plain");
    json functional = run_json("--workload " + w + " --functional", "functional");
    ASSERT_TRUE(functional.contains("functional")) << w;
    EXPECT_FALSE(functional.at("functional").at("ops").empty()) << w;
    functional.erase("functional");
    EXPECT_EQ(plain, functional) << w;
  }
}

// The stated accuracy of a 2-layer BERT (random weights, seed 1, sequence 128, PWL uniform at
// granularity 0.25) against the fp32 reference, at the last encoder layer's output. Measured
// with BERT's N(0, 0.02^2) weights (weights.h): int8 cosine 0.99933, PWL alone 0.999985 (with
// the earlier He-normal weights: 0.9872 and 0.99995).
TEST_F(FunctionalCli, TwoLayerBertStaysAboveTheStatedCosine) {
  const json int8 = run_json("--workload bert_base --depth 0.17 --functional", "bert2_int8");
  const json& last = op(int8, "encoder.1.ffn.layernorm");
  EXPECT_GT(last.at("cosine").get<double>(), 0.998);
  EXPECT_GT(last.at("pwl_only").at("cosine").get<double>(), 0.9999);
  const json fp16 = run_json("--workload bert_base --depth 0.17 --functional --datatype fp16", "bert2_fp16");
  EXPECT_GT(op(fp16, "encoder.1.ffn.layernorm").at("cosine").get<double>(), 0.9999);
  // int8 loses more than fp16, and both lose more than PWL alone would suggest is free.
  EXPECT_LT(last.at("cosine").get<double>(), op(fp16, "encoder.1.ffn.layernorm").at("cosine").get<double>());
  // Two layers: the classifier's scores are class scores, so top-1 agreement is reported.
  const json& out = int8.at("functional").at("outputs").at(0);
  EXPECT_EQ(out.at("top1_rows").get<int>(), 1);
}

TEST_F(FunctionalCli, ResultsDependOnTheSeedOnlyAndSamplesAreScored) {
  const json a = run_json("--workload gcn --functional --seed 7 --samples 3", "seed7a");
  const json b = run_json("--workload gcn --functional --seed 7 --samples 3", "seed7b");
  const json c = run_json("--workload gcn --functional --seed 8 --samples 3", "seed8");
  EXPECT_EQ(a.at("functional"), b.at("functional"));
  EXPECT_NE(a.at("functional").at("ops"), c.at("functional").at("ops"));
  const json& out = a.at("functional").at("outputs").at(0);
  EXPECT_EQ(out.at("top1_rows").get<int>(), 3 * 2708);  // every Cora node of every sample
  EXPECT_GT(out.at("top1_agreement").get<double>(), 0.9);
  EXPECT_LE(out.at("worst").at("cosine").get<double>(), out.at("sample0").at("cosine").get<double>());
}

// The sparse GCN's SpMM and the dense GCN's GEMM compute the same int8 numbers (the fp32
// references sum in different orders, so the errors agree to rounding, not bit for bit).
TEST_F(FunctionalCli, SparseAndDenseAggregationAgree) {
  const json dense =
      run_json("--workload gcn_cora_l2 --functional", "dense").at("functional").at("outputs").at(0);
  const json sparse =
      run_json("--workload gcn_cora_l2_sparse --functional", "sparse").at("functional").at("outputs").at(0);
  EXPECT_EQ(dense.at("top1_agree"), sparse.at("top1_agree"));
  EXPECT_EQ(dense.at("sample0").at("max_abs"), sparse.at("sample0").at("max_abs"));
  EXPECT_NEAR(dense.at("sample0").at("cosine").get<double>(), sparse.at("sample0").at("cosine").get<double>(),
              1e-9);
}

// The fused data path computes what the one-kernel-per-op one does: epilogues and row blocks
// keep every step's number format, so every op's output (and so every error figure against the
// fp32 reference) is the same to the last bit, int8 and fp16, with and without fusion.
TEST_F(FunctionalCli, FusionDoesNotChangeANumber) {
  const std::string unfused =
      " --set compiler.fusion=none --set compiler.softmax_layernorm=decomposed --set "
      "compiler.pooling=decomposed --set compiler.schedule=program_order";
  // resnet18 at a quarter width: an ImageNet stem, so its max pool runs window-blocked.
  for (const std::string w :
       {"bert_base --depth 0.17 --seq-len 32", "resnet18_cifar10_half", "gcn",
        "resnet18 --width 0.25 --depth 0.5", "bert_base --depth 0.17 --seq-len 32 --datatype fp16"}) {
    const json fused = run_json("--workload " + w + " --functional", "fused");
    const json plain = run_json("--workload " + w + " --functional" + unfused, "unfused");
    EXPECT_EQ(fused.at("functional"), plain.at("functional")) << w;
    EXPECT_LT(fused.at("kernels").size(), plain.at("kernels").size()) << w;
  }
}

TEST_F(FunctionalCli, BadInputIsOneErrorLine) {
  const std::array<std::pair<const char*, const char*>, 8> cases{{
      {"--workload gcn --seed 3", "--seed"},
      // Tables past the fitter's limits: the config's granularity bound, and the 1-byte
      // segment index of an elastic fit (gelu needs 802 segments at 0.01).
      {"--workload tiny_mlp --functional --set pwl.granularity=0.0001", "pwl.granularity"},
      {"--workload tiny_mlp --functional --set pwl.granularity=1e-300", "pwl.granularity"},
      {"--workload tiny_mlp --functional --pwl-method elastic --set pwl.granularity=0.01", "granularity"},
      {"--workload gcn --functional --samples 0", "--samples"},
      {"--workload gcn --functional --pwl-method cubic", "--pwl-method"},
      {"--workload gcn --functional --weights /nonexistent/w.json", "/nonexistent/w.json"},
      {"--table3 --functional", "--functional"},
  }};
  for (const auto& [args, names] : cases)
    nm::test::expect_one_line_rejection(NM_SIM_PATH, args, names, dir_->path());
}

}  // namespace
