// Random weights and inputs (sw/functional/weights.h, random.h) and the nm_weights/1 file format.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "hw/core/input_error.h"
#include "sw/functional/random.h"
#include "sw/functional/weights.h"
#include "sw/graph/workloads.h"

namespace nm::sw {
namespace {

namespace fs = std::filesystem;

const Tensor& tensor_named(const Graph& g, const std::string& name) {
  for (const Tensor& t : g.tensors()) {
    if (t.name == name) return t;
  }
  throw std::runtime_error("no tensor " + name);
}

double std_dev(const std::vector<float>& v) {
  double mean = 0.0, sq = 0.0;
  for (float x : v) mean += x;
  mean /= static_cast<double>(v.size());
  for (float x : v) sq += (x - mean) * (x - mean);
  return std::sqrt(sq / static_cast<double>(v.size()));
}

// The sample std of n normal draws is within 5 standard errors (want / sqrt(2n)) of `want`.
void expect_std(const std::vector<float>& v, double want) {
  EXPECT_NEAR(std_dev(v), want, 5.0 * want / std::sqrt(2.0 * static_cast<double>(v.size())));
}

// ------------------------------------------------------------------------------------------------
// Random numbers

TEST(FunctionalRandom, NormalValuesArePinnedBitForBit) {
  // Fixed here so any platform or compiler producing other values fails (the point of the
  // portable Box-Muller): first values of Rng(42).
  Rng rng(42);
  EXPECT_EQ(rng.normal(), -0x1.13c1b5ffc24a9p+0);
  EXPECT_EQ(rng.normal(), -0x1.493b744b42ed1p+0);
  EXPECT_EQ(rng.normal(), 0x1.183273ea220c2p+0);
  EXPECT_EQ(rng.normal(), 0x1.42fdd4b3a9a76p+0);
  EXPECT_EQ(seed_for(7, "conv1.weight"), 0xe75698e5e4ec390cULL);
}

TEST(FunctionalRandom, FillNormalEqualsRepeatedNormal) {
  Rng a(9);
  Rng b(9);
  a.normal();  // leaves a spare: fill_normal must consume it first
  b.normal();
  for (size_t n : {1001, 1000, 7}) {  // odd and even counts, with and without a spare left over
    std::vector<float> v(n);
    a.fill_normal(v.data(), v.size(), 0.5);
    for (size_t i = 0; i < v.size(); ++i)
      ASSERT_EQ(v[i], static_cast<float>(0.5 * b.normal())) << n << ": " << i;
  }
  EXPECT_EQ(a.normal(), b.normal());
}

TEST(FunctionalRandom, SeriesMatchLibmAndNormalHasUnitMoments) {
  for (double x : {1e-300, 2.2e-308, 1e-16, 0.001, 0.3, 0.7071, 1.0, 1.5, 2.0, 1e10}) {
    EXPECT_NEAR(portable_log(x), std::log(x), 1e-15 * (1.0 + std::fabs(std::log(x)))) << x;
  }
  const double kPi = std::acos(-1.0);
  for (int i = 0; i < 1000; ++i) {
    const double u = i / 1000.0 + 0.0004;
    double c, s;
    portable_cos_sin_2pi(u, &c, &s);
    EXPECT_NEAR(c, std::cos(2 * kPi * u), 1e-15);
    EXPECT_NEAR(s, std::sin(2 * kPi * u), 1e-15);
  }
  Rng rng(3);
  std::vector<float> v(1 << 20);
  rng.fill_normal(v.data(), v.size(), 1.0);
  double mean = 0.0, m2 = 0.0, m4 = 0.0;
  for (float x : v) {
    mean += x;
    m2 += static_cast<double>(x) * x;
    m4 += static_cast<double>(x) * x * x * x;
  }
  const double n = static_cast<double>(v.size());
  EXPECT_NEAR(mean / n, 0.0, 0.005);
  EXPECT_NEAR(m2 / n, 1.0, 0.005);
  EXPECT_NEAR(m4 / n, 3.0, 0.05);  // Gaussian kurtosis
}

TEST(FunctionalRandom, IndexIsUniform) {
  Rng rng(11);
  std::vector<int> count(7, 0);
  for (int i = 0; i < 70000; ++i) ++count[static_cast<size_t>(rng.index(7))];
  for (int c : count) EXPECT_NEAR(c, 10000, 400);
}

// ------------------------------------------------------------------------------------------------
// Random weights and inputs

TEST(FunctionalWeights, RolesGetTheDocumentedInit) {
  WorkloadOptions o;
  o.seq_len = 8;
  const Graph bert = build_builtin_workload("bert_base", o);
  const TensorMap w = random_weights(bert, 1);
  for (const Tensor& t : bert.tensors()) EXPECT_EQ(w.count(t.id), t.constant ? 1u : 0u) << t.name;
  auto values = [&](const std::string& name) { return w.at(tensor_named(bert, name).id).values; };
  EXPECT_EQ(values("encoder.0.attention.layernorm.gamma"), std::vector<float>(768, 1.0f));
  EXPECT_EQ(values("encoder.0.attention.layernorm.beta"), std::vector<float>(768, 0.0f));
  expect_std(values("embeddings.word.weight"), 0.02);
  // A transformer (it has layernorms) is initialised as BERT is: N(0, 0.02^2), not He-normal.
  expect_std(values("encoder.0.ffn.intermediate.weight"), 0.02);
  expect_std(values("encoder.0.ffn.output.weight"), 0.02);
  expect_std(values("encoder.0.attention.key.weight"), 0.02);
  // The query carries the folded 1/sqrt(head_dim = 64).
  expect_std(values("encoder.0.attention.query.weight"), 0.02 / 8);
  expect_std(values("encoder.0.ffn.intermediate.bias"), 0.01);

  const Graph resnet = build_resnet50();
  const TensorMap r = random_weights(resnet, 1);
  auto rvalues = [&](const std::string& name) { return r.at(tensor_named(resnet, name).id).values; };
  expect_std(rvalues("layer1.0.conv1.weight"), std::sqrt(2.0 / 64));
  expect_std(rvalues("layer3.0.conv2.weight"), std::sqrt(2.0 / (9 * 256)));
  // The last conv of each of the 16 residual branches: He / sqrt(16); shortcuts keep He.
  expect_std(rvalues("layer1.0.conv3.weight"), std::sqrt(2.0 / 64) / 4);
  expect_std(rvalues("layer1.0.downsample.weight"), std::sqrt(2.0 / 64));
}

TEST(FunctionalWeights, InputsFollowTheirRoles) {
  WorkloadOptions o;
  o.seq_len = 64;
  const Graph bert = build_builtin_workload("bert_base", o);
  const TensorMap in = random_inputs(bert, 2);
  ASSERT_EQ(in.size(), 1u);
  const std::vector<float>& ids = in.begin()->second.values;
  ASSERT_EQ(ids.size(), 64u);
  std::set<float> distinct(ids.begin(), ids.end());
  EXPECT_GT(distinct.size(), 60u);
  for (float v : ids) EXPECT_TRUE(v >= 0 && v < 30522 && v == std::floor(v)) << v;

  const TensorMap image = random_inputs(build_resnet50(), 2);
  expect_std(image.begin()->second.values, 1.0);

  const Graph gcn = build_builtin_workload("gcn", {});
  const TensorMap gcn_inputs = random_inputs(gcn, 2);
  const TensorData& features = gcn_inputs.begin()->second;
  ASSERT_FALSE(features.is_sparse());
  double ones = 0;
  for (float v : features.values) {
    ASSERT_TRUE(v == 0.0f || v == 1.0f);
    ones += v;
  }
  EXPECT_NEAR(ones / static_cast<double>(features.values.size()), 0.01, 0.001);
  // The sparse variant keeps the same features as CSR.
  const TensorMap sparse_inputs = random_inputs(build_builtin_workload("gcn_cora_l2_sparse", {}), 2);
  const TensorData& sparse = sparse_inputs.begin()->second;
  ASSERT_TRUE(sparse.is_sparse());
  EXPECT_EQ(to_dense(sparse), features.values);
}

TEST(FunctionalWeights, AdjacencyIsTheNormalizedRandomGraph) {
  const Graph g = build_builtin_workload("gcn_cora_l2_sparse", {});
  const Tensor& adj = tensor_named(g, "adjacency");
  const TensorMap w = random_weights(g, 1);
  const TensorData& a = w.at(adj.id);
  ASSERT_TRUE(a.is_sparse());
  const SparseMatrix& m = *a.sparse;
  EXPECT_EQ(m.nonzeros(), adj.nonzeros);  // 10556 edge entries + 2708 self loops, exactly
  std::vector<int64_t> degree(2708);
  for (int64_t r = 0; r < 2708; ++r)
    degree[static_cast<size_t>(r)] =
        m.row_ptr[static_cast<size_t>(r) + 1] - m.row_ptr[static_cast<size_t>(r)];
  const std::vector<float> dense = to_dense(a);
  for (int64_t r = 0; r < 2708; ++r) {
    EXPECT_GT(dense[static_cast<size_t>(r * 2708 + r)], 0.0f);  // self loop
    for (int64_t i = m.row_ptr[static_cast<size_t>(r)]; i < m.row_ptr[static_cast<size_t>(r) + 1]; ++i) {
      const int64_t c = m.col[static_cast<size_t>(i)];
      EXPECT_EQ(dense[static_cast<size_t>(c * 2708 + r)], m.val[static_cast<size_t>(i)]);  // symmetric
      EXPECT_FLOAT_EQ(m.val[static_cast<size_t>(i)],
                      1.0f / std::sqrt(static_cast<float>(degree[static_cast<size_t>(r)] *
                                                          degree[static_cast<size_t>(c)])));
    }
  }
  // The graph is a dataset: the weight seed does not change it, and the dense variant holds it too.
  EXPECT_TRUE(random_weights(g, 99).at(adj.id) == a);
  const Graph dg = build_builtin_workload("gcn_cora_l2", {});
  EXPECT_EQ(random_weights(dg, 5).at(tensor_named(dg, "adjacency").id).values, dense);
}

TEST(FunctionalWeights, SameSeedSameValuesOtherSeedOtherValues) {
  const Graph g = build_builtin_workload("resnet18_cifar10", {});
  const TensorMap a = random_weights(g, 17);
  const TensorMap b = random_weights(g, 17);
  const TensorMap c = random_weights(g, 18);
  const int conv = tensor_named(g, "layer2.0.conv1.weight").id;
  EXPECT_TRUE(a == b);
  EXPECT_NE(a.at(conv).values, c.at(conv).values);
  EXPECT_TRUE(random_inputs(g, 17) == random_inputs(g, 17));
  EXPECT_FALSE(random_inputs(g, 17) == random_inputs(g, 18));
}

// ------------------------------------------------------------------------------------------------
// Weight files

class WeightFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nm_weights_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  static nlohmann::json read_json(const std::string& p) {
    std::ifstream f(p);
    return nlohmann::json::parse(f);
  }
  static void write_text(const std::string& p, const std::string& text) { std::ofstream(p) << text; }

