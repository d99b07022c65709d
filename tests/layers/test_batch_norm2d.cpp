#include <gtest/gtest.h>

#include "framework/errors.h"
#include "layers/batch_norm2d.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"
#include "tests/support/reference_batch_norm.h"

namespace poolnet {
namespace {

TEST(BatchNorm2dLayer, ParametersAndBuffers) {
  BatchNorm2d bn({.num_features = 4});
  const NamedTensors params = bn.named_parameters(), buffers = bn.named_buffers();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].first, "weight");
  EXPECT_EQ(params[0].second.to_vector(), std::vector<float>(4, 1.0f));
  EXPECT_EQ(params[1].first, "bias");
  EXPECT_EQ(params[1].second.to_vector(), std::vector<float>(4, 0.0f));
  ASSERT_EQ(buffers.size(), 2u);
  EXPECT_EQ(buffers[0].first, "running_mean");
  EXPECT_EQ(buffers[0].second.to_vector(), std::vector<float>(4, 0.0f));
  EXPECT_EQ(buffers[1].first, "running_var");
  EXPECT_EQ(buffers[1].second.to_vector(), std::vector<float>(4, 1.0f));
  EXPECT_FALSE(buffers[0].second.requires_grad());
  EXPECT_TRUE(BatchNorm2d({.num_features = 4, .affine = false}).named_parameters().empty());
  EXPECT_EQ(bn.describe(), "BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=true)");
  EXPECT_THROW(BatchNorm2d({.num_features = 0}), ConfigError);
}

TEST(BatchNorm2dLayer, TrainUpdatesRunningStatsEvalUsesThem) {
  BatchNorm2d bn({.num_features = 3, .momentum = 0.5f});
  Tensor x = testing::random_tensor({4, 3, 5, 5}, 1, 1.0f, 3.0f);
  Tensor y = bn(x);
  EXPECT_TRUE(testing::all_close(y, reference::batch_norm2d(x, bn.weight(), bn.bias(), {}, {}, true, 1e-5f), 1e-5,
                                 1e-4));
  for (float m : bn.running_mean().span()) EXPECT_GT(m, 0.9f);  // half of a mean near 2
  bn.eval();
  const Tensor rm = bn.running_mean().clone(), rv = bn.running_var().clone();
  EXPECT_TRUE(testing::all_close(bn(x), reference::batch_norm2d(x, bn.weight(), bn.bias(), rm, rv, false, 1e-5f)));
  EXPECT_TRUE(testing::bitwise_equal(bn.running_mean(), rm));
  // Eval mode; training is checked with the parameters below.
  EXPECT_TRUE(testing::op_contract({.op = "batch_norm2d",
                                    .f = [&](const std::vector<Tensor>& in) { return bn(in[0]); },
                                    .inputs = {x.set_requires_grad(), bn.weight(), bn.bias()}}));
  bn.train();
  EXPECT_TRUE(testing::op_contract({.op = "batch_norm2d",
                                    .f = [&](const std::vector<Tensor>& in) { return bn(in[0]); },
                                    .inputs = {x, bn.weight(), bn.bias()},
                                    .grad = {.eps = 1e-3}}));
}

}  // namespace
}  // namespace poolnet
