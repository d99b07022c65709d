// The aliasing suite (experiments/eval/aliasing.h): which DFT bins count as aliased (the boundary
// bin included), band-limited inputs give 0 and checkerboards 1 (or 1/2 with their mean), a small
// input against a direct DFT, the layers the suite measures, and the suite against its definition.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>

#include "experiments/eval/aliasing.h"
#include "framework/autograd.h"
#include "models/model.h"
#include "testing/grad_check.h"

namespace poolnet {
namespace {

constexpr double kPi = std::numbers::pi;

// Planes of cos(2 pi (fu h / H + fv w / W)) + offset.
Tensor wave(int64_t H, int64_t W, int64_t fu, int64_t fv, double offset = 0.0) {
  Tensor x = Tensor::empty({1, 1, H, W});
  for (int64_t h = 0; h < H; ++h) {
    for (int64_t w = 0; w < W; ++w)
      x.at({0, 0, h, w}) = static_cast<float>(std::cos(2 * kPi * (double(fu * h) / H + double(fv * w) / W)) + offset);
  }
  return x;
}

// Direct DFT of every plane in double; a bin aliases when its |signed frequency| exceeds size / (2 s).
double naive_share(const Tensor& x, Size2d s) {
  const int64_t H = x.size(2), W = x.size(3);
  double aliased = 0, total = 0;
  for (int64_t p = 0; p < x.size(0) * x.size(1); ++p) {
    for (int64_t u = 0; u < H; ++u) {
      for (int64_t v = 0; v < W; ++v) {
        std::complex<double> z = 0;
        for (int64_t h = 0; h < H; ++h) {
          for (int64_t w = 0; w < W; ++w)
            z += double(x.data()[p * H * W + h * W + w]) *
                 std::polar(1.0, -2 * kPi * (double(u * h) / H + double(v * w) / W));
        }
        const double fu = double(std::min(u, H - u)), fv = double(std::min(v, W - v));
        total += std::norm(z);
        if (fu > double(H) / double(2 * s.h) || fv > double(W) / double(2 * s.w)) aliased += std::norm(z);
      }
    }
  }
  return aliased / total;
}

TEST(Aliasing, BinsAboveTheStridesNyquist) {
  // n = 8, s = 2: |u| = 0, 1, 2 kept (2 = 8/4 is the boundary), 3, 4 aliased.
  const std::vector<bool> want8{false, false, false, true, true, true, false, false};
  for (int64_t k = 0; k < 8; ++k) EXPECT_EQ(above_nyquist(k, 8, 2), want8[static_cast<size_t>(k)]) << k;
  // n = 7, s = 2: 7/4 = 1.75, so |u| = 2, 3 aliased; s = 1 never aliases.
  const std::vector<bool> want7{false, false, true, true, true, true, false};
  for (int64_t k = 0; k < 7; ++k) {
    EXPECT_EQ(above_nyquist(k, 7, 2), want7[static_cast<size_t>(k)]) << k;
    EXPECT_FALSE(above_nyquist(k, 7, 1));
  }
  EXPECT_LT(aliased_share(spectral_energy(wave(8, 8, 2, 0), {2, 2})), 1e-12);  // the boundary bin
  EXPECT_NEAR(aliased_share(spectral_energy(wave(8, 8, 3, 0), {2, 2})), 1.0, 1e-6);
}

TEST(Aliasing, BandLimitedInputsDoNotAlias) {
  Tensor x = Tensor::zeros({2, 3, 16, 12});
  for (int64_t i = 0; i < x.numel() / (16 * 12); ++i) {
    const Tensor a = wave(16, 12, i % 3, 1 + i % 2, 0.1 * double(i)), b = wave(16, 12, -2, 3);
    for (int64_t j = 0; j < 16 * 12; ++j) x.data()[i * 16 * 12 + j] = a.data()[j] + 0.5f * b.data()[j];
  }
  EXPECT_LT(aliased_share(spectral_energy(x, {2, 2})), 1e-6);
  EXPECT_GT(aliased_share(spectral_energy(x, {4, 4})), 0.1);  // |v| = 3 > 12/8
}

TEST(Aliasing, CheckerboardsAliasEntirely) {
  Tensor signs = Tensor::empty({1, 2, 6, 8}), bits = Tensor::empty({1, 2, 6, 8});
  for (int64_t i = 0; i < signs.numel(); ++i) {
    const int64_t h = (i / 8) % 6, w = i % 8;
    signs.data()[i] = (h + w) % 2 == 0 ? 1.0f : -1.0f;
    bits.data()[i] = (h + w) % 2 == 0 ? 1.0f : 0.0f;
  }
  EXPECT_NEAR(aliased_share(spectral_energy(signs, {2, 2})), 1.0, 1e-6);
  // 0/1: half the energy is the mean (DC, counted in the total, never aliased).
  EXPECT_NEAR(aliased_share(spectral_energy(bits, {2, 2})), 0.5, 1e-6);
  EXPECT_EQ(aliased_share(spectral_energy(Tensor::zeros({1, 1, 4, 4}), {2, 2})), 0.0);
}

TEST(Aliasing, MatchesADirectDft) {
  const Tensor x = testing::random_tensor({2, 2, 6, 5}, 17, -1.0f, 1.0f);
  for (const Size2d s : {Size2d{2, 2}, Size2d{3, 1}, Size2d{1, 2}}) {
    const double want = naive_share(x, s);
    EXPECT_NEAR(aliased_share(spectral_energy(x, s)), want, 1e-6 * want) << s.h << "x" << s.w;
  }
  // By hand: a 4x4 impulse has |X|^2 = 1 in all 16 bins; stride 2 aliases the row u = 2 and the
  // column v = 2 (|frequency| 2 > 4/4): 7 bins.
  Tensor impulse = Tensor::zeros({1, 1, 4, 4});
  impulse.at({0, 0, 0, 0}) = 1.0f;
  EXPECT_NEAR(aliased_share(spectral_energy(impulse, {2, 2})), 7.0 / 16.0, 1e-7);
  EXPECT_NEAR(naive_share(impulse, {2, 2}), 7.0 / 16.0, 1e-12);
  EXPECT_NEAR(aliased_share(spectral_energy(impulse, {1, 2})), 4.0 / 16.0, 1e-7);
}

std::shared_ptr<Model> small_vgg(const std::string& downsample) {
  ModelSpec spec;
  spec.family = "vgg";
  spec.downsample = parse_downsample(downsample);
  spec.head = "gap";
  spec.width = 0.125;
  spec.input = {1, 16, 16};
  return build_model(spec, 5);
}

TEST(Aliasing, FindsTheDownsamplingLayers) {
  const auto model = small_vgg("max_pool");
  std::vector<std::string> pools;
  for (const auto& [name, child] : model->features().children()) {
    if (child->describe().rfind("MaxPool2d", 0) == 0) pools.push_back("features." + name);
  }
  const auto layers = downsampling_layers(*model);
  ASSERT_EQ(layers.size(), pools.size());
  ASSERT_GE(pools.size(), 2u);
  for (size_t i = 0; i < layers.size(); ++i) {
    EXPECT_EQ(layers[i].name, pools[i]);
    EXPECT_EQ(layers[i].stride, (Size2d{2, 2}));
    EXPECT_EQ(model->trace(Tensor::zeros({1, 1, 16, 16})).at(layers[i].trace_index).name, pools[i]);
  }
  EXPECT_TRUE(downsampling_layers(*small_vgg("none")).empty());
  const auto tall = downsampling_layers(*small_vgg("blur_pool:stride=2x1"));
  ASSERT_FALSE(tall.empty());
  for (const auto& l : tall) EXPECT_EQ(l.stride, (Size2d{2, 1}));
}

TEST(Aliasing, LayersAreWhereTheTracedStrideGrows) {
  for (const std::string family : {"lenet", "vgg", "allconv", "resnet"}) {
    for (const std::string downsample : {"max_pool", "strided_conv"}) {
      ModelSpec spec;
      spec.family = family;
      spec.downsample = parse_downsample(downsample);
      spec.head = "gap";
      spec.width = 0.25;
      spec.input = {1, 16, 16};
      const auto model = build_model(spec, 1);
      NoGradGuard no_grad;
      model->eval();
      const auto trace = model->trace(Tensor::zeros({1, 1, 16, 16}));
      std::vector<std::pair<std::string, int64_t>> want, got;
      int64_t previous = 1;
      for (const auto& out : trace) {
        if (out.stride > previous && previous > 0) want.emplace_back(out.name, out.stride / previous);
        previous = out.stride;
      }
      for (const auto& l : downsampling_layers(*model)) {
        EXPECT_EQ(l.stride.h, l.stride.w);
        got.emplace_back(l.name, l.stride.w);
      }
      EXPECT_EQ(got, want) << family << " " << downsample;
      EXPECT_GE(got.size(), 2u) << family << " " << downsample;
    }
  }
}

TEST(Aliasing, SuiteMeasuresEachLayersInput) {
  const auto model = small_vgg("avg_pool");
  const Tensor images = testing::random_tensor({5, 1, 16, 16}, 4, 0.0f, 1.0f);
  const std::vector<int32_t> labels(5, 0);
  const data::DatasetInfo info{
      .name = "test", .num_classes = 10, .channels = 1, .height = 16, .width = 16, .mean = {0.25f}, .stddev = {0.5f}};
  ShiftEvalOptions o;
  o.batch = 2;
  const LogitsFn unused = [](const Tensor& x) { return x; };
  const SuiteResult r = aliasing_suite(SuiteInput{unused, images, labels, o, model.get(), &info});

  // The definition: all images at once, inputs taken from the trace of the normalised images.
  model->eval();
  NoGradGuard no_grad;
  Tensor x = Tensor::empty(images.shape());
  for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] = (images.data()[i] - 0.25f) / 0.5f;
  const auto trace = model->trace(x);
  const auto layers = downsampling_layers(*model);
  ASSERT_EQ(r.curves.size(), 1u);
  ASSERT_EQ(r.curves[0].points.size(), layers.size());
  double sum = 0;
  for (size_t l = 0; l < layers.size(); ++l) {
    const Tensor& input = trace.at(layers[l].trace_index - 1).value;
    const double want = naive_share(input, layers[l].stride);
    EXPECT_EQ(r.curves[0].points[l].series, layers[l].name);
    EXPECT_EQ(r.curves[0].points[l].x, double(l + 1));
    EXPECT_NEAR(r.curves[0].points[l].value, want, 1e-5);
    EXPECT_GT(want, 0.0);
    sum += r.curves[0].points[l].value;
  }
  EXPECT_EQ(r.curves[0].value_name, "aliased_energy");
  ASSERT_EQ(r.metrics.size(), 1u);
  EXPECT_EQ(r.metrics[0].first, "aliasing_mean");
  EXPECT_DOUBLE_EQ(r.metrics[0].second, sum / double(layers.size()));
}

}  // namespace
}  // namespace poolnet
