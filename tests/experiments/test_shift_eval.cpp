#include <gtest/gtest.h>

#include <cmath>

#include "experiments/eval/shift_eval.h"
#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "tests/support/grad_check.h"

namespace poolnet {
namespace {

// 40 random 1x8x8 images and labels.
struct Data {
  Tensor images = testing::random_tensor({40, 1, 8, 8}, 3, 0.0f, 1.0f);
  std::vector<int32_t> labels = std::vector<int32_t>(40, 0);
};

ShiftEvalOptions small_options() {
  ShiftEvalOptions o;
  o.max_shift = 2;
  o.batch = 16;
  o.grid_samples = 0;
  o.equivariance_samples = 8;
  return o;
}

// Exactly shift invariant under circular shifts: the logits depend on the image maximum only
// (a maximum, unlike a float sum, does not depend on the order of its terms).
Tensor max_classifier(const Tensor& x) {
  const int64_t N = x.size(0);
  Tensor logits = Tensor::empty({N, 2});
  const Tensor m = global_max_pool(x);
  for (int64_t n = 0; n < N; ++n) {
    logits.at({n, 0}) = m.data()[n];
    logits.at({n, 1}) = 0.98f;
  }
  return logits;
}

// Reads one pixel: class 0 when x[2, 3] > 0.5, else class 1.
Tensor pixel_classifier(const Tensor& x) {
  const int64_t N = x.size(0);
  Tensor logits = Tensor::empty({N, 2});
  for (int64_t n = 0; n < N; ++n) {
    logits.at({n, 0}) = x.at({n, 0, 2, 3});
    logits.at({n, 1}) = 0.5f;
  }
  return logits;
}

TEST(ShiftEval, InvariantModelHasConsistencyOneAndNoFlips) {
  Data d;
  for (int32_t n = 0; n < 40; ++n) d.labels[static_cast<size_t>(n)] = n % 2;
  const ShiftMetrics m = evaluate_shift(max_classifier, d.images, d.labels, ShiftMode::kCircular, small_options());
  EXPECT_EQ(m.consistency, 1.0);
  EXPECT_EQ(m.flip_rate, 0.0);
  EXPECT_EQ(m.prob_change, 0.0);
  EXPECT_EQ(m.acc_shift_min, m.clean_acc);
  EXPECT_DOUBLE_EQ(m.acc_shift_mean, m.clean_acc);
  EXPECT_GT(m.clean_acc, 0.2);
  EXPECT_LT(m.clean_acc, 0.8);
  EXPECT_EQ(m.grid.size(), 25u);
  EXPECT_EQ(m.diagonal.size(), 5u);
}

TEST(ShiftEval, OnePixelModelFlipRateMatchesHandCount) {
  Data d;
  int64_t flips = 0;
  const int64_t dirs[4][2] = {{-1, 0}, {1, 0}, {0, -1}, {0, 1}};
  for (int64_t n = 0; n < 40; ++n) {
    const bool clean = d.images.at({n, 0, 2, 3}) > 0.5f;
    for (const auto& dir : dirs) {
      // Content moves (dy, dx): the pixel now at (2, 3) came from (2 - dy, 3 - dx).
      const float v = d.images.at({n, 0, (2 - dir[0] + 8) % 8, (3 - dir[1] + 8) % 8});
      flips += (v > 0.5f) != clean;
    }
  }
  const ShiftMetrics m = evaluate_shift(pixel_classifier, d.images, d.labels, ShiftMode::kCircular, small_options());
  EXPECT_DOUBLE_EQ(m.flip_rate, static_cast<double>(flips) / 160.0);
  EXPECT_GT(m.flip_rate, 0.0);
  EXPECT_LT(m.consistency, 1.0);
}

TEST(ShiftEval, ModesAreNamedCircularZerosCropWithZeroAsAnAlias) {
  for (ShiftMode mode : {ShiftMode::kCircular, ShiftMode::kZeros, ShiftMode::kCrop}) {
    EXPECT_EQ(parse_shift_mode(to_string(mode)), mode);
  }
  EXPECT_EQ(to_string(ShiftMode::kZeros), "zeros");
  EXPECT_EQ(parse_shift_mode("zero"), ShiftMode::kZeros);
  EXPECT_THROW(parse_shift_mode("zeroes"), ConfigError);
}

TEST(ShiftEval, ZerosModeFillsWithRawZeroAndCropSeesTheSamePixels) {
  const Tensor x = testing::random_tensor({2, 1, 6, 6}, 4, 0.2f, 1.0f);
  for (int64_t dy = -2; dy <= 2; ++dy) {
    for (int64_t dx = -2; dx <= 2; ++dx) {
      const Tensor z = shift_images(x, dy, dx, ShiftMode::kZeros, 2);
      EXPECT_TRUE(testing::bitwise_equal(z, shift_images(x, dy, dx, ShiftMode::kCrop, 2)));
      EXPECT_EQ(z.at({0, 0, dy > 0 ? 0 : 5, 2}) == 0.0f, dy != 0);
    }
  }
  EXPECT_TRUE(testing::bitwise_equal(shift_images(x, 1, -2, ShiftMode::kCircular, 2), roll(x, {1, -2})));
}

TEST(ShiftEval, MetricsAreReproducible) {
  Data d;
  const auto a = evaluate_shift(pixel_classifier, d.images, d.labels, ShiftMode::kZeros, small_options());
  const auto b = evaluate_shift(pixel_classifier, d.images, d.labels, ShiftMode::kZeros, small_options());
  EXPECT_EQ(a.consistency, b.consistency);
  ShiftEvalOptions other = small_options();
  other.seed = 99;
  const auto c = evaluate_shift(pixel_classifier, d.images, d.labels, ShiftMode::kZeros, other);
  EXPECT_EQ(a.flip_rate, c.flip_rate);  // no random draws in the flip rate
}

TEST(Equivariance, IdentityIsEquivariantAndSubsamplingOnlyAtEvenShifts) {
  Data d;
  const TraceFn trace = [](const Tensor& x) {
    // Subsample by 2: keep even rows and columns.
    Tensor sub = Tensor::empty({x.size(0), 1, 4, 4});
    for (int64_t n = 0; n < x.size(0); ++n)
      for (int64_t h = 0; h < 4; ++h)
        for (int64_t w = 0; w < 4; ++w) sub.at({n, 0, h, w}) = x.at({n, 0, 2 * h, 2 * w});
    return std::vector<FeatureMap>{{"identity", "Identity", x, 1}, {"subsample", "Subsample", sub, 2}};
  };
  const auto points = evaluate_equivariance(trace, d.images, small_options());
  ASSERT_EQ(points.size(), 2u * 4u);  // t = 1..4, two layers
  for (const auto& p : points) {
    if (p.layer == "identity" || p.shift % 2 == 0) {
      EXPECT_EQ(p.error, 0.0) << p.layer << " t=" << p.shift;
    } else {
      EXPECT_GT(p.error, 0.1) << p.layer << " t=" << p.shift;
    }
  }
}

}  // namespace
}  // namespace poolnet
