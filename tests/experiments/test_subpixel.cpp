// The subpixel suite (experiments/eval/subpixel.h): the Fourier shift against roll for whole
// pixels and against analytic sinusoids for quarter pixels, shift 0 as the identity, and the
// suite's metrics against a naive per-image recomputation with a direct DFT.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>

#include "experiments/eval/subpixel.h"
#include "framework/autograd.h"
#include "framework/ops/ops.h"
#include "models/model.h"
#include "testing/grad_check.h"

namespace poolnet {
namespace {

constexpr double kPi = std::numbers::pi;

double max_abs_difference(const Tensor& a, const Tensor& b) {
  double worst = 0;
  for (int64_t i = 0; i < a.numel(); ++i) worst = std::max(worst, std::abs(double(a.data()[i]) - double(b.data()[i])));
  return worst;
}

// A sum of low sinusoids sampled at (h - dy, w - dx): the content moved dy down and dx right.
Tensor sinusoids(int64_t H, int64_t W, double dy, double dx) {
  struct Wave {
    double fu, fv, amplitude, phase;
  };
  const Wave waves[] = {{0, 0, 0.5, 0}, {1, 0, 0.3, 0.4}, {0, 2, 0.2, 1.1}, {2, -1, 0.25, -0.7}, {3, 3, 0.1, 2.0}};
  Tensor x = Tensor::empty({1, 1, H, W});
  for (int64_t h = 0; h < H; ++h) {
    for (int64_t w = 0; w < W; ++w) {
      double v = 0;
      for (const Wave& s : waves)
        v += s.amplitude * std::cos(2 * kPi * (s.fu * (h - dy) / H + s.fv * (w - dx) / W) + s.phase);
      x.at({0, 0, h, w}) = static_cast<float>(v);
    }
  }
  return x;
}

// Direct O((HW)^2) Fourier shift of one plane in double, the definition of subpixel.h spelled out.
Tensor naive_fourier_shift(const Tensor& x, double dy, double dx) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const auto freq = [](int64_t k, int64_t n) { return k <= n / 2 ? k : k - n; };
  Tensor y = Tensor::empty(x.shape());
  for (int64_t p = 0; p < N * C; ++p) {
    const float* in = x.data() + p * H * W;
    std::vector<std::complex<double>> X(static_cast<size_t>(H * W));
    for (int64_t u = 0; u < H; ++u) {
      for (int64_t v = 0; v < W; ++v) {
        std::complex<double> s = 0;
        for (int64_t h = 0; h < H; ++h) {
          for (int64_t w = 0; w < W; ++w)
            s += double(in[h * W + w]) * std::polar(1.0, -2 * kPi * (double(u * h) / H + double(v * w) / W));
        }
        X[u * W + v] = s * std::polar(1.0, -2 * kPi * (freq(u, H) * dy / H + freq(v, W) * dx / W));
      }
    }
    for (int64_t h = 0; h < H; ++h) {
      for (int64_t w = 0; w < W; ++w) {
        std::complex<double> s = 0;
        for (int64_t u = 0; u < H; ++u) {
          for (int64_t v = 0; v < W; ++v)
            s += X[u * W + v] * std::polar(1.0, 2 * kPi * (double(u * h) / H + double(v * w) / W));
        }
        y.data()[p * H * W + h * W + w] = static_cast<float>(s.real() / double(H * W));
      }
    }
  }
  return y;
}

TEST(Subpixel, WholePixelShiftsAreRolls) {
  for (const Shape& shape : {Shape{2, 3, 16, 16}, Shape{1, 2, 15, 10}}) {
    const Tensor x = testing::random_tensor(shape, 11, 0.0f, 1.0f);
    EXPECT_LT(max_abs_difference(fourier_shift(x, 1.0, 0.0), roll(x, {1, 0})), 1e-5);
    EXPECT_LT(max_abs_difference(fourier_shift(x, 0.0, 1.0), roll(x, {0, 1})), 1e-5);
    EXPECT_LT(max_abs_difference(fourier_shift(x, -2.0, 3.0), roll(x, {-2, 3})), 1e-5);
  }
}

TEST(Subpixel, ShiftZeroIsTheIdentity) {
  const Tensor x = testing::random_tensor({2, 1, 8, 8}, 3, 0.0f, 1.0f);
  EXPECT_EQ(max_abs_difference(fourier_shift(x, 0.0, 0.0), x), 0.0);
}

TEST(Subpixel, BandLimitedImagesMoveLikeTheirSinusoids) {
  for (const auto& [H, W] : {std::pair<int64_t, int64_t>{16, 16}, {28, 28}, {15, 13}}) {
    for (const auto& [dy, dx] : {std::pair{0.25, 0.0}, {0.0, 0.25}, {0.5, 0.0}, {0.0, 0.75}, {0.25, -0.5}}) {
      EXPECT_LT(max_abs_difference(fourier_shift(sinusoids(H, W, 0, 0), dy, dx), sinusoids(H, W, dy, dx)), 1e-5)
          << H << "x" << W << " shift " << dy << "," << dx;
    }
  }
}

TEST(Subpixel, NyquistCosineTakesTheRealInterpolant) {
  // cos(pi h) on an even axis, moved 1/4 px down: cos(pi (h - 1/4)) = (-1)^h cos(pi/4).
  Tensor x = Tensor::empty({1, 1, 8, 4});
  for (int64_t h = 0; h < 8; ++h) {
    for (int64_t w = 0; w < 4; ++w) x.at({0, 0, h, w}) = h % 2 == 0 ? 1.0f : -1.0f;
  }
  const Tensor y = fourier_shift(x, 0.25, 0.0);
  for (int64_t h = 0; h < 8; ++h) EXPECT_NEAR(y.at({0, 0, h, 1}), std::cos(kPi * (h - 0.25)), 1e-6) << h;
}

TEST(Subpixel, MatchesADirectDft) {
  const Tensor x = testing::random_tensor({1, 2, 6, 5}, 5, 0.0f, 1.0f);
  EXPECT_LT(max_abs_difference(fourier_shift(x, 0.25, 0.0), naive_fourier_shift(x, 0.25, 0.0)), 1e-6);
  EXPECT_LT(max_abs_difference(fourier_shift(x, 0.3, -0.6), naive_fourier_shift(x, 0.3, -0.6)), 1e-6);
}

std::shared_ptr<Model> small_vgg(const std::string& head = "gap") {
  ModelSpec spec;
  spec.family = "vgg";
  spec.downsample = parse_downsample("max_pool");
  spec.head = head;
  spec.width = 0.125;
  spec.input = {1, 12, 12};
  return build_model(spec, 3);
}

// The model's logits times `sharpness`: an untrained model's logits are nearly equal, and
// sharpened they make predictions and probabilities that sub-pixel shifts change.
LogitsFn logits_of(const std::shared_ptr<Model>& model, float sharpness = 1.0f) {
  return [model, sharpness](const Tensor& x) {
    NoGradGuard no_grad;
    model->eval();
    Tensor y = model->forward(x);
    for (int64_t i = 0; i < y.numel(); ++i) y.data()[i] *= sharpness;
    return y;
  };
}

double softmax_at(const Tensor& logits, int64_t n, int64_t c) {
  double sum = 0;
  for (int64_t j = 0; j < logits.size(1); ++j) sum += std::exp(double(logits.at({n, j})) - double(logits.at({n, c})));
  return 1.0 / sum;
}

int64_t arg_max(const Tensor& logits, int64_t n) {
  int64_t best = 0;
  for (int64_t j = 1; j < logits.size(1); ++j) best = logits.at({n, j}) > logits.at({n, best}) ? j : best;
  return best;
}

TEST(Subpixel, ShiftZeroAgreesEverywhere) {
  const auto model = small_vgg();
  const Tensor images = testing::random_tensor({5, 1, 12, 12}, 8, 0.0f, 1.0f);
  const std::vector<int32_t> labels(5, 0);
  ShiftEvalOptions o;
  o.batch = 2;
  const SuiteResult r = subpixel_suite(SuiteInput{logits_of(model), images, labels, o}, {0.0});
  ASSERT_EQ(r.metrics.size(), 2u);
  EXPECT_EQ(r.metrics[0], (std::pair<std::string, double>{"subpixel_consistency", 1.0}));
  EXPECT_EQ(r.metrics[1], (std::pair<std::string, double>{"subpixel_prob_change", 0.0}));
}

// The suite's metrics and curve against their definition, image by image, each shifted copy made
// by the direct DFT; returns subpixel_consistency.
double expect_naive_recomputation(const LogitsFn& logits, const Tensor& images) {
  const int64_t N = images.size(0), plane = images.numel() / N;
  const std::vector<int32_t> labels(static_cast<size_t>(N), 0);
  ShiftEvalOptions o;
  o.batch = 4;
  const SuiteResult r = subpixel_suite(SuiteInput{logits, images, labels, o});

  int64_t agree = 0, pairs = 0;
  double change = 0;
  std::vector<double> agree_at(6, 0.0);  // x then y, shifts in order
  for (int64_t n = 0; n < N; ++n) {
    Tensor one = Tensor::empty({1, images.size(1), images.size(2), images.size(3)});
    std::copy(images.data() + n * plane, images.data() + (n + 1) * plane, one.data());
    const Tensor base = logits(one);
    const int64_t c = arg_max(base, 0);
    for (int axis = 0; axis < 2; ++axis) {
      for (size_t i = 0; i < kSubpixelShifts.size(); ++i) {
        const double d = kSubpixelShifts[i];
        const Tensor y = logits(axis == 0 ? naive_fourier_shift(one, 0, d) : naive_fourier_shift(one, d, 0));
        const bool same = arg_max(y, 0) == c;
        agree += same;
        agree_at[axis * 3 + i] += same ? 1.0 / double(N) : 0.0;
        change += std::abs(softmax_at(y, 0, c) - softmax_at(base, 0, c));
        ++pairs;
      }
    }
  }
  EXPECT_GT(change / double(pairs), 1e-3);  // large against the tolerance below
  EXPECT_EQ(r.metrics.at(0), (std::pair<std::string, double>{"subpixel_consistency", double(agree) / double(pairs)}));
  EXPECT_EQ(r.metrics.at(1).first, "subpixel_prob_change");
  EXPECT_NEAR(r.metrics.at(1).second, change / double(pairs), 1e-5);
  EXPECT_EQ(r.curves.size(), 1u);
  const SuiteCurve& curve = r.curves.at(0);
  EXPECT_EQ(curve.name, "subpixel_curve");
  EXPECT_EQ(curve.value_name, "agreement");
  EXPECT_EQ(curve.points.size(), 6u);
  for (size_t p = 0; p < std::min<size_t>(6, curve.points.size()); ++p) {
    EXPECT_EQ(curve.points[p].series, p < 3 ? "x" : "y");
    EXPECT_EQ(curve.points[p].x, kSubpixelShifts[p % 3]);
    EXPECT_NEAR(curve.points[p].value, agree_at[p], 1e-12);
  }
  return r.metrics.at(0).second;
}

TEST(Subpixel, SuiteIsTheNaivePerImageRecomputation) {
  // A position-dependent head, its logits sharpened: probabilities that sub-pixel shifts move.
  const Tensor images = testing::random_tensor({6, 1, 12, 12}, 21, 0.0f, 1.0f);
  expect_naive_recomputation(logits_of(small_vgg("flatten"), 300.0f), images);
  // A linear classifier on random templates: predictions that sub-pixel shifts change, on some
  // pairs only.
  const Tensor templates = testing::random_tensor({10, 144}, 22);
  const LogitsFn linear = [templates](const Tensor& x) {
    Tensor y = Tensor::zeros({x.size(0), 10});
    for (int64_t n = 0; n < x.size(0); ++n) {
      for (int64_t c = 0; c < 10; ++c) {
        for (int64_t p = 0; p < 144; ++p) y.at({n, c}) += 0.5f * x.data()[n * 144 + p] * templates.at({c, p});
      }
    }
    return y;
  };
  const double consistency =
      expect_naive_recomputation(linear, testing::random_tensor({10, 1, 12, 12}, 23, 0.0f, 1.0f));
  EXPECT_GT(consistency, 0.0);
  EXPECT_LT(consistency, 1.0);
}

}  // namespace
}  // namespace poolnet
