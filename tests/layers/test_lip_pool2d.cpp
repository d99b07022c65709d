// LipPool2d: the simplified LIP layer (conv -> affine instance norm -> 12 * sigmoid, then
// lip_pool2d), its initialisation, windows, errors and parameter gradients, and golden values of
// the op and the layer from PyTorch (tests/golden/lip.json, written by tests/golden/generate_lip.py).
#include <gtest/gtest.h>

#include <algorithm>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "layers/lip_pool2d.h"
#include "tests/support/golden_cases.h"
#include "tests/support/grad_check.h"
#include "tests/support/reference_downsample.h"

namespace poolnet {
namespace {
using testing::all_close;
using testing::random_tensor;

TEST(LipPool2dLayer, ParametersHavePyTorchNames) {
  LipPool2d layer({.channels = 4, .seed = 1});
  EXPECT_EQ(layer.describe(), "LipPool2d(4, kernel=3x3, stride=2x2, padding=1x1, logit_kernel=3, padding_mode=zeros)");
  const NamedTensors params = layer.named_parameters();
  ASSERT_EQ(params.size(), 3u);
  EXPECT_EQ(params[0].first, "logit.conv.weight");
  EXPECT_EQ(params[0].second.shape(), (Shape{4, 4, 3, 3}));
  EXPECT_EQ(params[1].first, "logit.bn.weight");
  EXPECT_EQ(params[2].first, "logit.bn.bias");
  EXPECT_EQ(layer.parameter_count(), 4 * 4 * 9 + 4 + 4);
  EXPECT_EQ(LipPool2d({.channels = 2, .logit_kernel = 5}).named_parameters()[0].second.shape(), (Shape{2, 2, 5, 5}));
}

// SimplifiedLIP.init_layer zeroes the conv: the logits are the constant 12 * sigmoid(0) = 6, so a
// new layer averages each window's input pixels (avg_pool2d, count_include_pad = false).
TEST(LipPool2dLayer, StartsAsAveragePooling) {
  LipPool2d layer({.channels = 3, .seed = 2});
  for (float v : layer.logit().conv().weight().span()) EXPECT_EQ(v, 0.0f);
  const Tensor x = random_tensor({2, 3, 9, 8}, 1);
  EXPECT_TRUE(all_close(layer.logit()(x), Tensor::full(x.shape(), 6.0f), 0.0, 0.0));
  const Pool2d avg{.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}, .count_include_pad = false};
  EXPECT_TRUE(all_close(layer(x), avg_pool2d(x, avg), 1e-6, 1e-5));
}

TEST(LipPool2dLayer, WindowsAreTheLogitConvThenThePool) {
  const std::vector<Window> w =
      LipPool2d({.channels = 2, .pool = {.kernel = {5, 5}, .stride = {3, 3}, .padding = {2, 2}}, .logit_kernel = 5})
          .windows();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].kernel, (Size2d{5, 5}));
  EXPECT_EQ(w[0].stride, (Size2d{1, 1}));
  EXPECT_EQ(w[0].padding, (Size2d{2, 2}));
  EXPECT_EQ(w[1].kernel, (Size2d{5, 5}));
  EXPECT_EQ(w[1].stride, (Size2d{3, 3}));
  EXPECT_EQ(w[1].padding, (Size2d{2, 2}));
}

TEST(LipPool2dLayer, ConfigNamesTheWindowAndTheLogitModule) {
  LipPool2d layer({.channels = 2, .padding_mode = PadMode::kCircular});
  const ModuleConfig c = layer.config();
  EXPECT_EQ(c.type, "LipPool2d");
  ASSERT_EQ(c.args.size(), 4u);
  EXPECT_EQ(c.args[0].first, "kernel");
  ASSERT_EQ(layer.children().size(), 1u);
  EXPECT_EQ(layer.children()[0].first, "logit");
  EXPECT_EQ(layer.logit().config().type, "LipLogit");
  EXPECT_EQ(layer.logit().conv().options().padding_mode, PadMode::kCircular);
  EXPECT_EQ(layer.logit().describe(), "LipLogit(2, kernel=3x3, coeff=12)");
}

TEST(LipPool2dLayer, RejectsOptionsThatCannotWork) {
  EXPECT_THROW(LipPool2d({.channels = 0}), ConfigError);
  EXPECT_THROW(LipPool2d({.channels = 2, .logit_kernel = 4}), ConfigError);
  EXPECT_THROW(LipPool2d({.channels = 2, .coeff = 0.0}), ConfigError);
  try {
    LipPool2d({.channels = 2, .pool = {.kernel = {3, 3}, .stride = {2, 2}, .padding = {2, 2}}});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("padding 2x2"), std::string::npos) << e.what();
  }
}

