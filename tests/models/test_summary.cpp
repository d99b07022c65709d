// Receptive fields and strides of summarize(): hand-computed values for lenet and vgg, and for
// every strategy a brute-force measurement on a small input: the input pixels whose change
// changes one output position of each feature layer. With positive weights and inputs every
// activation is positive (ReLU passes everything) and every pixel of a window matters; a strong
// positive perturbation also wins every max. The arithmetic field (clipped to the image: zero
// padding) must equal the measured set for the deterministic strategies. For APS the phase is
// chosen per input, so there the measurement is linearised (the input gradient, which follows
// the chosen phases) and the stated field is a bound that must contain it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "framework/autograd.h"
#include "models/summary.h"
#include "tests/models/models_test_util.h"

namespace poolnet {
namespace {

struct Field {
  int64_t size, jump;
  double centre;
};

void expect_fields(const ModelSummary& s, const std::vector<std::pair<std::string, Field>>& expected) {
  for (const auto& [name, f] : expected) {
    const auto l =
        std::find_if(s.layers.begin(), s.layers.end(), [&](const LayerSummary& row) { return row.name == name; });
    ASSERT_NE(l, s.layers.end()) << name;
    EXPECT_EQ(l->field_h.size, f.size) << name;
    EXPECT_EQ(l->field_w.size, f.size) << name;
    EXPECT_EQ(l->field_h.jump, f.jump) << name;
    EXPECT_EQ(l->field_h.centre, f.centre) << name;
    EXPECT_EQ(l->field_w.centre, f.centre) << name;
    EXPECT_FALSE(l->field_is_bound) << name;
  }
}

TEST(Summary, LenetFieldsByHand) {
  auto model = build_model(testing::small_spec("lenet", "max_pool", "flatten"), 0);
  const ModelSummary s = summarize(*model);
  // conv5 pad 2: 5; pool 2/2: 6, jump 2, centre 0.5; conv5 unpadded: 6 + 4*2 = 14, centre 0.5 + 2*2;
  // pool: 14 + 2 = 16, jump 4, centre 4.5 + 0.5*2; flatten: the whole image.
  expect_fields(s, {{"features.0", {5, 1, 0.0}},
                    {"features.1", {5, 1, 0.0}},
                    {"features.2", {6, 2, 0.5}},
                    {"features.3", {14, 2, 4.5}},
                    {"features.4", {14, 2, 4.5}},
                    {"features.5", {16, 4, 5.5}},
                    {"classifier.0", {28, 0, 13.5}}});
  EXPECT_EQ(s.layers[5].output, (Shape{16, 5, 5}));
  EXPECT_EQ(s.total_params, model->parameter_count());
  EXPECT_EQ(s.layers[0].params, 6 * 25 + 6);
  EXPECT_EQ(s.layers[0].macs, 28 * 28 * 6 * 25);
  EXPECT_EQ(s.layers[3].macs, 10 * 10 * 16 * 6 * 25);
}

TEST(Summary, VggFieldsByHand) {
  auto model = build_model(testing::small_spec("vgg", "blur_pool", "gap", {3, 32, 32}), 0);
  const ModelSummary s = summarize(*model);
  // conv3 pad 1 (x2): 3, 5; blur 3 pad 1 stride 2: 7, jump 2; conv3 (x2) at jump 2: 11, 15;
  // blur: 19, jump 4; conv3: 27.
  expect_fields(s, {{"features.0", {3, 1, 0.0}},
                    {"features.2", {5, 1, 0.0}},
                    {"features.4", {7, 2, 0.0}},
                    {"features.5", {11, 2, 0.0}},
                    {"features.7", {15, 2, 0.0}},
                    {"features.9", {19, 4, 0.0}},
                    {"features.10", {27, 4, 0.0}}});
}

TEST(Summary, ApsFieldIsMarkedAsABound) {
  auto model = build_model(testing::small_spec("lenet", "aps", "gap"), 0);
  const ModelSummary s = summarize(*model);
  EXPECT_FALSE(s.layers[1].field_is_bound);
  EXPECT_TRUE(s.layers[2].field_is_bound);
  EXPECT_EQ(s.layers[2].field_h.size, 6);
  EXPECT_NE(summary_table(s).find("≤"), std::string::npos);
  EXPECT_NE(summary_json(s).find("\"receptive_field_is_bound\": true"), std::string::npos);
}

// Every parameter made positive (|w| + 0.05): all activations of a positive input stay positive.
void make_weights_positive(Model& model) {
  for (const Tensor& p : model.parameters()) {
    float* d = p.data();
    for (int64_t i = 0; i < p.numel(); ++i) d[i] = std::fabs(d[i]) + 0.05f;
  }
}

constexpr int64_t kSize = 16;

// The feature layers' outputs, channel 0 only: one [OH, OW] plane per layer.
std::vector<Tensor> feature_planes(Model& model, const Tensor& x) {
  std::vector<Tensor> out;
  Tensor h = x;
  for (const auto& [name, child] : model.features().children()) {
    h = child->forward(h);
    out.push_back(h);
  }
  return out;
}

// The arithmetic field of output (oh, ow), clipped to the image, as [first, last] per axis.
struct Rect {
  int64_t h0, h1, w0, w1;
};
Rect arithmetic(const LayerSummary& l, int64_t oh, int64_t ow) {
  const auto span = [](const FieldAxis& f, int64_t o) {
    const double first = f.centre + static_cast<double>(o * f.jump) - static_cast<double>(f.size - 1) / 2.0;
    const auto lo = static_cast<int64_t>(std::llround(first));
    return std::pair{std::max<int64_t>(lo, 0), std::min<int64_t>(lo + f.size - 1, kSize - 1)};
  };
  const auto [h0, h1] = span(l.field_h, oh);
  const auto [w0, w1] = span(l.field_w, ow);
  return {h0, h1, w0, w1};
}

class FieldMeasurement : public ::testing::TestWithParam<std::string> {};

TEST_P(FieldMeasurement, ArithmeticFieldMatchesPerturbations) {
  const bool adaptive = GetParam() == "aps" || GetParam() == "aps_blur" || GetParam() == "lps" ||
                        GetParam() == "tips";
  auto model = build_model(testing::small_spec("lenet", GetParam(), "gap", {1, kSize, kSize}), 0);
  make_weights_positive(*model);
  model->eval();
  const ModelSummary s = summarize(*model);
  if (GetParam() == "tips") {
    // Its mixing weights are a softmax of averages over the whole map (tips.py's
    // AdaptiveAvgPool2d((s, s))), so every input pixel reaches every output: no local field
    // holds the dependence; the window (s x s, stride s) bounds the mixture alone.
    for (size_t l = 0; l < s.layers.size() && l < 6; ++l) {  // the features
      const int64_t downsamplers = l >= 5 ? 2 : (l >= 2 ? 1 : 0);
      EXPECT_EQ(s.layers[l].field_h.jump, int64_t{1} << downsamplers) << s.layers[l].name;
      EXPECT_EQ(s.layers[l].field_is_bound, l >= 2) << s.layers[l].name;
    }
    return;
  }
  if (GetParam() == "lip_pool") {
    // Its logits pass through an instance norm, whose mean and variance over the whole plane reach
    // every output, so no local field holds the dependence; the field shown is the local one: the
    // logit conv (3x3), then the window (3x3, stride 2): 5 + 2 + 2 after the first convolution.
    for (size_t l = 0; l < s.layers.size() && l < 6; ++l) {
      const int64_t downsamplers = l >= 5 ? 2 : (l >= 2 ? 1 : 0);
      EXPECT_EQ(s.layers[l].field_h.jump, int64_t{1} << downsamplers) << s.layers[l].name;
      EXPECT_FALSE(s.layers[l].field_is_bound) << s.layers[l].name;
    }
    EXPECT_EQ(s.layers[2].field_h.size, 9);
    EXPECT_EQ(s.layers[2].field_w.size, 9);
    return;
  }
  const Tensor x = testing::random_tensor({1, 1, kSize, kSize}, 7, 0.5f, 1.0f);
  // changed[l][o][p]: whether input pixel p changes output position o of layer l.
  std::vector<std::vector<std::vector<bool>>> changed;
  std::vector<Tensor> base;
  {
    NoGradGuard no_grad;
    base = feature_planes(*model, x);
  }
  for (const Tensor& b : base) {
    changed.emplace_back(static_cast<size_t>(b.size(2) * b.size(3)), std::vector<bool>(kSize * kSize, false));
  }
  if (!adaptive) {
    NoGradGuard no_grad;
    for (int64_t p = 0; p < kSize * kSize; ++p) {
      Tensor xp = x.clone();
      xp.data()[p] += 1000.0f;
      const std::vector<Tensor> y = feature_planes(*model, xp);
      for (size_t l = 0; l < y.size(); ++l) {
        for (int64_t o = 0; o < y[l].size(2) * y[l].size(3); ++o)
          changed[l][o][p] = y[l].data()[o] != base[l].data()[o];
      }
    }
  } else {
    for (size_t l = 0; l < base.size(); ++l) {
      for (int64_t o = 0; o < base[l].size(2) * base[l].size(3); ++o) {
        Tensor xg = x.clone();
        xg.set_requires_grad(true);
        const std::vector<Tensor> y = feature_planes(*model, xg);
        Tensor seed = Tensor::zeros(y[l].shape());
        seed.data()[o] = 1.0f;  // channel 0 of sample 0
        y[l].backward(seed);
        for (int64_t p = 0; p < kSize * kSize; ++p) changed[l][o][p] = xg.grad().data()[p] != 0.0f;
      }
    }
  }
  for (size_t l = 0; l < base.size(); ++l) {
    const LayerSummary& row = s.layers[l];
    // Cumulative stride: 2 after each downsampler (features.2 and features.5), 1 for `none`.
    const int64_t downsamplers = l >= 5 ? 2 : (l >= 2 ? 1 : 0);
    EXPECT_EQ(row.field_h.jump, GetParam() == "none" ? 1 : int64_t{1} << downsamplers) << row.name;
    EXPECT_EQ(row.field_is_bound, adaptive && l >= 2) << row.name;
    for (int64_t oh = 0; oh < base[l].size(2); ++oh) {
      for (int64_t ow = 0; ow < base[l].size(3); ++ow) {
        const Rect r = arithmetic(row, oh, ow);
        int64_t measured = 0, inside = 0;
        for (int64_t h = 0; h < kSize; ++h) {
          for (int64_t w = 0; w < kSize; ++w) {
            if (!changed[l][oh * base[l].size(3) + ow][h * kSize + w]) continue;
            ++measured;
            inside += (h >= r.h0 && h <= r.h1 && w >= r.w0 && w <= r.w1) ? 1 : 0;
          }
        }
        const int64_t area = (r.h1 - r.h0 + 1) * (r.w1 - r.w0 + 1);
        ASSERT_EQ(inside, measured) << row.name << " output (" << oh << "," << ow << "): pixels outside the field";
        // A whole-map layer's kernel (frequency-domain pooling: a Dirichlet kernel) has exact
        // zeros: some pixels of its field leave an output unchanged, so the field is a bound.
        if (adaptive || row.field_is_whole_map) {
          ASSERT_GT(measured, 0) << row.name;
        } else {
          ASSERT_EQ(measured, area) << row.name << " output (" << oh << "," << ow << "): field not tight";
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Strategies, FieldMeasurement, ::testing::ValuesIn(all_strategy_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace poolnet
