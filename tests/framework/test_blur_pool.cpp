#include <gtest/gtest.h>

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
using testing::random_tensor;

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
  EXPECT_EQ(blur_pool2d_out_shape({1, 1, 7, 5}, {.filter_size = 5, .stride = 3}), (Shape{1, 1, 3, 2}));
  EXPECT_EQ(blur_pool2d_out_shape({1, 1, 7, 5}, {.stride = 1}), (Shape{1, 1, 7, 5}));
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
      for (int64_t s : {1, 2, 3}) {
        for (Shape shape : {Shape{2, 3, 8, 8}, Shape{1, 2, 7, 5}, Shape{1, 1, 2, 3}}) {
          Tensor x = random_tensor(shape, 10 * f + s);
          Tensor y = blur_pool2d(x, {.filter_size = f, .stride = s, .padding_mode = mode});
          EXPECT_TRUE(all_close(y, reference::blur_pool(x, f, s, to_string(mode)), 1e-6, 1e-5))
              << "filter " << f << " stride " << s << " " << to_string(mode) << " " << shape_str(shape);
        }
      }
    }
  }
}

TEST(BlurPool, FilterSizeOneIsPlainSubsampling) {
  Tensor x = random_tensor({2, 2, 7, 6}, 3);
  Tensor y = blur_pool2d(x, {.filter_size = 1, .stride = 2});
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
    const Blur2d o{.filter_size = f, .stride = 2, .padding_mode = PadMode::kCircular};
    EXPECT_TRUE(bitwise_equal(blur_pool2d(roll(x, {4, -2}), o), roll(blur_pool2d(x, o), {2, -1})));
  }
}

TEST(BlurPool, GradCheckEveryFilterAndPaddingMode) {
  for (int64_t f = 1; f <= 7; ++f) {
    for (PadMode mode : kModes) {
      Tensor x = random_tensor({2, 2, 6, 5}, 7 + f).set_requires_grad();
      const Blur2d o{.filter_size = f, .stride = 2, .padding_mode = mode};
      EXPECT_TRUE(grad_check([&](const std::vector<Tensor>& in) { return blur_pool2d(in[0], o); }, {x}))
          << "filter " << f << " " << to_string(mode);
    }
  }
  Tensor x = random_tensor({1, 2, 5, 7}, 9).set_requires_grad();
  for (int64_t s : {1, 3}) {
    const Blur2d o{.filter_size = 4, .stride = s, .padding_mode = PadMode::kReflect};
    EXPECT_TRUE(grad_check([&](const std::vector<Tensor>& in) { return blur_pool2d(in[0], o); }, {x})) << s;
  }
  // Maps smaller than the padding (mirror and wrap repeat).
  Tensor tiny = random_tensor({1, 1, 2, 1}, 4).set_requires_grad();
  for (PadMode mode : kModes) {
    const Blur2d o{.filter_size = 7, .stride = 1, .padding_mode = mode};
    EXPECT_TRUE(grad_check([&](const std::vector<Tensor>& in) { return blur_pool2d(in[0], o); }, {tiny}));
  }
}

TEST(BlurPool, ShapeErrorsNameOpAndShape) {
  const auto message = [](const Tensor& x, const Blur2d& o) {
    try {
      blur_pool2d(x, o);
    } catch (const ShapeError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string m = message(Tensor::zeros({2, 3, 4}), {});
  EXPECT_NE(m.find("blur_pool2d"), std::string::npos) << m;
  EXPECT_NE(m.find("[2,3,4]"), std::string::npos) << m;
  m = message(Tensor::zeros({1, 1, 4, 4}), {.filter_size = 8});
  EXPECT_NE(m.find("filter_size"), std::string::npos) << m;
  EXPECT_NE(m.find("[1,1,4,4]"), std::string::npos) << m;
  m = message(Tensor::zeros({1, 1, 4, 4}), {.stride = 0});
  EXPECT_NE(m.find("stride"), std::string::npos) << m;
  m = message(Tensor::zeros({1, 1, 0, 4}), {});
  EXPECT_NE(m.find("[1,1,0,4]"), std::string::npos) << m;
}

TEST(BlurPool, BackwardAccumulates) {
  Tensor x = random_tensor({2, 2, 6, 6}, 1).set_requires_grad();
  Tensor up = random_tensor({2, 2, 3, 3}, 2);
  blur_pool2d(x).backward(up);
  const Tensor once = x.grad().clone();
  // x also feeds a second path whose gradient is written first; the blur must add to it.
  Tensor y = add(blur_pool2d(x), blur_pool2d(mul(x, 1.0f)));
  y.backward(up);
  EXPECT_TRUE(all_close(x.grad(), mul(once, 3.0f), 1e-6, 1e-6));
}

TEST(BlurPool, DeterministicAcrossThreadCounts) {
  Tensor x = random_tensor({16, 8, 13, 11}, 3).set_requires_grad();
  Tensor up = random_tensor({16, 8, 7, 6}, 4);
  Tensor y1, g1, y2, g2;
  testing::with_threads(1, [&] {
    x.zero_grad();
    y1 = blur_pool2d(x, {.filter_size = 5});
    y1.backward(up);
    g1 = x.grad().clone();
  });
  testing::with_threads(2, [&] {
    x.zero_grad();
    y2 = blur_pool2d(x, {.filter_size = 5});
    y2.backward(up);
    g2 = x.grad().clone();
  });
  EXPECT_TRUE(bitwise_equal(y1, y2));
  EXPECT_TRUE(bitwise_equal(g1, g2));
}

}  // namespace
}  // namespace poolnet
