// sw/pwl/pwl_spec.h: segment counts and table sizes worked out by hand.
#include <gtest/gtest.h>

#include "sw/pwl/pwl_spec.h"

namespace nm::sw {
namespace {

TEST(LoweringPwl, SegmentsAtDefaultGranularity) {
  // ceil((hi - lo) / 0.25) + 2 out-of-domain pieces.
  EXPECT_EQ(pwl_segments(PwlFunction::kGelu, 0.25), 34u);       // [-4, 4]: 32 + 2
  EXPECT_EQ(pwl_segments(PwlFunction::kTanh, 0.25), 34u);       // [-4, 4]
  EXPECT_EQ(pwl_segments(PwlFunction::kSigmoid, 0.25), 66u);    // [-8, 8]: 64 + 2
  EXPECT_EQ(pwl_segments(PwlFunction::kExp, 0.25), 34u);        // [-8, 0]
  EXPECT_EQ(pwl_segments(PwlFunction::kReciprocal, 0.25), 6u);  // [1, 2]: 4 + 2
  EXPECT_EQ(pwl_segments(PwlFunction::kRsqrt, 0.25), 14u);      // [1, 4]: 12 + 2
}

TEST(LoweringPwl, ExactFunctionsHaveTwoSegmentsAtAnyGranularity) {
  for (double g : {0.01, 0.25, 1.0, 10.0}) {
    EXPECT_EQ(pwl_segments(PwlFunction::kRelu, g), 2u);
    EXPECT_EQ(pwl_segments(PwlFunction::kLeakyRelu, g), 2u);
    EXPECT_EQ(pwl_segments(PwlFunction::kMax, g), 2u);
  }
  EXPECT_EQ(pwl_table_bytes(PwlFunction::kRelu, 0.25, 1), 4u);
  EXPECT_EQ(pwl_table_bytes(PwlFunction::kRelu, 0.25, 2), 8u);
}

TEST(LoweringPwl, NonDividingAndDividingGranularity) {
  EXPECT_EQ(pwl_segments(PwlFunction::kGelu, 0.3), 29u);  // 8 / 0.3 = 26.7 -> 27 + 2
  EXPECT_EQ(pwl_segments(PwlFunction::kGelu, 0.1), 82u);  // 8 / 0.1 = 80 exactly, not 81
  EXPECT_EQ(pwl_segments(PwlFunction::kGelu, 8.0), 3u);   // 1 + 2
  EXPECT_EQ(pwl_segments(PwlFunction::kGelu, 100.0), 3u);
  EXPECT_EQ(pwl_segments(PwlFunction::kReciprocal, 0.2), 7u);  // 1 / 0.2 = 5 + 2
}

TEST(LoweringPwl, TableBytesAreSegmentsTimesTwoParameters) {
  EXPECT_EQ(pwl_table_bytes(PwlFunction::kGelu, 0.25, 1), 68u);
  EXPECT_EQ(pwl_table_bytes(PwlFunction::kGelu, 0.25, 2), 136u);
  EXPECT_EQ(pwl_table_bytes(PwlFunction::kSigmoid, 0.25, 1), 132u);
  EXPECT_EQ(pwl_table_bytes(PwlFunction::kRsqrt, 0.5, 2), 32u);  // (6 + 2) x 2 x 2
}

TEST(LoweringPwl, SpecFlags) {
  EXPECT_TRUE(pwl_spec(PwlFunction::kReciprocal).range_reduced);
  EXPECT_TRUE(pwl_spec(PwlFunction::kRsqrt).range_reduced);
  EXPECT_FALSE(pwl_spec(PwlFunction::kExp).range_reduced);
  EXPECT_FALSE(pwl_spec(PwlFunction::kGelu).exact);
  EXPECT_TRUE(pwl_spec(PwlFunction::kRelu).exact);
  EXPECT_STREQ(pwl_spec(PwlFunction::kExp).name, "exp");
  EXPECT_STREQ(pwl_spec(PwlFunction::kReciprocal).name, "reciprocal");
  EXPECT_DOUBLE_EQ(pwl_spec(PwlFunction::kExp).domain_lo, -8.0);
  EXPECT_DOUBLE_EQ(pwl_spec(PwlFunction::kExp).domain_hi, 0.0);
}

}  // namespace
}  // namespace nm::sw
