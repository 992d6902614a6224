// The plain-C++ pieces ONNX import rests on: element-wise broadcast patterns, the data-movement
// ops both executors share, and NumPy .npy files.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "hw/core/input_error.h"
#include "sw/functional/data_move.h"
#include "sw/functional/npy.h"
#include "sw/graph/graph.h"

namespace nm::sw {
namespace {

TEST(BroadcastPattern, RecognisesOuterMidInner) {
  Broadcast b;
  ASSERT_TRUE(broadcast_pattern({2, 3, 4}, {2, 3, 4}, b));  // equal shapes
  EXPECT_EQ(b.outer * b.mid * b.inner, 24);
  EXPECT_EQ(b.mid, 1);
  ASSERT_TRUE(broadcast_pattern({1, 7, 7, 32}, {1, 1, 1, 32}, b));  // squeeze-excite gate, NHWC
  EXPECT_EQ(b.outer, 1);
  EXPECT_EQ(b.mid, 49);
  EXPECT_EQ(b.inner, 32);
  ASSERT_TRUE(broadcast_pattern({6, 8}, {8}, b));  // a bias row, right-aligned
  EXPECT_EQ(b.mid, 6);
  EXPECT_EQ(b.inner, 8);
  ASSERT_TRUE(broadcast_pattern({4, 6, 8}, {4, 6, 1}, b));  // a per-row value
  EXPECT_EQ(b.outer, 24);
  EXPECT_EQ(b.mid, 8);
  EXPECT_EQ(b.inner, 1);
  EXPECT_FALSE(broadcast_pattern({4, 6, 8}, {1, 6, 1}, b));  // two separate repeated runs
  EXPECT_FALSE(broadcast_pattern({4, 6}, {4, 5}, b));
  EXPECT_FALSE(broadcast_pattern({6}, {2, 6}, b));
}

TEST(BroadcastPattern, IndexReadsTheRepeatedOperand) {
  Broadcast b;
  ASSERT_TRUE(broadcast_pattern({2, 3, 4}, {2, 1, 4}, b));
  // Element (i, j, k) of a reads b at (i, k).
  for (uint64_t i = 0; i < 2; ++i)
    for (uint64_t j = 0; j < 3; ++j)
      for (uint64_t k = 0; k < 4; ++k) EXPECT_EQ(broadcast_index(b, (i * 3 + j) * 4 + k), i * 4 + k);
}

Op move_op(OpKind kind) {
  Op op;
  op.kind = kind;
  op.name = "m";
  return op;
}

TEST(DataMove, TransposeConcatSlice) {
  std::vector<float> x(24);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
  Op t = move_op(OpKind::kTranspose);
  t.attrs.perm = {2, 0, 1};  // [2,3,4] -> [4,2,3]
  const std::vector<float> y = move_data(t, {{2, 3, 4}}, {&x}, {4, 2, 3});
  for (int a = 0; a < 4; ++a)
    for (int b = 0; b < 2; ++b)
      for (int c = 0; c < 3; ++c)
        EXPECT_EQ(y[static_cast<size_t>((a * 2 + b) * 3 + c)], x[static_cast<size_t>((b * 3 + c) * 4 + a)]);

  Op cat = move_op(OpKind::kConcat);
  cat.attrs.axis = 1;
  const std::vector<float> one = {100, 101};
  const std::vector<float> c = move_data(cat, {{2, 1}, {2, 12}}, {&one, &x}, {2, 13});
  EXPECT_EQ(c[0], 100);
  EXPECT_EQ(c[1], 0);
  EXPECT_EQ(c[13], 101);
  EXPECT_EQ(c[14], 12);

  Op s = move_op(OpKind::kSlice);
  s.attrs.axis = 2;
  s.attrs.start = 1;
  s.attrs.step = 2;
  const std::vector<float> sl = move_data(s, {{2, 3, 4}}, {&x}, {2, 3, 2});
  EXPECT_EQ(sl, (std::vector<float>{1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23}));
  s.attrs.start = 3;  // 3 + 2 > 3: outside the input
  EXPECT_THROW(move_data(s, {{2, 3, 4}}, {&x}, {2, 3, 2}), std::invalid_argument);
}

TEST(Npy, RoundTripsAndRejectsBadFiles) {
  const auto dir = std::filesystem::temp_directory_path() / ("nm_npy_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "a.npy").string();
  write_npy(path, {2, 3}, {1, 2, 3, 4, 5, 6.5f});
  const NpyArray a = read_npy(path);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a.values, (std::vector<double>{1, 2, 3, 4, 5, 6.5}));
  EXPECT_FALSE(a.integer);
  // The data starts on a 64-byte boundary, as NumPy writes it.
  EXPECT_EQ(std::filesystem::file_size(path), 128u + 24u);
  // Truncated data, a foreign file.
  std::filesystem::resize_file(path, 140);
  EXPECT_THROW(read_npy(path), InputError);
  std::ofstream(dir / "b.npy") << "not numpy";
  EXPECT_THROW(read_npy((dir / "b.npy").string()), InputError);
  EXPECT_THROW(read_npy((dir / "missing.npy").string()), InputError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace nm::sw
