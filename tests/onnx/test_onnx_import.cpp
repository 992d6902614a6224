// ONNX import, end to end: models written by tests/onnx/make_models.py (the onnx_models fixture)
// are imported, simulated and run functionally; results are compared with numpy's and PyTorch's.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../regression/cli_test_util.h"
#include "sw/frontend/onnx_import.h"
#include "sw/functional/npy.h"
#include "sw/graph/graph.h"

namespace {

using nm::test::CliRun;
using nm::test::ScratchDir;
namespace fs = std::filesystem;

const fs::path kModels = NM_ONNX_MODELS;

ScratchDir& scratch() {
  static ScratchDir dir("nm_onnx_tests");
  return dir;
}

CliRun nm_sim(const std::string& args) {
  return nm::test::run_cli(NM_SIM_PATH, args, scratch().path());
}

std::string model(const std::string& name) {
  return (kModels / (name + ".onnx")).string();
}

nlohmann::json run_json(const std::string& args) {
  const fs::path out = scratch().path() / "run.json";
  const CliRun r = nm_sim(args + " --json " + out.string());
  EXPECT_EQ(r.status, 0) << r.err;
  return nlohmann::json::parse(nm::test::read_text(out));
}

double cosine(const std::vector<double>& a, const std::vector<double>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / std::sqrt(aa * bb + 1e-300);
}

double max_abs(const std::vector<double>& a, const std::vector<double>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

// The data path's outputs (fp32 with PWL) on the model's own inputs.
nm::sw::NpyArray functional_outputs(const std::string& name, const std::string& extra = "") {
  const fs::path out = scratch().path() / (name + "_out.npy");
  const CliRun r =
      nm_sim("--workload " + model(name) + " --functional --numerics fp32 --inputs " +
             (kModels / (name + "_x.npy")).string() + " --outputs " + out.string() + " " + extra);
  EXPECT_EQ(r.status, 0) << r.err;
  return nm::sw::read_npy(out.string());
}

struct OpCase {
  const char* name;
  bool exact;  // no PWL approximation on the path: agreement to float rounding
};

void PrintTo(const OpCase& c, std::ostream* os) {
  *os << c.name;
}

class OnnxOp : public ::testing::TestWithParam<OpCase> {};

TEST_P(OnnxOp, DataPathMatchesNumpy) {
  const OpCase c = GetParam();
  const std::string name = std::string("op_") + c.name;
  const nm::sw::NpyArray y = nm::sw::read_npy((kModels / (name + "_y.npy")).string());
  const nm::sw::NpyArray got = functional_outputs(name);
  ASSERT_EQ(got.values.size(), y.values.size()) << name;
  if (c.exact) {
    EXPECT_LT(max_abs(got.values, y.values), 2e-5) << name;
  } else {
    // The PWL tables at granularity 0.25: within 0.02 and cosine 0.9999 on these inputs.
    EXPECT_GT(cosine(got.values, y.values), 0.9999) << name;
    EXPECT_LT(max_abs(got.values, y.values), 0.02) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    EveryOp, OnnxOp,
    ::testing::Values(
        OpCase{"relu", true}, OpCase{"leaky_relu", true}, OpCase{"clip_relu6", true},
        OpCase{"sigmoid", false}, OpCase{"tanh", false}, OpCase{"erf", false}, OpCase{"exp", false},
        OpCase{"sqrt", false}, OpCase{"reciprocal", false}, OpCase{"softmax", false},
        OpCase{"add_bias", true}, OpCase{"add_tensor", true}, OpCase{"sub_scalar", true},
        OpCase{"sub_tensor", true}, OpCase{"mul_broadcast", true}, OpCase{"div_scalar", true},
        OpCase{"div_tensor", false}, OpCase{"pow", true}, OpCase{"layernorm_pattern", false},
        OpCase{"layernormalization", false}, OpCase{"gelu_pattern", false}, OpCase{"silu_pattern", false},
        OpCase{"matmul_bias", true}, OpCase{"matmul_activations", true}, OpCase{"gemm", true},
        OpCase{"transpose", true}, OpCase{"reshape_from_shape", true}, OpCase{"squeeze_unsqueeze", true},
        OpCase{"concat", true}, OpCase{"slice", true}, OpCase{"gather_index", true}, OpCase{"split", true},
        OpCase{"reduce_mean", true}, OpCase{"conv_batchnorm", true}, OpCase{"conv_depthwise", true},
        OpCase{"maxpool", true}, OpCase{"avgpool", true}, OpCase{"global_avgpool_flatten", true},
        OpCase{"squeeze_excite", false}, OpCase{"embedding", true}, OpCase{"external_data", true},
        OpCase{"hardsigmoid", true}, OpCase{"hardsigmoid_onnx_default", true}, OpCase{"hardswish", false},
        OpCase{"hardswish_pattern", false}, OpCase{"gelu_tanh_pattern", false},
        OpCase{"gelu_tanh_pow", false}),
    [](const auto& info) { return std::string(info.param.name); });

// What the importer makes of exporter idioms: one IR op per pattern, folds instead of ops.
std::vector<nm::sw::OpKind> op_kinds(const std::string& name) {
  const nm::sw::Graph g = nm::sw::import_onnx(model(name));
  std::vector<nm::sw::OpKind> kinds;
  for (const nm::sw::Op& op : g.ops()) {
    if (op.kind != nm::sw::OpKind::kReshape) kinds.push_back(op.kind);
  }
  return kinds;
}

TEST(OnnxPatterns, ExporterIdiomsBecomeOneOp) {
  using K = nm::sw::OpKind;
  EXPECT_EQ(op_kinds("op_layernorm_pattern"), std::vector<K>{K::kLayerNorm});
  EXPECT_EQ(op_kinds("op_gelu_pattern"), std::vector<K>{K::kGelu});
  EXPECT_EQ(op_kinds("op_silu_pattern"), std::vector<K>{K::kSilu});
  EXPECT_EQ(op_kinds("op_clip_relu6"), (std::vector<K>{K::kAffine, K::kRelu6}));
  EXPECT_EQ(op_kinds("op_gelu_tanh_pattern"), std::vector<K>{K::kGelu});
  EXPECT_EQ(op_kinds("op_gelu_tanh_pow"), std::vector<K>{K::kGelu});
  EXPECT_EQ(op_kinds("op_hardswish"), std::vector<K>{K::kHardSwish});
  EXPECT_EQ(op_kinds("op_hardswish_pattern"), std::vector<K>{K::kHardSwish});
  EXPECT_EQ(op_kinds("op_hardsigmoid"), std::vector<K>{K::kHardSigmoid});
  // ONNX's own default slope 0.2: one affine pass ahead of PyTorch's table.
  EXPECT_EQ(op_kinds("op_hardsigmoid_onnx_default"), (std::vector<K>{K::kAffine, K::kHardSigmoid}));
  // BatchNorm folded; the NCHW graph output is written back in ONNX's layout.
  EXPECT_EQ(op_kinds("op_conv_batchnorm"), (std::vector<K>{K::kConv2d, K::kTranspose}));
  EXPECT_EQ(op_kinds("op_matmul_bias"), std::vector<K>{K::kLinear});  // bias folded
  // K^T is read transposed by the GEMM: no data moves.
  EXPECT_EQ(op_kinds("op_matmul_activations"), std::vector<K>{K::kMatMul});
  // Shape arithmetic is folded at import time.
  EXPECT_EQ(op_kinds("op_reshape_from_shape"), std::vector<K>{K::kRelu});
}

TEST(OnnxPatterns, FoldedBatchNormCarriesTheScaledWeights) {
  const nm::sw::Graph g = nm::sw::import_onnx(model("op_conv_batchnorm"));
  ASSERT_EQ(g.ops().size(), 2u);  // the conv, then its output back to NCHW
  const nm::sw::Op& conv = g.ops()[0];
  ASSERT_EQ(conv.inputs.size(), 3u);
  // NHWC inside: [KH, KW, Cin, Cout] weights, an NHWC output of the stride-2 padded conv.
  EXPECT_EQ(g.tensor(conv.inputs[1]).shape, (nm::sw::Shape{3, 3, 4, 6}));
  EXPECT_EQ(g.tensor(conv.output).shape, (nm::sw::Shape{1, 3, 3, 6}));
  EXPECT_EQ(g.tensor(g.inputs()[0]).layout_perm, (std::vector<int64_t>{0, 2, 3, 1}));
}

TEST(OnnxErrors, BadModelsGiveOneErrorLine) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"bad_truncated", "protobuf parse failed"},
      {"bad_not_onnx", "is not an ONNX model"},
      {"bad_opset", "opset 7 is not supported"},
      {"bad_missing_initializer", "value w: is used before it is produced"},
      {"bad_dynamic_shape", "dimension 'batch' is dynamic and has no value"},
      {"bad_unsupported", "Sin (first at node 'act0'), Neg (first at node 'neg0')"},
  };
  for (const auto& [name, text] : cases) {
    const CliRun r = nm_sim("--workload " + model(name));
    EXPECT_EQ(r.status, 2) << name << ": " << r.err;
    EXPECT_NE(r.err.find(text), std::string::npos) << name << ": " << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << name << ": not one line: " << r.err;
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
  }
  const CliRun missing = nm_sim("--workload " + (kModels / "no_such_model.onnx").string());
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("not found"), std::string::npos) << missing.err;
  const CliRun scaled = nm_sim("--workload " + model("op_relu") + " --width 2");
  EXPECT_EQ(scaled.status, 2);
  EXPECT_NE(scaled.err.find("fixed by its export"), std::string::npos) << scaled.err;
}

