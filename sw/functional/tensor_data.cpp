#include "sw/functional/tensor_data.h"

#include <stdexcept>
#include <string>
#include <utility>

namespace nm::sw {

TensorData make_dense(Shape shape, std::vector<float> values) {
  const auto n = static_cast<size_t>(element_count(shape));
  if (values.empty()) values.assign(n, 0.0f);
  if (values.size() != n) {
    throw std::invalid_argument("make_dense: " + std::to_string(values.size()) + " values for shape " +
                                shape_to_string(shape));
  }
  TensorData t;
  t.shape = std::move(shape);
  t.values = std::move(values);
  return t;
}

void check_csr(const SparseMatrix& m, const std::string& what) {
  auto fail = [&](const std::string& why) { throw std::invalid_argument(what + ": " + why); };
  if (m.rows < 0 || m.cols < 0) fail("negative dimensions");
  if (m.row_ptr.size() != static_cast<size_t>(m.rows) + 1) fail("row_ptr must hold rows + 1 entries");
  if (m.col.size() != m.val.size()) fail("col and val differ in length");
  if (m.row_ptr.front() != 0 || m.row_ptr.back() != m.nonzeros()) fail("row_ptr must run from 0 to nonzeros");
  for (int64_t r = 0; r < m.rows; ++r) {
    const int64_t begin = m.row_ptr[static_cast<size_t>(r)];
    const int64_t end = m.row_ptr[static_cast<size_t>(r) + 1];
    if (end < begin) fail("row_ptr decreases at row " + std::to_string(r));
    for (int64_t i = begin; i < end; ++i) {
      const int32_t c = m.col[static_cast<size_t>(i)];
      if (c < 0 || c >= m.cols) {
        fail("column " + std::to_string(c) + " out of range in row " + std::to_string(r));
      }
      if (i > begin && c <= m.col[static_cast<size_t>(i) - 1]) {
        fail("columns not strictly increasing in row " + std::to_string(r));
      }
    }
  }
}

TensorData make_sparse(Shape shape, SparseMatrix m) {
  if (shape.empty()) throw std::invalid_argument("make_sparse: a sparse tensor needs at least one dimension");
  const int64_t cols = shape.back();
  const int64_t rows = element_count(shape) / cols;
  if (m.rows != rows || m.cols != cols) {
    throw std::invalid_argument("make_sparse: CSR " + std::to_string(m.rows) + "x" + std::to_string(m.cols) +
                                " does not fit shape " + shape_to_string(shape));
  }
  check_csr(m, "make_sparse");
  TensorData t;
  t.shape = std::move(shape);
  t.sparse = std::make_shared<const SparseMatrix>(std::move(m));
  return t;
}

std::vector<float> to_dense(const TensorData& t) {
  if (!t.is_sparse()) return t.values;
  const SparseMatrix& m = *t.sparse;
  std::vector<float> out(static_cast<size_t>(m.rows * m.cols), 0.0f);
  for (int64_t r = 0; r < m.rows; ++r) {
    for (int64_t i = m.row_ptr[static_cast<size_t>(r)]; i < m.row_ptr[static_cast<size_t>(r) + 1]; ++i) {
      out[static_cast<size_t>(r * m.cols + m.col[static_cast<size_t>(i)])] = m.val[static_cast<size_t>(i)];
    }
  }
  return out;
}

SparseMatrix dense_to_csr(const std::vector<float>& values, int64_t rows, int64_t cols) {
  if (static_cast<int64_t>(values.size()) != rows * cols) {
    throw std::invalid_argument("dense_to_csr: " + std::to_string(values.size()) + " values for " +
                                std::to_string(rows) + "x" + std::to_string(cols));
  }
  SparseMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.row_ptr.reserve(static_cast<size_t>(rows) + 1);
  m.row_ptr.push_back(0);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      const float v = values[static_cast<size_t>(r * cols + c)];
      if (v != 0.0f) {
        m.col.push_back(static_cast<int32_t>(c));
        m.val.push_back(v);
      }
    }
    m.row_ptr.push_back(m.nonzeros());
  }
  return m;
}

}  // namespace nm::sw
