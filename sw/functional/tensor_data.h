#pragma once
// Real tensor values for functional execution of a Graph.
//
// Contract:
//  - TensorData holds fp32 values row-major in the Graph IR's layouts (graph.h): NHWC activations,
//    conv weights [KH, KW, Cin/groups, Cout], linear weights [in, out], matmul operands [B, M, K].
//  - A tensor is stored either dense (`values`, element_count(shape) entries) or as CSR (`sparse`,
//    `values` empty): sparse constants such as a graph adjacency (Tensor::nonzeros >= 0), and the
//    0/1 node features of sparse GCNs, so that e.g. Reddit's A_hat (5.4e10 entries dense) and
//    features (1.4e8) are never densified.
//  - CSR folds every leading dimension into rows: rows = product of all dims but the last,
//    cols = the last dim. Columns within a row are strictly increasing.
//  - Token ids are stored as floats holding exact integers (exact below 2^24, larger than any vocab).
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sw/graph/graph.h"

namespace nm::sw {

struct SparseMatrix {
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<int64_t> row_ptr;  // rows + 1 entries, row_ptr[0] = 0, row_ptr[rows] = nonzeros
  std::vector<int32_t> col;      // column of each stored entry
  std::vector<float> val;        // value of each stored entry

  int64_t nonzeros() const { return static_cast<int64_t>(val.size()); }
  bool operator==(const SparseMatrix& o) const {
    return rows == o.rows && cols == o.cols && row_ptr == o.row_ptr && col == o.col && val == o.val;
  }
};

struct TensorData {
  Shape shape;
  std::vector<float> values;  // dense row-major; empty when `sparse` holds the data
  // Shared and immutable so copying a TensorMap does not copy a large adjacency.
  std::shared_ptr<const SparseMatrix> sparse;

  bool is_sparse() const { return sparse != nullptr; }
  bool operator==(const TensorData& o) const {
    if (shape != o.shape || values != o.values || is_sparse() != o.is_sparse()) return false;
    return !is_sparse() || sparse == o.sparse || *sparse == *o.sparse;
  }
  bool operator!=(const TensorData& o) const { return !(*this == o); }
};

// Tensor id (Graph::tensor(id)) -> its values. Ordered so iteration is deterministic.
using TensorMap = std::map<int, TensorData>;

// A dense tensor of `shape`, zero-filled unless `values` is given (size must match).
TensorData make_dense(Shape shape, std::vector<float> values = {});
// A CSR tensor; throws std::invalid_argument unless `m` is a valid CSR matrix for `shape`.
TensorData make_sparse(Shape shape, SparseMatrix m);

// Dense row-major values of either form.
std::vector<float> to_dense(const TensorData& t);
// CSR of a dense row-major [rows, cols] array: every non-zero entry is stored.
SparseMatrix dense_to_csr(const std::vector<float>& values, int64_t rows, int64_t cols);
// Throws std::invalid_argument naming `what` unless `m` is a well-formed CSR matrix.
void check_csr(const SparseMatrix& m, const std::string& what);

}  // namespace nm::sw
