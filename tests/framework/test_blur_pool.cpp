#include <gtest/gtest.h>

#include <fmt/format.h>

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
using testing::random_tensor;
using testing::shape_error_names;

const PadMode kModes[] = {PadMode::kZeros, PadMode::kReflect, PadMode::kCircular};

TEST(BlurPool, FiltersAreRowsOfPascalsTriangle) {
  EXPECT_EQ(binomial_filter(1), (std::vector<float>{1.0f}));
  EXPECT_EQ(binomial_filter(3), (std::vector<float>{0.25f, 0.5f, 0.25f}));
  EXPECT_EQ(binomial_filter(5), (std::vector<float>{1 / 16.f, 4 / 16.f, 6 / 16.f, 4 / 16.f, 1 / 16.f}));
  for (int64_t f = 1; f <= 7; ++f) {
    const std::vector<float> k = binomial_filter(f);
    ASSERT_EQ(static_cast<int64_t>(k.size()), f);
    float total = 0.0f;
    for (int64_t i = 0; i < f; ++i) {
      EXPECT_EQ(k[i], static_cast<float>(reference::binomial(f - 1, i)) / static_cast<float>(1 << (f - 1)));
      total += k[i];
    }
    EXPECT_EQ(total, 1.0f);
  }
  EXPECT_THROW(binomial_filter(0), ShapeError);
  EXPECT_THROW(binomial_filter(8), ShapeError);
}

TEST(BlurPool, OutputIsCeilOfInputOverStride) {
  EXPECT_EQ(blur_pool2d_out_shape({2, 3, 28, 28}, {}), (Shape{2, 3, 14, 14}));
  EXPECT_EQ(blur_pool2d_out_shape({2, 3, 7, 5}, {}), (Shape{2, 3, 4, 3}));
  EXPECT_EQ(blur_pool2d_out_shape({1, 1, 7, 5}, {.filter_size = 5, .stride = {3, 3}}), (Shape{1, 1, 3, 2}));
  EXPECT_EQ(blur_pool2d_out_shape({1, 1, 7, 5}, {.stride = {1, 1}}), (Shape{1, 1, 7, 5}));
}

TEST(BlurPool, HandComputedReflectExample) {
  // Row [0, 4, 8, 12], reflect-padded: [4 | 0 4 8 12 | 8]; [1,2,1]/4 at columns 0 and 2.
  Tensor x = Tensor::from_vector({1, 1, 1, 4}, {0, 4, 8, 12});
  EXPECT_EQ(blur_pool2d(x).to_vector(), (std::vector<float>{2, 8}));
  // Zeros: [0 | 0 4 8 12 | 0] gives [1, 8] along W, and the zero rows above and below halve it.
  EXPECT_EQ(blur_pool2d(x, {.padding_mode = PadMode::kZeros}).to_vector(), (std::vector<float>{0.5f, 4}));
  EXPECT_EQ(blur_pool2d(x, {.padding_mode = PadMode::kCircular}).to_vector(), (std::vector<float>{4, 8}));
}

TEST(BlurPool, MatchesNaiveReference) {
  for (int64_t f = 1; f <= 7; ++f) {
    for (PadMode mode : kModes) {
      for (Size2d s : {Size2d{1, 1}, Size2d{2, 2}, Size2d{3, 3}, Size2d{2, 1}, Size2d{1, 2}, Size2d{2, 3}}) {
        for (Shape shape : {Shape{2, 3, 8, 8}, Shape{1, 2, 7, 5}, Shape{1, 1, 2, 3}}) {
          Tensor x = random_tensor(shape, 10 * f + s.h + 5 * s.w);
          Tensor y = blur_pool2d(x, {.filter_size = f, .stride = s, .padding_mode = mode});
          EXPECT_TRUE(all_close(y, reference::blur_pool(x, f, s, to_string(mode)), 1e-6, 1e-5))
              << "filter " << f << " stride " << to_string(s) << " " << to_string(mode) << " " << shape_str(shape);
        }
      }
    }
  }
}

TEST(BlurPool, AnAxisLeftAtStrideOneIsNotFiltered) {
  EXPECT_EQ(blur_filter_sizes({.filter_size = 5, .stride = {2, 1}}), (Size2d{5, 1}));
  EXPECT_EQ(blur_filter_sizes({.filter_size = 5, .stride = {1, 3}}), (Size2d{1, 5}));
  EXPECT_EQ(blur_filter_sizes({.filter_size = 5, .stride = {1, 1}}), (Size2d{5, 5}));
  // Stride 2x1 on a constant-along-H image: each column's values pass through unchanged.
  Tensor x = Tensor::from_vector({1, 1, 2, 3}, {1, 5, 9, 1, 5, 9});
  EXPECT_EQ(blur_pool2d(x, {.filter_size = 3, .stride = {2, 1}, .padding_mode = PadMode::kCircular}).to_vector(),
            (std::vector<float>{1, 5, 9}));
}

