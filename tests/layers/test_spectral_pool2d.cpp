#include <gtest/gtest.h>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "layers/asap_pool2d.h"
#include "layers/downsample.h"
#include "layers/flc_pool2d.h"
#include "layers/spectral_pool2d.h"
#include "models/summary.h"
#include "tests/models/models_test_util.h"
#include "tests/support/grad_check.h"
#include "tests/support/reference_spectral.h"

namespace poolnet {
namespace {

TEST(SpectralPool2dLayer, ComposesTheOps) {
  const Tensor x = testing::random_tensor({2, 3, 10, 8}, 1);
  SpectralPool2d spectral({.ratio = 0.3});
  EXPECT_EQ(spectral.describe(), "SpectralPool2d(ratio=0.3, field=whole map)");
  EXPECT_EQ(spectral.parameter_count(), 0);
  EXPECT_TRUE(testing::all_close(spectral(x), reference::spectral_pool(x, 0.3), 1e-5, 1e-4));
  FlcPool2d flc;
  EXPECT_EQ(flc.describe(), "FlcPool2d(stride=2, field=whole map)");
  EXPECT_TRUE(testing::all_close(flc(x), reference::flc_pool(x), 1e-5, 1e-4));
  AsapPool2d asap;
  EXPECT_EQ(asap.describe(), "AsapPool2d(stride=2, field=whole map)");
  EXPECT_TRUE(testing::all_close(asap(x), reference::asap_pool(x), 1e-5, 1e-4));
}

TEST(SpectralPool2dLayer, RejectsBadOptionsAtConstruction) {
  EXPECT_THROW(SpectralPool2d({.ratio = 1.0}), ShapeError);
  EXPECT_THROW(SpectralPool2d({.ratio = -0.5}), ShapeError);
}

TEST(SpectralPool2dLayer, WindowIsTheWholeMapWithTheStride) {
  for (const auto& [w, stride] :
       std::vector<std::pair<std::vector<Window>, int64_t>>{{SpectralPool2d().windows(), 2},
                                                            {SpectralPool2d({.ratio = 0.3}).windows(), 3},
                                                            {FlcPool2d().windows(), 2},
                                                            {AsapPool2d().windows(), 2}}) {
    ASSERT_EQ(w.size(), 1u);
    EXPECT_TRUE(w[0].whole_map);
    EXPECT_FALSE(w[0].global);
    EXPECT_EQ(w[0].stride, (Size2d{stride, stride}));
  }
}

// `poolnet inspect`: from the first spectral pooling on, every feature's field is the whole map;
// the cumulative stride keeps doubling.
TEST(SpectralPool2dLayer, InspectReportsTheWholeMap) {
  for (const char* strategy : {"spectral_pool", "flc_pool", "asap_pool"}) {
    auto model = build_model(testing::small_spec("lenet", strategy, "gap"), 0);
    const ModelSummary s = summarize(*model);
    EXPECT_FALSE(s.layers[1].field_is_whole_map) << strategy;
    EXPECT_TRUE(s.layers[2].field_is_whole_map) << strategy;
    EXPECT_EQ(s.layers[2].field_h.jump, 2) << strategy;
    EXPECT_GE(s.layers[2].field_h.size, 2 * 28 - 1) << strategy;
    EXPECT_TRUE(s.layers[5].field_is_whole_map) << strategy;
    EXPECT_EQ(s.layers[5].field_h.jump, 4) << strategy;
    EXPECT_NE(summary_table(s).find("whole map"), std::string::npos) << strategy;
    EXPECT_NE(summary_json(s).find("\"receptive_field_is_whole_map\": true"), std::string::npos) << strategy;
  }
}

TEST(SpectralPool2dLayer, RegistryRows) {
  const DownsampleContext c{.channels = 4, .padding_mode = PadMode::kZeros, .seed = 3, .stride = 2};
  EXPECT_EQ(make_downsample(parse_downsample("spectral_pool"), c)->describe(),
            "SpectralPool2d(ratio=0.5, field=whole map)");
  EXPECT_EQ(make_downsample(parse_downsample("spectral_pool:ratio=0.25"), c)->describe(),
            "SpectralPool2d(ratio=0.25, field=whole map)");
  const DownsampleContext three{.channels = 4, .padding_mode = PadMode::kZeros, .seed = 3, .stride = 3};
  EXPECT_EQ(make_downsample(parse_downsample("spectral_pool"), three)->describe(),
            "SpectralPool2d(ratio=0.333333, field=whole map)");
  for (const char* name : {"flc_pool", "asap_pool"}) {
    try {
      make_downsample(parse_downsample(name), three);
      ADD_FAILURE() << name << " accepted stride 3";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("needs a context stride of 2, got 3"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(parse_downsample("spectral_pool:ratio=1.5"), ConfigError);
  EXPECT_THROW(make_downsample(parse_downsample("spectral_pool:ratio=1"), c), ConfigError);
}

}  // namespace
}  // namespace poolnet
