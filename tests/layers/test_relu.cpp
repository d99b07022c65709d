#include <gtest/gtest.h>

#include "layers/relu.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"

namespace poolnet {
namespace {

TEST(ReLULayer, ClampsNegativesAndHasNoParameters) {
  ReLU relu;
  EXPECT_EQ(relu(Tensor::from_vector({4}, {-1, 0, 2, -3})).to_vector(), (std::vector<float>{0, 0, 2, 0}));
  EXPECT_TRUE(relu.named_parameters().empty());
  EXPECT_EQ(relu.describe(), "ReLU()");
  Tensor x = testing::separated_tensor({2, 3, 4}, 1);
  for (float& v : x.span()) v += 0.025f;  // no value within a finite-difference step of the kink
  EXPECT_TRUE(testing::op_contract({.op = "relu",
                                    .f = [&](const std::vector<Tensor>& in) { return relu(in[0]); },
                                    .inputs = {x.set_requires_grad()}}));
}

}  // namespace
}  // namespace poolnet
