// Resizing and rotation about the centre (experiments/eval/image_transforms.h) against naive
// references written from the definitions, and their identities.
#include <cmath>
#include <gtest/gtest.h>
#include <numbers>

#include "experiments/eval/image_transforms.h"
#include "framework/parallel.h"
#include "testing/grad_check.h"

namespace poolnet {
namespace {

void expect_bitwise_equal(const Tensor& a, const Tensor& b) {
  ASSERT_EQ(a.shape(), b.shape());
  for (int64_t i = 0; i < a.numel(); ++i) ASSERT_EQ(a.data()[i], b.data()[i]) << "at " << i;
}

// Triangle-filter resampling of one plane, straight from the definition: every source pixel
// (i, k) weighted by the product of the two axes' weights, each normalised over all integers.
double naive_resize_pixel(const Tensor& x, int64_t plane, int64_t h, int64_t w, double factor) {
  const int64_t H = x.size(2), W = x.size(3);
  const double support = std::max(1.0, 1.0 / factor);
  const auto weight = [&](int64_t i, int64_t j, int64_t L) {
    const double u = (j + 0.5 - L / 2.0) / factor + L / 2.0;
    return std::max(0.0, 1.0 - std::fabs(i + 0.5 - u) / support);
  };
  const auto norm = [&](int64_t j, int64_t L) {
    double s = 0;
    for (int64_t i = -4 * L; i < 5 * L; ++i) s += weight(i, j, L);
    return s;
  };
  double sum = 0;
  for (int64_t i = 0; i < H; ++i) {
    for (int64_t k = 0; k < W; ++k) sum += weight(i, h, H) * weight(k, w, W) * x.data()[(plane * H + i) * W + k];
  }
  return sum / (norm(h, H) * norm(w, W));
}

// Bilinear rotation from the definition, with explicit corner weights.
double naive_rotate_pixel(const Tensor& x, int64_t plane, int64_t h, int64_t w, double degrees) {
  const int64_t H = x.size(2), W = x.size(3);
  const double a = degrees * std::numbers::pi / 180, cx = W / 2.0, cy = H / 2.0;
  const double px = w + 0.5 - cx, py = h + 0.5 - cy;
  const double sx = cx + std::cos(a) * px + std::sin(a) * py, sy = cy - std::sin(a) * px + std::cos(a) * py;
  double sum = 0;
  for (int64_t i = 0; i < H; ++i) {
    for (int64_t k = 0; k < W; ++k) {
      const double wy = std::max(0.0, 1 - std::fabs(sy - (i + 0.5))), wx = std::max(0.0, 1 - std::fabs(sx - (k + 0.5)));
      sum += wy * wx * x.data()[(plane * H + i) * W + k];
    }
  }
  return sum;
}

TEST(ImageTransforms, ResizeAtFactorOneAndRotationAtZeroAreIdentities) {
  const Tensor x = testing::random_tensor({2, 3, 7, 9}, 1, 0.0f, 1.0f);
  expect_bitwise_equal(resize_about_centre(x, 1.0), x);
  expect_bitwise_equal(rotate_about_centre(x, 0.0), x);
}

TEST(ImageTransforms, ResizeMatchesTheNaiveReference) {
  const Tensor x = testing::random_tensor({1, 2, 6, 8}, 2, 0.0f, 1.0f);
  for (double factor : {0.3, 0.5, 0.7, 1.3, 2.0}) {
    const Tensor y = resize_about_centre(x, factor);
    for (int64_t p = 0; p < 2; ++p) {
      for (int64_t h = 0; h < 6; ++h) {
        for (int64_t w = 0; w < 8; ++w) {
          EXPECT_NEAR(y.data()[(p * 6 + h) * 8 + w], naive_resize_pixel(x, p, h, w, factor), 1e-5)
              << "factor " << factor << " at " << p << "," << h << "," << w;
        }
      }
    }
  }
}

TEST(ImageTransforms, DownscalingAConstantImageKeepsItsCentreAndFadesItsBorder) {
  const Tensor y = resize_about_centre(Tensor::ones({1, 1, 16, 16}), 0.5);
  EXPECT_NEAR(y.at({0, 0, 8, 8}), 1.0f, 1e-6);
  EXPECT_EQ(y.at({0, 0, 0, 0}), 0.0f);
}

TEST(ImageTransforms, RotationMatchesTheNaiveReferenceAndExactQuarterTurns) {
  const Tensor x = testing::random_tensor({1, 2, 6, 6}, 3, 0.0f, 1.0f);
  for (double degrees : {37.0, 90.0, 180.0}) {
    const Tensor y = rotate_about_centre(x, degrees);
    for (int64_t p = 0; p < 2; ++p) {
      for (int64_t h = 0; h < 6; ++h) {
        for (int64_t w = 0; w < 6; ++w) {
          EXPECT_NEAR(y.data()[(p * 6 + h) * 6 + w], naive_rotate_pixel(x, p, h, w, degrees), 1e-5);
        }
      }
    }
  }
  // A clockwise quarter turn: output (h, w) is input (H - 1 - w, h); a half turn flips both axes.
  const Tensor quarter = rotate_about_centre(x, 90), half = rotate_about_centre(x, 180);
  for (int64_t h = 0; h < 6; ++h) {
    for (int64_t w = 0; w < 6; ++w) {
      EXPECT_NEAR(quarter.at({0, 1, h, w}), x.at({0, 1, 5 - w, h}), 1e-5);
      EXPECT_NEAR(half.at({0, 1, h, w}), x.at({0, 1, 5 - h, 5 - w}), 1e-5);
    }
  }
}

TEST(ImageTransforms, ResultsDoNotDependOnTheThreadCount) {
  const Tensor x = testing::random_tensor({3, 2, 9, 9}, 4, 0.0f, 1.0f);
  parallel::set_num_threads(1);
  const Tensor r1 = resize_about_centre(x, 0.7), t1 = rotate_about_centre(x, 33);
  parallel::set_num_threads(2);
  const Tensor r2 = resize_about_centre(x, 0.7), t2 = rotate_about_centre(x, 33);
  parallel::set_num_threads(0);
  expect_bitwise_equal(r1, r2);
  expect_bitwise_equal(t1, t2);
}

}  // namespace
}  // namespace poolnet
