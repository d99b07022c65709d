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

TEST(LipPool, HandComputedWindow) {
  // One 2x2 window: weights e^0, e^0, e^0, e^log 2 = 1, 1, 1, 2.
  const Tensor x = Tensor::from_vector({1, 1, 2, 2}, {1, 2, 3, 4});
  const Tensor l = Tensor::from_vector({1, 1, 2, 2}, {0, 0, 0, std::log(2.0f)});
  EXPECT_NEAR(lip_pool2d(x, l, {.kernel = {2, 2}, .stride = {2, 2}, .padding = {0, 0}}).item(), 14.0f / 5.0f, 1e-6);
  // lip2d's default window, kernel 3, stride 2, padding 1: the first window holds x[0..1, 0..1].
  const Tensor y = lip_pool2d(x, l);
  EXPECT_EQ(y.shape(), (Shape{1, 1, 1, 1}));
  EXPECT_NEAR(y.item(), 14.0f / 5.0f, 1e-6);
}

TEST(LipPool, MatchesNaiveReference) {
  struct Case {
    int64_t k, s, p;
  };
  for (const Case c : {Case{3, 2, 1}, Case{2, 2, 0}, Case{3, 1, 1}, Case{3, 3, 0}, Case{5, 2, 2}, Case{4, 3, 1}}) {
    const Tensor x = random_tensor({2, 3, 9, 8}, 10 * c.k + c.s, -3.0f, 3.0f);
    const Tensor l = random_tensor({2, 3, 9, 8}, 7 * c.k + c.p, -4.0f, 4.0f);
    const LipPool o{.kernel = {c.k, c.k}, .stride = {c.s, c.s}, .padding = {c.p, c.p}};
    EXPECT_TRUE(all_close(lip_pool2d(x, l, o), reference::lip_pool(x, l, c.k, c.s, c.p), 1e-6, 1e-5))
        << c.k << " " << c.s << " " << c.p;
  }
}

// G = 0: every weight is 1, so each window's plain mean over its input pixels (the padding
// takes no part: avg_pool2d with count_include_pad = false, the same window).
TEST(LipPool, ZeroLogitsGiveAveragePooling) {
  const Tensor x = random_tensor({2, 3, 9, 10}, 3, -2.0f, 2.0f);
  const Tensor zero = Tensor::zeros(x.shape());
  for (const LipPool o : {LipPool{}, LipPool{.kernel = {2, 2}, .stride = {2, 2}, .padding = {0, 0}},
                          LipPool{.kernel = {3, 2}, .stride = {1, 2}, .padding = {1, 1}}}) {
    const Pool2d avg{.kernel = o.kernel, .stride = o.stride, .padding = o.padding, .count_include_pad = false};
    EXPECT_TRUE(all_close(lip_pool2d(x, zero, o), avg_pool2d(x, avg), 1e-6, 1e-6)) << to_string(o);
  }
  // Any constant: the weights are equal, only the per-window max changes.
  EXPECT_TRUE(all_close(lip_pool2d(x, Tensor::full(x.shape(), 6.0f)), lip_pool2d(x, zero), 0.0, 0.0));
}

// G = identity: the weights are softmax(x) over each window, SoftPool's (kernel 2, stride 2, no padding).
TEST(LipPool, IdentityLogitsGiveSoftPool) {
  const Tensor x = random_tensor({2, 3, 8, 10}, 4, -3.0f, 3.0f);
  EXPECT_TRUE(all_close(lip_pool2d(x, x, {.kernel = {2, 2}, .stride = {2, 2}, .padding = {0, 0}}),
                        soft_pool2d(x, {.kernel = {2, 2}, .stride = {2, 2}}), 1e-6, 1e-5));
  EXPECT_TRUE(all_close(lip_pool2d(x, x, {.kernel = {3, 3}, .stride = {1, 1}, .padding = {0, 0}}),
                        soft_pool2d(x, {.kernel = {3, 3}, .stride = {1, 1}}), 1e-6, 1e-5));
  // The gradients too: d/dx of lip(x, x) is gx + glogits.
  const Tensor a = x.detach().set_requires_grad(), b = x.detach().set_requires_grad();
  const Tensor up = random_tensor({2, 3, 4, 5}, 5);
  sum(mul(lip_pool2d(a, a, {.kernel = {2, 2}, .stride = {2, 2}, .padding = {0, 0}}), up)).backward();
  sum(mul(soft_pool2d(b), up)).backward();
  EXPECT_TRUE(all_close(a.grad(), b.grad(), 1e-6, 1e-5));
}

TEST(LipPool, StableForLargeLogits) {
  // exp(1000) overflows; the per-window max keeps every weight in (0, 1].
  const Tensor x = Tensor::from_vector({1, 1, 2, 2}, {1, 2, 3, 4});
  const Tensor l = Tensor::from_vector({1, 1, 2, 2}, {1000, 999, -1000, 0});
  const LipPool o{.kernel = {2, 2}, .stride = {2, 2}, .padding = {0, 0}};
  EXPECT_NEAR(lip_pool2d(x, l, o).item(), (1 + 2 * std::exp(-1.0)) / (1 + std::exp(-1.0)), 1e-6);
  // Logits far apart in different windows of one plane (rows 0-3 near +500, rows 4-5 near -500):
  // each window has its own max, so none of them underflows.
  const Tensor x2 = random_tensor({1, 2, 6, 6}, 6);
  Tensor l2 = random_tensor({1, 2, 6, 6}, 7);
  for (int64_t i = 0; i < 36; ++i) l2.data()[i] += i < 24 ? 500.0f : -500.0f;
  Tensor back = l2.clone();  // the offsets taken off again (exact: Sterbenz)
  for (int64_t i = 0; i < 36; ++i) back.data()[i] -= i < 24 ? 500.0f : -500.0f;
  const Tensor y = lip_pool2d(x2, l2, o);
  for (float v : y.span()) EXPECT_TRUE(std::isfinite(v));
  EXPECT_TRUE(all_close(y, lip_pool2d(x2, back, o), 1e-6, 1e-6));
}

