// The erf suite (experiments/eval/erf.h, docs/metrics.md): the map is exactly zero outside the
// theoretical receptive field of `poolnet inspect` (models/summary.h) at every measured layer of
// lenet and vgg and nonzero at the centre; on convolutions with known weights it equals the
// analytic map; the radii of hand-made maps; the suite's outputs, their independence of the
// thread count and batch size, and the maps' JSON round trip.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "experiments/eval/erf.h"
#include "experiments/eval/evaluation.h"
#include "experiments/eval/run_result.h"
#include "framework/errors.h"
#include "framework/parallel.h"
#include "layers/conv2d.h"
#include "models/summary.h"
#include "tests/models/models_test_util.h"

namespace poolnet {
namespace {

constexpr int64_t kSize = 16;

void make_weights_positive(Model& model) {
  for (const Tensor& p : model.parameters()) {
    float* d = p.data();
    for (int64_t i = 0; i < p.numel(); ++i) d[i] = std::fabs(d[i]) + 0.05f;
  }
}

std::string layer_names(const std::vector<ErfLayer>& layers) {
  std::string out;
  for (const auto& l : layers) out += (out.empty() ? "" : " ") + l.name;
  return out;
}

const LayerSummary& summary_row(const ModelSummary& s, const std::string& name) {
  for (const auto& l : s.layers) {
    if (l.name == name) return l;
  }
  throw std::runtime_error("no layer " + name);
}

// The pixels [first, last] of the field of output o along an axis (inspect's arithmetic), clipped.
std::pair<int64_t, int64_t> field_span(const FieldAxis& f, int64_t o) {
  const double first = f.centre + static_cast<double>(o * f.jump) - static_cast<double>(f.size - 1) / 2.0;
  const auto lo = static_cast<int64_t>(std::llround(first));
  return {std::max<int64_t>(lo, 0), std::min<int64_t>(lo + f.size - 1, kSize - 1)};
}

// Every measured layer: zero outside the centre unit's field of inspect, and (positive weights:
// every path carries gradient) nonzero at the pixels nearest the centre unit's position.
void expect_zero_outside_the_field(Model& model, bool expect_centre) {
  const ModelSummary s = summarize(model);
  const Tensor x = testing::random_tensor({5, 1, kSize, kSize}, 11, 0.5f, 1.0f);
  const std::vector<ErfLayer> layers = effective_receptive_fields(model, x, 2);
  ASSERT_FALSE(layers.empty());
  for (const ErfLayer& l : layers) {
    const LayerSummary& row = summary_row(s, l.name);
    const auto [h0, h1] = field_span(row.field_h, row.output[1] / 2);
    const auto [w0, w1] = field_span(row.field_w, row.output[2] / 2);
    ASSERT_EQ(l.map.height, kSize);
    ASSERT_EQ(l.map.width, kSize);
    int64_t inside = 0;
    for (int64_t h = 0; h < kSize; ++h) {
      for (int64_t w = 0; w < kSize; ++w) {
        const double v = l.map.values[static_cast<size_t>(h * kSize + w)];
        if (h < h0 || h > h1 || w < w0 || w > w1) {
          ASSERT_EQ(v, 0.0) << l.name << " pixel (" << h << "," << w << ") outside the field [" << h0 << "," << h1
                            << "]x[" << w0 << "," << w1 << "]";
        }
        const bool centre = std::fabs(static_cast<double>(h) - l.centre_h) <= 0.5 &&
                            std::fabs(static_cast<double>(w) - l.centre_w) <= 0.5;
        if (centre && expect_centre) {
          EXPECT_GT(v, 0.0) << l.name << " at (" << h << "," << w << ")";
        }
        inside += centre ? 1 : 0;
      }
    }
    EXPECT_GE(inside, 1) << l.name << ": no pixel at the centre (" << l.centre_h << "," << l.centre_w << ")";
    // The radii hold only pixels of the field.
    EXPECT_LE(l.r50, l.r90) << l.name;
    EXPECT_LE(l.r90, l.field_radius) << l.name;
    EXPECT_EQ(l.field, std::max(row.field_h.size, row.field_w.size)) << l.name;
    EXPECT_EQ(l.field_radius, static_cast<double>(l.field - 1) / 2.0) << l.name;
  }
}

class ErfField : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(ErfField, IsZeroOutsideTheInspectFieldAndNonzeroAtTheCentre) {
  const auto& [family, strategy] = GetParam();
  auto model = build_model(testing::small_spec(family, strategy, "gap", {1, kSize, kSize}), 3);
  {
    SCOPED_TRACE("initial weights");
    expect_zero_outside_the_field(*model, false);
  }
  make_weights_positive(*model);
  SCOPED_TRACE("positive weights");
  expect_zero_outside_the_field(*model, true);
}

INSTANTIATE_TEST_SUITE_P(Models, ErfField,
                         ::testing::Values(std::pair{"lenet", "max_pool"}, std::pair{"lenet", "avg_pool"},
                                           std::pair{"lenet", "blur_pool"}, std::pair{"vgg", "max_pool"},
                                           std::pair{"vgg", "strided_conv"}, std::pair{"vgg", "max_blur_pool"}),
                         [](const auto& info) { return info.param.first + "_" + info.param.second; });

TEST(Erf, EveryStrategyAndFamilyEndsAtTheLastFeatureMap) {
  // Each strategy in lenet, and every family: maps of the input's size with mass, radii within
  // the image, the last measured layer the last spatial one.
  std::vector<std::pair<std::string, std::string>> specs{{"allconv", "max_pool"}, {"resnet", "blur_pool"}};
  for (const auto& name : all_strategy_names()) specs.emplace_back("lenet", name);
  for (const auto& [family, strategy] : specs) {
    auto model = build_model(testing::small_spec(family, strategy, "gap", {1, kSize, kSize}), 1);
    const auto layers = effective_receptive_fields(*model, testing::random_tensor({2, 1, kSize, kSize}, 2), 8);
    ASSERT_FALSE(layers.empty()) << family << " " << strategy;
    const ModelSummary s = summarize(*model);
    int64_t last_spatial = 0;
    for (size_t p = 0; p < s.layers.size(); ++p) {
      if (s.layers[p].output.size() == 3 && s.layers[p].field_h.jump > 0) last_spatial = static_cast<int64_t>(p);
    }
    EXPECT_EQ(layers.back().position, last_spatial) << family << " " << strategy;
    for (const auto& l : layers) {
      EXPECT_EQ(l.map.values.size(), static_cast<size_t>(kSize * kSize)) << strategy << " " << l.name;
      EXPECT_GT(*std::max_element(l.map.values.begin(), l.map.values.end()), 0.0) << strategy << " " << l.name;
      EXPECT_LE(l.r90, static_cast<double>(kSize)) << strategy << " " << l.name;
    }
  }
}

TEST(Erf, MeasuresTheLastLayerOfEachFieldAndTheLastFeatureMap) {
  // vgg without batch norm: conv relu conv relu pool, twice, then conv relu; gap head.
  auto model = build_model(testing::small_spec("vgg", "max_pool", "gap", {1, kSize, kSize}), 3);
  const auto layers = effective_receptive_fields(*model, testing::random_tensor({2, 1, kSize, kSize}, 1), 8);
  EXPECT_EQ(layer_names(layers), "features.1 features.3 features.4 features.6 features.8 features.9 features.11");
  EXPECT_EQ(layers[2].stride, 2);
  EXPECT_EQ(layers[2].field, 6);
  EXPECT_EQ(layers[2].position, 4);
  // Output 4 of 8 at stride 2 from the first centre 0.5.
  EXPECT_EQ(layers[2].centre_h, 8.5);
  EXPECT_EQ(layers[2].centre_w, 8.5);
}

// A convolution [out, in, 3, 3], padding 1, no bias, with the given weights.
Conv2d conv3x3(int64_t in, int64_t out, const std::function<float(int64_t)>& weight) {
  Conv2d conv({.in_channels = in, .out_channels = out, .padding = {1, 1}, .bias = false}, 0);
  for (int64_t i = 0; i < conv.weight().numel(); ++i) conv.weight().data()[i] = weight(i);
  return conv;
}

TEST(Erf, OnesConvolutionGivesTheAnalyticMap) {
  // d(sum_o y[o, c]) / dx[i, c + k - 1] = out for every tap k: in * out inside the 3x3 window.
  Conv2d conv = conv3x3(2, 3, [](int64_t) { return 1.0f; });
  for (const auto& [H, W] : {std::pair<int64_t, int64_t>{7, 7}, {6, 9}}) {
    const ErfMap map =
        erf_map([&](const Tensor& x) { return conv.forward(x); }, testing::random_tensor({5, 2, H, W}, 4), 2);
    ASSERT_EQ(map.height, H);
    ASSERT_EQ(map.width, W);
    for (int64_t h = 0; h < H; ++h) {
      for (int64_t w = 0; w < W; ++w) {
        const bool window = std::abs(h - H / 2) <= 1 && std::abs(w - W / 2) <= 1;
        EXPECT_EQ(map.values[static_cast<size_t>(h * W + w)], window ? 6.0 : 0.0) << h << "," << w;
      }
    }
  }
}

TEST(Erf, TwoOnesConvolutionsGiveTheProductOfTriangles) {
  // Paths through two 3x3 taps: (3 - |dh|)(3 - |dw|) per channel triple (in 2, mid 3, out 2).
  Conv2d a = conv3x3(2, 3, [](int64_t) { return 1.0f; });
  Conv2d b = conv3x3(3, 2, [](int64_t) { return 1.0f; });
  const ErfMap map =
      erf_map([&](const Tensor& x) { return b.forward(a.forward(x)); }, testing::random_tensor({3, 2, 9, 9}, 5), 8);
  for (int64_t h = 0; h < 9; ++h) {
    for (int64_t w = 0; w < 9; ++w) {
      const int64_t dh = std::abs(h - 4), dw = std::abs(w - 4);
      const double expected = dh <= 2 && dw <= 2 ? 2.0 * 3.0 * 2.0 * static_cast<double>((3 - dh) * (3 - dw)) : 0.0;
      EXPECT_EQ(map.values[static_cast<size_t>(h * 9 + w)], expected) << h << "," << w;
    }
  }
}

TEST(Erf, SignedWeightsSumOverOutputChannelsBeforeTheAbsoluteValue) {
  // Linear: the gradient at x[i, c + k - 1] is sum_o w[o, i, k], the same for every image.
  Conv2d conv = conv3x3(2, 3, [](int64_t i) { return static_cast<float>((i * 7) % 11) - 5.0f; });
  const ErfMap map =
      erf_map([&](const Tensor& x) { return conv.forward(x); }, testing::random_tensor({4, 2, 5, 5}, 6), 3);
  const float* wt = conv.weight().data();  // [3, 2, 3, 3]
  for (int64_t kh = 0; kh < 3; ++kh) {
    for (int64_t kw = 0; kw < 3; ++kw) {
      double expected = 0;
      for (int64_t i = 0; i < 2; ++i) {
        double sum = 0;
        for (int64_t o = 0; o < 3; ++o) sum += wt[((o * 2 + i) * 3 + kh) * 3 + kw];
        expected += std::fabs(sum);
      }
      EXPECT_NEAR(map.values[static_cast<size_t>((1 + kh) * 5 + 1 + kw)], expected, 1e-5) << kh << "," << kw;
    }
  }
  EXPECT_EQ(map.values[0], 0.0);
}

ErfMap blank(int64_t H, int64_t W) { return {H, W, std::vector<double>(static_cast<size_t>(H * W), 0.0)}; }

TEST(Erf, RadiusOfADeltaIsItsDistance) {
  ErfMap map = blank(9, 9);
  map.values[4 * 9 + 4] = 2.5;
  EXPECT_EQ(erf_radius(map, 4, 4, 0.5), 0.0);
  EXPECT_EQ(erf_radius(map, 4, 4, 0.9), 0.0);
  EXPECT_EQ(erf_radius(map, 4, 3.5, 0.9), 0.5);        // a half-pixel centre
  EXPECT_EQ(erf_radius(map, 1, 6, 0.5), 3.0);          // Chebyshev: max(3, 2)
  EXPECT_EQ(erf_radius(blank(4, 4), 2, 2, 0.5), 0.0);  // no mass
}

TEST(Erf, RadiiOfAUniformChebyshevDisc) {
  // A uniform disc of radius R = 6 (a 13 x 13 square) about (10, 10) in a 21 x 21 map: the
  // pixels within d hold (2d + 1)^2 / 169; r50 = 5 (121 >= 84.5 > 81), r90 = 6 (169 >= 152.1 > 121).
  ErfMap map = blank(21, 21);
  for (int64_t h = 4; h <= 16; ++h) {
    for (int64_t w = 4; w <= 16; ++w) map.values[static_cast<size_t>(h * 21 + w)] = 0.75;
  }
  EXPECT_EQ(erf_radius(map, 10, 10, 0.5), 5.0);
  EXPECT_EQ(erf_radius(map, 10, 10, 0.9), 6.0);
  EXPECT_EQ(erf_radius(map, 10, 10, 1.0), 6.0);
  // Exactly half the mass at distance 0: r50 = 0, r90 the distance of the rest.
  ErfMap two = blank(9, 9);
  two.values[4 * 9 + 4] = 1.0;
  two.values[0] = 1.0;
  EXPECT_EQ(erf_radius(two, 4, 4, 0.5), 0.0);
  EXPECT_EQ(erf_radius(two, 4, 4, 0.9), 4.0);
}

struct SuiteFixture {
  std::shared_ptr<Model> model = build_model(testing::small_spec("vgg", "blur_pool", "gap", {1, kSize, kSize}), 2);
  Tensor images = testing::random_tensor({6, 1, kSize, kSize}, 8, 0.0f, 1.0f);
  std::vector<int32_t> labels = std::vector<int32_t>(6, 0);
  ShiftEvalOptions options;
  data::DatasetInfo info{.channels = 1, .height = kSize, .width = kSize, .mean = {0.25f}, .stddev = {0.5f}};
  LogitsFn logits = [](const Tensor& x) { return x; };

