#include <gtest/gtest.h>

#include "layers/flatten.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"

namespace poolnet {
namespace {

TEST(FlattenLayer, JoinsTrailingDimensions) {
  Flatten flatten;
  Tensor x = testing::random_tensor({2, 3, 4, 5}, 1);
  Tensor y = flatten(x);
  EXPECT_EQ(y.shape(), (Shape{2, 60}));
  EXPECT_EQ(y.to_vector(), x.to_vector());
  EXPECT_EQ(Flatten(2)(x).shape(), (Shape{2, 3, 20}));
  EXPECT_EQ(flatten.describe(), "Flatten(start_dim=1)");
  EXPECT_TRUE(testing::op_contract({.op = "flatten",
                                    .f = [&](const std::vector<Tensor>& in) { return flatten(in[0]); },
                                    .inputs = {x.set_requires_grad()}}));
}

}  // namespace
}  // namespace poolnet
