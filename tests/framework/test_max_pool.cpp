#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"
#include "tests/support/reference_pool.h"

namespace poolnet {
namespace {
using testing::bitwise_equal;
using testing::op_contract;
using testing::random_tensor;
using testing::separated_tensor;
using testing::shape_error_names;

const float kNaN = std::numeric_limits<float>::quiet_NaN();

struct Case {
  const char* name;
  Shape shape;
  Pool2d options;
};

// Overlapping windows, padding, dilation, ceil mode, non-square, and the fast 2x2 path.
const std::vector<Case> kCases = {
    {"k2s2", {2, 3, 6, 8}, {}},
    {"k2s2_odd", {2, 3, 5, 7}, {}},
    {"k2s2_odd_h", {2, 3, 5, 8}, {}},
    {"k2s2_odd_w", {2, 3, 6, 9}, {}},
    {"k2s2_odd_ceil", {1, 2, 5, 7}, {.ceil_mode = true}},
    {"k3s1", {1, 2, 6, 6}, {.kernel = {3, 3}, .stride = {1, 1}}},
    {"k3s2", {2, 2, 7, 7}, {.kernel = {3, 3}, .stride = {2, 2}}},
    {"k3s2_pad1_ceil", {1, 2, 8, 9}, {.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}, .ceil_mode = true}},
    {"k2s1_dil2", {1, 2, 7, 7}, {.kernel = {2, 2}, .stride = {1, 1}, .dilation = {2, 2}}},
    {"k3_dil2_pad2_ceil", {1, 1, 9, 8}, {.kernel = {3, 3}, .stride = {2, 1}, .padding = {2, 1}, .dilation = {2, 2}, .ceil_mode = true}},
    {"k2x3_s1x2", {2, 2, 6, 9}, {.kernel = {2, 3}, .stride = {1, 2}}},
    {"k3x2_s2x1_pad1", {1, 2, 7, 6}, {.kernel = {3, 2}, .stride = {2, 1}, .padding = {1, 1}}},
    {"k4s3_pad2_ceil", {1, 1, 11, 11}, {.kernel = {4, 4}, .stride = {3, 3}, .padding = {2, 2}, .ceil_mode = true}},
};

// parts: the op name, then what else the message must contain.
void expect_shape_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  EXPECT_TRUE(shape_error_names(parts.front(), {f, {parts.begin() + 1, parts.end()}}));
}

TEST(MaxPool, MatchesNaiveReference) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    for (int variant : {0, 1, 2}) {  // distinct values; small integers (ties everywhere); and NaNs
      Tensor x = variant == 0 ? separated_tensor(c.shape, 3) : Tensor::uniform(c.shape, 0, 3, 7);
      for (int64_t i = 0; variant > 0 && i < x.numel(); ++i) {
        x.data()[i] = variant == 2 && i % 5 == 1 ? kNaN : std::floor(x.data()[i]);
      }
      const auto ref = reference::max_pool2d(x, c.options);
      const MaxPoolResult r = max_pool2d_with_indices(x, c.options);
      EXPECT_TRUE(bitwise_equal(r.output, ref.output));
      EXPECT_EQ(r.indices.values, ref.indices);
      EXPECT_EQ(r.indices.shape, ref.output.shape());
      EXPECT_TRUE(bitwise_equal(max_pool2d(x, c.options), ref.output));
      EXPECT_EQ(max_pool2d_out_shape(c.shape, c.options), ref.output.shape());

      x.set_requires_grad();
      const Tensor gy = random_tensor(ref.output.shape(), 11);
      max_pool2d(x, c.options).backward(gy);
      EXPECT_TRUE(bitwise_equal(x.grad(), reference::max_pool2d_backward(x, c.options, gy)));
    }
  }
}

// Gradient, accumulation and 1 vs 2 threads for every case (overlapping windows, padding,
// dilation, ceil mode); threads on a batch large enough to be split.
TEST(MaxPool, Contract) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(op_contract({.op = "max_pool2d",
                             .f = [&](const std::vector<Tensor>& in) { return max_pool2d(in[0], c.options); },
                             .inputs = {separated_tensor(c.shape, 5).set_requires_grad()},
                             .thread_inputs = {random_tensor({8, 16, 20, 20}, 2).set_requires_grad()}}));
  }
}

TEST(MaxPool, TiesGoToTheFirstMaximumInRowMajorOrder) {
  // Windows (2x2): [[1, 3], [3, 2]] and [[5, 5], [5, 5]].
  Tensor x = Tensor::from_vector({1, 1, 2, 4}, {1, 3, 5, 5, 3, 2, 5, 5}).set_requires_grad();
  for (const Pool2d& options : {Pool2d{}, Pool2d{.kernel = {2, 2}, .stride = {2, 2}, .dilation = {1, 1}}}) {
    const MaxPoolResult r = max_pool2d_with_indices(x, options);
    EXPECT_EQ(r.output.to_vector(), (std::vector<float>{3, 5}));
    EXPECT_EQ(r.indices.values, (std::vector<int64_t>{1, 2}));
  }
  x.zero_grad();
  max_pool2d(x, {}).backward(Tensor::from_vector({1, 1, 1, 2}, {10, 20}));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{0, 10, 20, 0, 0, 0, 0, 0}));
  // The general kernel (3x3 window, stride 1) follows the same rule.
  Tensor y = Tensor::from_vector({1, 1, 3, 3}, {0, 4, 1, 4, 2, 4, 0, 0, 4});
  EXPECT_EQ(max_pool2d_with_indices(y, {.kernel = {3, 3}, .stride = {1, 1}}).indices.values, (std::vector<int64_t>{1}));
}

