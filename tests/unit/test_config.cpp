// Config and energy-table loading: the built-in default, overlays, --set overrides, errors, JSON.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "hw/core/input_error.h"
#include "sw/config/config_loader.h"
#include "sw/functional/weights.h"
#include "sw/graph/workloads.h"
#include "sw/proc/input_file.h"
#include "sw/sweep/sweep_spec.h"

namespace nm::sw {
namespace {

namespace fs = std::filesystem;

const std::string kConfigFile = std::string(NM_SOURCE_DIR) + "/configs/pe1024.yaml";
const std::string kEnergyFile = std::string(NM_SOURCE_DIR) + "/configs/energy/45nm.yaml";

void expect_same_arch(const hw::ArchConfig& a, const hw::ArchConfig& b) {
  EXPECT_EQ(a.pe_count, b.pe_count);
  EXPECT_EQ(a.clusters, b.clusters);
  EXPECT_EQ(a.clock_ghz, b.clock_ghz);
  EXPECT_EQ(a.l1_bytes_per_pe, b.l1_bytes_per_pe);
  EXPECT_EQ(a.l2_bytes, b.l2_bytes);
  EXPECT_EQ(a.l2_banks, b.l2_banks);
  EXPECT_EQ(a.l2_bank_bytes_per_cycle, b.l2_bank_bytes_per_cycle);
  EXPECT_EQ(a.l2_activation_fraction, b.l2_activation_fraction);
  EXPECT_EQ(a.noc_bandwidth_gbps, b.noc_bandwidth_gbps);
  EXPECT_EQ(a.noc_router_latency_cycles, b.noc_router_latency_cycles);
  EXPECT_EQ(a.dram_standard, b.dram_standard);
  EXPECT_EQ(a.dram_bandwidth_gbps, b.dram_bandwidth_gbps);
  EXPECT_EQ(a.dram_channels, b.dram_channels);
  EXPECT_EQ(a.dram_latency_ns, b.dram_latency_ns);
  EXPECT_EQ(a.dram_burst_bytes, b.dram_burst_bytes);
  EXPECT_EQ(a.datatype, b.datatype);
  EXPECT_EQ(a.pwl_granularity, b.pwl_granularity);
}

void expect_same_energy(const hw::EnergyTable& a, const hw::EnergyTable& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.technology_nm, b.technology_nm);
  EXPECT_EQ(a.sram_cells, b.sram_cells);
  EXPECT_EQ(a.mac_int8_pj, b.mac_int8_pj);
  EXPECT_EQ(a.mac_fp16_pj, b.mac_fp16_pj);
  EXPECT_EQ(a.l1_read_pj_per_byte, b.l1_read_pj_per_byte);
  EXPECT_EQ(a.l1_write_pj_per_byte, b.l1_write_pj_per_byte);
  EXPECT_EQ(a.l2_read_pj_per_byte, b.l2_read_pj_per_byte);
  EXPECT_EQ(a.l2_write_pj_per_byte, b.l2_write_pj_per_byte);
  EXPECT_EQ(a.noc_pj_per_byte_hop, b.noc_pj_per_byte_hop);
  EXPECT_EQ(a.dram_pj_per_byte, b.dram_pj_per_byte);
  EXPECT_EQ(a.register_pj_per_bit, b.register_pj_per_bit);
  EXPECT_EQ(a.leakage_pe_int8_mw, b.leakage_pe_int8_mw);
  EXPECT_EQ(a.leakage_pe_fp16_mw, b.leakage_pe_fp16_mw);
  EXPECT_EQ(a.leakage_l1_mw_per_kib, b.leakage_l1_mw_per_kib);
  EXPECT_EQ(a.leakage_l2_mw_per_kib, b.leakage_l2_mw_per_kib);
  EXPECT_EQ(a.leakage_noc_mw_per_router, b.leakage_noc_mw_per_router);
  EXPECT_EQ(a.leakage_dram_mw_per_channel, b.leakage_dram_mw_per_channel);
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
// Built-in default and shipped files

TEST(Config, BuiltinEqualsShippedFiles) {
  const SimConfig builtin = builtin_default_config();
  const SimConfig file = load_config_file(kConfigFile);
  expect_same_arch(builtin.arch, file.arch);
  expect_same_energy(builtin.energy, file.energy);
  EXPECT_EQ(builtin.energy_table, "45nm");
  EXPECT_EQ(file.energy_table, "45nm");
  EXPECT_EQ(file.source, kConfigFile);
  EXPECT_EQ(builtin.source, "built-in default (configs/pe1024.yaml)");
  // The built-in energy table is the embedded text of configs/energy/45nm.yaml.
  expect_same_energy(builtin.energy, load_energy_table_file(kEnergyFile));
}

// The shipped variants: high-performance SRAM cells, and the fixed per-byte table of before the
// SRAM model (every other figure the default's).
TEST(Config, EnergyTableVariantsLoad) {
  const hw::EnergyTable base = load_energy_table_file(kEnergyFile);
  EXPECT_EQ(base.sram_cells, hw::SramCells::kCactiLop);
  const hw::EnergyTable hp =
      load_energy_table_file(std::string(NM_SOURCE_DIR) + "/configs/energy/45nm_hp.yaml");
  EXPECT_EQ(hp.sram_cells, hw::SramCells::kCactiHp);
  const hw::EnergyTable fixed =
      load_energy_table_file(std::string(NM_SOURCE_DIR) + "/configs/energy/45nm_fixed.yaml");
  EXPECT_EQ(fixed.sram_cells, hw::SramCells::kFixed);
  EXPECT_EQ(fixed.l2_read_pj_per_byte, 12.5);
  for (const hw::EnergyTable* t : {&hp, &fixed}) {
    EXPECT_EQ(t->mac_int8_pj, base.mac_int8_pj);
    EXPECT_EQ(t->dram_pj_per_byte, base.dram_pj_per_byte);
    EXPECT_EQ(t->leakage_pe_int8_mw, base.leakage_pe_int8_mw);
  }
}

// energy_table: 16nm is the built-in table carried to 16 nm (hw/core/tech_scaling.h): logic and
// SRAM energy, leakage and area scale; DRAM does not.
TEST(Config, EnergyTableForAnotherNode) {
  SimConfig base = builtin_default_config();
  SimConfig n16 = base;
  apply_override(n16, "energy_table=16nm");
  EXPECT_EQ(n16.energy_table, "16nm");
  EXPECT_EQ(n16.energy.technology_nm, 16);
  EXPECT_NEAR(n16.energy.mac_int8_pj, base.energy.mac_int8_pj * 0.14, 1e-12);
  EXPECT_EQ(n16.energy.dram_pj_per_byte, base.energy.dram_pj_per_byte);
  EXPECT_LT(n16.energy.noc_pj_per_byte_hop, base.energy.noc_pj_per_byte_hop);
  EXPECT_GT(n16.energy.noc_pj_per_byte_hop, 0.451);  // the wire does not scale
  EXPECT_NEAR(n16.energy.area_scale, 0.19, 1e-12);
  // SRAM scales more slowly than logic below 22 nm.
  EXPECT_GT(n16.energy.sram_energy_scale, 0.14);
  SimConfig n28 = base;
  apply_override(n28, "energy_table=28nm");  // between the tabulated 32 and 20 nm
  EXPECT_LT(n28.energy.mac_int8_pj, base.energy.mac_int8_pj * 0.64);
  EXPECT_GT(n28.energy.mac_int8_pj, base.energy.mac_int8_pj * 0.24);
  EXPECT_THROW(apply_override(n28, "energy_table=200nm"), InputError);
}

TEST(Config, DefaultsAreTable2) {
  const SimConfig c = builtin_default_config();
  EXPECT_EQ(c.arch.pe_count, 1024u);
  EXPECT_EQ(c.arch.clusters, 8u);
  EXPECT_EQ(c.arch.l1_bytes_per_pe, 4096u);
  EXPECT_EQ(c.arch.l2_bytes, 1u << 20);
  EXPECT_EQ(c.arch.noc_bandwidth_gbps, 128.0);
  EXPECT_EQ(c.arch.dram_bandwidth_gbps, 32.0);
  EXPECT_EQ(c.arch.clock_ghz, 1.0);
  EXPECT_EQ(c.arch.datatype, hw::DataType::kInt8);
  EXPECT_EQ(c.energy.name, "45nm");
  EXPECT_EQ(c.energy.technology_nm, 45);
  EXPECT_GT(c.energy.mac_int8_pj, 0);
  EXPECT_GT(c.energy.dram_pj_per_byte, c.energy.l2_read_pj_per_byte);
  EXPECT_NO_THROW(validate_or_throw(c));
}

// ---------------------------------------------------------------------------------------------
// Files written per test

class ConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nm_config_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string write(const std::string& file, const std::string& text) {
    const fs::path p = dir_ / file;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }

