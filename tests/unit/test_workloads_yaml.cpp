// Workload YAML files: the shipped workloads/ files, name resolution, and error reporting.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <string>
#include <vector>

#include "hw/core/input_error.h"
#include "sw/graph/graph.h"
#include "sw/graph/workload_yaml.h"
#include "sw/graph/workloads.h"

namespace nm::sw {
namespace {

namespace fs = std::filesystem;

const std::string kWorkloadDir = std::string(NM_SOURCE_DIR) + "/workloads";

void expect_same_graph(const Graph& a, const Graph& b) {
  EXPECT_EQ(a.name(), b.name());
  ASSERT_EQ(a.tensors().size(), b.tensors().size());
  for (size_t i = 0; i < a.tensors().size(); ++i) {
    const Tensor& x = a.tensors()[i];
    const Tensor& y = b.tensors()[i];
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.shape, y.shape) << x.name;
    EXPECT_EQ(x.constant, y.constant) << x.name;
  }
  ASSERT_EQ(a.ops().size(), b.ops().size());
  for (size_t i = 0; i < a.ops().size(); ++i) {
    const Op& x = a.ops()[i];
    const Op& y = b.ops()[i];
    EXPECT_EQ(x.kind, y.kind) << x.name;
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.layer, y.layer) << x.name;
    EXPECT_EQ(x.inputs, y.inputs) << x.name;
    EXPECT_EQ(x.output, y.output) << x.name;
    EXPECT_EQ(x.attrs.kernel_h, y.attrs.kernel_h) << x.name;
    EXPECT_EQ(x.attrs.kernel_w, y.attrs.kernel_w) << x.name;
    EXPECT_EQ(x.attrs.stride, y.attrs.stride) << x.name;
    EXPECT_EQ(x.attrs.pad, y.attrs.pad) << x.name;
    EXPECT_EQ(x.attrs.groups, y.attrs.groups) << x.name;
    EXPECT_EQ(x.attrs.transpose_a, y.attrs.transpose_a) << x.name;
    EXPECT_EQ(x.attrs.transpose_b, y.attrs.transpose_b) << x.name;
    EXPECT_EQ(x.attrs.alpha, y.attrs.alpha) << x.name;
    EXPECT_EQ(x.attrs.rows, y.attrs.rows) << x.name;
  }
  EXPECT_EQ(a.inputs(), b.inputs());
  EXPECT_EQ(a.outputs(), b.outputs());
}

// Runs `load` and checks it throws nm::InputError whose what() holds every string in `parts`.
void expect_input_error(const std::function<void()>& load, const std::vector<std::string>& parts) {
  try {
    load();
    ADD_FAILURE() << "no nm::InputError thrown";
  } catch (const nm::InputError& e) {
    const std::string what = e.what();
    for (const std::string& part : parts) EXPECT_NE(what.find(part), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << "what() must be one line: " << what;
  }
}

// ---------------------------------------------------------------------------------------------
// Shipped files

TEST(WorkloadsYaml, TinyMlpLoadsByName) {
  const Graph g = load_workload("tiny_mlp", {}, {kWorkloadDir});
  EXPECT_EQ(g.name(), "tiny_mlp");
  ASSERT_EQ(g.ops().size(), 4u);
  EXPECT_EQ(g.ops()[0].kind, OpKind::kLinear);
  EXPECT_EQ(g.ops()[1].kind, OpKind::kGelu);
  EXPECT_EQ(g.ops()[2].kind, OpKind::kLinear);
  EXPECT_EQ(g.ops()[3].kind, OpKind::kSoftmax);
  EXPECT_EQ(g.ops()[0].layer, "fc1");
  EXPECT_EQ(g.tensor(g.ops()[2].inputs[1]).shape, (Shape{128, 10}));
  EXPECT_TRUE(g.tensor(g.ops()[2].inputs[1]).constant);
  ASSERT_EQ(g.inputs().size(), 1u);
  EXPECT_EQ(g.tensor(g.inputs()[0]).shape, (Shape{1, 64}));
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.tensor(g.outputs()[0]).name, "probs");
  EXPECT_EQ(g.tensor(g.outputs()[0]).shape, (Shape{1, 10}));
  EXPECT_EQ(g.parameter_count(), 64 * 128 + 128 + 128 * 10 + 10);
}

