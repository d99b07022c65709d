#include <gtest/gtest.h>

#include <cmath>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "tests/support/grad_check.h"
#include "tests/support/reference_downsample.h"

namespace poolnet {
namespace {
using testing::all_close;
using testing::bitwise_equal;
using testing::grad_check;

const PadMode kModes[] = {PadMode::kZeros, PadMode::kReflect, PadMode::kCircular};

// The unfused composition: (circular pad,) dense max_pool2d, blur_pool2d.
Tensor composed(const Tensor& x, const Blur2d& o) {
  const Pool2d dense{.kernel = {2, 2}, .stride = {1, 1}};
  const Tensor in = o.padding_mode == PadMode::kCircular ? pad(x, {.bottom = 1, .right = 1}, PadMode::kCircular) : x;
  return blur_pool2d(max_pool2d(in, dense), o);
}

TEST(MaxBlurPool, EqualsDenseMaxPoolThenBlur) {
  for (PadMode mode : kModes) {
    for (int64_t f = 1; f <= 7; ++f) {
      for (Shape shape : {Shape{2, 3, 8, 8}, Shape{1, 2, 7, 5}, Shape{1, 1, 3, 2}}) {
        Tensor x = testing::random_tensor(shape, 3 * f).set_requires_grad();
        const Blur2d o{.filter_size = f, .stride = 2, .padding_mode = mode};
        Tensor up = testing::random_tensor(max_blur_pool2d_out_shape(shape, o), 4);
        max_blur_pool2d(x, o).backward(up);
        const Tensor g = x.grad().clone();
        x.zero_grad();
        const Tensor want = composed(x, o);
        want.backward(up);
        EXPECT_TRUE(bitwise_equal(max_blur_pool2d(x.detach(), o), want.detach())) << to_string(mode) << f;
        EXPECT_TRUE(all_close(g, x.grad(), 1e-6, 1e-6)) << to_string(mode) << " " << f << " " << shape_str(shape);
      }
    }
  }
}

TEST(MaxBlurPool, OutputSizes) {
  EXPECT_EQ(max_blur_pool2d_out_shape({2, 3, 28, 28}, {}), (Shape{2, 3, 14, 14}));
  EXPECT_EQ(max_blur_pool2d_out_shape({2, 3, 7, 7}, {}), (Shape{2, 3, 3, 3}));
  EXPECT_EQ(max_blur_pool2d_out_shape({2, 3, 7, 7}, {.padding_mode = PadMode::kCircular}), (Shape{2, 3, 4, 4}));
  EXPECT_EQ(max_blur_pool2d_out_shape({1, 1, 1, 1}, {.padding_mode = PadMode::kCircular}), (Shape{1, 1, 1, 1}));
}

TEST(MaxBlurPool, TiesGoToTheFirstMaximumAndNanPropagates) {
  Tensor x = Tensor::from_vector({1, 1, 2, 2}, {1, 1, 1, 1}).set_requires_grad();
  max_blur_pool2d(x, {.filter_size = 1, .stride = 1}).backward(Tensor::ones({1, 1, 1, 1}));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{1, 0, 0, 0}));
  Tensor n = Tensor::from_vector({1, 1, 2, 2}, {1, NAN, 2, 0});
  EXPECT_TRUE(std::isnan(max_blur_pool2d(n, {.filter_size = 1, .stride = 1}).item()));
}

TEST(MaxBlurPool, GradCheckEveryModeAndFilter) {
  for (PadMode mode : kModes) {
    for (int64_t f : {1, 2, 3, 5, 7}) {
      Tensor x = testing::separated_tensor({2, 2, 6, 5}, f).set_requires_grad();
      const Blur2d o{.filter_size = f, .stride = 2, .padding_mode = mode};
      EXPECT_TRUE(grad_check([&](const std::vector<Tensor>& in) { return max_blur_pool2d(in[0], o); }, {x}))
          << to_string(mode) << " " << f;
    }
  }
}

TEST(MaxBlurPool, ShapeErrorsNameOpAndShape) {
  const auto message = [](const Tensor& x, const Blur2d& o) {
    try {
      max_blur_pool2d(x, o);
    } catch (const ShapeError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string m = message(Tensor::zeros({2, 3, 4}), {});
  EXPECT_NE(m.find("max_blur_pool2d"), std::string::npos) << m;
  EXPECT_NE(m.find("[2,3,4]"), std::string::npos) << m;
  m = message(Tensor::zeros({1, 1, 1, 4}), {});
  EXPECT_NE(m.find("H, W >= 2"), std::string::npos) << m;
  EXPECT_NE(m.find("[1,1,1,4]"), std::string::npos) << m;
  m = message(Tensor::zeros({1, 1, 4, 4}), {.filter_size = 9});
  EXPECT_NE(m.find("max_blur_pool2d"), std::string::npos) << m;
  EXPECT_NE(m.find("filter_size"), std::string::npos) << m;
}

TEST(MaxBlurPool, BackwardAccumulates) {
  Tensor x = testing::random_tensor({2, 2, 6, 6}, 1).set_requires_grad();
  Tensor up = testing::random_tensor({2, 2, 3, 3}, 2);
  max_blur_pool2d(x).backward(up);
  const Tensor once = x.grad().clone();
  add(max_blur_pool2d(x), max_blur_pool2d(mul(x, 1.0f))).backward(up);
  EXPECT_TRUE(all_close(x.grad(), mul(once, 3.0f), 1e-6, 1e-6));
}

TEST(MaxBlurPool, DeterministicAcrossThreadCounts) {
  Tensor x = testing::random_tensor({16, 8, 13, 11}, 3).set_requires_grad();
  for (PadMode mode : {PadMode::kReflect, PadMode::kCircular}) {
    Tensor y[2], g[2];
    for (int t : {1, 2}) {
      testing::with_threads(t, [&] {
        x.zero_grad();
        y[t - 1] = max_blur_pool2d(x, {.padding_mode = mode});
        y[t - 1].backward(testing::random_tensor(y[t - 1].shape(), 4));
        g[t - 1] = x.grad().clone();
      });
    }
    EXPECT_TRUE(bitwise_equal(y[0], y[1]));
    EXPECT_TRUE(bitwise_equal(g[0], g[1]));
  }
}

}  // namespace
}  // namespace poolnet
