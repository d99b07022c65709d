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
using testing::all_close;
using testing::bitwise_equal;
using testing::op_contract;
using testing::random_tensor;
using testing::separated_tensor;

struct Case {
  Shape shape;
  Size2d out;
};

// Shrinking, identity, global, growing (overlapping windows) and uneven splits.
const std::vector<Case> kCases = {
    {{1, 2, 7, 7}, {3, 3}}, {{2, 2, 5, 9}, {2, 4}},  {{1, 1, 6, 6}, {6, 6}},
    {{1, 2, 5, 5}, {1, 1}}, {{1, 2, 4, 4}, {7, 5}}, {{1, 1, 10, 3}, {4, 2}},
};

TEST(AdaptivePool, AvgMatchesNaiveReference) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(shape_str(c.shape) + " -> " + to_string(c.out));
    Tensor x = random_tensor(c.shape, 3).set_requires_grad();
    const Tensor y = adaptive_avg_pool2d(x, c.out);
    EXPECT_TRUE(all_close(y, reference::adaptive_avg_pool2d(x, c.out), 1e-6, 1e-5));
    const Tensor gy = random_tensor(y.shape(), 4);
    y.backward(gy);
    EXPECT_TRUE(all_close(x.grad(), reference::adaptive_avg_pool2d_backward(x, c.out, gy), 1e-6, 1e-6));
  }
}

TEST(AdaptivePool, MaxMatchesNaiveReference) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(shape_str(c.shape) + " -> " + to_string(c.out));
    for (bool integers : {false, true}) {
      Tensor x = integers ? Tensor::uniform(c.shape, 0, 3, 7) : separated_tensor(c.shape, 3);
      if (integers) {
        for (float& v : x.span()) v = std::floor(v);
      }
      EXPECT_TRUE(bitwise_equal(adaptive_max_pool2d(x, c.out), reference::adaptive_max_pool2d(x, c.out).output));
    }
  }
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = Tensor::from_vector({1, 1, 2, 2}, {nan, 1, 2, nan}).set_requires_grad();
  const Tensor y = adaptive_max_pool2d(x, {1, 1});
  EXPECT_TRUE(std::isnan(y.item()));
  y.backward(Tensor::ones({1, 1, 1, 1}));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{0, 0, 0, 1}));  // the last NaN, as PyTorch
}

// Gradient, accumulation and 1 vs 2 threads for every case (shrinking, identity, global,
// growing with overlapping windows, uneven splits) and the global pools.
TEST(AdaptivePool, Contract) {
  const std::vector<Tensor> big{random_tensor({8, 16, 13, 11}, 2).set_requires_grad()};
  for (const Case& c : kCases) {
    SCOPED_TRACE(shape_str(c.shape) + " -> " + to_string(c.out));
    EXPECT_TRUE(op_contract({.op = "adaptive_avg_pool2d",
                             .f = [&](const std::vector<Tensor>& in) { return adaptive_avg_pool2d(in[0], c.out); },
                             .inputs = {random_tensor(c.shape, 5).set_requires_grad()},
                             .thread_inputs = big}));
    EXPECT_TRUE(op_contract({.op = "adaptive_max_pool2d",
                             .f = [&](const std::vector<Tensor>& in) { return adaptive_max_pool2d(in[0], c.out); },
                             .inputs = {separated_tensor(c.shape, 5).set_requires_grad()},
                             .thread_inputs = big}));
  }
  EXPECT_TRUE(op_contract({.op = "global_avg_pool",
                           .f = [](const std::vector<Tensor>& in) { return global_avg_pool(in[0]); },
                           .inputs = {separated_tensor({2, 3, 4, 5}, 1).set_requires_grad()},
                           .thread_inputs = big,
                           .shape_errors = {{[] { global_avg_pool(Tensor::zeros({2, 3, 4})); }, {"[2,3,4]"}}}}));
  EXPECT_TRUE(op_contract({.op = "global_max_pool",
                           .f = [](const std::vector<Tensor>& in) { return global_max_pool(in[0]); },
                           .inputs = {separated_tensor({2, 3, 4, 5}, 1).set_requires_grad()},
                           .thread_inputs = big}));
}

TEST(AdaptivePool, GlobalPools) {
  Tensor x = separated_tensor({2, 3, 4, 5}, 1);
  const Tensor avg = global_avg_pool(x), mx = global_max_pool(x);
  EXPECT_EQ(avg.shape(), (Shape{2, 3}));
  EXPECT_EQ(mx.shape(), (Shape{2, 3}));
  EXPECT_TRUE(all_close(avg, reshape(adaptive_avg_pool2d(x, {1, 1}), {2, 3}), 1e-6, 1e-6));
  EXPECT_TRUE(bitwise_equal(mx, reshape(reference::adaptive_max_pool2d(x, {1, 1}).output, {2, 3})));
}

TEST(AdaptivePool, ShapeErrors) {
  try {
    adaptive_avg_pool2d(Tensor::zeros({2, 3, 4, 4}), {0, 2});
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "adaptive_avg_pool2d: output size must be positive, got 0x2 (x=[2,3,4,4])");
  }
  EXPECT_TRUE(testing::shape_error_names(
      "adaptive_max_pool2d", {[] { adaptive_max_pool2d(Tensor::zeros({2, 3, 0, 4}), {1, 1}); }, {"[2,3,0,4]"}}));
  try {
    global_max_pool(Tensor::zeros({2, 3}));
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "global_max_pool: expected input [N, C, H, W], got [2,3]");
  }
}

}  // namespace
}  // namespace poolnet
