// Built-in workload names and name/path resolution for load_workload().
#include "sw/graph/workloads.h"

#include <filesystem>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "hw/core/input_error.h"
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

// "a, b" list of NAME for every NAME.yaml in the search dirs, to make the error actionable.
std::string yaml_names_in(const std::vector<std::string>& dirs) {
  std::set<std::string> stems;  // sorted and deduplicated across dirs
  for (const std::string& dir : dirs) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (is_yaml_path(it->path()) && is_file(it->path())) stems.insert(it->path().stem().string());
    }
  }
  std::string names;
  for (const std::string& stem : stems) names += (names.empty() ? "" : ", ") + stem;
  return names;
}

}  // namespace

std::vector<std::string> builtin_workload_names() {
  return {"resnet50", "bert_base", "gcn"};
}

Graph load_workload(const std::string& name_or_path, const WorkloadOptions& options,
                    const std::vector<std::string>& workload_dirs) {
  const std::string where = "command line";
  const std::string key = "--workload";
  // Built-in names win over files so a stray resnet50.yaml cannot shadow the reference network.
  if (name_or_path == "resnet50") return build_resnet50();
  if (name_or_path == "bert_base") {
    detail::check_bert_seq_len(options.seq_len, where, "seq_len");
    return build_bert_base(options.seq_len);
  }
  if (name_or_path == "gcn") return build_gcn_cora();

  const fs::path arg(name_or_path);
  const bool bare_name = !arg.has_parent_path();
  if (!name_or_path.empty() && (is_yaml_path(arg) || !bare_name)) {
    std::error_code ec;
    if (fs::exists(arg, ec) && !is_file(arg)) {
      throw InputError(where, key, "'" + name_or_path + "' is not a file");
    }
    if (is_file(arg)) {
      if (!is_yaml_path(arg)) throw InputError(where, key, "'" + name_or_path + "' is not a .yaml file");
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
  std::string expected = "unknown workload '" + name_or_path +
                         "'; expected one of resnet50, bert_base, gcn or a path to a .yaml file";
  const std::string found = yaml_names_in(workload_dirs);
  if (!found.empty()) expected += " (workload files found: " + found + ")";
  throw InputError(where, key, expected);
}

}  // namespace nm::sw
