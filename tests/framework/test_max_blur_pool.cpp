#include <gtest/gtest.h>

#include <cmath>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"
#include "tests/support/reference_downsample.h"

namespace poolnet {
namespace {
using testing::all_close;
using testing::bitwise_equal;
using testing::op_contract;
using testing::shape_error_names;

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
        const Blur2d o{.filter_size = f, .stride = {2, 2}, .padding_mode = mode};
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
  max_blur_pool2d(x, {.filter_size = 1, .stride = {1, 1}}).backward(Tensor::ones({1, 1, 1, 1}));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{1, 0, 0, 0}));
  Tensor n = Tensor::from_vector({1, 1, 2, 2}, {1, NAN, 2, 0});
  EXPECT_TRUE(std::isnan(max_blur_pool2d(n, {.filter_size = 1, .stride = {1, 1}}).item()));
}

// Gradient, accumulation and 1 vs 2 threads for every padding mode and several filters.
TEST(MaxBlurPool, Contract) {
  const std::vector<Tensor> big{testing::random_tensor({16, 8, 13, 11}, 3).set_requires_grad()};
  for (PadMode mode : kModes) {
    for (int64_t f : {1, 2, 3, 5, 7}) {
      SCOPED_TRACE(to_string(mode) + " filter " + std::to_string(f));
      const Blur2d o{.filter_size = f, .stride = {2, 2}, .padding_mode = mode};
      EXPECT_TRUE(op_contract({.op = "max_blur_pool2d",
                               .f = [&](const std::vector<Tensor>& in) { return max_blur_pool2d(in[0], o); },
                               .inputs = {testing::separated_tensor({2, 2, 6, 5}, f).set_requires_grad()},
                               .thread_inputs = big}));
    }
  }
}

TEST(MaxBlurPool, ShapeErrorsNameOpAndShape) {
  const auto bad = [](const Shape& shape, const Blur2d& o) { return [=] { max_blur_pool2d(Tensor::zeros(shape), o); }; };
  EXPECT_TRUE(shape_error_names("max_blur_pool2d", {bad({2, 3, 4}, {}), {"[2,3,4]"}}));
  EXPECT_TRUE(shape_error_names("max_blur_pool2d", {bad({1, 1, 1, 4}, {}), {"H, W >= 2", "[1,1,1,4]"}}));
  EXPECT_TRUE(shape_error_names("max_blur_pool2d", {bad({1, 1, 4, 4}, {.filter_size = 9}), {"filter_size"}}));
}

}  // namespace
}  // namespace poolnet
