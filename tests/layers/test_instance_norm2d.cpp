#include <gtest/gtest.h>

#include "framework/errors.h"
#include "layers/instance_norm2d.h"
#include "tests/support/grad_check.h"
#include "tests/support/reference_batch_norm.h"

namespace poolnet {
namespace {

TEST(InstanceNorm2dLayer, AffineParametersStartAtOneAndZero) {
  InstanceNorm2d layer({.num_features = 3, .affine = true});
  EXPECT_EQ(layer.describe(), "InstanceNorm2d(3, eps=1e-05, affine=true)");
  const NamedTensors params = layer.named_parameters();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].first, "weight");
  EXPECT_EQ(params[1].first, "bias");
  const Tensor x = testing::random_tensor({2, 3, 5, 4}, 1, -2.0f, 2.0f);
  EXPECT_TRUE(testing::all_close(layer(x), reference::instance_norm2d(x, Tensor(), Tensor(), 1e-5f), 1e-5, 1e-4));
  layer.eval();  // no running statistics: the same in evaluation
  EXPECT_TRUE(testing::all_close(layer(x), reference::instance_norm2d(x, Tensor(), Tensor(), 1e-5f), 1e-5, 1e-4));
}

TEST(InstanceNorm2dLayer, PlainHasNoParameters) {
  InstanceNorm2d layer({.num_features = 2});
  EXPECT_EQ(layer.parameter_count(), 0);
  EXPECT_EQ(layer.describe(), "InstanceNorm2d(2, eps=1e-05, affine=false)");
  EXPECT_EQ(layer.config().type, "InstanceNorm2d");
  EXPECT_TRUE(layer.windows().empty());
}

TEST(InstanceNorm2dLayer, RejectsBadOptions) {
  EXPECT_THROW(InstanceNorm2d({.num_features = 0}), ConfigError);
  EXPECT_THROW(InstanceNorm2d({.num_features = 2, .eps = 0.0f}), ConfigError);
  InstanceNorm2d layer({.num_features = 2, .affine = true});
  EXPECT_THROW(layer(Tensor::zeros({1, 3, 4, 4})), ShapeError);
}

}  // namespace
}  // namespace poolnet
