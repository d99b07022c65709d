// The pieces the families share: heads, seeds, the conv and downsampler helpers.
#include <gtest/gtest.h>

#include "framework/autograd.h"
#include "framework/ops/ops.h"
#include "layers/conv2d.h"
#include "models/families.h"
#include "tests/models/models_test_util.h"

namespace poolnet {
namespace {

TEST(Families, HeadsAndTheirWidths) {
  const std::vector<std::pair<std::string, int64_t>> heads = {
      {"flatten", 16 * 5 * 5}, {"gap", 16}, {"gmp", 16}, {"gap_gmp", 32}, {"gem", 16}, {"lse", 16},
      {"simpool", 16},          {"attn_pool:heads=4", 16}};
  for (const auto& [head, features] : heads) {
    Sequential classifier;
    SeedSequence seeds(1);
    EXPECT_EQ(add_head(classifier, head, {16, 5, 5}, seeds), features) << head;
    EXPECT_EQ(classifier.size(), 1u);
    NoGradGuard no_grad;
    EXPECT_EQ(classifier.forward(testing::random_tensor({2, 16, 5, 5}, 1)).shape(), (Shape{2, features})) << head;
  }
}

TEST(Families, GlobalAvgMaxPoolConcatenatesMeanAndMax) {
  GlobalAvgMaxPool pool;
  const Tensor x = Tensor::from_vector({1, 2, 2, 2}, {1, 2, 3, 4, -1, -2, -3, 8});
  const Tensor y = pool.forward(x);
  ASSERT_EQ(y.shape(), (Shape{1, 4}));
  EXPECT_EQ(std::vector<float>(y.data(), y.data() + 4), (std::vector<float>{2.5f, 0.5f, 4.0f, 8.0f}));
  EXPECT_TRUE(pool.windows().front().global);
  EXPECT_TRUE(testing::grad_check([](const std::vector<Tensor>& in) { return GlobalAvgMaxPool().forward(in[0]); },
                                  {testing::separated_tensor({2, 3, 3, 3}, 4).set_requires_grad(true)}));
}

TEST(Families, SeedSequenceIsReproducibleAndDistinct) {
  SeedSequence a(7), b(7), c(8);
  const uint64_t a0 = a.next(), a1 = a.next();
  EXPECT_EQ(a0, b.next());
  EXPECT_EQ(a1, b.next());
  EXPECT_NE(a0, a1);
  EXPECT_NE(a0, c.next());
}

TEST(Families, ConvHelperPadsSameAndFollowsTheSpecsMode) {
  ModelSpec spec;
  spec.padding_mode = PadMode::kCircular;
  SeedSequence seeds(1);
  const auto c = std::dynamic_pointer_cast<Conv2d>(conv(spec, 3, 8, 5, seeds));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->options().padding, (Size2d{2, 2}));
  EXPECT_EQ(c->options().padding_mode, PadMode::kCircular);
  const auto strided = std::dynamic_pointer_cast<Conv2d>(conv(spec, 3, 8, 1, seeds, 0, false, 2));
  EXPECT_EQ(strided->options().stride, (Size2d{2, 2}));
  EXPECT_FALSE(strided->bias().defined());
}

TEST(Families, FeatureShapeRestoresTrainingMode) {
  auto model = build_model(testing::small_spec("vgg", "stochastic_pool", "gap"), 0);
  model->train();
  EXPECT_EQ(feature_shape(model->features(), model->spec()), (Shape{32, 7, 7}));
  EXPECT_TRUE(model->features().is_training());
}

}  // namespace
}  // namespace poolnet