TEST(BlurPool, FilterSizeOneIsPlainSubsampling) {
  Tensor x = random_tensor({2, 2, 7, 6}, 3);
  Tensor y = blur_pool2d(x, {.filter_size = 1, .stride = {2, 2}});
  ASSERT_EQ(y.shape(), (Shape{2, 2, 4, 3}));
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c = 0; c < 2; ++c)
      for (int64_t h = 0; h < 4; ++h)
        for (int64_t w = 0; w < 3; ++w) EXPECT_EQ(y.at({n, c, h, w}), x.at({n, c, 2 * h, 2 * w}));
}

TEST(BlurPool, ConstantImageStaysConstant) {
  Tensor x = Tensor::full({1, 2, 9, 6}, 0.7f);
  for (PadMode mode : {PadMode::kReflect, PadMode::kCircular}) {
    for (int64_t f = 1; f <= 7; ++f) {
      Tensor y = blur_pool2d(x, {.filter_size = f, .padding_mode = mode});
      for (float v : y.to_vector()) EXPECT_NEAR(v, 0.7f, 1e-6) << "filter " << f << " " << to_string(mode);
    }
  }
}

TEST(BlurPool, CircularBlurCommutesWithShiftsByTheStride) {
  Tensor x = random_tensor({2, 3, 12, 8}, 5);
  for (int64_t f : {2, 3, 5}) {
    const Blur2d o{.filter_size = f, .stride = {2, 2}, .padding_mode = PadMode::kCircular};
    EXPECT_TRUE(bitwise_equal(blur_pool2d(roll(x, {4, -2}), o), roll(blur_pool2d(x, o), {2, -1})));
  }
}

// Gradient, accumulation and 1 vs 2 threads for every filter and padding mode, strides 1 to 3,
// and maps smaller than the padding (mirror and wrap repeat).
TEST(BlurPool, Contract) {
  struct Case {
    Shape shape;
    Blur2d o;
  };
  std::vector<Case> cases;
  for (int64_t f = 1; f <= 7; ++f) {
    for (PadMode mode : kModes) cases.push_back({{2, 2, 6, 5}, {.filter_size = f, .stride = {2, 2}, .padding_mode = mode}});
  }
  for (int64_t s : {1, 3}) cases.push_back({{1, 2, 5, 7}, {.filter_size = 4, .stride = {s, s}, .padding_mode = PadMode::kReflect}});
  for (PadMode mode : kModes) cases.push_back({{1, 1, 2, 1}, {.filter_size = 7, .stride = {1, 1}, .padding_mode = mode}});
  // Anisotropic: the axis left at stride 1 is not filtered (blur_filter_sizes).
  for (Size2d s : {Size2d{2, 1}, Size2d{1, 3}, Size2d{3, 2}}) {
    cases.push_back({{2, 2, 7, 6}, {.filter_size = 3, .stride = s, .padding_mode = PadMode::kCircular}});
  }
  for (const Case& c : cases) {
    SCOPED_TRACE(fmt::format("filter {} stride {} {} {}", c.o.filter_size, to_string(c.o.stride), to_string(c.o.padding_mode),
                             shape_str(c.shape)));
    EXPECT_TRUE(op_contract({.op = "blur_pool2d",
                             .f = [&](const std::vector<Tensor>& in) { return blur_pool2d(in[0], c.o); },
                             .inputs = {random_tensor(c.shape, 7 + c.o.filter_size).set_requires_grad()},
                             .thread_inputs = {random_tensor({16, 8, 13, 11}, 3).set_requires_grad()}}));
  }
}

TEST(BlurPool, ShapeErrorsNameOpAndShape) {
  const auto bad = [](const Shape& shape, const Blur2d& o) { return [=] { blur_pool2d(Tensor::zeros(shape), o); }; };
  EXPECT_TRUE(shape_error_names("blur_pool2d", {bad({2, 3, 4}, {}), {"[2,3,4]"}}));
  EXPECT_TRUE(shape_error_names("blur_pool2d", {bad({1, 1, 4, 4}, {.filter_size = 8}), {"filter_size", "[1,1,4,4]"}}));
  EXPECT_TRUE(shape_error_names("blur_pool2d", {bad({1, 1, 4, 4}, {.stride = {0, 0}}), {"stride"}}));
  EXPECT_TRUE(shape_error_names("blur_pool2d", {bad({1, 1, 0, 4}, {}), {"[1,1,0,4]"}}));
}

}  // namespace
}  // namespace poolnet