TEST(OnnxErrors, BadInputFilesGiveOneErrorLine) {
  const fs::path wrong = scratch().path() / "wrong.npy";
  nm::sw::write_npy(wrong.string(), {2, 7}, std::vector<float>(14, 0.0f));
  CliRun r = nm_sim("--workload " + model("op_relu") + " --functional --inputs " + wrong.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("values per sample"), std::string::npos) << r.err;
  r = nm_sim("--workload " + model("op_relu") + " --inputs " + wrong.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("only applies with --functional"), std::string::npos) << r.err;
  r = nm_sim("--workload " + model("small_cnn") + " --functional --inputs " +
             (kModels / "small_cnn_x.npy").string() + " --labels " + (kModels / "small_cnn_x.npy").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("labels must be integers"), std::string::npos) << r.err;
}

// Must-show 2: an imported model's functional run agrees with PyTorch's own outputs.
TEST(OnnxPyTorch, FunctionalRunsAgreeWithPyTorch) {
  for (const std::string name : {"small_cnn", "small_transformer"}) {
    const nm::sw::NpyArray torch = nm::sw::read_npy((kModels / (name + "_y.npy")).string());
    const nm::sw::NpyArray got = functional_outputs(name);
    ASSERT_EQ(got.values.size(), torch.values.size()) << name;
    EXPECT_GE(cosine(got.values, torch.values), 0.9999) << name;
  }
}