  // Checks that loading a config file with `text` throws an InputError naming the file and `parts`.
  void expect_config_error(const std::string& text, std::vector<std::string> parts) {
    const std::string path = write("bad.yaml", text);
    parts.push_back(path + ": ");
    expect_input_error([&] { load_config_file(path); }, parts);
  }

  // The built-in energy table as YAML (JSON is YAML), after `edit`; independent of the file's layout.
  static std::string energy_text(const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json energy = config_to_json(builtin_default_config()).at("energy");
    edit(energy);
    return energy.dump();
  }

  fs::path dir_;
};

TEST_F(ConfigFile, PartialFileKeepsBuiltinValues) {
  const std::string path = write("small.yaml", "l2:\n  bytes: 2097152\ndatatype: fp16\nenergy_table: 45nm\n");
  const SimConfig c = load_config_file(path);
  SimConfig expected = builtin_default_config();
  expected.arch.l2_bytes = 2097152;
  expected.arch.datatype = hw::DataType::kFp16;
  expect_same_arch(c.arch, expected.arch);
  expect_same_energy(c.energy, expected.energy);
  EXPECT_EQ(c.source, path);
}

TEST_F(ConfigFile, IntegerForms) {
  const SimConfig c = load_config_file(
      write("ints.yaml", "l1: {bytes_per_pe: 8e3}\nl2: {bytes: 0x200000}\nenergy_table: 45nm\n"));
  EXPECT_EQ(c.arch.l1_bytes_per_pe, 8000u);
  EXPECT_EQ(c.arch.l2_bytes, 2097152u);
}

TEST_F(ConfigFile, UnknownKey) {
  expect_config_error("bogus: 1\nenergy_table: 45nm\n",
                      {"bogus: unknown key; expected one of pe, clock_ghz"});
}

TEST_F(ConfigFile, MisspelledNestedKey) {
  expect_config_error("l2:\n  bytez: 2097152\nenergy_table: 45nm\n",
                      {"l2.bytez: unknown key; expected one of bytes, banks, bank_bytes_per_cycle"});
}

TEST_F(ConfigFile, DuplicateKey) {
  expect_config_error("l2:\n  bytes: 1\n  bytes: 2\nenergy_table: 45nm\n", {"l2.bytes: duplicate key"});
}

TEST_F(ConfigFile, StringWithUnitForNumber) {
  expect_config_error("noc:\n  bandwidth_gbps: 128 Gbps\nenergy_table: 45nm\n",
                      {"noc.bandwidth_gbps: expected a number in gigabits per second", "got '128 Gbps'"});
  expect_config_error("l1:\n  bytes_per_pe: 4KB\nenergy_table: 45nm\n",
                      {"l1.bytes_per_pe: expected a whole number of bytes", "got '4KB'"});
  expect_config_error("dram:\n  latency_ns: 50ns\nenergy_table: 45nm\n", {"dram.latency_ns", "nanoseconds"});
  expect_config_error("clock_ghz: 1GHz\nenergy_table: 45nm\n", {"clock_ghz", "GHz", "'1GHz'"});
  expect_config_error("clock_ghz: .inf\nenergy_table: 45nm\n", {"clock_ghz", "'.inf'"});
  expect_config_error("l2:\n  bytes: [1]\nenergy_table: 45nm\n", {"l2.bytes", "got a list"});
}

TEST_F(ConfigFile, IntegerKeysRejectFractionsAndNegatives) {
  expect_config_error("l2:\n  banks: 2.5\nenergy_table: 45nm\n",
                      {"l2.banks: expected a whole number", "'2.5'"});
  expect_config_error("noc:\n  router_latency_cycles: -1\nenergy_table: 45nm\n",
                      {"noc.router_latency_cycles: expected a non-negative whole number of cycles"});
  expect_config_error("pe:\n  count: 99999999999\nenergy_table: 45nm\n",
                      {"pe.count: expected at most 4294967295"});
}

TEST_F(ConfigFile, ZeroSize) {
  expect_config_error("l2:\n  bytes: 0\nenergy_table: 45nm\n", {"l2.bytes: expected a positive", "got '0'"});
  expect_config_error("pe:\n  count: 0\nenergy_table: 45nm\n", {"pe.count: expected a positive"});
}

TEST_F(ConfigFile, NegativeBandwidth) {
  expect_config_error(
      "dram:\n  bandwidth_gbps: -32\nenergy_table: 45nm\n",
      {"dram.bandwidth_gbps: expected a positive number in gigabits per second", "got '-32'"});
}

TEST_F(ConfigFile, FractionOutOfRange) {
  expect_config_error("l2:\n  activation_fraction: 1\nenergy_table: 45nm\n",
                      {"l2.activation_fraction: expected a fraction in [0, 1)"});
}

TEST_F(ConfigFile, MalformedYaml) {
  expect_config_error("pe:\n  count: [1024\nenergy_table: 45nm\n", {": line ", ", column "});
}

TEST_F(ConfigFile, TopLevelMustBeMapping) {
  expect_config_error("- 1\n- 2\n", {"top level: expected a mapping", "got a list"});
  expect_config_error("", {"top level: expected a mapping", "got nothing"});
  expect_config_error("l2: 5\nenergy_table: 45nm\n", {"l2: expected a mapping with keys bytes, banks"});
}

TEST_F(ConfigFile, MissingFile) {
  const std::string path = (dir_ / "nope.yaml").string();
  expect_input_error([&] { load_config_file(path); }, {path + ": file: cannot open: no such file"});
  expect_input_error([&] { load_energy_table_file(path); }, {path + ": file: cannot open: no such file"});
}

TEST_F(ConfigFile, UnknownDatatype) {
  expect_config_error("datatype: int4\nenergy_table: 45nm\n",
                      {"datatype: expected int8 or fp16, got 'int4'"});
}

TEST_F(ConfigFile, OnlyOutputStationary) {
  expect_config_error("pe:\n  dataflow: weight_stationary\nenergy_table: 45nm\n",
                      {"pe.dataflow: expected output_stationary", "got 'weight_stationary'"});
}

TEST_F(ConfigFile, ClustersMustDividePeCount) {
  expect_config_error("pe:\n  clusters: 7\nenergy_table: 45nm\n",
                      {"pe.clusters: expected a divisor of pe.count"});
}

TEST_F(ConfigFile, AtMost64Clusters) {
  expect_config_error("pe:\n  clusters: 128\nenergy_table: 45nm\n", {"pe.clusters: expected at most 64"});
}

TEST_F(ConfigFile, EnergyTableRequired) {
  expect_config_error("datatype: fp16\n", {"energy_table: required key is missing"});
}

TEST_F(ConfigFile, EnergyTableRelativeToConfigDir) {
  write("tables/custom.yaml", energy_text([](nlohmann::json& e) { e["mac_pj"]["int8"] = 0.5; }));
  const SimConfig c = load_config_file(write("cfg.yaml", "energy_table: tables/custom.yaml\n"));
  EXPECT_EQ(c.energy_table, "tables/custom.yaml");
  EXPECT_EQ(c.energy_source, (dir_ / "tables/custom.yaml").string());
  EXPECT_EQ(c.energy.name, "custom");
  EXPECT_EQ(c.energy.mac_int8_pj, 0.5);
  EXPECT_EQ(c.energy.mac_fp16_pj, builtin_default_config().energy.mac_fp16_pj);
}

TEST_F(ConfigFile, EnergyTableNotFound) {
  expect_config_error("energy_table: 3nm\n",
                      {"energy_table: expected 45nm (built-in), another node", "'3nm'"});
  expect_config_error("energy_table: none.yaml\n", {"energy_table: expected 45nm", "'none.yaml' is not in"});
}

TEST_F(ConfigFile, EnergyTableErrorsNameTheTableFile) {
  const std::string missing =
      write("missing.yaml", energy_text([](nlohmann::json& e) { e.erase("dram_pj_per_byte"); }));
  expect_input_error([&] { load_energy_table_file(missing); },
                     {missing + ": dram_pj_per_byte: required key is missing"});
  const std::string nested =
      write("nested.yaml", energy_text([](nlohmann::json& e) { e["mac_pj"].erase("fp16"); }));
  expect_input_error([&] { load_energy_table_file(nested); }, {nested + ": mac_pj.fp16: required"});
  // The SRAM figures come from the CACTI model or from the table (sram: fixed), never both.
  const std::string both =
      write("both.yaml", energy_text([](nlohmann::json& e) { e["l2_pj_per_byte"]["read"] = 12.5; }));
  expect_input_error([&] { load_energy_table_file(both); },
                     {both + ": l2_pj_per_byte.read: not used with sram: cacti7_lop", "set sram: fixed"});
  const std::string fixed_without =
      write("fixed.yaml", energy_text([](nlohmann::json& e) { e["sram"] = "fixed"; }));
  expect_input_error([&] { load_energy_table_file(fixed_without); },
                     {fixed_without + ": l1_pj_per_byte.read: required key is missing"});
  const std::string no_sram = write("nosram.yaml", energy_text([](nlohmann::json& e) { e.erase("sram"); }));
  expect_input_error([&] { load_energy_table_file(no_sram); },
                     {no_sram + ": sram: required key is missing; expected cacti7_lop, cacti7_hp or fixed"});
  const std::string bad_cells =
      write("cells.yaml", energy_text([](nlohmann::json& e) { e["sram"] = "cacti"; }));
  expect_input_error([&] { load_energy_table_file(bad_cells); }, {bad_cells + ": sram: expected cacti7_lop"});
  const std::string unknown =
      write("unknown.yaml", energy_text([](nlohmann::json& e) { e["leakage_mw"]["pee"] = 0.1; }));
  expect_input_error([&] { load_energy_table_file(unknown); },
                     {unknown + ": leakage_mw.pee: unknown key; expected one of pe_int8, pe_fp16"});
  const std::string units =
      write("units.yaml", energy_text([](nlohmann::json& e) { e["dram_pj_per_byte"] = "68 pJ"; }));
  expect_input_error([&] { load_energy_table_file(units); },
                     {units + ": dram_pj_per_byte: expected a number in picojoules per byte", "'68 pJ'"});
  const std::string negative =
      write("neg.yaml", energy_text([](nlohmann::json& e) { e["leakage_mw"]["pe_int8"] = -1; }));
  expect_input_error([&] { load_energy_table_file(negative); },
                     {negative + ": leakage_mw.pe_int8: expected a non-negative"});
  // Through a config, the error still names the table file.
  const std::string config = write("cfg.yaml", "energy_table: missing.yaml\n");
  expect_input_error([&] { load_config_file(config); }, {missing + ": dram_pj_per_byte"});
}

// ---------------------------------------------------------------------------------------------
// --set overrides

TEST(ConfigOverride, Applies) {
  SimConfig c = builtin_default_config();
  apply_override(c, "l2.bytes=2097152");
  apply_override(c, "datatype=fp16");
  apply_override(c, "dram.bandwidth_gbps=64");
  apply_override(c, " clock_ghz = 1.5 ");
  EXPECT_EQ(c.arch.l2_bytes, 2097152u);
  EXPECT_EQ(c.arch.datatype, hw::DataType::kFp16);
  EXPECT_EQ(c.arch.dram_bandwidth_gbps, 64.0);
  EXPECT_EQ(c.arch.clock_ghz, 1.5);
  EXPECT_EQ(c.arch.pe_count, 1024u);  // untouched keys keep their values
  EXPECT_NO_THROW(validate_or_throw(c));
}

TEST(ConfigOverride, Errors) {
  SimConfig c = builtin_default_config();
  expect_input_error([&] { apply_override(c, "a.b=1"); },
                     {"--set: a.b: unknown key; expected one of pe.count"});
  expect_input_error([&] { apply_override(c, "l2.bytez=1"); },
                     {"--set: l2.bytez: unknown key; expected one of l2.bytes, l2.banks"});
  expect_input_error([&] { apply_override(c, "l2.bytes"); }, {"--set: l2.bytes: expected key.path=value"});
  expect_input_error([&] { apply_override(c, "=5"); }, {"--set: =5: expected key.path=value"});
  expect_input_error([&] { apply_override(c, "l2=5"); }, {"--set: l2: expected a full key; one of l2.bytes"});
  expect_input_error([&] { apply_override(c, "l2.bytes=2MB"); },
                     {"--set: l2.bytes: expected a whole number of bytes"});
  expect_input_error([&] { apply_override(c, "l2.bytes=0"); }, {"--set: l2.bytes: expected a positive"});
  expect_input_error([&] { apply_override(c, "l2.bytes="); }, {"--set: l2.bytes:", "got nothing"});
  expect_input_error([&] { apply_override(c, "l2.bytes=[1"); }, {"--set: l2.bytes: expected a YAML scalar"});
  expect_input_error([&] { apply_override(c, "datatype=int4"); }, {"--set: datatype: expected int8 or fp16"});
  expect_input_error([&] { apply_override(c, "dram.bandwidth_gbps=-1"); }, {"--set: dram.bandwidth_gbps"});
  // Failed overrides leave the config as it was.
  expect_same_arch(c.arch, builtin_default_config().arch);
}

TEST(ConfigOverride, DramStandard) {
  SimConfig c = builtin_default_config();
  EXPECT_EQ(c.arch.dram_standard, "bandwidth");  // Table 2's 32 Gbit/s pipe stays the default
  apply_override(c, "dram.standard=hbm2");
  EXPECT_EQ(c.arch.dram_standard, "hbm2");
  EXPECT_NO_THROW(validate_or_throw(c));
  apply_override(c, "dram.standard=ideal");  // issue 9's name for the pipe
  EXPECT_EQ(c.arch.dram_standard, "bandwidth");
  expect_input_error(
      [&] { apply_override(c, "dram.standard=ddr5"); },
      {"--set: dram.standard: expected bandwidth (the bandwidth pipe), lpddr4_3200, ddr4_3200, "
       "lpddr5_6400, hbm2",
       "got 'ddr5'"});
  expect_input_error([&] { apply_override(c, "dram.standard=3200"); }, {"--set: dram.standard"});
  EXPECT_EQ(c.arch.dram_standard, "bandwidth");
}

// A pipe key given with or after a standard would be silently unused: an error. One a config file
// gave for the pipe, before a later --set chose a standard, is simply superseded.
TEST(ConfigOverride, PipeKeysGivenWithAStandardAreRejected) {
  SimConfig c = builtin_default_config();
  apply_override(c, "dram.standard=hbm2");
  EXPECT_NO_THROW(validate_or_throw(c));  // the built-in 32 Gbit/s is the pipe's, not the user's
  apply_override(c, "dram.latency_ns=20");
  expect_input_error([&] { validate_or_throw(c); },
                     {"dram.latency_ns: not used with dram.standard hbm2", "dram.channels"});
  apply_override(c, "dram.standard=bandwidth");  // back to the pipe: the key is used again
  EXPECT_NO_THROW(validate_or_throw(c));
  SimConfig pipe_first = builtin_default_config();
  apply_override(pipe_first, "dram.bandwidth_gbps=64");
  apply_override(pipe_first, "dram.standard=lpddr4_3200");  // both on the command line
  expect_input_error([&] { validate_or_throw(pipe_first); }, {"dram.bandwidth_gbps: not used"});
}

TEST(ConfigOverride, DramLayoutTakesTileOrRowMajorAndRowMajorNeedsAStandard) {
  SimConfig c = builtin_default_config();
  EXPECT_FALSE(c.arch.dram_row_major);  // tile-major: what a competent compiler stores
  apply_override(c, "dram.layout=row_major");
  EXPECT_TRUE(c.arch.dram_row_major);
  expect_input_error([&] { validate_or_throw(c); }, {"dram.layout: row_major needs a dram.standard"});
  apply_override(c, "dram.standard=lpddr4_3200");
  EXPECT_NO_THROW(validate_or_throw(c));
  expect_input_error([&] { apply_override(c, "dram.layout=rows"); },
                     {"--set: dram.layout: expected tile_major", "got 'rows'"});
  apply_override(c, "dram.layout=tile_major");
  EXPECT_FALSE(c.arch.dram_row_major);
}

// Values a design-space study never reaches but that break the model (a period outside SystemC's
// time range, float-to-integer casts out of range, 10^5 SystemC modules, 10^16 PWL segments).
TEST(ConfigOverride, PhysicalBoundsNameTheKeyAndTheRange) {
  SimConfig c = builtin_default_config();
  for (const char* bad :
       {"clock_ghz=1e30", "clock_ghz=1e-30", "clock_ghz=0.001", "clock_ghz=101", "dram.bandwidth_gbps=1e-300",
        "dram.bandwidth_gbps=0.01", "dram.bandwidth_gbps=1e300", "noc.bandwidth_gbps=1e-300",
        "noc.bandwidth_gbps=2e6", "dram.latency_ns=1e30", "dram.latency_ns=1000001",
        "dram.channels=4294967295", "dram.channels=100000", "dram.channels=1025", "pwl.granularity=1e-4",
        "pwl.granularity=1e-300", "pwl.granularity=1e300", "pwl.granularity=65"}) {
    const std::string key = std::string(bad).substr(0, std::string(bad).find('='));
    expect_input_error([&] { apply_override(c, bad); }, {"--set: " + key + ": expected", "between"});
  }
  expect_same_arch(c.arch, builtin_default_config().arch);
  // The bounds themselves are accepted.
  for (const char* edge :
       {"clock_ghz=0.01", "clock_ghz=100", "dram.bandwidth_gbps=0.1", "dram.bandwidth_gbps=1e6",
        "noc.bandwidth_gbps=0.1", "noc.bandwidth_gbps=1e6", "dram.latency_ns=0", "dram.latency_ns=1e6",
        "dram.channels=1024", "pwl.granularity=0.001", "pwl.granularity=64"}) {
    SimConfig ok = builtin_default_config();
    EXPECT_NO_THROW(apply_override(ok, edge)) << edge;
    EXPECT_NO_THROW(validate_or_throw(ok)) << edge;
  }
}

TEST_F(ConfigFile, PhysicalBounds) {
  expect_config_error("clock_ghz: 1e30\nenergy_table: 45nm\n", {"clock_ghz: expected", "between"});
  expect_config_error("dram:\n  channels: 100000\nenergy_table: 45nm\n", {"dram.channels: expected", "1024"});
}

TEST(ConfigOverride, CrossKeyChecksRunInValidate) {
  SimConfig c = builtin_default_config();
  apply_override(c, "pe.clusters=7");  // each value is fine alone; the combination is not
  expect_input_error([&] { validate_or_throw(c); }, {c.source + ": pe.clusters: expected a divisor"});
  apply_override(c, "pe.count=1792");
  EXPECT_NO_THROW(validate_or_throw(c));
}

TEST_F(ConfigFile, OverrideEnergyTable) {
  const std::string table =
      write("t.yaml", energy_text([](nlohmann::json& e) { e["mac_pj"]["fp16"] = 3.0; }));
  SimConfig c = builtin_default_config();
  apply_override(c, "energy_table=" + table);
  EXPECT_EQ(c.energy.mac_fp16_pj, 3.0);
  EXPECT_EQ(c.energy_source, table);
  EXPECT_EQ(c.energy_table, table);
  apply_override(c, "energy_table=45nm");
  expect_same_energy(c.energy, builtin_default_config().energy);
  EXPECT_EQ(c.energy_source, "built-in 45nm");
}

// ---------------------------------------------------------------------------------------------
// JSON

TEST(ConfigJson, KeyStructure) {
  const nlohmann::json j = config_to_json(builtin_default_config());
  EXPECT_EQ(j.at("pe").at("count"), 1024);
  EXPECT_EQ(j.at("pe").at("clusters"), 8);
  EXPECT_EQ(j.at("pe").at("dataflow"), "output_stationary");
  EXPECT_EQ(j.at("clock_ghz"), 1.0);
  EXPECT_EQ(j.at("l1").at("bytes_per_pe"), 4096);
  EXPECT_EQ(j.at("l2").at("bytes"), 1048576);
  EXPECT_EQ(j.at("noc").at("bandwidth_gbps"), 128.0);
  EXPECT_EQ(j.at("dram").at("bandwidth_gbps"), 32.0);
  EXPECT_EQ(j.at("datatype"), "int8");
  EXPECT_EQ(j.at("pwl").at("granularity"), 0.25);
  EXPECT_EQ(j.at("energy_table"), "45nm");
  EXPECT_EQ(j.at("energy_source"), "built-in 45nm");
  EXPECT_EQ(j.at("energy").at("mac_pj").at("int8"), builtin_default_config().energy.mac_int8_pj);
  EXPECT_EQ(j.at("energy").at("leakage_mw").at("dram_per_channel"),
            builtin_default_config().energy.leakage_dram_mw_per_channel);
}

TEST_F(ConfigFile, JsonRoundTrips) {
  // Every key set away from its default, so a key missing from the JSON would show.
  SimConfig c = builtin_default_config();
  for (const char* o :
       {"pe.count=512", "pe.clusters=4", "clock_ghz=0.8", "l1.bytes_per_pe=2048", "l2.bytes=524288",
        "l2.banks=8", "l2.bank_bytes_per_cycle=32", "l2.activation_fraction=0.25", "noc.bandwidth_gbps=256",
        "noc.router_latency_cycles=2", "dram.bandwidth_gbps=64", "dram.channels=2", "dram.latency_ns=70.5",
        "dram.burst_bytes=32", "datatype=fp16", "pwl.granularity=0.125"}) {
    apply_override(c, o);
  }
  nlohmann::json j = config_to_json(c);
  const nlohmann::json energy = j.at("energy");
  j.erase("energy");
  j.erase("energy_source");
  // JSON is YAML, so the output loads back as a config and as an energy table.
  const SimConfig back = load_config_file(write("back.yaml", j.dump()));
  expect_same_arch(back.arch, c.arch);
  hw::EnergyTable table = load_energy_table_file(write("45nm.yaml", energy.dump()));
  expect_same_energy(table, c.energy);
}

// Values echoed from the input are escaped, so every error is one printable line.
TEST_F(ConfigFile, ValuesWithLineBreaksAndControlBytesGiveOneLineErrors) {
  const auto one_line_error = [](const std::function<void()>& load) {
    try {
      load();
    } catch (const InputError& e) {
      for (const char c : std::string(e.what())) {
        EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f) << e.what();
      }
      return std::string(e.what());
    }
    ADD_FAILURE() << "expected an InputError";
    return std::string();
  };
  const std::string path = write("multi.yaml", "clock_ghz: \"1\\n2\\tGHz\\x01\"\nenergy_table: 45nm\n");
  EXPECT_NE(one_line_error([&] { load_config_file(path); }).find("got '1\\n2\\tGHz\\x01'"),
            std::string::npos);
  const std::string key = write("key.yaml", "\"l2\\nbytes\": 1\nenergy_table: 45nm\n");
  EXPECT_NE(one_line_error([&] { load_config_file(key); }).find("l2\\nbytes"), std::string::npos);
  SimConfig c = builtin_default_config();
  EXPECT_NE(one_line_error([&] { apply_override(c, "datatype=\"int8\\r\\nfp16\""); }).find("\\r\\n"),
            std::string::npos);
  // A long value is cut.
  const std::string long_value = write("long.yaml", "datatype: " + std::string(500, 'x') + "\n");
  EXPECT_NE(one_line_error([&] { load_config_file(long_value); }).find("...' (500 characters)"),
            std::string::npos);
}

