#include <gtest/gtest.h>

#include <cmath>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"
#include "tests/support/reference_batch_norm.h"

namespace poolnet {
namespace {
using testing::all_close;
using testing::op_contract;
using testing::random_tensor;
using testing::shape_error_names;

TEST(InstanceNorm2d, MatchesNaiveReference) {
  const Tensor x = random_tensor({3, 4, 5, 6}, 1, -2.0f, 3.0f);
  const Tensor w = random_tensor({4}, 2), b = random_tensor({4}, 3);
  EXPECT_TRUE(all_close(instance_norm2d(x, w, b), reference::instance_norm2d(x, w, b, 1e-5f), 1e-5, 1e-4));
  EXPECT_TRUE(all_close(instance_norm2d(x, Tensor(), Tensor(), 1e-3f),
                        reference::instance_norm2d(x, Tensor(), Tensor(), 1e-3f), 1e-5, 1e-4));
}

TEST(InstanceNorm2d, EachPlaneHasItsOwnStatistics) {
  // Plane (0, 0) holds 1, 2, 3, 4 (mean 2.5, biased var 1.25); plane (1, 0) is constant: 0, then the bias.
  const Tensor x = Tensor::from_vector({2, 1, 2, 2}, {1, 2, 3, 4, 7, 7, 7, 7});
  const Tensor y = instance_norm2d(x, Tensor::full({1}, 2.0f), Tensor::full({1}, 0.5f), 0.0f + 1e-5f);
  EXPECT_NEAR(y.data()[0], 2.0 * (1.0 - 2.5) / std::sqrt(1.25 + 1e-5) + 0.5, 1e-5);
  for (int64_t i = 4; i < 8; ++i) EXPECT_EQ(y.data()[i], 0.5f);
}

// Gradient (input, weight, bias), accumulation and 1 vs 2 threads; with and without affine parameters.
TEST(InstanceNorm2d, Contract) {
  for (bool affine : {true, false}) {
    SCOPED_TRACE(affine ? "affine" : "plain");
    std::vector<Tensor> small{random_tensor({2, 3, 4, 5}, 4, -2.0f, 2.0f).set_requires_grad()};
    std::vector<Tensor> big{random_tensor({16, 3, 20, 20}, 5).set_requires_grad()};
    if (affine) {
      small.push_back(random_tensor({3}, 6, 0.5f, 1.5f).set_requires_grad());
      small.push_back(random_tensor({3}, 7).set_requires_grad());
      big.push_back(random_tensor({3}, 8, 0.5f, 1.5f).set_requires_grad());
      big.push_back(random_tensor({3}, 9).set_requires_grad());
    }
    EXPECT_TRUE(op_contract({.op = "instance_norm2d",
                             .f =
                                 [](const std::vector<Tensor>& in) {
                                   return in.size() == 3 ? instance_norm2d(in[0], in[1], in[2])
                                                         : instance_norm2d(in[0], Tensor(), Tensor());
                                 },
                             .inputs = small,
                             .grad = {.eps = 1e-3},
                             .thread_inputs = big,
                             .accumulate_atol = 1e-4}));
  }
}

TEST(InstanceNorm2d, ShapeErrorsNameOpAndShape) {
  const auto bad = [](const Shape& x, const Shape& w) {
    return [=] { instance_norm2d(Tensor::zeros(x), Tensor::zeros(w), Tensor()); };
  };
  EXPECT_TRUE(shape_error_names("instance_norm2d", {bad({4, 4}, {4}), {"[4,4]"}}));
  EXPECT_TRUE(shape_error_names("instance_norm2d", {bad({2, 3, 4, 4}, {4}), {"weight must be [3]", "[2,3,4,4]"}}));
  EXPECT_TRUE(shape_error_names("instance_norm2d", {bad({2, 3, 1, 1}, {3}), {"more than 1 spatial", "[2,3,1,1]"}}));
}

}  // namespace
}  // namespace poolnet