// Finite differences through the whole layer: the input and every parameter, with a conv that
// is not zero (the logits then vary over each window).
TEST(LipPool2dLayer, GradientOfInputAndParameters) {
  for (int64_t k : {1, 3}) {
    auto layer = std::make_shared<LipPool2d>(LipPool2dOptions{.channels = 2, .logit_kernel = k, .seed = 3});
    const Tensor w = random_tensor(layer->logit().conv().weight().shape(), 4, -0.5f, 0.5f);
    std::copy(w.span().begin(), w.span().end(), layer->logit().conv().weight().span().begin());
    layer->logit().bn().weight().data()[0] = 1.5f;
    layer->logit().bn().bias().data()[1] = -0.5f;
    std::vector<Tensor> in{random_tensor({2, 2, 6, 7}, 5, -1.0f, 1.0f).set_requires_grad()};
    for (const Tensor& p : layer->parameters()) in.push_back(p);
    EXPECT_TRUE(
        testing::grad_check([layer](const std::vector<Tensor>& t) { return layer->forward(t[0]); }, in, {.eps = 1e-3}))
        << "logit_kernel " << k;
  }
}

// ---- golden values ------------------------------------------------------------------------------

class LipGolden : public ::testing::TestWithParam<std::string> {};

const nlohmann::json& golden_cases() {
  static const nlohmann::json cases = testing::read_golden_cases("lip.json");
  return cases;
}

Size2d pair(const nlohmann::json& j) { return {j[0].get<int64_t>(), j[1].get<int64_t>()}; }

void copy_into(const Tensor& target, const nlohmann::json& j) {
  const Tensor value = testing::tensor_of(j);
  ASSERT_EQ(value.shape(), target.shape());
  std::copy(value.span().begin(), value.span().end(), target.span().begin());
}

TEST_P(LipGolden, MatchesPyTorch) {
  const nlohmann::json& c = testing::case_named(golden_cases(), GetParam());
  const LipPool pool{.kernel = pair(c.at("kernel")), .stride = pair(c.at("stride")), .padding = pair(c.at("padding"))};
  const Tensor x = testing::tensor_of(c.at("x")).set_requires_grad();
  const Tensor gy = testing::tensor_of(c.at("gy"));
  if (c.at("op").get<bool>()) {
    const Tensor logits = testing::tensor_of(c.at("logits")).set_requires_grad();
    const Tensor y = lip_pool2d(x, logits, pool);
    EXPECT_TRUE(all_close(y, testing::tensor_of(c.at("y")), 1e-5, 1e-4));
    sum(mul(y, gy)).backward();
    EXPECT_TRUE(all_close(x.grad(), testing::tensor_of(c.at("gx")), 1e-5, 1e-4));
    EXPECT_TRUE(all_close(logits.grad(), testing::tensor_of(c.at("glogits")), 1e-5, 1e-4));
    return;
  }
  LipPool2d layer({.channels = x.size(1), .pool = pool, .logit_kernel = c.at("logit_kernel").get<int64_t>()});
  copy_into(layer.logit().conv().weight(), c.at("conv_weight"));
  copy_into(layer.logit().bn().weight(), c.at("bn_weight"));
  copy_into(layer.logit().bn().bias(), c.at("bn_bias"));
  EXPECT_TRUE(all_close(layer.logit()(x), testing::tensor_of(c.at("logits")), 1e-5, 1e-4));
  const Tensor y = layer(x);
  EXPECT_TRUE(all_close(y, testing::tensor_of(c.at("y")), 1e-5, 1e-4));
  sum(mul(y, gy)).backward();
  EXPECT_TRUE(all_close(x.grad(), testing::tensor_of(c.at("gx")), 1e-5, 1e-3));
  EXPECT_TRUE(all_close(layer.logit().conv().weight().grad(), testing::tensor_of(c.at("gconv_weight")), 1e-4, 1e-3));
  EXPECT_TRUE(all_close(layer.logit().bn().weight().grad(), testing::tensor_of(c.at("gbn_weight")), 1e-4, 1e-3));
  EXPECT_TRUE(all_close(layer.logit().bn().bias().grad(), testing::tensor_of(c.at("gbn_bias")), 1e-4, 1e-3));
}

INSTANTIATE_TEST_SUITE_P(Cases, LipGolden, ::testing::ValuesIn(testing::case_names(golden_cases())),
                         testing::param_name);

}  // namespace
}  // namespace poolnet