// An input that never ends (a device, a FIFO) is refused at a size cap instead of read until memory
// runs out: found by hand next to the fuzzers (--config /dev/zero, base_config: /dev/zero and
// --weights /dev/zero each read forever; --workload already requires a regular file).
TEST_F(ConfigFile, EndlessInputFilesAreRefusedAtTheSizeCap) {
  const auto start = std::chrono::steady_clock::now();
  expect_input_error([&] { load_config_file("/dev/zero"); },
                     {"/dev/zero: file: larger than 16 MiB, the most an input file may hold"});
  const std::string sweep = write("zero_sweep.yaml", "base_config: /dev/zero\naxes:\n  pe.count: [256]\n");
  expect_input_error([&] { load_sweep_spec(sweep, std::nullopt); }, {"/dev/zero: file: larger than 16 MiB"});
  const Graph g = load_workload("tiny_mlp", {}, {std::string(NM_SOURCE_DIR) + "/workloads"});
  expect_input_error([&] { load_weights("/dev/zero", g); }, {"/dev/zero: file: larger than 16 MiB"});
  expect_input_error([&] { read_text_file("/dev/zero", 1 << 20); }, {"/dev/zero: file: larger than 1 MiB"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

// yaml-cpp 0.7 loops forever on a stray ',' outside [ ] or { } (jbeder/yaml-cpp#1040; found by
// fuzz_config): every YAML loader now rejects it at once with its line and column, and no loader
// silently ignores what follows it.
TEST_F(ConfigFile, StrayCommaIsAnErrorNotAHang) {
  const auto start = std::chrono::steady_clock::now();
  expect_config_error("  ,\n", {"line 1, column 3: unexpected character"});
  expect_config_error("l2:\n  bytes: 1048576\n,\nbogus: 1\n", {"line 3, column 1: end of map not found"});
  expect_config_error("l2:\n  bytes: 1048576\n---\nl2: {}\n", {"expected a single YAML document"});
  SimConfig c = builtin_default_config();
  expect_input_error([&] { apply_override(c, "l2.bytes=,"); }, {"--set: l2.bytes", "unexpected character"});
  const std::string workload = write("comma.yaml", "family: bert\n,\nseq_len: 7\n");
  expect_input_error([&] { load_workload(workload, {}, {}); }, {workload, "2:1: end of map not found"});
  const std::string sweep = write("comma_sweep.yaml", ",\n");
  expect_input_error([&] { load_sweep_spec(sweep, std::nullopt); }, {sweep, "unexpected character"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace nm::sw
