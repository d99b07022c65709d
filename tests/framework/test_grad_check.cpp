// The gradient checker itself must be able to fail.
#include <gtest/gtest.h>

#include "framework/autograd.h"
#include "framework/ops/ops.h"
#include "tests/support/grad_check.h"

namespace poolnet {
namespace {

// y = 2x, but its recorded backward claims dy/dx = 3 at one element.
Tensor doubled_with_wrong_gradient(const Tensor& x) {
  Tensor y = Tensor::empty(x.shape());
  for (int64_t i = 0; i < x.numel(); ++i) y.data()[i] = 2 * x.data()[i];
  if (needs_grad({x})) {
    record(y, "wrong", {x}, [x](const Tensor& gy) {
      float* gx = grad_buffer(x);
      for (int64_t i = 0; i < x.numel(); ++i) gx[i] += (i == 4 ? 3.0f : 2.0f) * gy.data()[i];
    });
  }
  return y;
}

TEST(GradCheck, ReportsTheWrongElement) {
  Tensor x = testing::random_tensor({2, 3}, 1).set_requires_grad();
  const auto result = testing::grad_check([](const auto& in) { return doubled_with_wrong_gradient(in[0]); }, {x});
  ASSERT_FALSE(result);
  EXPECT_NE(std::string(result.message()).find("[1,1]"), std::string::npos) << result.message();
}

TEST(GradCheck, PassesACorrectGradient) {
  Tensor x = testing::random_tensor({2, 3}, 1).set_requires_grad();
  EXPECT_TRUE(testing::grad_check([](const auto& in) { return mul(in[0], 2.0f); }, {x}));
}

TEST(GradCheck, SeparatedTensorHasDistinctWellSpacedValues) {
  Tensor t = testing::separated_tensor({4, 5}, 3, 0.05f);
  std::vector<float> v = t.to_vector();
  std::sort(v.begin(), v.end());
  for (size_t i = 1; i < v.size(); ++i) EXPECT_NEAR(v[i] - v[i - 1], 0.05f, 1e-6);
}

}  // namespace
}  // namespace poolnet