TEST(MaxPool, NaNPropagatesAndTakesTheGradient) {
  // Fast path (2x2 stride 2) and general path (3x3 stride 1 with padding): a NaN is the maximum,
  // the last NaN in window order wins (PyTorch's CPU rule).
  Tensor x = Tensor::from_vector({1, 1, 2, 2}, {1, kNaN, kNaN, 5}).set_requires_grad();
  const MaxPoolResult r = max_pool2d_with_indices(x, {});
  EXPECT_TRUE(std::isnan(r.output.item()));
  EXPECT_EQ(r.indices.values, (std::vector<int64_t>{2}));
  max_pool2d(x, {}).backward(Tensor::ones({1, 1, 1, 1}));
  EXPECT_EQ(x.grad().at({0, 0, 1, 0}), 1.0f);
  EXPECT_EQ(x.grad().at({0, 0, 0, 1}), 0.0f);
  const Pool2d general{.kernel = {3, 3}, .stride = {1, 1}, .padding = {1, 1}};
  const MaxPoolResult g = max_pool2d_with_indices(x, general);
  EXPECT_EQ(g.indices.values, (std::vector<int64_t>{2, 2, 2, 2}));
  for (float v : g.output.to_vector()) EXPECT_TRUE(std::isnan(v));
}

TEST(MaxPool, FastPathsMatchTheReferenceWithNaNsAndTies) {
  // Kernel 2x2 stride 2 runs as one block per chunk (even H and W), per plane (odd H) or per
  // row (odd W); with NaNs and ties everywhere all three must pick PyTorch's element.
  for (const Shape& shape : {Shape{4, 8, 12, 10}, Shape{4, 8, 11, 10}, Shape{4, 8, 12, 11}}) {
    SCOPED_TRACE(shape_str(shape));
    Tensor x = Tensor::uniform(shape, 0, 3, 21);
    for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] = i % 7 == 3 ? kNaN : std::floor(x.data()[i]);
    const auto ref = reference::max_pool2d(x, {});
    EXPECT_TRUE(bitwise_equal(max_pool2d(x, {}), ref.output));
    EXPECT_EQ(max_pool2d_with_indices(x, {}).indices.values, ref.indices);
    x.set_requires_grad();
    const Tensor gy = random_tensor(ref.output.shape(), 11);
    max_pool2d(x, {}).backward(gy);
    EXPECT_TRUE(bitwise_equal(x.grad(), reference::max_pool2d_backward(x, {}, gy)));
  }
}

TEST(MaxPool, PaddingIsNeverChosen) {
  Tensor x = Tensor::full({1, 1, 3, 3}, -5.0f);
  const MaxPoolResult r = max_pool2d_with_indices(x, {.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}});
  EXPECT_EQ(r.output.to_vector(), std::vector<float>(4, -5.0f));
  EXPECT_EQ(r.indices.values, (std::vector<int64_t>{0, 1, 3, 4}));  // each window's first input pixel
}

TEST(MaxPool, ADilatedWindowMissingTheInputGivesMinusInfinityAndNoGradient) {
  // H = 1, kernel 2 with dilation 5 and padding 3: the taps fall on rows -3 and 2.
  Tensor x = Tensor::from_vector({1, 1, 1, 2}, {4, 7}).set_requires_grad();
  const Pool2d options{.kernel = {2, 1}, .padding = {3, 0}, .dilation = {5, 1}};
  const MaxPoolResult r = max_pool2d_with_indices(x, options);
  EXPECT_EQ(r.output.shape(), (Shape{1, 1, 1, 2}));
  EXPECT_EQ(r.output.to_vector(), std::vector<float>(2, -std::numeric_limits<float>::infinity()));
  EXPECT_EQ(r.indices.values, (std::vector<int64_t>{-1, -1}));
  max_pool2d(x, options).backward(Tensor::ones({1, 1, 1, 2}));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{0, 0}));
}

