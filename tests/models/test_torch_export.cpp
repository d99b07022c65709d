// torch_source: every family x strategy exports; each layer is written from its ModuleConfig;
// a layer without one is a ConfigError. (The
// computation itself is checked against PyTorch by tests/interop/check_torch.py.)
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "framework/errors.h"
#include "layers/flatten.h"
#include "layers/linear.h"
#include "models/torch_export.h"
#include "tests/models/models_test_util.h"
#include "tests/support/source_dir.h"

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
    }
  }
}

TEST(TorchExport, EveryLayerIsItsConfig) {
  const std::string lenet = torch_source(*build_model(testing::small_spec("lenet", "max_pool", "gap"), 0));
  EXPECT_TRUE(has(lenet, "Conv2d(\n            in_channels=1,\n            out_channels=6,\n            kernel=(5, 5),"))
      << lenet;
  EXPECT_TRUE(has(lenet, "MaxPool2d(\n            kernel=(2, 2),\n            stride=(2, 2),")) << lenet;
  EXPECT_TRUE(has(lenet, "GlobalAvgPool()"));
  EXPECT_TRUE(has(lenet, "Linear(\n            in_features=84,\n            out_features=10,\n            bias=True,"));
  const std::string blur = torch_source(*build_model(testing::small_spec("lenet", "max_blur_pool:filter=5", "gap"), 0));
  EXPECT_TRUE(has(blur, "MaxBlurPool2d(\n            filter_size=5,\n            stride=(2, 2),\n            padding_mode=\"zeros\","))
      << blur;
  const std::string resnet = torch_source(*build_model(testing::small_spec("resnet", "aps:norm=linf", "gap"), 0));
  EXPECT_TRUE(has(resnet, "norm=\"linf\","));
  EXPECT_TRUE(has(resnet, "phase_shortcut=True,"));
  EXPECT_TRUE(has(resnet, "conv1=Conv2d("));
  const std::string lp =
      torch_source(*build_model(testing::small_spec("vgg", "lp_pool:p=3,kernel=3,ceil_mode=true", "gap"), 0));
  EXPECT_TRUE(has(lp, "LpPool2d(\n            p=3,\n            kernel=(3, 3),\n            stride=(2, 2),")) << lp;
  EXPECT_TRUE(has(lp, "ceil_mode=True,"));
}

// The Python file every export starts with is the one in the repository, byte for byte.
TEST(TorchExport, StartsWithTheEmbeddedPythonModule) {
  std::ifstream in(testing::source_dir() + "/models/torch_modules.py");
  std::stringstream text;
  text << in.rdbuf();
  ASSERT_FALSE(text.str().empty());
  const std::string lenet = torch_source(*build_model(testing::small_spec("lenet", "max_pool", "gap"), 0));
  EXPECT_TRUE(has(lenet, text.str()));
}

struct NoConfig : Module {
  Tensor forward(const Tensor& x) override { return x; }
  std::string describe() const override { return "NoConfig()"; }
};

TEST(TorchExport, LayerWithoutConfigIsAConfigErrorNamingIt) {
  auto features = std::make_shared<Sequential>();
  features->add(std::make_shared<NoConfig>());
  auto classifier = std::make_shared<Sequential>();
  classifier->add(std::make_shared<Flatten>());
  classifier->add(std::make_shared<Linear>(Linear::Options{.in_features = 784, .out_features = 10}, 2));
  Model model(ModelSpec{}, features, classifier);
  try {
    torch_source(model);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "torch export: no PyTorch equivalent for NoConfig() at features.0");
  }
}

}  // namespace
}  // namespace poolnet
