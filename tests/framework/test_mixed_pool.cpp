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
using testing::shape_error_names;

TEST(MixedPool, MixesMaxAndAverageBySigmoidOfTheGate) {
  Tensor x = testing::random_tensor({2, 3, 8, 7}, 1);
  for (float gate : {0.0f, 1.5f, -2.0f}) {
    const double alpha = 1.0 / (1.0 + std::exp(-gate));
    for (int64_t k : {2, 3}) {
      Tensor y = mixed_pool2d(x, Tensor::full({1}, gate), {.kernel = {k, k}});
      EXPECT_TRUE(all_close(y, reference::mixed_pool(x, k, k, alpha), 1e-6, 1e-5)) << gate << " " << k;
    }
  }
  // A very open gate is max pooling, a very closed one average pooling.
  EXPECT_TRUE(all_close(mixed_pool2d(x, Tensor::full({1}, 40.0f)), max_pool2d(x), 1e-6, 0));
  EXPECT_TRUE(all_close(mixed_pool2d(x, Tensor::full({}, -40.0f)), avg_pool2d(x), 1e-6, 0));
}

// Gradient (input and gate, overlapping windows with ceil mode), accumulation and 1 vs 2 threads.
TEST(MixedPool, Contract) {
  for (const Pool2d& o : {Pool2d{}, Pool2d{.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}, .ceil_mode = true}}) {
    SCOPED_TRACE(to_string(o.kernel));
    EXPECT_TRUE(op_contract(
        {.op = "mixed_pool2d",
         .f = [&](const std::vector<Tensor>& in) { return mixed_pool2d(in[0], in[1], o); },
         .inputs = {testing::separated_tensor({2, 2, 6, 5}, 2).set_requires_grad(), Tensor::full({1}, 0.3f).set_requires_grad()},
         .thread_inputs = {testing::random_tensor({16, 8, 13, 11}, 3).set_requires_grad(),
                           Tensor::full({1}, 0.4f).set_requires_grad()}}));
  }
}

TEST(MixedPool, ShapeErrorsNameOpAndShape) {
  const auto bad = [](const Shape& x, const Shape& gate, const Pool2d& o) {
    return [=] { mixed_pool2d(Tensor::zeros(x), Tensor::zeros(gate), o); };
  };
  EXPECT_TRUE(shape_error_names("mixed_pool2d", {bad({1, 1, 4, 4}, {2}, {}), {"[2]", "[1,1,4,4]"}}));
  EXPECT_TRUE(shape_error_names("mixed_pool2d", {bad({1, 4, 4}, {1}, {}), {"[1,4,4]"}}));
  EXPECT_TRUE(shape_error_names("mixed_pool2d", {bad({1, 1, 4, 4}, {1}, {.dilation = {2, 2}}), {"mixed_pool2d: dilation"}}));
}

}  // namespace
}  // namespace poolnet