TEST(WorkloadsYaml, TinyMlpLoadsByPath) {
  const Graph by_path = load_workload(kWorkloadDir + "/tiny_mlp.yaml", {}, {});
  const Graph by_name = load_workload("tiny_mlp", {}, {kWorkloadDir});
  expect_same_graph(by_path, by_name);
  // A bare file name is also looked up in the workload dirs.
  expect_same_graph(load_workload("tiny_mlp.yaml", {}, {kWorkloadDir}), by_name);
}

TEST(WorkloadsYaml, ParametricFilesEqualBuilders) {
  expect_same_graph(load_workload(kWorkloadDir + "/resnet50.yaml", {}, {}), build_resnet50());
  expect_same_graph(load_workload(kWorkloadDir + "/gcn.yaml", {}, {}), build_gcn_cora());
  expect_same_graph(load_workload(kWorkloadDir + "/bert_base.yaml", {}, {}), build_bert_base(128));
  WorkloadOptions options;
  options.seq_len = 64;  // the shipped bert_base.yaml leaves seq_len to the options
  expect_same_graph(load_workload(kWorkloadDir + "/bert_base.yaml", options, {}), build_bert_base(64));
}

TEST(WorkloadsYaml, BuiltinNameWinsOverFile) {
  expect_same_graph(load_workload("resnet50", {}, {kWorkloadDir}), build_resnet50());
}

// ---------------------------------------------------------------------------------------------
// Files written per test

class WorkloadsYamlFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nm_workloads_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string write(const std::string& file, const std::string& text) {
    const fs::path p = dir_ / file;
    std::ofstream(p) << text;
    return p.string();
  }

  Graph load(const std::string& path, const WorkloadOptions& options = {}) {
    return load_workload(path, options, {dir_.string()});
  }

  // The tiny MLP's header (inputs and constants) for explicit-form tests to add ops to.
  static std::string mlp_header() {
    return "inputs:\n"
           "  - {name: x, shape: [1, 64]}\n"
           "constants:\n"
           "  - {name: w1, shape: [64, 128]}\n"
           "  - {name: b1, shape: [128]}\n";
  }

  fs::path dir_;
};

TEST_F(WorkloadsYamlFile, ExplicitDefaults) {
  const std::string path =
      write("mlp.yaml", mlp_header() +
                            "ops:\n"
                            "  - {op: linear, name: fc1, inputs: [x, w1, b1], output: h, "
                            "shape: [1, 128]}\n"
                            "  - {op: relu, name: act, inputs: [h], output: y, shape: [1, 128]}\n");
  const Graph g = load(path);
  EXPECT_EQ(g.name(), "mlp");          // file stem
  EXPECT_EQ(g.ops()[0].layer, "fc1");  // layer defaults to the op name
  ASSERT_EQ(g.outputs().size(), 1u);   // sinks become outputs
  EXPECT_EQ(g.tensor(g.outputs()[0]).name, "y");
  // Found by name in the workload dir, too.
  expect_same_graph(load("mlp"), g);
}

TEST_F(WorkloadsYamlFile, ExplicitConvAndAttrs) {
  const std::string path =
      write("cnn.yaml",
            "name: cnn\n"
            "inputs: [{name: img, shape: [1, 32, 32, 16]}]\n"
            "constants:\n"
            "  - {name: dw, shape: [3, 3, 1, 16]}\n"
            "  - {name: a, shape: [4, 8, 16]}\n"
            "ops:\n"
            "  - {op: conv2d, name: dwconv, inputs: [img, dw], output: c, stride: 2, pad: 1,"
            " groups: 16, shape: [1, 16, 16, 16]}\n"
            "  - {op: maxpool2d, name: pool, inputs: [c], output: p, kernel: [2, 2], stride: 2,"
            " shape: [1, 8, 8, 16]}\n"
            "  - {op: leaky_relu, name: act, inputs: [p], output: l, alpha: 0.2,"
            " shape: [1, 8, 8, 16]}\n"
            "  - {op: reshape, name: r, inputs: [l], output: m, shape: [4, 16, 16]}\n"
            "  - {op: matmul, name: mm, inputs: [m, a], output: o, transpose_b: true,"
            " shape: [4, 16, 8]}\n");
  const Graph g = load(path);
  ASSERT_EQ(g.ops().size(), 5u);
  EXPECT_EQ(g.ops()[0].attrs.kernel_h, 3);  // taken from the weight
  EXPECT_EQ(g.ops()[0].attrs.groups, 16);
  EXPECT_EQ(g.ops()[1].attrs.kernel_w, 2);
  EXPECT_DOUBLE_EQ(g.ops()[2].attrs.alpha, 0.2);
  EXPECT_TRUE(g.ops()[4].attrs.transpose_b);
}

