#include "hw/core/noc_topology.h"

#include <set>
#include <utility>

namespace nm::hw {

NocTopology::NocTopology(uint32_t clusters, uint32_t mesh_cols)
    : clusters_(clusters), mesh_cols_(mesh_cols) {}

uint32_t NocTopology::compute_tree_links(uint64_t cluster_mask) const {
  // A link is identified by its two router coordinates; XY routing: along x on row 0, then y.
  std::set<std::pair<uint32_t, uint32_t>> links;  // (from router id, to router id)
  auto router = [this](uint32_t x, uint32_t y) { return y * mesh_cols_ + x; };
  for (uint32_t c = 0; c < clusters_; ++c) {
    if (!(cluster_mask >> c & 1u)) continue;
    const uint32_t cx = c % mesh_cols_, cy = c / mesh_cols_;
    for (uint32_t x = 0; x < cx; ++x) links.insert({router(x, 0), router(x + 1, 0)});
    for (uint32_t y = 0; y < cy; ++y) links.insert({router(cx, y), router(cx, y + 1)});
  }
  return cluster_mask ? static_cast<uint32_t>(links.size()) + 1 : 0;  // + the L2 injection link
}

uint32_t NocTopology::tree_links(uint64_t cluster_mask) const {
  auto it = tree_cache_.find(cluster_mask);
  if (it != tree_cache_.end()) return it->second;
  const uint32_t links = compute_tree_links(cluster_mask);
  tree_cache_.emplace(cluster_mask, links);
  return links;
}

uint32_t NocTopology::max_hops(uint64_t cluster_mask) const {
  uint32_t hops = 0;
  for (uint32_t c = 0; c < clusters_; ++c) {
    if (!(cluster_mask >> c & 1u)) continue;
    const uint32_t h = 1 + c % mesh_cols_ + c / mesh_cols_;
    if (h > hops) hops = h;
  }
  return hops;
}

}  // namespace nm::hw
