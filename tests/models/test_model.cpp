// Every family x strategy x head at 1x28x28 and 3x32x32: the logits' shape, the feature map's
// shape from each strategy's own output-size rule, the parameter count from the families'
// layer lists (computed here independently of the builders), and PyTorch-style unique names.
#include <gtest/gtest.h>

#include <algorithm>

#include <regex>
#include <set>

#include "framework/errors.h"
#include "models/model.h"
#include "tests/models/models_test_util.h"

namespace poolnet {
namespace {

struct GridCase {
  std::string family, strategy, head;
  Shape input;
};

// Every strategy with the four parameter-free heads, and every head with max_pool, in every family.
std::vector<GridCase> grid() {
  const std::vector<std::string> plain_heads{"flatten", "gap", "gmp", "gap_gmp"};
  std::vector<GridCase> out;
  for (const std::string& family : model_families()) {
    for (const std::string& strategy : all_strategy_names()) {
      for (const std::string& head : head_names()) {
        const bool plain = std::find(plain_heads.begin(), plain_heads.end(), head) != plain_heads.end();
        if (!plain && strategy != "max_pool") continue;
        for (const Shape& input : {Shape{1, 28, 28}, Shape{3, 32, 32}}) out.push_back({family, strategy, head, input});
      }
    }
  }
  return out;
}

// Spatial length after one stride-2 downsampler of `strategy`.
int64_t down_length(const std::string& strategy, int64_t n, PadMode mode) {
  if (strategy == "none") return n;
  if (strategy == "max_blur_pool") return mode == PadMode::kCircular ? (n + 1) / 2 : n / 2;  // ceil((n-1)/2)
  if (strategy == "strided_conv" || strategy == "blur_pool" || strategy == "conv_blur_pool" || strategy == "aps" ||
      strategy == "aps_blur" || strategy == "tips") {
    return (n + 1) / 2;
  }
  return n / 2;  // 2x2 windows, stride 2, floor
}

// Parameters of one downsampler on `c` channels.
int64_t down_params(const std::string& strategy, int64_t c) {
  if (strategy == "strided_conv" || strategy == "conv_blur_pool") return c * c * 9 + c;
  if (strategy == "mixed_pool") return 1;
  if (strategy == "lps") return 2 * (c * c * 9 + c);  // the scorer: two 3x3 convolutions, hidden = c
  if (strategy == "tips") return c * 9 + c;  // depthwise 3x3 and 1x1, no bias
  if (strategy == "lip_pool") return c * c * 9 + 2 * c;  // logit conv 3x3 without bias, affine instance norm
  if (strategy == "dpp_pool") return 2 * c;  // log_alpha and log_lambda per channel
  return 0;
}

int64_t conv_params(int64_t in, int64_t out, int64_t k, bool bias = true) {
  return in * out * k * k + (bias ? out : 0);
}

int64_t head_features(const std::string& head, int64_t c, int64_t h, int64_t w) {
  if (head == "flatten") return c * h * w;
  return head == "gap_gmp" ? 2 * c : c;
}

// The head's own parameters on a [c, h, w] map: GeM's p, LSE's r, SimPool's layer norm and two
// projections without bias, attention pooling's position embedding and four projections.
int64_t head_params(const std::string& head, int64_t c, int64_t h, int64_t w) {
  if (head == "gem" || head == "lse") return 1;
  if (head == "simpool") return 2 * c + 2 * c * c;
  if (head == "attn_pool") return (h * w + 1) * c + 4 * (c * c + c);
  return 0;
}

struct Expected {
  Shape features;
  int64_t params = 0;
};

Expected expected(const ModelSpec& s) {
  const std::string& d = s.downsample.name;
  const int64_t C = s.input[0], K = s.classes;
  const auto down = [&](int64_t n) { return down_length(d, n, s.padding_mode); };
  int64_t H = s.input[1], W = s.input[2], p = 0;
  if (s.family == "lenet") {
    const int64_t c1 = scaled(6, s.width), c2 = scaled(16, s.width),
                  shrink = s.padding_mode == PadMode::kCircular ? 0 : 4;
    p = conv_params(C, c1, 5) + down_params(d, c1) + conv_params(c1, c2, 5) + down_params(d, c2);
    H = down(down(H) - shrink);
    W = down(down(W) - shrink);
    p += head_params(s.head, c2, H, W) + conv_params(head_features(s.head, c2, H, W), 120, 1) +
         conv_params(120, 84, 1) + conv_params(84, K, 1);
    return {{c2, H, W}, p};
  }
  if (s.family == "vgg") {
    const int64_t c1 = scaled(32, s.width), c2 = scaled(64, s.width), c3 = scaled(128, s.width);
    p = conv_params(C, c1, 3) + conv_params(c1, c1, 3) + down_params(d, c1) + conv_params(c1, c2, 3) +
        conv_params(c2, c2, 3) + down_params(d, c2) + conv_params(c2, c3, 3);
    H = down(down(H));
    W = down(down(W));
    return {{c3, H, W}, p + head_params(s.head, c3, H, W) + conv_params(head_features(s.head, c3, H, W), K, 1)};
  }
  if (s.family == "allconv") {
    const int64_t c1 = scaled(96, s.width), c2 = scaled(192, s.width);
    p = conv_params(C, c1, 3) + conv_params(c1, c1, 3) + down_params(d, c1) + conv_params(c1, c2, 3) +
        conv_params(c2, c2, 3) + down_params(d, c2) + conv_params(c2, c2, 3) + conv_params(c2, c2, 1) +
        conv_params(c2, K, 1);
    H = down(down(H));
    W = down(down(W));
    p += head_params(s.head, K, H, W);
    if (s.head == "flatten" || s.head == "gap_gmp") p += conv_params(head_features(s.head, K, H, W), K, 1);
    return {{K, H, W}, p};
  }
  // resnet, depth 6n+2: a stem, then n blocks per stage; the first block of stages 1 and 2
  // downsamples both branches (the shortcut of aps, aps_blur and lps follows the branch's
  // choice without parameters of its own; strided_conv's is its strided 1x1 convolution).
  const int64_t n = (s.depth - 2) / 6;
  int64_t c = scaled(16, s.width);
  p = conv_params(C, c, 3, false) + 2 * c;
  for (int64_t stage = 0; stage < 3; ++stage) {
    const int64_t out = scaled(16 << stage, s.width);
    for (int64_t b = 0; b < n; ++b) {
      const bool downsample = stage > 0 && b == 0;
      p += conv_params(c, out, 3, false) + 2 * out + conv_params(out, out, 3, false) + 2 * out;
      if (downsample) {
        p += down_params(d, out);
        if (d != "aps" && d != "aps_blur" && d != "lps" && d != "strided_conv") p += down_params(d, c);
        H = down(H);
        W = down(W);
      }
      if (downsample || c != out) p += conv_params(c, out, 1, false) + 2 * out;
      c = out;
    }
  }
  return {{c, H, W}, p + head_params(s.head, c, H, W) + conv_params(head_features(s.head, c, H, W), K, 1)};
}

class ModelGrid : public ::testing::TestWithParam<GridCase> {};

TEST_P(ModelGrid, ShapesParametersAndNames) {
  const GridCase& g = GetParam();
  const ModelSpec spec = testing::small_spec(g.family, g.strategy, g.head, g.input);
  auto model = build_model(spec, 1);
  const Expected e = expected(spec);
  NoGradGuard no_grad;
  model->eval();
  const Tensor x = testing::random_tensor({2, g.input[0], g.input[1], g.input[2]}, 3);
  const Tensor features = model->features().forward(x);
  EXPECT_EQ(features.shape(), (Shape{2, e.features[0], e.features[1], e.features[2]}));
  EXPECT_EQ(model->forward(x).shape(), (Shape{2, spec.classes}));
  EXPECT_EQ(model->parameter_count(), e.params);

  const std::regex pytorch_style(R"(^(features|classifier)(\.[a-z0-9_]+)+$)");
  std::set<std::string> names;
  NamedTensors all = model->named_parameters();
  for (const auto& b : model->named_buffers()) all.push_back(b);
  for (const auto& [name, t] : all) {
    EXPECT_TRUE(std::regex_match(name, pytorch_style)) << name;
    EXPECT_TRUE(names.insert(name).second) << "duplicate " << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Models, ModelGrid, ::testing::ValuesIn(grid()),
                         [](const ::testing::TestParamInfo<GridCase>& info) {
                           const GridCase& g = info.param;
                           return testing::sanitized(canonical_name(testing::small_spec(g.family, g.strategy, g.head)) +
                                                     "_" + shape_str(g.input));
                         });

TEST(Model, NamesFollowPyTorch) {
  auto model = build_model(testing::small_spec("lenet", "max_pool", "flatten"), 0);
  const NamedTensors params = model->named_parameters();
  ASSERT_EQ(params.size(), 10u);
  EXPECT_EQ(params.front().first, "features.0.weight");
  EXPECT_EQ(params.front().second.shape(), (Shape{6, 1, 5, 5}));
  EXPECT_EQ(params.back().first, "classifier.5.bias");
  auto resnet = build_model(testing::small_spec("resnet", "max_pool", "gap"), 0);
  const NamedTensors buffers = resnet->named_buffers();
  EXPECT_EQ(buffers.front().first, "features.1.running_mean");
  EXPECT_EQ(buffers.back().first, "features.5.shortcut_bn.running_var");
}

TEST(Model, TraceNamesEveryLayerWithItsStride) {
  auto model = build_model(testing::small_spec("lenet", "max_pool", "gap"), 0);
  NoGradGuard no_grad;
  const auto trace = model->trace(testing::random_tensor({1, 1, 28, 28}, 2));
  ASSERT_EQ(trace.size(), model->features().size() + model->classifier().size());
  EXPECT_EQ(trace[2].name, "features.2");
  EXPECT_EQ(trace[2].stride, 2);
  EXPECT_EQ(trace[5].stride, 4);
  EXPECT_EQ(trace[6].name, "classifier.0");
  EXPECT_EQ(trace[6].stride, 0);
  EXPECT_TRUE(testing::bitwise_equal(trace.back().value, model->forward(testing::random_tensor({1, 1, 28, 28}, 2))));
}

TEST(Model, SameSeedSameWeightsOtherSeedOthers) {
  const ModelSpec spec = testing::small_spec("vgg", "conv_blur_pool", "gap");
  auto a = build_model(spec, 5), b = build_model(spec, 5), c = build_model(spec, 6);
  for (size_t i = 0; i < a->parameters().size(); ++i) {
    EXPECT_TRUE(testing::bitwise_equal(a->parameters()[i], b->parameters()[i]));
  }
  EXPECT_FALSE(testing::bitwise_equal(a->parameters()[0], c->parameters()[0]));
}

TEST(Model, InputTooSmallIsAShapeErrorNamingTheModel) {
  ModelSpec spec = testing::small_spec("lenet", "max_pool", "flatten", {1, 8, 8});
  try {
    build_model(spec, 0);
    FAIL() << "no error";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("lenet[max_pool"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[1,8,8]"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace poolnet
