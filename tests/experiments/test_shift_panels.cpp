// Layer panels (experiments/eval/shift_panels.h): the layers shown, the maps are the traced
// outputs of the shifted image, and the error follows its definition; a circularly padded
// convolution is exactly equivariant and a 2x2 max pool is at even shifts.
#include <gtest/gtest.h>

#include <cmath>

#include "experiments/eval/run_result.h"
#include "experiments/eval/shift_panels.h"
#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "models/model.h"

namespace poolnet {
namespace {

std::shared_ptr<Model> circular_lenet(const std::string& downsample) {
  ModelSpec spec;
  spec.family = "lenet";
  spec.downsample = parse_downsample(downsample);
  spec.head = "gap";
  spec.input = {1, 16, 16};
  spec.padding_mode = PadMode::kCircular;
  return build_model(spec, 3);
}

TraceFn model_trace(const std::shared_ptr<Model>& model) {
  return [model](const Tensor& x) {
    NoGradGuard no_grad;
    model->eval();
    std::vector<FeatureMap> maps;
    for (const auto& l : model->trace(x)) maps.push_back({l.name, "", l.value, l.stride});
    return maps;
  };
}

Tensor image() { return Tensor::uniform({1, 1, 16, 16}, 0.0f, 1.0f, 11); }

TEST(ShiftPanels, ShowsTheFirstSpatialLayerAndEveryDownsamplingLayer) {
  const auto model = circular_lenet("max_pool");
  const ShiftPanels p = shift_panels(model_trace(model), image(), 3, ShiftMode::kCircular, 2);
  ASSERT_EQ(p.layers.size(), 3u);
  EXPECT_EQ(p.layers[0].stride, 1);
  EXPECT_EQ(p.layers[1].stride, 2);
  EXPECT_EQ(p.layers[2].stride, 4);
  EXPECT_EQ(p.input.size(), 4u);
  EXPECT_EQ(p.predicted.size(), 4u);
  for (const auto& l : p.layers) {
    EXPECT_EQ(l.channels, 2);
    ASSERT_EQ(l.maps.size(), 4u);
    ASSERT_EQ(l.error.size(), 4u);
    EXPECT_EQ(l.error[0], 0.0);
  }
}

TEST(ShiftPanels, MapsAreTheTracedOutputsOfTheShiftedImage) {
  const auto model = circular_lenet("max_pool");
  const ShiftPanels p = shift_panels(model_trace(model), image(), 2, ShiftMode::kZeros, 3);
  for (int64_t d = 0; d <= 2; ++d) {
    const auto maps = model_trace(model)(shift_images(image(), 0, d, ShiftMode::kZeros, 2));
    for (const auto& l : p.layers) {
      const FeatureMap* f = nullptr;
      for (const auto& m : maps) f = m.name == l.layer ? &m : f;
      ASSERT_NE(f, nullptr);
      const int64_t n = l.channels * l.height * l.width;
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(l.maps[static_cast<size_t>(d)][static_cast<size_t>(i)], f->value.data()[i]);
    }
  }
}

TEST(ShiftPanels, ErrorFollowsItsDefinition) {
  const auto model = circular_lenet("avg_pool");
  const ShiftPanels p = shift_panels(model_trace(model), image(), 3, ShiftMode::kCircular, 1);
  const auto base = model_trace(model)(image());
  for (const auto& l : p.layers) {
    const FeatureMap* f0 = nullptr;
    for (const auto& m : base) f0 = m.name == l.layer ? &m : f0;
    for (int64_t d = 1; d <= 3; ++d) {
      const auto moved = model_trace(model)(roll(image(), {0, d}));
      const FeatureMap* fd = nullptr;
      for (const auto& m : moved) fd = m.name == l.layer ? &m : fd;
      double best = INFINITY;
      for (int64_t u = d / l.stride; u <= (d + l.stride - 1) / l.stride; ++u) {
        const Tensor ref = roll(f0->value, {0, u});
        double diff = 0, norm = 0;
        for (int64_t i = 0; i < ref.numel(); ++i) {
          diff += std::pow(static_cast<double>(fd->value.data()[i]) - ref.data()[i], 2);
          norm += std::pow(static_cast<double>(ref.data()[i]), 2);
        }
        best = std::min(best, std::sqrt(diff / norm));
      }
      EXPECT_NEAR(l.error[static_cast<size_t>(d)], best, 1e-12) << l.layer << " d=" << d;
    }
  }
}

TEST(ShiftPanels, CircularConvolutionIsEquivariantAndMaxPoolAtEvenShifts) {
  const auto model = circular_lenet("max_pool");
  const ShiftPanels p = shift_panels(model_trace(model), image(), 4, ShiftMode::kCircular, 1);
  for (double e : p.layers[0].error) EXPECT_LT(e, 1e-6);
  EXPECT_LT(p.layers[1].error[2], 1e-6);
  EXPECT_LT(p.layers[1].error[4], 1e-6);
  EXPECT_GT(p.layers[1].error[1], 1e-3);  // odd shifts move the pooling grid
}

TEST(ShiftPanels, RejectsABatchAndBadArguments) {
  const auto model = circular_lenet("max_pool");
  EXPECT_THROW(shift_panels(model_trace(model), Tensor::zeros({2, 1, 16, 16}), 2, ShiftMode::kCircular, 1), ShapeError);
  EXPECT_THROW(shift_panels(model_trace(model), image(), -1, ShiftMode::kCircular, 1), ConfigError);
  EXPECT_THROW(shift_panels(model_trace(model), image(), 2, ShiftMode::kCircular, 0), ConfigError);
}

}  // namespace
}  // namespace poolnet

namespace poolnet {
namespace {

TEST(ShiftPanels, SurviveTheRunResultJsonAndOlderResultsHaveNone) {
  const auto model = circular_lenet("max_pool");
  RunResult run;
  run.panels = shift_panels(model_trace(model), image(), 2, ShiftMode::kCircular, 2);
  const RunResult back = run_result_from_json(to_json(run), "test");
  ASSERT_EQ(back.panels.layers.size(), run.panels.layers.size());
  EXPECT_EQ(back.panels.input, run.panels.input);
  EXPECT_EQ(back.panels.predicted, run.panels.predicted);
  for (size_t k = 0; k < run.panels.layers.size(); ++k) {
    EXPECT_EQ(back.panels.layers[k].maps, run.panels.layers[k].maps);
    EXPECT_EQ(back.panels.layers[k].error, run.panels.layers[k].error);
    EXPECT_EQ(back.panels.layers[k].layer, run.panels.layers[k].layer);
  }
  std::string text = to_json(RunResult{});
  const size_t at = text.find("\"panels\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 8, "\"ignored\"");
  EXPECT_TRUE(run_result_from_json(text, "old").panels.layers.empty());
}

}  // namespace
}  // namespace poolnet
