#include <gtest/gtest.h>

#include <cmath>

#include "framework/errors.h"
#include "layers/linear.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"

namespace poolnet {
namespace {

TEST(LinearLayer, ParameterNamesShapesAndInitBounds) {
  Linear fc({.in_features = 16, .out_features = 5}, 3);
  const NamedTensors params = fc.named_parameters();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].first, "weight");
  EXPECT_EQ(params[0].second.shape(), (Shape{5, 16}));
  EXPECT_EQ(params[1].first, "bias");
  EXPECT_EQ(params[1].second.shape(), (Shape{5}));
  for (const auto& [name, t] : params) {
    for (float v : t.span()) EXPECT_LE(std::fabs(v), 0.25f) << name;
  }
  EXPECT_EQ(Linear({.in_features = 2, .out_features = 3, .bias = false}, 0).named_parameters().size(), 1u);
}

TEST(LinearLayer, ForwardIsXWTransposePlusBias) {
  Linear fc({.in_features = 3, .out_features = 2}, 4);
  Tensor x = testing::random_tensor({4, 3}, 5);
  Tensor y = fc(x);
  ASSERT_EQ(y.shape(), (Shape{4, 2}));
  for (int64_t n = 0; n < 4; ++n) {
    for (int64_t o = 0; o < 2; ++o) {
      double s = fc.bias().at({o});
      for (int64_t i = 0; i < 3; ++i) s += x.at({n, i}) * fc.weight().at({o, i});
      EXPECT_NEAR(y.at({n, o}), s, 1e-5);
    }
  }
  EXPECT_TRUE(testing::op_contract({.op = "linear",
                                    .f = [&](const std::vector<Tensor>& in) { return fc(in[0]); },
                                    .inputs = {x.set_requires_grad(), fc.weight(), fc.bias()}}));
}

TEST(LinearLayer, WindowIsGlobal) {
  const auto w = Linear({.in_features = 4, .out_features = 2}, 0).windows();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_TRUE(w[0].global);
}

TEST(LinearLayer, DescribeAndErrors) {
  EXPECT_EQ(Linear({.in_features = 400, .out_features = 120}, 0).describe(),
            "Linear(in_features=400, out_features=120, bias=true)");
  EXPECT_THROW(Linear({.in_features = 0, .out_features = 1}, 0), ConfigError);
}

}  // namespace
}  // namespace poolnet
