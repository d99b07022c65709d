#include <gtest/gtest.h>

#include <memory>

#include "framework/errors.h"
#include "layers/conv2d.h"
#include "layers/dropout.h"
#include "layers/flatten.h"
#include "layers/linear.h"
#include "layers/relu.h"
#include "layers/sequential.h"
#include "tests/support/grad_check.h"

namespace poolnet {
namespace {

std::shared_ptr<Sequential> small_net() {
  auto net = std::make_shared<Sequential>();
  net->add(std::make_shared<Conv2d>(Conv2d::Options{.in_channels = 1, .out_channels = 2, .kernel = {3, 3}}, 1))
      .add(std::make_shared<ReLU>())
      .add(std::make_shared<Flatten>())
      .add(std::make_shared<Linear>(Linear::Options{.in_features = 2 * 3 * 3, .out_features = 4}, 2));
  return net;
}

TEST(SequentialLayer, ChildrenAreNamedByPosition) {
  auto net = small_net();
  EXPECT_EQ(net->size(), 4u);
  std::vector<std::string> names;
  for (const auto& [name, t] : net->named_parameters()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"0.weight", "0.bias", "3.weight", "3.bias"}));
  EXPECT_EQ((*net)[1].describe(), "ReLU()");
  EXPECT_THROW((*net)[4], ConfigError);
  EXPECT_THROW(net->add(nullptr), ConfigError);
  EXPECT_EQ(net->describe(),
            "Sequential(Conv2d(1, 2, kernel=3x3, stride=1x1), ReLU(), Flatten(start_dim=1), "
            "Linear(in_features=18, out_features=4, bias=true))");
}

TEST(SequentialLayer, ForwardChainsAndTrainModeReachesChildren) {
  auto net = small_net();
  Tensor x = testing::random_tensor({2, 1, 5, 5}, 3);
  Tensor manual = x;
  for (const auto& [name, child] : net->children()) manual = child->forward(manual);
  EXPECT_TRUE(testing::bitwise_equal(net->forward(x), manual));
  EXPECT_EQ(net->forward(x).shape(), (Shape{2, 4}));
  auto drop = std::make_shared<Dropout>(Dropout::Options{.p = 0.5f}, 4);
  net->add(drop);
  net->eval();
  EXPECT_FALSE(drop->is_training());
  EXPECT_TRUE(testing::bitwise_equal(net->forward(x), manual));
  EXPECT_TRUE(testing::bitwise_equal(Sequential().forward(x), x));
}

}  // namespace
}  // namespace poolnet
