#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "tests/support/grad_check.h"
#include "tests/support/reference_pool.h"

namespace poolnet {
namespace {
using testing::all_close;
using testing::bitwise_equal;
using testing::grad_check;
using testing::random_tensor;
using testing::with_threads;

struct Case {
  const char* name;
  float p;
  Shape shape;
  Pool2d options;
};

const std::vector<Case> kCases = {
    {"p2_k2s2", 2.0f, {2, 2, 6, 6}, {}},
    {"p2_k3s1", 2.0f, {1, 2, 6, 6}, {.kernel = {3, 3}, .stride = {1, 1}}},
    {"p2_k3s2_ceil", 2.0f, {1, 2, 8, 8}, {.kernel = {3, 3}, .stride = {2, 2}, .ceil_mode = true}},
    {"p3_k2s2_odd_ceil", 3.0f, {1, 2, 5, 7}, {.ceil_mode = true}},
    {"p1_k2x3_s1x2", 1.0f, {1, 2, 6, 9}, {.kernel = {2, 3}, .stride = {1, 2}}},
    {"p2.5_k3s2", 2.5f, {2, 1, 7, 7}, {.kernel = {3, 3}, .stride = {2, 2}}},
};

TEST(LpPool, MatchesNaiveReference) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    const Tensor x = random_tensor(c.shape, 3, 0.1f, 2.0f);
    EXPECT_TRUE(all_close(lp_pool2d(x, c.p, c.options), reference::lp_pool2d(x, c.p, c.options), 1e-5, 1e-5));
    EXPECT_EQ(lp_pool2d_out_shape(c.shape, c.p, c.options), lp_pool2d(x, c.p, c.options).shape());
  }
}

TEST(LpPool, GradCheck) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    Tensor x = random_tensor(c.shape, 5, 0.2f, 2.0f).set_requires_grad();
    EXPECT_TRUE(grad_check([&](const std::vector<Tensor>& in) { return lp_pool2d(in[0], c.p, c.options); }, {x},
                           {.eps = 1e-3}));
  }
}

TEST(LpPool, P1IsWindowSumAndZeroWindowsHaveZeroGradient) {
  const Tensor x = Tensor::from_vector({1, 1, 2, 4}, {1, 2, 0, 0, 3, 4, 0, 0});
  Tensor xr = x.clone().set_requires_grad();
  const Tensor y = lp_pool2d(xr, 1.0f, {});
  EXPECT_EQ(y.to_vector(), (std::vector<float>{10, 0}));
  lp_pool2d(xr, 2.0f, {}).backward(Tensor::ones({1, 1, 1, 2}));
  for (float g : xr.grad().to_vector()) EXPECT_TRUE(std::isfinite(g));  // an all-zero window: 0, not NaN
  EXPECT_EQ(xr.grad().at({0, 0, 0, 2}), 0.0f);
  EXPECT_NEAR(xr.grad().at({0, 0, 1, 1}), 4.0f / std::sqrt(30.0f), 1e-6);
}

TEST(LpPool, RejectsBadArguments) {
  const Tensor x = Tensor::zeros({2, 3, 4, 4});
  for (float p : {0.5f, NAN, INFINITY}) {
    EXPECT_THROW(lp_pool2d(x, p, {}), ShapeError);
  }
  try {
    lp_pool2d(x, 2.0f, {.kernel = {3, 3}, .padding = {1, 1}});
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("lp_pool2d"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("padding=1x1"), std::string::npos) << e.what();
  }
  try {
    lp_pool2d(x, 2.0f, {.kernel = {5, 5}});
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "lp_pool2d: kernel 5x5 does not fit padded input 4x4 (x=[2,3,4,4], padding=0x0)");
  }
}

TEST(LpPool, BackwardAccumulatesAndIsDeterministic) {
  Tensor x = random_tensor({8, 16, 12, 12}, 2, 0.1f, 1.0f).set_requires_grad();
  const Pool2d options{.kernel = {3, 3}, .stride = {2, 2}, .ceil_mode = true};
  const Tensor gy = random_tensor(lp_pool2d_out_shape(x.shape(), 2.0f, options), 3);
  Tensor y[2], g[2];
  for (int t : {1, 2}) {
    with_threads(t, [&] {
      x.zero_grad();
      y[t - 1] = lp_pool2d(x, 2.0f, options);
      y[t - 1].backward(gy);
      g[t - 1] = x.grad().clone();
    });
  }
  EXPECT_TRUE(bitwise_equal(y[0], y[1]));
  EXPECT_TRUE(bitwise_equal(g[0], g[1]));
  lp_pool2d(x, 2.0f, options).backward(gy);  // adds onto the gradient already there
  Tensor twice = g[1].clone();
  for (float& v : twice.span()) v *= 2;
  EXPECT_TRUE(all_close(x.grad(), twice, 1e-6, 1e-6));
}

}  // namespace
}  // namespace poolnet