TEST(LipPool, NanPropagatesToTheWindowsHoldingIt) {
  const LipPool o{.kernel = {2, 2}, .stride = {2, 2}, .padding = {0, 0}};
  Tensor x = random_tensor({1, 1, 4, 4}, 8), l = random_tensor({1, 1, 4, 4}, 9);
  x.at({0, 0, 0, 1}) = NAN;
  l.at({0, 0, 3, 3}) = NAN;
  const Tensor y = lip_pool2d(x, l, o);
  EXPECT_TRUE(std::isnan(y.at({0, 0, 0, 0})));
  EXPECT_TRUE(std::isnan(y.at({0, 0, 1, 1})));
  EXPECT_FALSE(std::isnan(y.at({0, 0, 0, 1})));
  EXPECT_FALSE(std::isnan(y.at({0, 0, 1, 0})));
  l.at({0, 0, 3, 3}) = INFINITY;  // exp(inf) / exp(inf) in lip2d
  EXPECT_TRUE(std::isnan(lip_pool2d(x, l, o).at({0, 0, 1, 1})));
}

// Gradients of x and logits, accumulation and 1 vs 2 threads; overlapping and padded windows.
TEST(LipPool, Contract) {
  const std::vector<Tensor> big{random_tensor({16, 8, 13, 11}, 3).set_requires_grad(),
                                random_tensor({16, 8, 13, 11}, 4, -3.0f, 3.0f).set_requires_grad()};
  for (const LipPool o : {LipPool{}, LipPool{.kernel = {2, 2}, .stride = {2, 2}, .padding = {0, 0}},
                          LipPool{.kernel = {3, 2}, .stride = {1, 1}, .padding = {1, 0}},
                          LipPool{.kernel = {5, 5}, .stride = {2, 3}, .padding = {2, 1}}}) {
    SCOPED_TRACE(to_string(o));
    EXPECT_TRUE(op_contract({.op = "lip_pool2d",
                             .f = [&](const std::vector<Tensor>& in) { return lip_pool2d(in[0], in[1], o); },
                             .inputs = {random_tensor({2, 3, 7, 6}, 4, -2.0f, 2.0f).set_requires_grad(),
                                        random_tensor({2, 3, 7, 6}, 5, -2.0f, 2.0f).set_requires_grad()},
                             .thread_inputs = big}));
  }
  // Windows far below the plane's max logit are weighted against their own max: both paths.
  Tensor far = random_tensor({2, 3, 7, 6}, 8, -2.0f, 2.0f);
  for (int64_t i = 0; i < far.numel(); ++i) far.data()[i] += (i / 6) % 7 < 4 ? 0.0f : -300.0f;
  EXPECT_TRUE(
      op_contract({.op = "lip_pool2d",
                   .f = [](const std::vector<Tensor>& in) { return lip_pool2d(in[0], in[1]); },
                   .inputs = {random_tensor({2, 3, 7, 6}, 9, -2.0f, 2.0f).set_requires_grad(), far.set_requires_grad()},
                   .thread_inputs = big}));
  // Only one of the two needing a gradient.
  for (int fixed : {0, 1}) {
    std::vector<Tensor> in{random_tensor({2, 2, 6, 6}, 6).set_requires_grad(),
                           random_tensor({2, 2, 6, 6}, 7).set_requires_grad()};
    in[static_cast<size_t>(fixed)] = in[static_cast<size_t>(fixed)].detach();
    EXPECT_TRUE(testing::grad_check([](const std::vector<Tensor>& t) { return lip_pool2d(t[0], t[1]); }, in));
  }
}

TEST(LipPool, ShapeErrorsNameOpAndShape) {
  const auto bad = [](const Shape& x, const Shape& l, const LipPool& o) {
    return [=] { lip_pool2d(Tensor::zeros(x), Tensor::zeros(l), o); };
  };
  EXPECT_TRUE(shape_error_names("lip_pool2d", {bad({4, 4}, {4, 4}, {}), {"[4,4]"}}));
  EXPECT_TRUE(shape_error_names("lip_pool2d", {bad({1, 2, 4, 4}, {1, 1, 4, 4}, {}), {"[1,2,4,4]", "[1,1,4,4]"}}));
  EXPECT_TRUE(shape_error_names("lip_pool2d", {bad({1, 2, 2, 2}, {1, 2, 2, 2}, {.kernel = {5, 5}, .padding = {1, 1}}),
                                               {"5x5 does not fit", "[1,2,2,2]"}}));
  EXPECT_TRUE(shape_error_names("lip_pool2d", {bad({1, 2, 8, 8}, {1, 2, 8, 8}, {.padding = {2, 2}}), {"padding 2x2"}}));
  EXPECT_TRUE(shape_error_names("lip_pool2d", {bad({1, 2, 4, 4}, {1, 2, 4, 4}, {.stride = {0, 1}}), {"stride"}}));
}

}  // namespace
}  // namespace poolnet