  SuiteResult run(int64_t batch) {
    options.batch = batch;
    return erf_suite(SuiteInput{logits, images, labels, options, model.get(), &info});
  }
};

TEST(Erf, SuiteReportsTheLastLayerCurvesAndNormalisedMaps) {
  SuiteFixture f;
  const SuiteResult r = f.run(4);
  const auto layers = effective_receptive_fields(*f.model, normalise(f.images, f.info), 4);
  EXPECT_EQ(r.suite, "erf");
  ASSERT_EQ(r.metrics.size(), 2u);
  EXPECT_EQ(r.metrics[0], (std::pair<std::string, double>{"erf_r50", layers.back().r50}));
  EXPECT_EQ(r.metrics[1], (std::pair<std::string, double>{"erf_r90", layers.back().r90}));
  ASSERT_EQ(r.curves.size(), 3u);
  EXPECT_EQ(r.curves[0].name, "erf_r50");
  EXPECT_EQ(r.curves[1].name, "erf_r90");
  EXPECT_EQ(r.curves[2].name, "erf_field");
  ASSERT_EQ(r.maps.size(), layers.size());
  for (size_t i = 0; i < layers.size(); ++i) {
    EXPECT_EQ(r.curves[0].points[i].x, static_cast<double>(layers[i].position));
    EXPECT_EQ(r.curves[0].points[i].value, layers[i].r50);
    EXPECT_EQ(r.curves[1].points[i].value, layers[i].r90);
    EXPECT_EQ(r.curves[2].points[i].value, layers[i].field_radius);
    EXPECT_EQ(r.curves[2].value_name, "radius_px");
    EXPECT_EQ(r.maps[i].name, layers[i].name);
    const double top = *std::max_element(layers[i].map.values.begin(), layers[i].map.values.end());
    for (size_t p = 0; p < r.maps[i].values.size(); ++p)
      EXPECT_FLOAT_EQ(r.maps[i].values[p], static_cast<float>(layers[i].map.values[p] / top));
  }
}

TEST(Erf, SameAtAnyThreadCountAndBatchSize) {
  SuiteFixture f;
  const SuiteResult base = f.run(4);
  parallel::set_num_threads(1);
  const SuiteResult one = f.run(4);
  parallel::set_num_threads(0);
  const SuiteResult batched = f.run(1);
  for (const SuiteResult* other : {&one, &batched}) {
    EXPECT_EQ(other->metrics, base.metrics);
    ASSERT_EQ(other->maps.size(), base.maps.size());
    for (size_t i = 0; i < base.maps.size(); ++i) EXPECT_EQ(other->maps[i].values, base.maps[i].values);
  }
}

TEST(Erf, NeedsGradientRecording) {
  Conv2d conv = conv3x3(1, 1, [](int64_t) { return 1.0f; });
  NoGradGuard no_grad;
  EXPECT_THROW(erf_map([&](const Tensor& x) { return conv.forward(x); }, Tensor::zeros({1, 1, 4, 4}), 1),
               AutogradError);
}

TEST(Erf, MapsRoundTripThroughJson) {
  RunResult run;
  run.strategy = "max_pool";
  run.suites = {"translation", "erf"};
  SuiteResult erf{"erf", {{"erf_r50", 2.5}}, {}};
  erf.maps = {{"features.2", 2, 3, {0.0f, 0.25f, 1.0f, 0.5f, 0.125f, 1e-7f}}, {"features.5", 1, 1, {1.0f}}};
  run.suite_results.push_back(erf);
  const RunResult back = run_result_from_json(to_json(run), "test");
  ASSERT_EQ(back.suite_results.size(), 1u);
  const auto& maps = back.suite_results[0].maps;
  ASSERT_EQ(maps.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(maps[i].name, erf.maps[i].name);
    EXPECT_EQ(maps[i].height, erf.maps[i].height);
    EXPECT_EQ(maps[i].width, erf.maps[i].width);
    EXPECT_EQ(maps[i].values, erf.maps[i].values);
  }
  EXPECT_EQ(maps_csv(erf.maps).substr(0, 45), "map,row,col,value\nfeatures.2,0,0,0\nfeatures.2");
  // Results written before maps read back with none; a map whose size disagrees is an error.
  nlohmann::json doc = nlohmann::json::parse(to_json(run));
  doc["suite_results"][0].erase("maps");
  EXPECT_TRUE(run_result_from_json(doc.dump(), "old.json").suite_results.at(0).maps.empty());
  doc = nlohmann::json::parse(to_json(run));
  doc["suite_results"][0]["maps"][0]["height"] = 3;
  EXPECT_THROW(run_result_from_json(doc.dump(), "broken.json"), DataError);
}

}  // namespace
}  // namespace poolnet