TEST_F(WorkloadsYamlFile, ParametricNameAndSeqLen) {
  const std::string path = write("bert_short.yaml", "family: bert_base\nseq_len: 32\nname: bert_short\n");
  WorkloadOptions options;
  options.seq_len = 256;  // the file pins seq_len
  const Graph g = load(path, options);
  EXPECT_EQ(g.name(), "bert_short");
  EXPECT_EQ(g.tensor(g.inputs()[0]).shape, (Shape{32}));
  EXPECT_EQ(g.ops().size(), build_bert_base(32).ops().size());
}

TEST_F(WorkloadsYamlFile, UnknownOpKey) {
  const std::string path =
      write("bad.yaml", mlp_header() +
                            "ops:\n"
                            "  - {op: linear, name: fc1, inputs: [x, w1, b1], output: h, "
                            "shape: [1, 128]}\n"
                            "  - {op: relu, name: act, inputs: [h], output: y, kernal: 3, "
                            "shape: [1, 128]}\n");
  expect_input_error([&] { load(path); }, {path, "ops[1].kernal", "unknown key", "kernel"});
}

TEST_F(WorkloadsYamlFile, UnknownTopLevelKey) {
  const std::string path = write("bad.yaml", "familly: resnet50\n");
  expect_input_error([&] { load(path); }, {path, ": familly: unknown key", "family"});
}

TEST_F(WorkloadsYamlFile, DuplicateKey) {
  const std::string path = write("bad.yaml", "family: resnet50\nfamily: gcn_cora\n");
  expect_input_error([&] { load(path); }, {path, ": family: duplicate key"});
}

