// resnet: every strategy overfits 32 `shapes` samples at depth 8, the block structure (which
// shortcut each strategy gets), and with `aps`, circular padding and a gap head the logits are
// invariant to every circular shift, untrained and after SGD steps.
#include <gtest/gtest.h>

#include "models/resnet.h"
#include "tests/models/aps_invariance.h"
#include "tests/models/models_test_util.h"

namespace poolnet {
namespace {

class ResnetOverfit : public ::testing::TestWithParam<std::string> {};

TEST_P(ResnetOverfit, ThirtyTwoShapes) {
  ModelSpec spec = testing::small_spec("resnet", GetParam(), "gap", {1, 16, 16});
  spec.width = 0.5;
  spec.classes = 8;
  auto model = build_model(spec, 3);
  const float loss = testing::fit(*model, testing::shapes_batch(32, 16), 1e-2, 300, 0.05f);
  EXPECT_LT(loss, 0.05f) << canonical_name(spec);
}

INSTANTIATE_TEST_SUITE_P(Strategies, ResnetOverfit, ::testing::ValuesIn(all_strategy_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

std::vector<std::string> child_names(const Module& m) {
  std::vector<std::string> out;
  for (const auto& [name, child] : m.children()) out.push_back(name);
  return out;
}

TEST(Resnet, ShortcutPerStrategy) {
  using Names = std::vector<std::string>;
  const Names plain{"conv1", "bn1", "conv2", "bn2"};
  const Names with_down{"conv1", "bn1", "down", "conv2", "bn2", "shortcut_down", "shortcut_conv", "shortcut_bn"};
  const Names shared_down{"conv1", "bn1", "down", "conv2", "bn2", "shortcut_conv", "shortcut_bn"};
  for (const std::string& strategy : all_strategy_names()) {
    auto model = build_model(testing::small_spec("resnet", strategy, "gap", {3, 32, 32}), 0);
    ASSERT_EQ(model->features().size(), 6u) << strategy;  // conv, bn, relu, 3 blocks
    EXPECT_EQ(child_names(model->features()[3]), plain) << strategy;
    const bool follows = strategy == "aps" || strategy == "aps_blur" || strategy == "lps";
    const bool shared = follows || strategy == "strided_conv";
    EXPECT_EQ(child_names(model->features()[4]), shared ? shared_down : with_down) << strategy;
    const auto& block = dynamic_cast<const BasicBlock&>(model->features()[5]);
    EXPECT_EQ(block.phase_choice() != nullptr, follows) << strategy;
  }
}

TEST(Resnet, DepthSetsBlocksPerStage) {
  for (int64_t depth : {8, 14, 20}) {
    ModelSpec spec = testing::small_spec("resnet", "max_pool", "gap", {3, 32, 32});
    spec.depth = depth;
    auto model = build_model(spec, 0);
    EXPECT_EQ(model->features().size(), static_cast<size_t>(3 + 3 * (depth - 2) / 6)) << depth;
  }
}

class ResnetInvariance : public ::testing::TestWithParam<std::string> {};

TEST_P(ResnetInvariance, ApsCircularGapIsShiftInvariant) {
  testing::expect_circular_gap_invariance("resnet", GetParam());
}

INSTANTIATE_TEST_SUITE_P(Aps, ResnetInvariance, ::testing::Values("aps", "aps_blur:filter=3", "lps"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return testing::sanitized(info.param);
                         });

TEST(Resnet, MaxPoolIsNotShiftInvariant) {  // the contrast: the same test can fail
  ModelSpec spec = testing::small_spec("resnet", "max_pool", "gap", {1, 16, 16});
  spec.padding_mode = PadMode::kCircular;
  auto model = build_model(spec, 4);
  EXPECT_GT(testing::every_shift(*model, testing::random_tensor({1, 1, 16, 16}, 9), 4).worst, 1e-3);
}

}  // namespace
}  // namespace poolnet
