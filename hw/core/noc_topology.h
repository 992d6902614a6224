#pragma once
// NoC topology: clusters on a 2-D mesh with XY routing; the L2 injects at router (0,0).
//
// Contract: hops(mask) is the number of links a multicast from L2 to the clusters in `mask`
// traverses: the injection link plus the union of the XY routes (a multicast tree), so a byte
// multicast to several clusters is counted once per link of the tree (byte-hops for energy).
// max_hops(mask) is the longest route, which sets the multicast's pipeline latency.
#include <cstdint>
#include <unordered_map>

namespace nm::hw {

class NocTopology {
 public:
  NocTopology(uint32_t clusters, uint32_t mesh_cols);
  uint32_t tree_links(uint64_t cluster_mask) const;
  uint32_t max_hops(uint64_t cluster_mask) const;
  uint32_t clusters() const { return clusters_; }

 private:
  uint32_t compute_tree_links(uint64_t cluster_mask) const;
  uint32_t clusters_;
  uint32_t mesh_cols_;
  mutable std::unordered_map<uint64_t, uint32_t> tree_cache_;
};

}  // namespace nm::hw
