// The study statistics against values computed by hand (docs/metrics.md, "Paired comparisons").
#include <gtest/gtest.h>

#include <cmath>

#include "experiments/study/statistics.h"

namespace poolnet {
namespace {

TEST(Statistics, DescribeUsesTheSampleStdAndStudentT) {
  const Stats s = describe({1, 2, 3});
  EXPECT_DOUBLE_EQ(s.mean, 2);
  EXPECT_DOUBLE_EQ(s.std, 1);
  EXPECT_NEAR(s.ci95, 4.302652729911275 / std::sqrt(3.0), 1e-9);
  EXPECT_EQ(describe({}).n, 0);
  EXPECT_EQ(describe({5}).ci95, 0);
}

TEST(Statistics, StudentQuantilesMatchTables) {
  EXPECT_NEAR(student_t975(1), 12.706204736174707, 1e-9);
  EXPECT_NEAR(student_t975(2), 4.302652729911275, 1e-9);
  EXPECT_NEAR(student_t975(30), 2.042272456301238, 1e-9);
}

TEST(Statistics, PairedDifferenceIsTheTTestOnDifferences) {
  // d = {0.1, 0.2, 0.0}: mean 0.1, sd 0.1, t = sqrt(3); with 2 degrees of freedom the t cdf is
  // 1/2 + t / (2 sqrt(2 + t^2)), so p = 1 - sqrt(3) / sqrt(5).
  const PairedDifference d = paired_difference({0.1, 0.2, 0.3}, {0.2, 0.4, 0.3});
  EXPECT_EQ(d.n, 3);
  EXPECT_NEAR(d.diff, 0.1, 1e-12);
  const double half = 4.302652729911275 * 0.1 / std::sqrt(3.0);
  EXPECT_NEAR(d.ci_low, 0.1 - half, 1e-9);
  EXPECT_NEAR(d.ci_high, 0.1 + half, 1e-9);
  EXPECT_NEAR(d.p, 1 - std::sqrt(3.0) / std::sqrt(5.0), 1e-9);
}

TEST(Statistics, PairedDifferenceEdgeCases) {
  const PairedDifference one = paired_difference({0.5}, {0.7});
  EXPECT_NEAR(one.diff, 0.2, 1e-12);
  EXPECT_TRUE(std::isnan(one.ci_low));
  EXPECT_EQ(one.p, 1);
  const PairedDifference same = paired_difference({0.5, 0.6}, {0.5, 0.6});
  EXPECT_EQ(same.diff, 0);
  EXPECT_EQ(same.p, 1);
  const PairedDifference constant = paired_difference({0.5, 0.6}, {0.75, 0.85});
  EXPECT_NEAR(constant.ci_low, 0.25, 1e-12);
  EXPECT_EQ(constant.p, 0);
}

TEST(Statistics, ExactMcNemarIsTheTwoSidedBinomialTest) {
  EXPECT_EQ(mcnemar_exact_p(0, 0), 1);
  EXPECT_NEAR(mcnemar_exact_p(0, 5), 2.0 / 32, 1e-12);
  EXPECT_NEAR(mcnemar_exact_p(9, 1), 2.0 * 11 / 1024, 1e-12);  // P(X <= 1) of Binomial(10, 1/2) = 11/1024
  EXPECT_EQ(mcnemar_exact_p(5, 5), 1);
  EXPECT_EQ(mcnemar_exact_p(3, 4), 1);
  EXPECT_LT(mcnemar_exact_p(0, 2000), 1e-300);
}

TEST(Statistics, HolmStepsDownAndStaysMonotone) {
  // sorted 0.005 * 4, 0.01 * 3, 0.03 * 2, 0.04 * 1 -> 0.02, 0.03, 0.06, max(0.04, 0.06)
  const auto adjusted = holm({0.01, 0.04, 0.03, 0.005});
  ASSERT_EQ(adjusted.size(), 4u);
  EXPECT_NEAR(adjusted[0], 0.03, 1e-12);
  EXPECT_NEAR(adjusted[1], 0.06, 1e-12);
  EXPECT_NEAR(adjusted[2], 0.06, 1e-12);
  EXPECT_NEAR(adjusted[3], 0.02, 1e-12);
  EXPECT_EQ(holm({0.5, 0.9})[1], 1);
  EXPECT_TRUE(holm({}).empty());
}

}  // namespace
}  // namespace poolnet
