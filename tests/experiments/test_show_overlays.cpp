// The overlays and spectra of `poolnet show` (experiments/eval/show_overlays.h) against
// independent computations: a gap model's CAM averages to its logit, attention maps are
// distributions over positions, the bilinear resize matches PyTorch's align_corners=False, a
// constant image's spectrum is one DC peak and a cosine's two, the aliased share is the energy
// outside the Nyquist box of the centred spectrum, an ERF is zero outside the theoretical field,
// and a flatten head has no map.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "experiments/eval/show_overlays.h"
#include "experiments/study/overlay_figures.h"
#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "layers/linear.h"
#include "models/model.h"

namespace poolnet {
namespace {

std::shared_ptr<Model> small_model(const std::string& family, const std::string& head,
                                   const std::string& downsample = "max_pool") {
  ModelSpec spec;
  spec.family = family;
  spec.downsample = parse_downsample(downsample);
  spec.head = head;
  spec.width = 0.25;
  spec.input = {1, 16, 16};
  return build_model(spec, 5);
}

// Three images: one, then it moved right by 1 and 2 pixels (circularly).
Tensor moved_images() {
  const Tensor x = Tensor::uniform({1, 1, 16, 16}, -1.0f, 1.0f, 21);
  return concat({x, roll(x, {0, 1}), roll(x, {0, 2})}, 0);
}

TEST(ShowOverlays, GapCamAveragesToTheLogitOfThePredictedClass) {
  const auto model = small_model("vgg", "gap");
  const Tensor x = moved_images();
  const CamOverlay cam = cam_overlay(*model, x);
  EXPECT_EQ(cam.kind, "cam");
  NoGradGuard no_grad;
  const Tensor logits = model->forward(x);
  const auto& linear = dynamic_cast<const Linear&>(model->classifier()[1]);
  const int64_t K = logits.size(1);
  for (int64_t d = 0; d < 3; ++d) {
    const float* row = logits.data() + d * K;
    EXPECT_EQ(cam.predicted[static_cast<size_t>(d)], std::max_element(row, row + K) - row);
    // logit_k = mean over positions of CAM_k + bias_k (gap then one linear layer).
    double mean = 0;
    for (float v : cam.maps[static_cast<size_t>(d)]) mean += v;
    mean /= static_cast<double>(cam.maps[static_cast<size_t>(d)].size());
    EXPECT_NEAR(mean + linear.bias().data()[cam.target], row[cam.target], 1e-5);
  }
  EXPECT_EQ(cam.target, cam.predicted[0]);
  EXPECT_EQ(cam.stride, 4);
  EXPECT_EQ(cam.map_height, 4);
  ASSERT_EQ(cam.upsampled[0].size(), 256u);
}

TEST(ShowOverlays, GapCamIsTheWeightedSumOfTheLastFeatureMap) {
  const auto model = small_model("vgg", "gap");
  const Tensor x = moved_images();
  const CamOverlay cam = cam_overlay(*model, x);
  NoGradGuard no_grad;
  const Tensor f = model->features().forward(x);
  const Tensor& w = dynamic_cast<const Linear&>(model->classifier()[1]).weight();
  const int64_t C = f.size(1), P = f.size(2) * f.size(3);
  for (int64_t d = 0; d < 3; ++d) {
    for (int64_t p = 0; p < P; ++p) {
      double sum = 0;
      for (int64_t c = 0; c < C; ++c) sum += w.data()[cam.target * C + c] * f.data()[(d * C + c) * P + p];
      EXPECT_NEAR(cam.maps[static_cast<size_t>(d)][static_cast<size_t>(p)], sum, 1e-5);
    }
  }
}

TEST(ShowOverlays, AttentionMapsAreDistributionsOverPositions) {
  const auto model = small_model("vgg", "simpool");
  const CamOverlay cam = cam_overlay(*model, moved_images());
  EXPECT_EQ(cam.kind, "attention");
  for (const auto& m : cam.maps) {
    double sum = 0;
    for (float v : m) {
      EXPECT_GE(v, 0.0f);
      sum += v;
    }
    EXPECT_NEAR(sum, 1.0, 1e-5);
  }
}

TEST(ShowOverlays, FlattenHeadHasNoMap) {
  const auto model = small_model("vgg", "flatten");
  EXPECT_NE(cam_unavailable(*model).find("flatten"), std::string::npos);
  try {
    cam_overlay(*model, moved_images());
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("flatten head"), std::string::npos) << e.what();
  }
  EXPECT_EQ(cam_unavailable(*small_model("vgg", "gap")), "");
}

TEST(ShowOverlays, BilinearResizeMatchesHalfPixelCentres) {
  const std::vector<float> map{0, 1, 2, 3};
  // torch.nn.functional.interpolate(..., size=4, mode='bilinear', align_corners=False)
  const std::vector<float> expected{0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3};
  const std::vector<float> out = upsample_bilinear(map.data(), 2, 2, 4, 4);
  ASSERT_EQ(out.size(), expected.size());
  for (size_t k = 0; k < out.size(); ++k) EXPECT_FLOAT_EQ(out[k], expected[k]) << k;
  EXPECT_EQ(upsample_bilinear(map.data(), 2, 2, 2, 2), map);
}

TEST(ShowOverlays, ConstantImageSpectrumIsOneDcPeak) {
  const Tensor x = Tensor::full({1, 2, 8, 12}, 0.5f);
  const PowerSpectrum s = centred_power_spectrum(x);
  ASSERT_EQ(s.height, 8);
  ASSERT_EQ(s.width, 12);
  const double dc = std::pow(0.5 * 8 * 12, 2);  // |sum of the plane|^2, the same for both channels
  for (int64_t p = 0; p < 8; ++p) {
    for (int64_t q = 0; q < 12; ++q) {
      const double v = s.power[static_cast<size_t>(p * 12 + q)];
      if (p == 4 && q == 6) {
        EXPECT_NEAR(v, dc, 1e-6 * dc);
      } else {
        EXPECT_LT(v, 1e-9 * dc) << p << "," << q;
      }
    }
  }
}

TEST(ShowOverlays, CosineSpectrumPeaksAtItsSignedFrequencies) {
  std::vector<float> values;
  for (int64_t h = 0; h < 16; ++h) {
    for (int64_t w = 0; w < 16; ++w)
      values.push_back(static_cast<float>(std::cos(2 * std::numbers::pi * 3 * w / 16.0)));
  }
  const PowerSpectrum s = centred_power_spectrum(Tensor::from_vector({1, 1, 16, 16}, values));
  const double peak = std::pow(16 * 16 / 2.0, 2);
  for (int64_t p = 0; p < 16; ++p) {
    for (int64_t q = 0; q < 16; ++q) {
      const double v = s.power[static_cast<size_t>(p * 16 + q)];
      const bool at_peak = p == 8 && (q == 8 - 3 || q == 8 + 3);
      EXPECT_NEAR(v, at_peak ? peak : 0.0, 1e-4 * peak) << p << "," << q;
    }
  }
}

TEST(ShowOverlays, AliasedShareIsTheEnergyOutsideTheNyquistBox) {
  const auto model = small_model("lenet", "gap");
  const Tensor x = narrow(moved_images(), 0, 0, 1);
  const std::vector<LayerSpectra> layers = layer_spectra(*model, x);
  ASSERT_EQ(layers.size(), 2u);
  NoGradGuard no_grad;
  const auto trace = model->trace(x);
  for (const LayerSpectra& l : layers) {
    EXPECT_EQ(l.stride.h, 2);
    EXPECT_EQ(l.output.height * 2, l.input.height);
    const PowerSpectrum& in = l.input;
    double total = 0, outside = 0;
    for (int64_t p = 0; p < in.height; ++p) {
      for (int64_t q = 0; q < in.width; ++q) {
        const double v = in.power[static_cast<size_t>(p * in.width + q)];
        // Signed frequency in cycles per pixel; aliased above 1 / (2 s).
        const bool aliased = std::fabs(static_cast<double>(p - in.height / 2) / in.height) > 0.25 ||
                             std::fabs(static_cast<double>(q - in.width / 2) / in.width) > 0.25;
        total += v;
        outside += aliased ? v : 0.0;
      }
    }
    EXPECT_NEAR(l.aliased_share, outside / total, 1e-6);
    EXPECT_GT(l.aliased_share, 0.0);
  }
  // The first layer's output spectrum is that of the traced output.
  for (const auto& t : trace) {
    if (t.name != layers[0].name) continue;
    const PowerSpectrum out = centred_power_spectrum(t.value);
    EXPECT_EQ(out.power, layers[0].output.power);
  }
}

TEST(ShowOverlays, ErfIsZeroOutsideTheTheoreticalField) {
  const auto model = small_model("lenet", "gap");
  const std::vector<ErfLayer> layers = erf_overlay_layers(*model, narrow(moved_images(), 0, 0, 1));
  ASSERT_GE(layers.size(), 2u);
  for (size_t k = 1; k + 1 < layers.size(); ++k) EXPECT_GT(layers[k].stride, layers[k - 1].stride);
  int64_t outside = 0;  // pixels outside a field: the check below is not empty
  for (const ErfLayer& l : layers) {
    double inside = 0;
    for (int64_t h = 0; h < l.map.height; ++h) {
      for (int64_t w = 0; w < l.map.width; ++w) {
        const double v = l.map.values[static_cast<size_t>(h * l.map.width + w)];
        const double d = std::max(std::fabs(h - l.centre_h), std::fabs(w - l.centre_w));
        if (d > l.field_radius) {
          EXPECT_EQ(v, 0.0) << l.name << " at " << h << "," << w;
          ++outside;
        } else {
          inside += v;
        }
      }
    }
    EXPECT_GT(inside, 0.0) << l.name;
    EXPECT_LE(l.r90, l.field_radius) << l.name;
  }
  EXPECT_GT(outside, 100);
}

TEST(ShowOverlays, GreyImagesAverageTheChannels) {
  const report::GreyImages g = report::grey_images({{0.2f, 0.4f, 0.6f, 0.8f, 1.0f, 0.0f}}, 3, 1, 2);
  ASSERT_EQ(g.images.size(), 1u);
  EXPECT_FLOAT_EQ(g.images[0][0], (0.2f + 0.6f + 1.0f) / 3);
  EXPECT_FLOAT_EQ(g.images[0][1], (0.4f + 0.8f + 0.0f) / 3);
  EXPECT_THROW(report::grey_images({{0.1f}}, 3, 1, 2), ShapeError);
}

}  // namespace
}  // namespace poolnet
