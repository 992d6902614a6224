// Built-in workload names and name/path resolution for load_workload().
#include "sw/graph/workloads.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "hw/core/input_error.h"
#include "sw/frontend/onnx_import.h"
#include "sw/graph/builder_util.h"
#include "sw/graph/workload_yaml.h"

namespace nm::sw {
namespace {

namespace fs = std::filesystem;

bool is_yaml_path(const fs::path& p) {
  return p.extension() == ".yaml" || p.extension() == ".yml";
}

bool is_file(const fs::path& p) {
  std::error_code ec;  // unreadable directories count as "not found", not as a crash
  return fs::is_regular_file(p, ec);
}

// NAME for every NAME.yaml in the search dirs, sorted, each once.
std::vector<std::string> yaml_names_in(const std::vector<std::string>& dirs) {
  std::set<std::string> stems;  // sorted and deduplicated across dirs
  for (const std::string& dir : dirs) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (is_yaml_path(it->path()) && is_file(it->path())) stems.insert(it->path().stem().string());
    }
  }
  return {stems.begin(), stems.end()};
}

// Levenshtein distance (insertions, deletions, substitutions each cost 1), case-insensitive.
size_t edit_distance(const std::string& a, const std::string& b) {
  auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] =
          std::min({row[j] + 1, row[j - 1] + 1, diagonal + (lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

struct Builtin {
  std::string name;
  std::string seq_len_model;  // display name of a transformer that reads seq_len; "" otherwise
  std::function<Graph(const WorkloadOptions&)> build;
  int64_t max_seq_len = 512;  // positions of a transformer
  bool decoder = false;       // a decoder LLM (takes a phase)
  DecoderModel decoder_model = DecoderModel::kGpt2;
};

const std::vector<Builtin>& builtins() {
  static const std::vector<Builtin> table = [] {
    std::vector<Builtin> t;
    // Today's three first, so existing listings keep their order.
    t.push_back({"resnet50", "",
                 [](const WorkloadOptions& o) { return build_resnet(50, ResNetDataset::kImageNet, o); }});
    t.push_back({"bert_base", "BERT-base",
                 [](const WorkloadOptions& o) { return build_transformer(TransformerModel::kBertBase, o); }});
    t.push_back({"gcn", "", [](const WorkloadOptions& o) {
                   return detail::renamed(build_gcn(GcnDataset::kCora, 2, o),
                                          detail::scaled_name("gcn_cora", o.width, o.depth));
                 }});
    for (int layers : {18, 34, 101, 152}) {
      t.push_back({"resnet" + std::to_string(layers), "", [layers](const WorkloadOptions& o) {
                     return build_resnet(layers, ResNetDataset::kImageNet, o);
                   }});
    }
    for (int layers : {18, 34, 50, 101, 152}) {
      t.push_back({"resnet" + std::to_string(layers) + "_cifar10", "", [layers](const WorkloadOptions& o) {
                     return build_resnet(layers, ResNetDataset::kCifar10, o);
                   }});
    }
    const struct {
      const char* name;
      const char* display;
      TransformerModel model;
    } transformers[] = {{"bert_large", "BERT-large", TransformerModel::kBertLarge},
                        {"distilbert", "DistilBERT", TransformerModel::kDistilBert},
                        {"albert_base", "ALBERT-base", TransformerModel::kAlbertBase}};
    for (const auto& tr : transformers) {
      const TransformerModel model = tr.model;
      t.push_back(
          {tr.name, tr.display, [model](const WorkloadOptions& o) { return build_transformer(model, o); }});
    }
    const struct {
      const char* name;
      const char* display;
      DecoderModel model;
    } decoders[] = {{"gpt2", "GPT-2", DecoderModel::kGpt2},
                    {"gpt2_medium", "GPT-2 medium", DecoderModel::kGpt2Medium},
                    {"llama2_7b", "Llama-2-7B", DecoderModel::kLlama2_7b},
                    {"llama3_8b", "Llama-3-8B", DecoderModel::kLlama3_8b}};
    for (const auto& dec : decoders) {
      const DecoderModel model = dec.model;
      t.push_back({dec.name, dec.display,
                   [model](const WorkloadOptions& o) { return build_decoder(model, o); },
                   decoder_max_positions(model), true, model});
    }
    const std::pair<const char*, GcnDataset> datasets[] = {
        {"cora", GcnDataset::kCora}, {"citeseer", GcnDataset::kCiteseer}, {"pubmed", GcnDataset::kPubmed}};
    for (const auto& [dataset_name, dataset] : datasets) {
      for (int layers : {1, 2, 3, 6, 9}) {
        const GcnDataset ds = dataset;  // a structured binding cannot be captured in C++17
        t.push_back({"gcn_" + std::string(dataset_name) + "_l" + std::to_string(layers), "",
                     [ds, layers](const WorkloadOptions& o) { return build_gcn(ds, layers, o); }});
        t.push_back({"gcn_" + std::string(dataset_name) + "_l" + std::to_string(layers) + "_sparse", "",
                     [ds, layers](const WorkloadOptions& o) { return build_gcn(ds, layers, o, true); }});
      }
    }
    for (int layers : {1, 2, 3, 6, 9}) {
      t.push_back({"gcn_reddit_l" + std::to_string(layers), "", [layers](const WorkloadOptions& o) {
                     return build_gcn(GcnDataset::kReddit, layers, o, true);
                   }});
    }
    return t;
  }();
  return table;
}

const Builtin* find_builtin(const std::string& name) {
  for (const Builtin& b : builtins()) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

// Round half up, with a little slack so products like 5 x 0.3 = 1.4999999999999998 count as 1.5.
int64_t round_half_up(double v) {
  return static_cast<int64_t>(std::floor(v + 0.5 + 1e-9));
}

}  // namespace

namespace detail {

std::vector<std::string> closest_names(const std::string& given, const std::vector<std::string>& candidates,
                                       size_t max_count) {
  std::vector<std::pair<size_t, size_t>> ranked;  // (distance, index): ties keep the list's order
  for (size_t i = 0; i < candidates.size(); ++i) {
    const size_t d = edit_distance(given, candidates[i]);
    // Farther than this is a different word, not a typo: a third of the longer name, at least 2.
    if (d <= std::max<size_t>(2, std::max(given.size(), candidates[i].size()) / 3)) ranked.emplace_back(d, i);
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> names;
  for (const auto& [d, i] : ranked) {
    // At most one edit farther than the closest: resnet51 gets resnet50, resnet18 and resnet34, but
    // bert_bse only bert_base (albert_base is two edits farther).
    if (names.size() == max_count || d > ranked.front().first + 1) break;
    if (std::find(names.begin(), names.end(), candidates[i]) == names.end()) names.push_back(candidates[i]);
  }
  return names;
}

std::string did_you_mean(const std::string& given, const std::vector<std::string>& candidates) {
  const std::vector<std::string> names = closest_names(given, candidates, 3);
  if (names.empty()) return "";
  std::string text = "did you mean ";
  for (size_t i = 0; i < names.size(); ++i)
    text += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return text + "?";
}

std::string scaled_name(const std::string& base, double width, double depth) {
  auto number = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return std::string(buf);
  };
  std::string name = base;
  if (width != 1.0) name += "_w" + number(width);
  if (depth != 1.0) name += "_d" + number(depth);
  return name;
}

void check_multiplier(double value, const std::string& where, const std::string& key) {
  if (!(value > 0.0 && value <= 64.0)) {  // also rejects NaN
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", value);
    throw InputError(where, key, std::string("expected a multiplier in (0, 64], got ") + buf);
  }
}

int64_t seq_len_limit(const std::string& builtin_name) {
  const Builtin* b = find_builtin(builtin_name);
  return b ? b->max_seq_len : 512;
}

std::string seq_len_model(const std::string& builtin_name) {
  const Builtin* b = find_builtin(builtin_name);
  return b ? b->seq_len_model : "";
}

std::string transformer_names() {
  std::vector<std::string> names;
  for (const Builtin& b : builtins()) {
    if (!b.seq_len_model.empty()) names.push_back(b.name);
  }
  std::string text;
  for (size_t i = 0; i < names.size(); ++i) {
    text += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
  }
  return text;
}

void reject_seq_len(const std::string& workload, const WorkloadOptions& options) {
  if (options.seq_len_given.empty()) return;
  throw InputError("command line", options.seq_len_given,
                   "does not apply to workload " + workload + ": only the transformers " +
                       transformer_names() + " have a sequence length");
}

void check_builtin_options(const std::string& name, const WorkloadOptions& options,
                           const std::string& where) {
  const std::string model = seq_len_model(name);
  if (model.empty()) reject_seq_len("'" + name + "'", options);
  // Name an option as the user gave it (--seq-len, --set workload.seq_len) when they did.
  auto key = [](const std::string& given, const char* name) {
    return given.empty() ? std::string(name) : given;
  };
  if (!model.empty()) {
    check_bert_seq_len(options.seq_len, where, key(options.seq_len_given, "seq_len"), model,
                       find_builtin(name)->max_seq_len);
  }
  check_multiplier(options.width, where, key(options.width_given, "width"));
  check_multiplier(options.depth, where, key(options.depth_given, "depth"));
  check_batch(name, options, where);
}

void check_batch(const std::string& workload, const WorkloadOptions& options, const std::string& where) {
  const std::string k = options.batch_given.empty() ? std::string("batch") : options.batch_given;
  if (options.batch < 1 || options.batch > kMaxBatch)
    throw InputError(where, k,
                     "expected 1.." + std::to_string(kMaxBatch) + ", got " + std::to_string(options.batch));
  if (options.batch != 1 && workload.rfind("gcn", 0) == 0)
    throw InputError("command line", k,
                     "does not apply to workload '" + workload +
                         "': a GCN infers one whole graph per run (the ResNets, the transformers and "
                         "ONNX models take a batch)");
}

}  // namespace detail

int64_t scale_width(int64_t size, double width, int64_t multiple) {
  return std::max(multiple, multiple * round_half_up(static_cast<double>(size) * width / multiple));
}

int scale_depth(int count, double depth) {
  return static_cast<int>(std::max<int64_t>(1, round_half_up(count * depth)));
}

std::vector<std::string> builtin_workload_names() {
  std::vector<std::string> names;
  for (const Builtin& b : builtins()) names.push_back(b.name);
  return names;
}

bool is_builtin_workload(const std::string& name) {
  return find_builtin(name) != nullptr;
}

int64_t decoder_positions(const std::string& name) {
  const Builtin* b = find_builtin(name);
  return b != nullptr && b->decoder ? b->max_seq_len : 0;
}

int decoder_layer_count(const std::string& name, double depth) {
  const Builtin* b = find_builtin(name);
  return b != nullptr && b->decoder ? decoder_layers(b->decoder_model, depth) : 0;
}

bool is_decoder_workload(const std::string& name) {
  const Builtin* b = find_builtin(name);
  return b != nullptr && b->decoder;
}

Graph build_builtin_workload(const std::string& name, const WorkloadOptions& options) {
  const Builtin* b = find_builtin(name);
  if (!b) throw InputError("built-in workload", "name", "unknown built-in workload '" + name + "'");
  return b->build(options);
}

Graph load_workload(const std::string& name_or_path, const WorkloadOptions& options,
                    const std::vector<std::string>& workload_dirs) {
  const std::string where = "command line";
  const std::string key = "--workload";
  // Built-in names win over files so a stray resnet50.yaml cannot shadow the reference network.
  if (is_builtin_workload(name_or_path)) {
    detail::check_builtin_options(name_or_path, options, where);
    return build_builtin_workload(name_or_path, options);
  }

  const fs::path arg(name_or_path);
  const bool bare_name = !arg.has_parent_path();
  if (!name_or_path.empty() && (is_yaml_path(arg) || is_onnx_path(name_or_path) || !bare_name)) {
    std::error_code ec;
    if (fs::exists(arg, ec) && !is_file(arg)) {
      throw InputError(where, key, "'" + name_or_path + "' is not a file");
    }
    if (is_file(arg) && is_onnx_path(name_or_path)) {
      // An ONNX model's shapes are fixed by its export: nothing scales it.
      detail::check_batch(name_or_path, options, where);
      for (const std::string* given : {&options.seq_len_given, &options.width_given, &options.depth_given}) {
        if (!given->empty()) {
          throw InputError(where, *given,
                           "does not apply to ONNX model '" + name_or_path +
                               "', whose shapes are fixed by its export; only built-in networks and "
                               "'family:' files take --seq-len, --width and --depth");
        }
      }
      return import_onnx(name_or_path, options.batch);
    }
    if (is_file(arg)) {
      if (!is_yaml_path(arg))
        throw InputError(where, key, "'" + name_or_path + "' is not a .yaml or .onnx file");
      return detail::load_workload_yaml(name_or_path, options);
    }
    // A bare "foo.yaml" is also looked up in the workload dirs, like "foo".
    if (bare_name) {
      for (const std::string& dir : workload_dirs) {
        const fs::path candidate = fs::path(dir) / arg;
        if (is_file(candidate)) return detail::load_workload_yaml(candidate.string(), options);
      }
    }
    throw InputError(where, key, "workload file '" + name_or_path + "' not found");
  }

  for (const std::string& dir : workload_dirs) {
    const fs::path candidate = fs::path(dir) / (name_or_path + ".yaml");
    if (is_file(candidate)) return detail::load_workload_yaml(candidate.string(), options);
  }
  // The closest names (built-ins, then workload files), not all ~60: a typo is the usual cause.
  std::vector<std::string> candidates = builtin_workload_names();
  for (const std::string& stem : yaml_names_in(workload_dirs)) candidates.push_back(stem);
  const std::string suggestion = detail::did_you_mean(name_or_path, candidates);
  throw InputError(
      where, key,
      "unknown workload '" + name_or_path + "'; " + (suggestion.empty() ? "" : suggestion + " ") +
          "nm_sim --list-workloads lists every name, and a path to a .yaml or .onnx file also works");
}

}  // namespace nm::sw