TEST(OnnxPyTorch, LabelsGiveTopOneAccuracy) {
  const std::string name = "small_cnn";
  const nlohmann::json j = run_json("--workload " + model(name) + " --functional --inputs " +
                                    (kModels / (name + "_x.npy")).string() + " --labels " +
                                    (kModels / (name + "_labels.npy")).string());
  const nlohmann::json& out = j.at("functional").at("outputs").at(0);
  EXPECT_EQ(out.at("labelled_rows").get<int>(), 4);
  // The labels are PyTorch's own argmax: the fp32 reference finds all of them.
  EXPECT_DOUBLE_EQ(out.at("reference_top1_accuracy").get<double>(), 1.0);
  EXPECT_GE(out.at("top1_accuracy").get<double>(), 0.75);
  EXPECT_EQ(j.at("functional").at("weights").get<std::string>(), "the model's own");
  EXPECT_EQ(j.at("functional").at("samples").get<int>(), 4);
}

bool have(const std::string& name) {
  return fs::exists(model(name));
}

// Must-show 1: torchvision ResNet-50 is the built-in resnet50.
TEST(OnnxTorchvision, ResNet50MatchesTheBuiltIn) {
  if (!have("resnet50")) GTEST_SKIP() << "torchvision models not generated";
  const nlohmann::json onnx = run_json("--workload " + model("resnet50"));
  const nlohmann::json builtin = run_json("--workload resnet50");
  EXPECT_EQ(onnx.at("macs").get<uint64_t>(), 4089184256u);
  const double a = onnx.at("latency_s").get<double>(), b = builtin.at("latency_s").get<double>();
  EXPECT_NEAR(a / b, 1.0, 0.01);
  const nlohmann::json r18 = run_json("--workload " + model("resnet18"));
  EXPECT_EQ(r18.at("macs").get<uint64_t>(), run_json("--workload resnet18").at("macs").get<uint64_t>());
}

