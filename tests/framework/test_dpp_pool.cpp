#include <gtest/gtest.h>

#include <cmath>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"
#include "tests/support/reference_dpp.h"

namespace poolnet {
namespace {
using testing::all_close;
using testing::op_contract;
using testing::random_tensor;
using testing::shape_error_names;

Tensor per_channel(const std::vector<float>& values) {
  return Tensor::from_vector({static_cast<int64_t>(values.size())}, values);
}

std::vector<double> doubles(const Tensor& t) {
  const std::vector<float> v = t.to_vector();
  return {v.begin(), v.end()};
}

// alpha = 1, lambda = 2 on [0, 0, 0, 1]: s = (1/16 + eps^2) x3, (9/16 + eps^2); r = s / mean(s) sums
// to 4, so sum w = 4 alpha + 4 = 8 and y = (1 + r_4) / 8.
TEST(DppPool, HandComputedWindow) {
  Tensor x = Tensor::from_vector({1, 1, 2, 2}, {0, 0, 0, 1});
  const double eps2 = 1e-3, s_small = 1.0 / 16 + eps2, s_large = 9.0 / 16 + eps2;
  const double r_large = s_large / ((3 * s_small + s_large) / 4);
  const float y = dpp_pool2d(x, per_channel({0.0f}), per_channel({std::log(2.0f)})).item();
  EXPECT_NEAR(y, (1 + r_large) / 8, 1e-6);
}

TEST(DppPool, MatchesNaiveReference) {
  for (const Size2d window : {Size2d{2, 2}, Size2d{3, 3}, Size2d{2, 3}}) {
    Tensor x = random_tensor({2, 3, 7, 9}, 11, -2.0f, 2.0f);  // rows and columns left over
    Tensor la = random_tensor({3}, 12, -1.0f, 1.0f), ll = random_tensor({3}, 13, -1.0f, 1.0f);
    EXPECT_TRUE(all_close(dpp_pool2d(x, la, ll, {.window = window}),
                          reference::dpp_pool(x, doubles(la), doubles(ll), window.h, window.w), 1e-6, 1e-5))
        << to_string(window);
  }
}

// Positive weights: a convex combination of the window; a huge alpha tends to the mean, and
// log_alpha is capped at 10 (the same output above it, no gradient there).
TEST(DppPool, BetweenWindowExtremesAndCappedAlpha) {
  Tensor x = random_tensor({2, 2, 6, 6}, 14, -3.0f, 3.0f);
  Tensor y = dpp_pool2d(x, per_channel({0.1f, -0.2f}), per_channel({0.5f, 1.5f}));
  Tensor lo = mul(max_pool2d(mul(x, -1.0f), Pool2d{}), -1.0f), hi = max_pool2d(x, Pool2d{});
  for (int64_t i = 0; i < y.numel(); ++i) {
    EXPECT_LE(y.data()[i], hi.data()[i] + 1e-6f);
    EXPECT_GE(y.data()[i], lo.data()[i] - 1e-6f);
  }
  Tensor at_cap = dpp_pool2d(x, per_channel({10.0f, 10.0f}), per_channel({0.0f, 0.0f}));
  EXPECT_TRUE(all_close(at_cap, avg_pool2d(x, Pool2d{}), 1e-3, 1e-3));
  Tensor log_alpha = per_channel({12.0f, 10.0f}).set_requires_grad();
  Tensor above = dpp_pool2d(x, log_alpha, per_channel({0.0f, 0.0f}));
  EXPECT_TRUE(testing::bitwise_equal(above, at_cap));
  sum(above).backward();
  EXPECT_EQ(log_alpha.grad().data()[0], 0.0f);
  EXPECT_NE(log_alpha.grad().data()[1], 0.0f);
}

TEST(DppPool, NanPropagates) {
  Tensor x = random_tensor({1, 1, 4, 4}, 15);
  x.at({0, 0, 1, 2}) = NAN;
  Tensor y = dpp_pool2d(x, per_channel({0.0f}), per_channel({0.0f}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 2; ++j) EXPECT_EQ(std::isnan(y.at({0, 0, i, j})), i == 0 && j == 1) << i << " " << j;
}

// Gradients w.r.t. x, log_alpha and log_lambda; accumulation; 1 vs 2 threads.
TEST(DppPool, Contract) {
  const std::vector<Tensor> big{random_tensor({16, 8, 14, 12}, 3).set_requires_grad(),
                                random_tensor({8}, 4).set_requires_grad(), random_tensor({8}, 5).set_requires_grad()};
  for (const auto& [shape, window] :
       {std::pair{Shape{2, 3, 6, 8}, Size2d{2, 2}}, std::pair{Shape{2, 2, 7, 6}, Size2d{3, 2}}}) {
    SCOPED_TRACE(shape_str(shape) + " window " + to_string(window));
    const int64_t C = shape[1];
    EXPECT_TRUE(op_contract(
        {.op = "dpp_pool2d",
         .f = [&](const std::vector<Tensor>& in) { return dpp_pool2d(in[0], in[1], in[2], {.window = window}); },
         .inputs = {random_tensor(shape, 6, -2.0f, 2.0f).set_requires_grad(),
                    random_tensor({C}, 7, -0.5f, 0.5f).set_requires_grad(),
                    random_tensor({C}, 8, -0.5f, 0.5f).set_requires_grad()},
         .thread_inputs = big}));
  }
}

TEST(DppPool, ShapeErrorsNameOpAndShape) {
  const auto bad = [](const Shape& shape, int64_t channels, DppPool o) {
    return [=] { dpp_pool2d(Tensor::zeros(shape), Tensor::zeros({channels}), Tensor::zeros({channels}), o); };
  };
  EXPECT_TRUE(shape_error_names("dpp_pool2d", {bad({4, 4}, 4, {}), {"[4,4]"}}));
  EXPECT_TRUE(shape_error_names("dpp_pool2d", {bad({1, 2, 4, 4}, 3, {}), {"[2]", "log_alpha=[3]", "[1,2,4,4]"}}));
  EXPECT_TRUE(shape_error_names("dpp_pool2d", {bad({1, 2, 1, 4}, 2, {}), {"2x2 does not fit", "[1,2,1,4]"}}));
  EXPECT_TRUE(shape_error_names("dpp_pool2d", {bad({1, 2, 4, 4}, 2, {.window = {0, 2}}), {"0x2", "[1,2,4,4]"}}));
}

}  // namespace
}  // namespace poolnet
