#include <gtest/gtest.h>

#include "framework/errors.h"
#include "layers/dropout.h"

namespace poolnet {
namespace {

TEST(DropoutLayer, EachTrainingCallDrawsANewMaskReproducibly) {
  Tensor x = Tensor::ones({1000});
  Dropout a({.p = 0.5f}, 11), b({.p = 0.5f}, 11);
  const auto a1 = a(x).to_vector(), a2 = a(x).to_vector();
  EXPECT_NE(a1, a2);
  EXPECT_EQ(a1, b(x).to_vector());
  EXPECT_EQ(a2, b(x).to_vector());
  EXPECT_EQ(a.calls(), 2u);
  EXPECT_NE(a1, Dropout({.p = 0.5f}, 12)(x).to_vector());
}

TEST(DropoutLayer, EvalIsIdentityAndDoesNotAdvance) {
  Dropout d({.p = 0.3f}, 1);
  d.eval();
  Tensor x = Tensor::ones({10});
  EXPECT_EQ(d(x).data(), x.data());
  EXPECT_EQ(d.calls(), 0u);
  EXPECT_TRUE(d.named_parameters().empty());
  EXPECT_EQ(d.describe(), "Dropout(p=0.3)");
  EXPECT_THROW(Dropout({.p = 1.5f}, 0), ConfigError);
}

}  // namespace
}  // namespace poolnet
