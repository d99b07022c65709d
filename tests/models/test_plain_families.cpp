// lenet, vgg and allconv: every strategy overfits 32 `shapes` samples (gradients flow through
// every downsampler inside a real network), the families' layer lists, and lenet with `aps`,
// circular padding and a gap head is invariant to every circular shift.
#include <gtest/gtest.h>

#include "layers/conv2d.h"
#include "tests/models/aps_invariance.h"
#include "tests/models/models_test_util.h"

namespace poolnet {
namespace {

struct FitCase {
  std::string family, strategy;
};

std::vector<FitCase> fit_cases() {
  std::vector<FitCase> out;
  for (const char* family : {"lenet", "vgg", "allconv"}) {
    for (const std::string& strategy : all_strategy_names()) out.push_back({family, strategy});
  }
  return out;
}

void PrintTo(const FitCase& c, std::ostream* os) { *os << c.family << " " << c.strategy; }

class Overfit : public ::testing::TestWithParam<FitCase> {};

TEST_P(Overfit, ThirtyTwoShapes) {
  const FitCase& c = GetParam();
  // lenet at 28x28; the wider families at 16x16 (the smallest shapes image) to stay fast.
  const int64_t size = c.family == "lenet" ? 28 : 16;
  ModelSpec spec = testing::small_spec(c.family, c.strategy, "flatten", {1, size, size});
  spec.classes = 8;
  if (c.family == "allconv") spec.width = 0.125;
  auto model = build_model(spec, 3);
  const testing::Batch batch = testing::shapes_batch(32, size);
  const float loss =
      testing::fit(*model, batch, c.family == "allconv" ? 1e-2 : (c.family == "lenet" ? 3e-3 : 5e-3), 300, 0.05f);
  EXPECT_LT(loss, 0.05f) << canonical_name(spec);
}

INSTANTIATE_TEST_SUITE_P(Families, Overfit, ::testing::ValuesIn(fit_cases()),
                         [](const ::testing::TestParamInfo<FitCase>& info) {
                           return info.param.family + "_" + info.param.strategy;
                         });

TEST(PlainFamilies, LenetLayers) {
  auto model = build_model(testing::small_spec("lenet", "max_pool", "gap"), 0);
  EXPECT_EQ(model->features().describe(),
            "Sequential(Conv2d(1, 6, kernel=5x5, stride=1x1, padding=2x2), ReLU(), MaxPool2d(kernel=2x2, stride=2x2), "
            "Conv2d(6, 16, kernel=5x5, stride=1x1), ReLU(), MaxPool2d(kernel=2x2, stride=2x2))");
  EXPECT_EQ(model->classifier().describe(),
            "Sequential(GlobalAvgPool(), Linear(in_features=16, out_features=120, bias=true), ReLU(), "
            "Linear(in_features=120, out_features=84, bias=true), ReLU(), "
            "Linear(in_features=84, out_features=10, bias=true))");
  // circular padding pads the second conv too, so every layer stays circular
  ModelSpec circular = testing::small_spec("lenet", "aps", "gap");
  circular.padding_mode = PadMode::kCircular;
  auto c = build_model(circular, 0);
  const auto& conv2 = dynamic_cast<const Conv2d&>(c->features()[3]);
  EXPECT_EQ(conv2.options().padding, (Size2d{2, 2}));
  EXPECT_EQ(conv2.options().padding_mode, PadMode::kCircular);
}

TEST(PlainFamilies, BatchNormAndExtraStage) {
  ModelSpec spec = testing::small_spec("vgg", "max_pool", "gap", {3, 32, 32});
  spec.batch_norm = true;
  spec.extra_stage = true;
  auto model = build_model(spec, 0);
  EXPECT_EQ(model->features()[1].describe(), "BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=true)");
  EXPECT_EQ(model->features().size(), 21u);  // 6 blocks of conv, batch norm, ReLU and 3 downsamplers
  NoGradGuard no_grad;
  model->eval();
  EXPECT_EQ(model->features().forward(testing::random_tensor({1, 3, 32, 32}, 1)).shape(), (Shape{1, 32, 4, 4}));
}

// With input_downsample the strategy's layer comes first and sees the input itself: lenet's
// first layer is a 2x2 max pool whose output is the naive 2x2 maximum of the image.
TEST(PlainFamilies, InputDownsampleComesFirst) {
  ModelSpec spec = testing::small_spec("lenet", "max_pool", "gap");
  spec.input_downsample = true;
  auto model = build_model(spec, 0);
  EXPECT_EQ(model->features().describe(),
            "Sequential(MaxPool2d(kernel=2x2, stride=2x2), Conv2d(1, 6, kernel=5x5, stride=1x1, padding=2x2), ReLU(), "
            "MaxPool2d(kernel=2x2, stride=2x2), Conv2d(6, 16, kernel=5x5, stride=1x1), ReLU(), "
            "MaxPool2d(kernel=2x2, stride=2x2))");
  NoGradGuard no_grad;
  model->eval();
  const Tensor x = testing::random_tensor({2, 1, 28, 28}, 4);
  const Tensor first = model->features()[0].forward(x);
  ASSERT_EQ(first.shape(), (Shape{2, 1, 14, 14}));
  for (int64_t n = 0; n < 2; ++n) {
    for (int64_t i = 0; i < 14; ++i) {
      for (int64_t j = 0; j < 14; ++j) {
        const float expected = std::max({x.at({n, 0, 2 * i, 2 * j}), x.at({n, 0, 2 * i, 2 * j + 1}),
                                         x.at({n, 0, 2 * i + 1, 2 * j}), x.at({n, 0, 2 * i + 1, 2 * j + 1})});
        ASSERT_EQ(first.at({n, 0, i, j}), expected) << n << " " << i << " " << j;
      }
    }
  }
  // 28 -> 14 (input) -> 14 (conv, pad 2) -> 7 -> 3 (conv 5x5) -> 1
  EXPECT_EQ(model->features().forward(x).shape(), (Shape{2, 16, 1, 1}));
  EXPECT_EQ(model->forward(x).shape(), (Shape{2, 10}));
}

TEST(PlainFamilies, InputDownsampleVggAndAllconv) {
  ModelSpec vgg = testing::small_spec("vgg", "strided_conv", "gap");
  vgg.input_downsample = true;
  auto v = build_model(vgg, 0);
  // the strided convolution maps the input's 1 channel to 1 channel with stride 2
  EXPECT_EQ(v->features()[0].describe().rfind("Sequential(Conv2d(1, 1, kernel=3x3, stride=2x2", 0), 0u)
      << v->features()[0].describe();
  EXPECT_EQ(v->features().size(), 13u);  // 5 conv blocks of conv and ReLU, 2 downsamplers, 1 on the input
  ModelSpec allconv = testing::small_spec("allconv", "max_pool", "gap");
  allconv.input_downsample = true;
  auto a = build_model(allconv, 0);
  EXPECT_EQ(a->features()[0].describe(), "MaxPool2d(kernel=2x2, stride=2x2)");
  NoGradGuard no_grad;
  v->eval();
  a->eval();
  const Tensor x = testing::random_tensor({1, 1, 28, 28}, 5);
  // 3x3 stride-2 convolutions padded by 1: 28 -> 14 -> 7 -> 4
  EXPECT_EQ(v->features().forward(x).shape(), (Shape{1, 32, 4, 4}));
  EXPECT_EQ(a->features().forward(x).shape(), (Shape{1, 10, 3, 3}));
}

TEST(PlainFamilies, AllconvGapHeadHasNoLinearLayer) {
  auto gap = build_model(testing::small_spec("allconv", "max_pool", "gap"), 0);
  EXPECT_EQ(gap->classifier().size(), 1u);
  auto flatten = build_model(testing::small_spec("allconv", "max_pool", "flatten"), 0);
  EXPECT_EQ(flatten->classifier().size(), 2u);
}

TEST(PlainFamilies, LenetApsCircularGapIsShiftInvariant) { testing::expect_circular_gap_invariance("lenet", "aps"); }

}  // namespace
}  // namespace poolnet
