// torch_source: every family x strategy exports; the source uses PyTorch's own modules where
// they exist and emits only the helpers it needs; unsupported modules are a ConfigError. (The
// computation itself is checked against PyTorch by tests/interop/check_torch.py.)
#include <gtest/gtest.h>

#include "framework/errors.h"
#include "layers/dropout.h"
#include "layers/flatten.h"
#include "layers/linear.h"
#include "models/torch_export.h"
#include "tests/models/models_test_util.h"

namespace poolnet {
namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(TorchExport, EveryFamilyAndStrategy) {
  for (const std::string& family : model_families()) {
    for (const std::string& strategy : all_strategy_names()) {
      ModelSpec spec = testing::small_spec(family, strategy, "gap_gmp");
      spec.padding_mode = PadMode::kCircular;
      const std::string source = torch_source(*build_model(spec, 0));
      EXPECT_TRUE(has(source, canonical_name(spec))) << family << " " << strategy;
      EXPECT_TRUE(has(source, "\ndef build():\n")) << family << " " << strategy;
      EXPECT_TRUE(has(source, "padding_mode=\"circular\"")) << family << " " << strategy;
      EXPECT_TRUE(has(source, "GlobalAvgMaxPool()")) << family << " " << strategy;
      EXPECT_FALSE(has(source, "import poolnet")) << family << " " << strategy;
    }
  }
}

TEST(TorchExport, StandardModulesAndOnlyNeededHelpers) {
  const std::string lenet = torch_source(*build_model(testing::small_spec("lenet", "max_pool", "gap"), 0));
  EXPECT_TRUE(has(lenet, "nn.Conv2d(1, 6, kernel_size=(5, 5), padding=(2, 2))"));
  EXPECT_TRUE(
      has(lenet, "nn.MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1), ceil_mode=False)"));
  EXPECT_TRUE(has(lenet, "nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())"));
  EXPECT_TRUE(has(lenet, "nn.Linear(84, 10)"));
  EXPECT_FALSE(has(lenet, "class "));  // no helper needed
  const std::string blur = torch_source(*build_model(testing::small_spec("lenet", "max_blur_pool:filter=5", "gap"), 0));
  EXPECT_TRUE(has(blur, "MaxBlurPool2d(5, 2, \"zeros\")"));
  EXPECT_TRUE(has(blur, "def blur("));
  EXPECT_FALSE(has(blur, "def aps_phases("));
  const std::string resnet = torch_source(*build_model(testing::small_spec("resnet", "aps:norm=linf", "gap"), 0));
  EXPECT_TRUE(has(resnet, "ApsPool2d(2, \"linf\", blur_filter=0"));
  EXPECT_TRUE(has(resnet, "aps_shortcut=True"));
  EXPECT_TRUE(has(resnet, "class BatchNorm2d(nn.BatchNorm2d)"));
  const std::string lp =
      torch_source(*build_model(testing::small_spec("vgg", "lp_pool:p=3,kernel=3,ceil_mode=true", "gap"), 0));
  EXPECT_TRUE(has(lp, "nn.LPPool2d(3, kernel_size=(3, 3), stride=(2, 2), ceil_mode=True)"));
}

TEST(TorchExport, UnsupportedModuleIsAConfigErrorNamingIt) {
  auto features = std::make_shared<Sequential>();
  features->add(std::make_shared<Dropout>(Dropout::Options{.p = 0.5f}, 1));
  auto classifier = std::make_shared<Sequential>();
  classifier->add(std::make_shared<Flatten>());
  classifier->add(std::make_shared<Linear>(Linear::Options{.in_features = 784, .out_features = 10}, 2));
  Model model(ModelSpec{}, features, classifier);
  try {
    torch_source(model);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "torch export: no PyTorch equivalent for Dropout(p=0.5) at features.0");
  }
}

}  // namespace
}  // namespace poolnet
