#include <gtest/gtest.h>

#include <cmath>
#include <functional>
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
using testing::op_contract;
using testing::random_tensor;

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

// Gradient, accumulation and 1 vs 2 threads for every case; threads on a batch large enough to
// be split.
TEST(LpPool, Contract) {
  const std::vector<Tensor> big{random_tensor({8, 16, 12, 12}, 2, 0.1f, 1.0f).set_requires_grad()};
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(op_contract({.op = "lp_pool2d",
                             .f = [&](const std::vector<Tensor>& in) { return lp_pool2d(in[0], c.p, c.options); },
                             .inputs = {random_tensor(c.shape, 5, 0.2f, 2.0f).set_requires_grad()},
                             .grad = {.eps = 1e-3},
                             .thread_inputs = big}));
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
  EXPECT_TRUE(testing::shape_error_names(
      "lp_pool2d", {[&] { lp_pool2d(x, 2.0f, {.kernel = {3, 3}, .padding = {1, 1}}); }, {"padding=1x1"}}));
  try {
    lp_pool2d(x, 2.0f, {.kernel = {5, 5}});
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "lp_pool2d: kernel 5x5 does not fit padded input 4x4 (x=[2,3,4,4], padding=0x0)");
  }
}

}  // namespace
}  // namespace poolnet