TEST(MaxPool, ShapeErrorsNameTheOpAndShapes) {
  Tensor x = Tensor::zeros({8, 16, 2, 2});
  try {
    max_pool2d(x, {.kernel = {3, 3}});
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "max_pool2d: kernel 3x3 does not fit padded input 2x2 (x=[8,16,2,2], padding=0x0)");
  }
  expect_shape_error([&] { max_pool2d(x, {.kernel = {2, 2}, .dilation = {3, 3}}); },
                     {"max_pool2d", "kernel 2x2 (dilation 3x3: 4x4)", "padded input 2x2", "[8,16,2,2]"});
  expect_shape_error([&] { max_pool2d(x, {.kernel = {2, 2}, .padding = {2, 0}}); },
                     {"max_pool2d", "padding 2x0", "half the effective kernel 2x2", "[8,16,2,2]"});
  expect_shape_error([&] { max_pool2d(x, {.kernel = {0, 2}}); }, {"max_pool2d", "kernel", "0x2", "[8,16,2,2]"});
  expect_shape_error([&] { max_pool2d(x, {.stride = {0, 1}}); }, {"max_pool2d", "stride", "0x1"});
  expect_shape_error([&] { max_pool2d(x, {.dilation = {0, 1}}); }, {"max_pool2d", "dilation", "0x1"});
  expect_shape_error([&] { max_pool2d(Tensor::zeros({2, 2, 2}), {}); }, {"max_pool2d", "[N, C, H, W]", "[2,2,2]"});
  expect_shape_error([&] { max_pool2d_with_indices(x, {.kernel = {3, 3}}); }, {"max_pool2d_with_indices", "3x3"});
}

TEST(MaxUnpool, InvertsMaxPoolAndMatchesReference) {
  Tensor x = separated_tensor({2, 3, 7, 7}, 1);
  const MaxPoolResult r = max_pool2d_with_indices(x, {.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}});
  const Tensor u = max_unpool2d(r.output, r.indices, {7, 7});
  EXPECT_TRUE(bitwise_equal(u, reference::max_unpool2d(r.output, r.indices.values, {7, 7})));
  for (int64_t i = 0; i < u.numel(); ++i) EXPECT_TRUE(u.data()[i] == 0.0f || u.data()[i] == x.data()[i]);
  EXPECT_EQ(max_unpool2d_out_shape(r.output.shape(), r.indices, {8, 9}), (Shape{2, 3, 8, 9}));
}

TEST(MaxUnpool, Contract) {
  const MaxPoolResult r = max_pool2d_with_indices(separated_tensor({1, 2, 7, 6}, 3), {.ceil_mode = true});
  const MaxPoolResult big = max_pool2d_with_indices(random_tensor({8, 16, 20, 20}, 6), {});
  EXPECT_TRUE(op_contract({.op = "max_unpool2d",
                           .f = [&](const std::vector<Tensor>& in) {  // the small case or the large batch
                             return max_unpool2d(in[0], in[0].size(3) == 3 ? r.indices : big.indices,
                                                 in[0].size(3) == 3 ? Size2d{7, 6} : Size2d{20, 20});
                           },
                           .inputs = {separated_tensor(r.output.shape(), 4).set_requires_grad()},
                           .thread_inputs = {big.output.detach().set_requires_grad()}}));
}

TEST(MaxUnpool, DuplicateIndicesGatherTheGradientForEach) {
  // Overlapping windows (k3 s1) produce duplicate indices: the gradient gathers for each
  // (PyTorch's gradient, although only the last write reaches the output).
  Tensor x = separated_tensor({1, 2, 7, 6}, 3);
  const MaxPoolResult r = max_pool2d_with_indices(x, {.kernel = {3, 3}, .stride = {1, 1}});
  Tensor v = separated_tensor(r.output.shape(), 4).set_requires_grad();
  const Tensor gy = random_tensor({1, 2, 7, 6}, 5);
  max_unpool2d(v, r.indices, {7, 6}).backward(gy);
  const int64_t in_plane = r.output.size(2) * r.output.size(3);
  for (int64_t i = 0; i < v.numel(); ++i) {
    EXPECT_EQ(v.grad().data()[i], gy.data()[i / in_plane * 42 + r.indices.values[static_cast<size_t>(i)]]);
  }
}

TEST(MaxUnpool, ShapeErrors) {
  Tensor x = Tensor::zeros({1, 2, 2, 2});
  PoolIndices indices{{1, 2, 2, 2}, std::vector<int64_t>(8, 0)};
  indices.values[5] = 16;
  try {
    max_unpool2d(x, indices, {4, 4});
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "max_unpool2d: index 16 at [0,1,0,1] is outside the output plane 4x4 (x=[1,2,2,2])");
  }
  indices.values[5] = -1;
  expect_shape_error([&] { max_unpool2d(x, indices, {4, 4}); }, {"max_unpool2d", "index -1"});
  indices.shape = {1, 2, 4, 1};
  expect_shape_error([&] { max_unpool2d(x, indices, {4, 4}); }, {"max_unpool2d", "[1,2,4,1]", "x=[1,2,2,2]"});
  indices.shape = x.shape();
  expect_shape_error([&] { max_unpool2d(x, indices, {0, 4}); }, {"max_unpool2d", "0x4", "[1,2,2,2]"});
}

}  // namespace
}  // namespace poolnet