TEST_F(WorkloadsYamlFile, MalformedYaml) {
  const std::string path = write("bad.yaml", "name: x\nops: [a, b\n");
  try {
    load(path);
    ADD_FAILURE() << "no nm::InputError thrown";
  } catch (const nm::InputError& e) {
    // "<file>: <line>:<column>: <yaml-cpp message>"
    EXPECT_TRUE(std::regex_search(
        e.what(), std::regex(std::regex_replace(path, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                             R"(: \d+:\d+: \S)")))
        << e.what();
  }
}

TEST_F(WorkloadsYamlFile, EmptyFile) {
  const std::string path = write("empty.yaml", "");
  expect_input_error([&] { load(path); }, {path, "empty"});
}

TEST_F(WorkloadsYamlFile, MissingFile) {
  const std::string path = (dir_ / "missing.yaml").string();
  expect_input_error([&] { load(path); }, {"command line", "--workload", "missing.yaml", "not found"});
}

TEST_F(WorkloadsYamlFile, NotYaml) {
  const std::string path = write("net.json", "{}");
  expect_input_error([&] { load(path); }, {"--workload", "net.json", ".yaml"});
}

TEST_F(WorkloadsYamlFile, NegativeDim) {
  const std::string path = write("bad.yaml",
                                 "inputs: [{name: x, shape: [1, -64]}]\n"
                                 "ops: [{op: relu, name: r, inputs: [x], output: y, shape: [1, 64]}]\n");
  expect_input_error([&] { load(path); }, {path, "inputs[0].shape[1]", "positive", "-64"});
}

TEST_F(WorkloadsYamlFile, NonIntegerDim) {
  const std::string path = write("bad.yaml",
                                 "inputs: [{name: x, shape: [1, 6.5]}]\n"
                                 "ops: [{op: relu, name: r, inputs: [x], output: y, shape: [1, 64]}]\n");
  expect_input_error([&] { load(path); }, {path, "inputs[0].shape[1]", "integer", "6.5"});
}

TEST_F(WorkloadsYamlFile, ZeroAttr) {
  const std::string path =
      write("bad.yaml",
            "inputs: [{name: x, shape: [1, 8, 8, 4]}]\n"
            "ops: [{op: maxpool2d, name: p, inputs: [x], output: y, kernel: 2, stride: 0,"
            " shape: [1, 4, 4, 4]}]\n");
  expect_input_error([&] { load(path); }, {path, "ops[0].stride", "positive"});
}

TEST_F(WorkloadsYamlFile, UnknownWorkload) {
  // The closest names by edit distance (at most three, closest first), not every name.
  expect_input_error(
      [&] { load("resnet51"); },
      {"command line: --workload: unknown workload 'resnet51'; did you mean resnet50, resnet18 or "
       "resnet34? nm_sim --list-workloads lists every name"});
  try {
    load("resnet51");
  } catch (const nm::InputError& e) {
    EXPECT_EQ(std::string(e.what()).find("bert_base"), std::string::npos) << e.what();
  }
  expect_input_error([&] { load("BERT-base"); }, {"did you mean bert_base? nm_sim"});
  expect_input_error([&] { load("gcn_pubmd_l3"); },
                     {"did you mean gcn_pubmed_l3, gcn_pubmed_l1 or gcn_pubmed_l2?"});
  // Nothing close: no guess, just where to look.
  expect_input_error([&] { load("vgg16"); }, {"unknown workload 'vgg16'; nm_sim --list-workloads"});
}

TEST(ClosestNames, RanksByEditDistanceAndKeepsAtMostMax) {
  const std::vector<std::string> names = {"resnet50", "bert_base", "gcn", "resnet18", "bert_large"};
  EXPECT_EQ(detail::closest_names("resnet50", names, 3), (std::vector<std::string>{"resnet50"}));
  EXPECT_EQ(detail::closest_names("resnet5", names, 3), (std::vector<std::string>{"resnet50", "resnet18"}));
  EXPECT_EQ(detail::closest_names("resnet5", names, 1), (std::vector<std::string>{"resnet50"}));
  EXPECT_EQ(detail::closest_names("bert_bse", names, 1), (std::vector<std::string>{"bert_base"}));
  EXPECT_EQ(detail::closest_names("GCN", names, 3), (std::vector<std::string>{"gcn"}));  // case-insensitive
  EXPECT_TRUE(detail::closest_names("transformer", names, 3).empty());
  EXPECT_EQ(detail::did_you_mean("bert_lrge", names), "did you mean bert_large?");  // bert_base: 3 edits
  EXPECT_EQ(detail::did_you_mean("resnet1", names), "did you mean resnet18 or resnet50?");
  EXPECT_EQ(detail::did_you_mean("xyz", names), "");
}

// ---------------------------------------------------------------------------------------------
// Options the workload does not read are errors naming the option as the user gave it

TEST_F(WorkloadsYamlFile, SeqLenOnANonTransformerIsAnError) {
  WorkloadOptions options;
  options.seq_len = 256;
  options.seq_len_given = "--seq-len";
  for (const char* name : {"resnet50", "gcn", "gcn_cora_l2_sparse", "resnet18_cifar10"}) {
    expect_input_error([&] { load(name, options); },
                       {"command line: --seq-len: does not apply to workload '" + std::string(name) + "'",
                        "bert_base, bert_large, distilbert, albert_base, gpt2, gpt2_medium, llama2_7b and "
                        "llama3_8b"});
  }
  options.seq_len_given = "--set workload.seq_len";
  expect_input_error([&] { load("resnet50", options); },
                     {"command line: --set workload.seq_len: does not apply"});
  // A parametric file of a non-transformer family too.
  const std::string path = write("res.yaml", "family: resnet18\n");
  expect_input_error([&] { load(path, options); },
                     {"--set workload.seq_len: does not apply", path, "resnet18"});
  // Transformers read it.
  for (const char* name : {"bert_base", "distilbert"}) EXPECT_NO_THROW(load(name, options)) << name;
}

TEST_F(WorkloadsYamlFile, OptionsOnAnExplicitGraphAreErrors) {
  const std::string path =
      write("mlp.yaml", mlp_header() +
                            "ops: [{op: linear, name: fc, inputs: [x, w1, b1], output: h,"
                            " shape: [1, 128]}]\n");
  EXPECT_NO_THROW(load(path));
  for (const char* flag : {"--width", "--depth", "--seq-len", "--set workload.width"}) {
    WorkloadOptions options;
    const std::string f = flag;
    (f.find("width") != std::string::npos ? options.width_given
     : f == "--depth"                     ? options.depth_given
                                          : options.seq_len_given) = flag;
    expect_input_error([&] { load(path, options); },
                       {"command line: " + f + ": does not apply to workload file '" + path + "'", "ops:"});
  }
}

TEST_F(WorkloadsYamlFile, AnOptionAParametricFilePinsIsAnError) {
  const std::string path = write("bert_short.yaml", "family: bert_base\nseq_len: 32\nwidth: 0.5\n");
  WorkloadOptions options;
  options.seq_len_given = "--seq-len";
  expect_input_error([&] { load(path, options); },
                     {"command line: --seq-len: workload file '" + path + "' pins seq_len: 32"});
  options = {};
  options.width_given = "--width";
  expect_input_error([&] { load(path, options); }, {"--width", "pins width: 0.5"});
  options = {};
  options.depth_given = "--depth";  // not pinned: applies
  options.depth = 0.5;
  EXPECT_NO_THROW(load(path, options));
}

TEST_F(WorkloadsYamlFile, UnknownOpKind) {
  const std::string path = write("bad.yaml", mlp_header() +
                                                 "ops: [{op: dense, name: fc, inputs: [x, w1, b1], output: h,"
                                                 " shape: [1, 128]}]\n");
  expect_input_error([&] { load(path); }, {path, "ops[0].op", "unknown op 'dense'", "linear"});
}

TEST_F(WorkloadsYamlFile, UnknownTensor) {
  const std::string path =
      write("bad.yaml", mlp_header() +
                            "ops: [{op: linear, name: fc, inputs: [x, w2, b1], output: h,"
                            " shape: [1, 128]}]\n");
  expect_input_error([&] { load(path); }, {path, "ops[0].inputs[1]", "unknown tensor 'w2'"});
}

TEST_F(WorkloadsYamlFile, ShapeMismatch) {
  const std::string path =
      write("bad.yaml", mlp_header() +
                            "ops: [{op: linear, name: fc, inputs: [x, w1, b1], output: h,"
                            " shape: [1, 64]}]\n");
  expect_input_error([&] { load(path); }, {path, "ops[0].shape", "[1,128]", "[1,64]"});
}

TEST_F(WorkloadsYamlFile, InputShapeMismatch) {
  const std::string path = write("bad.yaml", mlp_header() +
                                                 "ops: [{op: linear, name: fc, inputs: [x, w1, x], output: h,"
                                                 " shape: [1, 128]}]\n");
  expect_input_error([&] { load(path); }, {path, "ops[0].inputs", "bias"});
}

TEST_F(WorkloadsYamlFile, AttrNotUsedByKind) {
  const std::string path =
      write("bad.yaml", mlp_header() +
                            "ops: [{op: linear, name: fc, inputs: [x, w1, b1], output: h,"
                            " stride: 2, shape: [1, 128]}]\n");
  expect_input_error([&] { load(path); }, {path, "ops[0].stride", "not used by op 'linear'"});
}

TEST_F(WorkloadsYamlFile, MissingRequiredKey) {
  const std::string path =
      write("bad.yaml", mlp_header() + "ops: [{op: relu, name: r, inputs: [x], output: y}]\n");
  expect_input_error([&] { load(path); }, {path, "ops[0].shape", "missing"});
}

TEST_F(WorkloadsYamlFile, DuplicateTensor) {
  const std::string path = write("bad.yaml", mlp_header() +
                                                 "ops: [{op: relu, name: r, inputs: [x], output: w1,"
                                                 " shape: [1, 64]}]\n");
  expect_input_error([&] { load(path); }, {path, "ops[0].output", "already defined"});
}

TEST_F(WorkloadsYamlFile, ReshapeMustKeepElements) {
  const std::string path = write("bad.yaml", mlp_header() +
                                                 "ops: [{op: reshape, name: r, inputs: [x], output: y,"
                                                 " shape: [2, 64]}]\n");
  expect_input_error([&] { load(path); }, {path, "ops[0].shape", "reshape"});
}

TEST_F(WorkloadsYamlFile, UnknownFamily) {
  const std::string path = write("bad.yaml", "family: vgg16\n");
  expect_input_error([&] { load(path); },
                     {path, ": family: unknown family 'vgg16'", "nm_sim --list-workloads"});
  const std::string typo = write("typo.yaml", "family: gcn_cor\n");
  expect_input_error([&] { load(typo); },
                     {typo, ": family: unknown family 'gcn_cor'; did you mean gcn_cora?"});
}

TEST_F(WorkloadsYamlFile, FamilyWithOps) {
  const std::string path = write("bad.yaml", "family: gcn_cora\nops: []\n");
  expect_input_error([&] { load(path); }, {path, ": ops: not allowed together with 'family'"});
}

TEST_F(WorkloadsYamlFile, SeqLenOutOfRange) {
  const std::string path = write("bad.yaml", "family: bert_base\nseq_len: 1024\n");
  expect_input_error([&] { load(path); }, {path, ": seq_len:", "1..512", "1024"});
  const std::string resnet = write("bad_resnet.yaml", "family: resnet50\nseq_len: 128\n");
  expect_input_error([&] { load(resnet); }, {resnet, ": seq_len:", "bert_base"});
  WorkloadOptions options;
  options.seq_len = 0;
  expect_input_error([&] { load("bert_base", options); }, {"command line", "seq_len", "got 0"});
}

}  // namespace
}  // namespace nm::sw