TEST(OnnxTorchvision, ModernNetworksImportAndSimulate) {
  if (!have("vit_b_16")) GTEST_SKIP() << "torchvision models not generated";
  // Published multiply-accumulate counts (torchvision's model cards list GFLOPS as MACs).
  const std::vector<std::pair<std::string, double>> nets = {{"mobilenet_v2", 0.30e9},
                                                            {"mobilenet_v3_large", 0.22e9},  // HardSwish
                                                            {"efficientnet_b0", 0.39e9},
                                                            {"convnext_tiny", 4.46e9},
                                                            {"vit_b_16", 17.56e9}};
  for (const auto& [name, macs] : nets) {
    const nlohmann::json j = run_json("--workload " + model(name));
    EXPECT_NEAR(j.at("macs").get<double>() / macs, 1.0, 0.02) << name;
    EXPECT_GT(j.at("latency_s").get<double>(), 0.0) << name;
  }
}

TEST(OnnxTorchvision, TransformerEncoderHasBertBaseEncoderMacs) {
  if (!have("bert_encoder")) GTEST_SKIP() << "torchvision models not generated";
  // BERT-base's 12 encoder layers at 128 tokens: Q, K, V and output projections, the FFN, and the
  // two attention matmuls per head.
  const uint64_t s = 128, h = 768, f = 3072;
  const uint64_t per_layer = 4 * s * h * h + 2 * s * h * f + 2 * s * s * h;
  EXPECT_EQ(run_json("--workload " + model("bert_encoder")).at("macs").get<uint64_t>(), 12 * per_layer);
  // The built-in's encoder layers are the same GEMMs.
  const nlohmann::json builtin = run_json("--workload bert_base");
  uint64_t encoder = 0;
  for (const nlohmann::json& k : builtin.at("kernels")) {
    if (k.at("layer").get<std::string>().rfind("encoder.", 0) == 0 && k.at("network_linear").get<bool>())
      encoder += k.at("batch").get<uint64_t>() * k.at("m").get<uint64_t>() * k.at("n").get<uint64_t>() *
                 k.at("k").get<uint64_t>();
  }
  EXPECT_EQ(encoder, 12 * per_layer);
}

}  // namespace

namespace {

TEST(OnnxBatch, ABatchOneExportRunsAtAnyBatch) {
  if (!fs::exists(model("resnet18"))) GTEST_SKIP() << "torchvision models not generated";
  const nlohmann::json one = run_json("--workload " + model("resnet18"));
  const nlohmann::json three = run_json("--workload " + model("resnet18") + " --batch 3");
  EXPECT_EQ(three.at("batch").get<int>(), 3);
  EXPECT_EQ(three.at("macs").get<uint64_t>(), 3 * one.at("macs").get<uint64_t>());
  // The same as the built-in at that batch.
  EXPECT_EQ(three.at("macs").get<uint64_t>(),
            run_json("--workload resnet18 --batch 3").at("macs").get<uint64_t>());
}

}  // namespace
