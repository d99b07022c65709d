#include <gtest/gtest.h>

#include <cmath>

#include "framework/errors.h"
#include "layers/init.h"

namespace poolnet {
namespace {

TEST(Init, DefaultBoundsAreOneOverSqrtFanIn) {
  EXPECT_FLOAT_EQ(init::default_bound(25), 0.2f);
  Tensor w = init::default_weight({6, 1, 5, 5}, 25, 1);
  Tensor b = init::default_bias(6, 25, 2);
  float wmax = 0.0f;
  for (float v : w.span()) wmax = std::max(wmax, std::fabs(v));
  EXPECT_LE(wmax, 0.2f);
  EXPECT_GT(wmax, 0.18f);  // 150 draws reach close to the bound
  for (float v : b.span()) EXPECT_LE(std::fabs(v), 0.2f);
}

TEST(Init, KaimingUniformUsesTheGain) {
  // a = 0: bound = sqrt(2) * sqrt(3 / fan_in) = sqrt(6 / fan_in).
  Tensor w = init::kaiming_uniform({4000}, 6, 0.0f, 3);
  float wmax = 0.0f;
  for (float v : w.span()) wmax = std::max(wmax, std::fabs(v));
  EXPECT_LE(wmax, 1.0f);
  EXPECT_GT(wmax, 0.99f);
}

TEST(Init, SeedsAreDerivedAndReproducible) {
  EXPECT_NE(init::weight_seed(5), init::bias_seed(5));
  EXPECT_NE(init::weight_seed(5), init::weight_seed(6));
  EXPECT_EQ(init::default_weight({3, 4}, 4, 9).to_vector(), init::default_weight({3, 4}, 4, 9).to_vector());
  EXPECT_NE(init::default_weight({3, 4}, 4, 9).to_vector(), init::default_weight({3, 4}, 4, 10).to_vector());
  EXPECT_THROW(init::default_bound(0), ConfigError);
}

}  // namespace
}  // namespace poolnet
