// gem_pool and lse_pool: naive references in double, the limits that define them, the op
// contract for x and the exponent, NaN and shape errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"

namespace poolnet {
namespace {
using testing::all_close;
using testing::op_contract;
using testing::random_tensor;
using testing::shape_error_names;

// Per plane: (mean of max(x, 1e-6)^p)^(1/p), or m + log(mean exp(r (x - m))) / r.
Tensor reference(const Tensor& x, double e, bool gem) {
  const int64_t planes = x.size(0) * x.size(1), L = x.size(2) * x.size(3);
  Tensor y = Tensor::empty({x.size(0), x.size(1)});
  for (int64_t i = 0; i < planes; ++i) {
    const float* xi = x.data() + i * L;
    const double m = *std::max_element(xi, xi + L);
    double s = 0.0;
    for (int64_t l = 0; l < L; ++l) s += gem ? std::pow(std::max<double>(xi[l], 1e-6), e) : std::exp(e * (xi[l] - m));
    s /= static_cast<double>(L);
    y.data()[i] = static_cast<float>(gem ? std::pow(s, 1.0 / e) : m + std::log(s) / e);
  }
  return y;
}

TEST(GemPool, MatchesTheNaiveReference) {
  const Tensor x = random_tensor({2, 3, 5, 4}, 1, -0.5f, 2.0f);  // some values clamped to eps
  for (float p : {1.0f, 2.0f, 3.0f, 7.5f}) {
    EXPECT_TRUE(all_close(gem_pool(x, Tensor::full({1}, p)), reference(x, p, true), 1e-6, 1e-5)) << p;
  }
}

TEST(GemPool, PEqualsOneIsGlobalAveragePoolingAndLargePTendsToTheMax) {
  const Tensor x = random_tensor({2, 4, 6, 6}, 2, 0.01f, 1.0f);
  EXPECT_TRUE(all_close(gem_pool(x, Tensor::full({1}, 1.0f)), global_avg_pool(x), 1e-6, 1e-6));
  EXPECT_TRUE(all_close(gem_pool(x, Tensor::full({}, 200.0f)), global_max_pool(x), 2e-2, 2e-2));
}

TEST(LsePool, MatchesTheNaiveReferenceAndTendsToMeanAndMax) {
  const Tensor x = random_tensor({2, 3, 5, 4}, 3, -2.0f, 2.0f);
  for (float r : {0.5f, 1.0f, 10.0f}) {
    EXPECT_TRUE(all_close(lse_pool(x, Tensor::full({1}, r)), reference(x, r, false), 1e-6, 1e-5)) << r;
  }
  EXPECT_TRUE(all_close(lse_pool(x, Tensor::full({1}, 1e-3f)), global_avg_pool(x), 1e-2, 1e-2));
  EXPECT_TRUE(all_close(lse_pool(x, Tensor::full({1}, 1e4f)), global_max_pool(x), 1e-3, 1e-3));
}

TEST(GemPool, Contract) {
  EXPECT_TRUE(op_contract({.op = "gem_pool",
                           .f = [](const std::vector<Tensor>& in) { return gem_pool(in[0], in[1]); },
                           .inputs = {random_tensor({2, 2, 3, 3}, 4, 0.2f, 1.5f).set_requires_grad(),
                                      Tensor::full({1}, 2.5f).set_requires_grad()},
                           .thread_inputs = {random_tensor({16, 40, 5, 5}, 5, 0.0f, 2.0f).set_requires_grad(),
                                             Tensor::full({1}, 3.0f).set_requires_grad()},
                           .shape_errors = {{[] {
                                               gem_pool(Tensor::zeros({2, 3, 4}), Tensor::ones({1}));
                                             },
                                             {"[2,3,4]"}},
                                            {[] {
                                               gem_pool(Tensor::zeros({2, 3, 4, 4}), Tensor::ones({2}));
                                             },
                                             {"[2]", "[2,3,4,4]"}}}}));
}

TEST(LsePool, Contract) {
  EXPECT_TRUE(op_contract(
      {.op = "lse_pool",
       .f = [](const std::vector<Tensor>& in) { return lse_pool(in[0], in[1]); },
       .inputs = {random_tensor({2, 2, 3, 3}, 6).set_requires_grad(), Tensor::full({1}, 2.0f).set_requires_grad()},
       .thread_inputs = {random_tensor({16, 40, 5, 5}, 7).set_requires_grad(),
                         Tensor::full({1}, 10.0f).set_requires_grad()},
       .shape_errors = {{[] {
                           lse_pool(Tensor::zeros({2, 3, 4, 4}), Tensor::ones({1, 1}));
                         },
                         {"[1,1]"}}}}));
}

TEST(GlobalPoolHeads, NanPropagatesToItsPlaneOnly) {
  Tensor x = random_tensor({1, 2, 3, 3}, 8, 0.1f, 1.0f);
  x.data()[4] = std::numeric_limits<float>::quiet_NaN();
  for (const Tensor& y : {gem_pool(x, Tensor::full({1}, 3.0f)), lse_pool(x, Tensor::full({1}, 10.0f))}) {
    EXPECT_TRUE(std::isnan(y.data()[0]));
    EXPECT_FALSE(std::isnan(y.data()[1]));
  }
}

TEST(GlobalPoolHeads, ShapeErrorsNameTheOp) {
  EXPECT_TRUE(shape_error_names("lse_pool", {[] {
                                               lse_pool(Tensor::zeros({1, 2, 0, 3}), Tensor::ones({1}));
                                             },
                                             {"[1,2,0,3]"}}));
}

}  // namespace
}  // namespace poolnet