  // load_weights must throw an InputError whose message names all of `parts`.
  static void expect_error(const std::function<void()>& load, const std::vector<std::string>& parts) {
    try {
      load();
      FAIL() << "expected InputError";
    } catch (const InputError& e) {
      for (const std::string& part : parts) {
        EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
            << "'" << part << "' not in: " << e.what();
      }
    }
  }

  fs::path dir_;
};

TEST_F(WeightFile, RoundTripIsIdentical) {
  const Graph g = load_workload("tiny_mlp", {}, {std::string(NM_SOURCE_DIR) + "/workloads"});
  const TensorMap w = random_weights(g, 4);
  save_weights(path("mlp.json"), g, w);
  EXPECT_TRUE(fs::exists(path("mlp.bin")));
  EXPECT_FALSE(fs::exists(path("mlp.json.tmp")));
  EXPECT_TRUE(load_weights(path("mlp.json"), g) == w);
  const nlohmann::json index = read_json(path("mlp.json"));
  EXPECT_EQ(index["format"], "nm_weights/1");
  EXPECT_EQ(index["data"], "mlp.bin");
  EXPECT_EQ(index["tensors"][0]["name"], "fc1.weight");
  EXPECT_EQ(index["tensors"][0]["bytes"], 64 * 128 * 4);
  EXPECT_EQ(fs::file_size(path("mlp.bin")), static_cast<uintmax_t>(4 * g.parameter_count()));
  // Little-endian float32, row-major: the first bytes are fc1.weight[0][0].
  std::ifstream blob(path("mlp.bin"), std::ios::binary);
  unsigned char b[4];
  blob.read(reinterpret_cast<char*>(b), 4);
  const uint32_t bits = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
  float first;
  std::memcpy(&first, &bits, 4);
  EXPECT_EQ(first, w.at(tensor_named(g, "fc1.weight").id).values[0]);
}

TEST_F(WeightFile, SparseRoundTripAndLayoutConversions) {
  const Graph sparse = build_builtin_workload("gcn_cora_l2_sparse", {});
  const Graph dense = build_builtin_workload("gcn_cora_l2", {});
  const TensorMap ws = random_weights(sparse, 2);
  const TensorMap wd = random_weights(dense, 2);
  save_weights(path("sparse.json"), sparse, ws);
  EXPECT_EQ(read_json(path("sparse.json"))["tensors"][0]["layout"], "csr");
  EXPECT_TRUE(load_weights(path("sparse.json"), sparse) == ws);
  // A csr entry loads into a dense tensor and a dense entry into a sparse one.
  EXPECT_TRUE(load_weights(path("sparse.json"), dense) == wd);
  save_weights(path("dense.json"), dense, wd);
  EXPECT_TRUE(load_weights(path("dense.json"), sparse) == ws);
}

TEST_F(WeightFile, MissingTensorNamesFileAndTensor) {
  const Graph g = load_workload("tiny_mlp", {}, {std::string(NM_SOURCE_DIR) + "/workloads"});
  save_weights(path("w.json"), g, random_weights(g, 1));
  nlohmann::json index = read_json(path("w.json"));
  index["tensors"].erase(2);  // fc2.weight
  write_text(path("w.json"), index.dump());
  expect_error([&] { load_weights(path("w.json"), g); }, {path("w.json"), "fc2.weight", "no entry"});
}

TEST_F(WeightFile, WrongShapeNamesFileEntryAndTensor) {
  const Graph g = load_workload("tiny_mlp", {}, {std::string(NM_SOURCE_DIR) + "/workloads"});
  save_weights(path("w.json"), g, random_weights(g, 1));
  nlohmann::json index = read_json(path("w.json"));
  index["tensors"][1]["shape"] = {64};
  write_text(path("w.json"), index.dump());
  expect_error([&] { load_weights(path("w.json"), g); },
               {path("w.json"), "tensors[1].shape", "fc1.bias", "[128]", "[64]"});
}

TEST_F(WeightFile, BadJsonAndBadFieldsAreInputErrors) {
  const Graph g = load_workload("tiny_mlp", {}, {std::string(NM_SOURCE_DIR) + "/workloads"});
  write_text(path("bad.json"), "{\n  \"format\": \"nm_weights/1\",\n  \"tensors\": [ oops ]\n}\n");
  expect_error([&] { load_weights(path("bad.json"), g); }, {path("bad.json"), "3:", "invalid JSON"});
  expect_error([&] { load_weights(path("absent.json"), g); }, {path("absent.json"), "cannot open"});
  // nlohmann throws out_of_range, not parse_error, for a number beyond double (found by fuzz_weights).
  write_text(path("big.json"), "{\"format\": \"nm_weights/1\", \"tensors\": [], \"x\": 1e999}");
  expect_error([&] { load_weights(path("big.json"), g); },
               {path("big.json"), "(document)", "invalid JSON: number overflow"});

  save_weights(path("w.json"), g, random_weights(g, 1));
  const nlohmann::json good = read_json(path("w.json"));
  auto with = [&](const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json j = good;
    edit(j);
    write_text(path("w.json"), j.dump());
  };
  with([](nlohmann::json& j) { j["format"] = "nm_weights/2"; });
  expect_error([&] { load_weights(path("w.json"), g); }, {path("w.json"), "format"});
  with([](nlohmann::json& j) { j["tensors"][0]["dtype"] = "float16"; });
  expect_error([&] { load_weights(path("w.json"), g); }, {"tensors[0].dtype", "fc1.weight"});
  with([](nlohmann::json& j) { j["tensors"][3]["bytes"] = 8; });
  expect_error([&] { load_weights(path("w.json"), g); }, {"tensors[3].bytes", "fc2.bias"});
  with([](nlohmann::json& j) { j["tensors"][3].erase("offset"); });
  expect_error([&] { load_weights(path("w.json"), g); }, {"tensors[3].offset", "missing"});
  with([](nlohmann::json& j) { j["tensors"][3]["offset"] = 1 << 20; });
  expect_error([&] { load_weights(path("w.json"), g); }, {path("w.bin"), "fc2.bias", "past the end"});
  with([](nlohmann::json& j) { j["tensors"].push_back(j["tensors"][0]); });
  expect_error([&] { load_weights(path("w.json"), g); }, {"tensors[4].name", "fc1.weight", "twice"});
  with([](nlohmann::json& j) { j["data"] = "elsewhere.bin"; });
  expect_error([&] { load_weights(path("w.json"), g); }, {path("elsewhere.bin"), "cannot open"});

  // Non-finite values are refused.
  with([](nlohmann::json&) {});
  {
    std::fstream blob(path("w.bin"), std::ios::in | std::ios::out | std::ios::binary);
    const float nan = std::nanf("");
    blob.seekp(4 * 5);
    blob.write(reinterpret_cast<const char*>(&nan), 4);
  }
  expect_error([&] { load_weights(path("w.json"), g); }, {path("w.bin"), "fc1.weight", "not finite"});
}

TEST_F(WeightFile, UnwritablePathIsAnInputError) {
  const Graph g = load_workload("tiny_mlp", {}, {std::string(NM_SOURCE_DIR) + "/workloads"});
  const std::string p = path("no/such/dir/w.json");
  expect_error([&] { save_weights(p, g, random_weights(g, 1)); }, {"no/such/dir/w", "cannot write"});
}

}  // namespace
}  // namespace nm::sw
