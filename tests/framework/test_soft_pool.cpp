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
using testing::op_contract;
using testing::random_tensor;
using testing::shape_error_names;

TEST(SoftPool, HandComputedWindow) {
  Tensor x = Tensor::from_vector({1, 1, 2, 2}, {0, 0, 0, std::log(2.0f)});
  // weights 1/5, 1/5, 1/5, 2/5
  EXPECT_NEAR(soft_pool2d(x).item(), 0.4f * std::log(2.0f), 1e-7);
}

TEST(SoftPool, MatchesNaiveReference) {
  for (int64_t k : {2, 3}) {
    for (int64_t s : {1, 2, 3}) {
      Tensor x = random_tensor({2, 3, 7, 8}, 10 * k + s, -3.0f, 3.0f);
      EXPECT_TRUE(
          all_close(soft_pool2d(x, {.kernel = {k, k}, .stride = {s, s}}), reference::soft_pool(x, k, s), 1e-6, 1e-5))
          << k << " " << s;
    }
  }
}

TEST(SoftPool, StableForLargeValuesAndBetweenMaxAndMean) {
  Tensor x = Tensor::from_vector({1, 1, 2, 2}, {1000, 999, -1000, 0});
  const float y = soft_pool2d(x).item();
  EXPECT_TRUE(std::isfinite(y));
  EXPECT_NEAR(y, (1000 + 999 * std::exp(-1.0)) / (1 + std::exp(-1.0)), 1e-3);
  Tensor r = random_tensor({2, 2, 6, 6}, 3);
  Tensor soft = soft_pool2d(r);
  Tensor equal = soft_pool2d(Tensor::full({1, 1, 2, 2}, 0.3f));
  EXPECT_NEAR(equal.item(), 0.3f, 1e-7);
  for (int64_t i = 0; i < soft.numel(); ++i) {
    const int64_t n = i / 18, c = (i / 9) % 2, oh = (i / 3) % 3, ow = i % 3;
    float mx = -1e9f, mean = 0.0f;
    for (int64_t a = 0; a < 2; ++a)
      for (int64_t b = 0; b < 2; ++b) {
        mx = std::max(mx, r.at({n, c, 2 * oh + a, 2 * ow + b}));
        mean += r.at({n, c, 2 * oh + a, 2 * ow + b}) / 4;
      }
    EXPECT_LE(soft.data()[i], mx + 1e-6f);
    EXPECT_GE(soft.data()[i], mean - 1e-6f);
  }
}

TEST(SoftPool, NanPropagates) {
  Tensor x = Tensor::from_vector({1, 1, 2, 2}, {1, NAN, 0, 2});
  EXPECT_TRUE(std::isnan(soft_pool2d(x).item()));
}

TEST(SoftPool, TheTwoByTwoFastPathFallsBackPerPlane) {
  // 2x2 stride 2 on finite planes takes a vectorised kernel (its gradient is checked in Contract);
  // a plane with an infinity the generic one.
  Tensor x = random_tensor({2, 3, 6, 8}, 4, -2.0f, 2.0f);
  Tensor generic = soft_pool2d(x, {.kernel = {2, 2}, .stride = {2, 2}});
  EXPECT_TRUE(all_close(generic, reference::soft_pool(x, 2, 2), 1e-6, 1e-5));
  Tensor with_inf = x.clone();
  with_inf.at({0, 0, 0, 0}) = INFINITY;  // plane (0, 0) falls back; the other planes stay fast
  Tensor y = soft_pool2d(with_inf);
  EXPECT_TRUE(std::isnan(y.at({0, 0, 0, 0})));
  EXPECT_EQ(y.at({1, 2, 2, 3}), generic.at({1, 2, 2, 3}));
}

// Gradient, accumulation and 1 vs 2 threads: the 2x2 stride-2 fast path and overlapping windows.
TEST(SoftPool, Contract) {
  const std::vector<Tensor> big{random_tensor({16, 8, 13, 11}, 3).set_requires_grad()};
  struct Case {
    Shape shape;
    SoftPool o;
  };
  for (const Case& c : {Case{{2, 3, 6, 8}, {}}, Case{{2, 2, 5, 6}, {.kernel = {3, 2}, .stride = {1, 1}}},
                        Case{{2, 2, 5, 6}, {.kernel = {3, 2}, .stride = {2, 2}}},
                        Case{{2, 2, 6, 6}, {.kernel = {3, 3}, .stride = {1, 1}}}}) {
    SCOPED_TRACE(to_string(c.o.kernel) + " stride " + to_string(c.o.stride));
    EXPECT_TRUE(op_contract({.op = "soft_pool2d",
                             .f = [&](const std::vector<Tensor>& in) { return soft_pool2d(in[0], c.o); },
                             .inputs = {random_tensor(c.shape, 4, -2.0f, 2.0f).set_requires_grad()},
                             .thread_inputs = big}));
  }
}

TEST(SoftPool, ShapeErrorsNameOpAndShape) {
  const auto bad = [](const Shape& shape, const SoftPool& o) { return [=] { soft_pool2d(Tensor::zeros(shape), o); }; };
  EXPECT_TRUE(shape_error_names("soft_pool2d", {bad({4, 4}, {}), {"[4,4]"}}));
  EXPECT_TRUE(shape_error_names("soft_pool2d", {bad({1, 2, 2, 2}, {.kernel = {3, 3}}), {"3x3 does not fit", "[1,2,2,2]"}}));
  EXPECT_TRUE(shape_error_names("soft_pool2d", {bad({1, 2, 4, 4}, {.stride = {0, 1}}), {"stride=0x1"}}));
}

}  // namespace
}  // namespace poolnet
