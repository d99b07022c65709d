// The built-in corruptions (experiments/eval/corruptions.h): severity 0 is the identity, every
// corruption changes an image and stays in [0, 1], and the draws depend on the image's index
// only: not on the batch it is in, nor on the thread count.
#include <cmath>
#include <gtest/gtest.h>

#include "experiments/eval/corruptions.h"
#include "framework/errors.h"
#include "framework/parallel.h"
#include "testing/grad_check.h"

namespace poolnet {
namespace {

void expect_bitwise_equal(const Tensor& a, const Tensor& b) {
  ASSERT_EQ(a.shape(), b.shape());
  for (int64_t i = 0; i < a.numel(); ++i) ASSERT_EQ(a.data()[i], b.data()[i]) << "at " << i;
}

Tensor rows(const Tensor& x, int64_t begin, int64_t end) {
  const int64_t row = x.numel() / x.size(0);
  Shape s = x.shape();
  s[0] = end - begin;
  Tensor out = Tensor::empty(s);
  std::copy(x.data() + begin * row, x.data() + end * row, out.data());
  return out;
}

const int kKinds = static_cast<int>(corruption_names().size());

TEST(Corruptions, SeverityZeroIsTheIdentity) {
  const Tensor x = testing::random_tensor({3, 1, 12, 12}, 1, 0.0f, 1.0f);
  for (int k = 0; k < kKinds; ++k) expect_bitwise_equal(corrupt(x, k, 0, 5, 0), x);
}

TEST(Corruptions, EveryCorruptionChangesTheImageWithinRange) {
  const Tensor x = testing::random_tensor({2, 3, 12, 12}, 2, 0.2f, 0.8f);
  for (int k = 0; k < kKinds; ++k) {
    for (int severity = 1; severity <= kCorruptionSeverities; ++severity) {
      const Tensor y = corrupt(x, k, severity, 5, 0);
      double change = 0;
      for (int64_t i = 0; i < y.numel(); ++i) {
        ASSERT_GE(y.data()[i], 0.0f) << corruption_names()[static_cast<size_t>(k)];
        ASSERT_LE(y.data()[i], 1.0f) << corruption_names()[static_cast<size_t>(k)];
        change += std::fabs(y.data()[i] - x.data()[i]);
      }
      EXPECT_GT(change, 0.0) << corruption_names()[static_cast<size_t>(k)] << " severity " << severity;
    }
  }
}

TEST(Corruptions, DrawsAreRepeatableAndKeyedByImageIndex) {
  const Tensor x = testing::random_tensor({6, 1, 10, 10}, 3, 0.0f, 1.0f);
  for (int k = 0; k < kKinds; ++k) {
    parallel::set_num_threads(1);
    const Tensor one = corrupt(x, k, 2, 9, 100);
    parallel::set_num_threads(2);
    const Tensor two = corrupt(x, k, 2, 9, 100);
    parallel::set_num_threads(0);
    expect_bitwise_equal(one, two);
    // Images 3..5 corrupted alone, as indices 103..105, are the same as in the whole batch.
    expect_bitwise_equal(corrupt(rows(x, 3, 6), k, 2, 9, 103), rows(one, 3, 6));
  }
  // Another seed draws other noise.
  const Tensor a = corrupt(x, corruption_index("gaussian_noise"), 1, 1, 0), b = corrupt(x, 0, 1, 2, 0);
  EXPECT_NE(a.data()[0], b.data()[0]);
}

TEST(Corruptions, NamesAndErrors) {
  EXPECT_EQ(corruption_names().size(), 10u);
  EXPECT_EQ(corruption_names()[static_cast<size_t>(corruption_index("zigzag"))], "zigzag");
  EXPECT_THROW(corruption_index("snow"), ConfigError);
  EXPECT_THROW(corrupt(Tensor::zeros({1, 4, 4}), 0, 1, 0, 0), ShapeError);
  EXPECT_THROW(corrupt(Tensor::zeros({1, 1, 4, 4}), 0, 4, 0, 0), ConfigError);
}

}  // namespace
}  // namespace poolnet
