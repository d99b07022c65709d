// The localization suite (experiments/eval/localization.h, docs/metrics.md "localization"): the
// seeded placements and the canvas paste, the pointing rule against an oracle, a far corner and a
// naive continuous-coordinate check, the CAM against a naive sum, the position probe against an
// exact linear code, independent noise and a naive ridge solve, and the suite on small models.
#include <gtest/gtest.h>

#include <cmath>

#include "experiments/eval/localization.h"
#include "framework/autograd.h"
#include "framework/ops/ops.h"
#include "framework/random.h"
#include "layers/linear.h"
#include "models/model.h"

namespace poolnet {
namespace {

constexpr Size2d kImage{6, 5};
constexpr Size2d kCanvas{12, 10};

TEST(Localization, PlacementsAreSeededPerImageAndCoverTheCanvas) {
  const auto all = draw_placements(42, 0, 200, kImage, kCanvas);
  bool saw_min = false, saw_max = false;
  for (int64_t n = 0; n < 200; ++n) {
    const Placement p = all[static_cast<size_t>(n)];
    const RandomStream rng(42, stream_id(kLocalizationStream, static_cast<uint64_t>(n)));
    EXPECT_EQ(p.dy, rng.below(0, kCanvas.h - kImage.h + 1));
    EXPECT_EQ(p.dx, rng.below(1, kCanvas.w - kImage.w + 1));
    ASSERT_TRUE(p.dy >= 0 && p.dy <= 6 && p.dx >= 0 && p.dx <= 5);
    saw_min |= p.dy == 0;
    saw_max |= p.dy == 6;
  }
  EXPECT_TRUE(saw_min && saw_max);
  // Any batch: the draws of images 70..109 are the same whether drawn alone or with the rest.
  const auto part = draw_placements(42, 70, 40, kImage, kCanvas);
  for (int64_t n = 0; n < 40; ++n) {
    EXPECT_EQ(part[static_cast<size_t>(n)].dy, all[static_cast<size_t>(70 + n)].dy);
    EXPECT_EQ(part[static_cast<size_t>(n)].dx, all[static_cast<size_t>(70 + n)].dx);
  }
}

TEST(Localization, PasteCopiesTheImageAtItsOffsetAndZeroElsewhere) {
  const int64_t N = 9, C = 2;
  const Tensor images = Tensor::uniform({N, C, kImage.h, kImage.w}, 0.1f, 1.0f, 5);
  const auto placements = draw_placements(3, 0, N, kImage, kCanvas);
  const Tensor canvas = paste_on_canvas(images, placements, kCanvas);
  ASSERT_EQ(canvas.shape(), (Shape{N, C, kCanvas.h, kCanvas.w}));
  for (int64_t n = 0; n < N; ++n) {
    const Placement p = placements[static_cast<size_t>(n)];
    for (int64_t c = 0; c < C; ++c) {
      for (int64_t y = 0; y < kCanvas.h; ++y) {
        for (int64_t x = 0; x < kCanvas.w; ++x) {
          const bool inside = y >= p.dy && y < p.dy + kImage.h && x >= p.dx && x < p.dx + kImage.w;
          const float want = inside ? images.data()[((n * C + c) * kImage.h + y - p.dy) * kImage.w + x - p.dx] : 0.0f;
          ASSERT_EQ(canvas.data()[((n * C + c) * kCanvas.h + y) * kCanvas.w + x], want) << n << " " << y << " " << x;
        }
      }
    }
  }
  // Batches of 4 with their own draws give the same canvases, bit for bit.
  const int64_t plane = C * kCanvas.h * kCanvas.w, row = C * kImage.h * kImage.w;
  for (int64_t b0 = 0; b0 < N; b0 += 4) {
    const int64_t B = std::min<int64_t>(4, N - b0);
    const Tensor part = Tensor::from_vector(
        {B, C, kImage.h, kImage.w}, std::vector<float>(images.data() + b0 * row, images.data() + (b0 + B) * row));
    const Tensor pasted = paste_on_canvas(part, draw_placements(3, b0, B, kImage, kCanvas), kCanvas);
    for (int64_t i = 0; i < B * plane; ++i) ASSERT_EQ(pasted.data()[i], canvas.data()[b0 * plane + i]);
  }
}

// Maps [N, h, w] that are 0 but 1 at one cell per image.
Tensor peaked_maps(const std::vector<std::pair<int64_t, int64_t>>& cells, int64_t h, int64_t w) {
  Tensor maps = Tensor::zeros({static_cast<int64_t>(cells.size()), h, w});
  for (size_t n = 0; n < cells.size(); ++n)
    maps.data()[static_cast<int64_t>(n) * h * w + cells[n].first * w + cells[n].second] = 1.0f;
  return maps;
}

TEST(Localization, OracleMapsPointAndCornerMapsMiss) {
  const Size2d image{28, 28}, canvas{56, 56};
  for (int64_t S : {1, 2, 4, 8}) {
    const auto placements = draw_placements(11, 0, 300, image, canvas);
    std::vector<std::pair<int64_t, int64_t>> centre;
    for (const Placement& p : placements) centre.emplace_back((p.dy + image.h / 2) / S, (p.dx + image.w / 2) / S);
    EXPECT_EQ(pointing_accuracy(peaked_maps(centre, canvas.h / S, canvas.w / S), placements, image, S), 1.0) << S;
    // Boxes that start at row and column S or later never hold the centre of cell (0, 0).
    std::vector<Placement> away;
    for (const Placement& p : placements) away.push_back({std::max(p.dy, S), std::max(p.dx, S)});
    const std::vector<std::pair<int64_t, int64_t>> corner(away.size(), {0, 0});
    EXPECT_EQ(pointing_accuracy(peaked_maps(corner, canvas.h / S, canvas.w / S), away, image, S), 0.0) << S;
  }
}

TEST(Localization, PointingMatchesTheCellCentreRuleInContinuousCoordinates) {
  const Size2d image{7, 7}, canvas{14, 14};
  for (int64_t S : {1, 2, 3, 4}) {
    const int64_t h = canvas.h / S, w = canvas.w / S, N = 400;
    const Tensor maps = Tensor::uniform({N, h, w}, 0.0f, 1.0f, static_cast<uint64_t>(S));
    const auto placements = draw_placements(2, 0, N, image, canvas);
    const auto hits = pointing_hits(maps, placements, image, S);
    int64_t some = 0;
    for (int64_t n = 0; n < N; ++n) {
      const float* m = maps.data() + n * h * w;
      const auto best = std::max_element(m, m + h * w) - m;  // the first maximum
      const double cy = (static_cast<double>(best / w) + 0.5) * static_cast<double>(S);
      const double cx = (static_cast<double>(best % w) + 0.5) * static_cast<double>(S);
      const Placement p = placements[static_cast<size_t>(n)];
      const bool want = cy >= static_cast<double>(p.dy) && cy < static_cast<double>(p.dy + image.h) &&
                        cx >= static_cast<double>(p.dx) && cx < static_cast<double>(p.dx + image.w);
      EXPECT_EQ(hits[static_cast<size_t>(n)], want) << S << " " << n;
      some += want;
    }
    EXPECT_GT(some, 0);
    EXPECT_LT(some, N);
  }
}

TEST(Localization, CamIsTheTrueClassWeightedSumOfChannels) {
  const Tensor f = Tensor::normal({3, 4, 2, 5}, 0, 1, 1), w = Tensor::normal({6, 4}, 0, 1, 2);
  const std::vector<int32_t> labels = {5, 0, 2};
  const Tensor cam = class_activation_maps(f, w, labels);
  ASSERT_EQ(cam.shape(), (Shape{3, 2, 5}));
  for (int64_t n = 0; n < 3; ++n) {
    for (int64_t p = 0; p < 10; ++p) {
      double want = 0;
      for (int64_t c = 0; c < 4; ++c)
        want += w.data()[labels[static_cast<size_t>(n)] * 4 + c] * f.data()[(n * 4 + c) * 10 + p];
      EXPECT_NEAR(cam.data()[n * 10 + p], want, 1e-5);
    }
  }
}

// Placements 0..N-1 and features [N, D] = f(placement, n).
template <typename F>
std::pair<Tensor, std::vector<Placement>> probe_data(int64_t N, int64_t D, F feature) {
  const auto placements = draw_placements(9, 0, N, {28, 28}, {56, 56});
  std::vector<float> values;
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t d = 0; d < D; ++d) values.push_back(feature(placements[static_cast<size_t>(n)], n, d));
  }
  return {Tensor::from_vector({N, D}, values), placements};
}

TEST(Localization, ProbeOfAnExactLinearCodeHasR2One) {
  const Tensor a = Tensor::normal({32}, 0, 1, 4), b = Tensor::normal({32}, 0, 1, 5), c = Tensor::normal({32}, 0, 1, 6);
  const auto [x, targets] = probe_data(400, 32, [&](Placement p, int64_t, int64_t d) {
    return a.data()[d] * static_cast<float>(p.dy) + b.data()[d] * static_cast<float>(p.dx) + c.data()[d];
  });
  EXPECT_NEAR(probe_r2(x, targets), 1.0, 1e-6);
  // More features than fitted images: the kernel form.
  const auto [wide, wide_targets] = probe_data(40, 32, [&](Placement p, int64_t, int64_t d) {
    return a.data()[d] * static_cast<float>(p.dy) + b.data()[d] * static_cast<float>(p.dx) + c.data()[d];
  });
  EXPECT_NEAR(probe_r2(wide, wide_targets), 1.0, 1e-6);
}

TEST(Localization, ProbeOfFeaturesIndependentOfTheOffsetHasR2NearZero) {
  const Tensor noise = Tensor::normal({4000 * 8}, 0, 1, 8);
  const auto [x, targets] =
      probe_data(4000, 8, [&](Placement, int64_t n, int64_t d) { return noise.data()[n * 8 + d]; });
  const double r2 = probe_r2(x, targets);
  EXPECT_LE(std::abs(r2), 0.05);
}

// The probe's definition solved naively: standardise on the fit half, centre the targets,
// (X^T X + lambda I) beta = X^T y by Gauss-Jordan elimination in long double, R^2 on the rest.
double naive_probe_r2(const Tensor& x, const std::vector<Placement>& targets, double ridge) {
  const int64_t N = x.size(0), D = x.size(1), fit = N / 2;
  auto at = [&](int64_t n, int64_t d) { return static_cast<long double>(x.data()[n * D + d]); };
  std::vector<long double> mean(static_cast<size_t>(D)), scale(static_cast<size_t>(D));
  for (int64_t d = 0; d < D; ++d) {
    long double s = 0, ss = 0;
    for (int64_t n = 0; n < fit; ++n) s += at(n, d);
    mean[static_cast<size_t>(d)] = s / fit;
    for (int64_t n = 0; n < fit; ++n) ss += (at(n, d) - s / fit) * (at(n, d) - s / fit);
    scale[static_cast<size_t>(d)] = ss > 0 ? 1 / std::sqrt(ss / fit) : 0;
  }
  auto z = [&](int64_t n, int64_t d) {
    return (at(n, d) - mean[static_cast<size_t>(d)]) * scale[static_cast<size_t>(d)];
  };
  long double trace = 0;
  for (int64_t n = 0; n < fit; ++n) {
    for (int64_t d = 0; d < D; ++d) trace += z(n, d) * z(n, d);
  }
  const long double lambda = ridge * trace / D;
  double r2 = 0;
  for (int coord = 0; coord < 2; ++coord) {
    auto y = [&](int64_t n) {
      const Placement p = targets[static_cast<size_t>(n)];
      return static_cast<long double>(coord == 0 ? p.dy : p.dx);
    };
    long double y_mean = 0;
    for (int64_t n = 0; n < fit; ++n) y_mean += y(n) / fit;
    std::vector<std::vector<long double>> m(static_cast<size_t>(D),
                                            std::vector<long double>(static_cast<size_t>(D + 1)));
    for (int64_t i = 0; i < D; ++i) {
      for (int64_t j = 0; j < D; ++j) {
        for (int64_t n = 0; n < fit; ++n) m[i][j] += z(n, i) * z(n, j);
      }
      m[i][i] += lambda;
      for (int64_t n = 0; n < fit; ++n) m[i][D] += z(n, i) * (y(n) - y_mean);
    }
    for (int64_t i = 0; i < D; ++i) {  // Gauss-Jordan, the matrix is positive definite
      for (int64_t r = 0; r < D; ++r) {
        if (r == i) continue;
        const long double f = m[r][i] / m[i][i];
        for (int64_t j = i; j <= D; ++j) m[r][j] -= f * m[i][j];
      }
    }
    long double residual = 0, total = 0, t_mean = 0;
    for (int64_t n = fit; n < N; ++n) t_mean += y(n) / (N - fit);
    for (int64_t n = fit; n < N; ++n) {
      long double predicted = y_mean;
      for (int64_t d = 0; d < D; ++d) predicted += z(n, d) * m[d][D] / m[d][d];
      residual += (y(n) - predicted) * (y(n) - predicted);
      total += (y(n) - t_mean) * (y(n) - t_mean);
    }
    r2 += static_cast<double>(1 - residual / total);
  }
  return r2 / 2;
}

TEST(Localization, ProbeMatchesANaiveRidgeSolve) {
  const Tensor noise = Tensor::normal({60 * 10}, 0, 1, 12);
  for (int64_t D : {3, 10, 40}) {  // normal equations; kernel form once D > 30 fitted images
    const auto [x, targets] = probe_data(60, D, [&](Placement p, int64_t n, int64_t d) {
      return noise.data()[(n * 10 + d % 10)] * (1.0f + static_cast<float>(d / 10)) +
             0.05f * static_cast<float>((d % 3 == 0 ? p.dy : p.dx) * (d + 1));
    });
    for (double ridge : {1e-3, 0.5})
      EXPECT_NEAR(probe_r2(x, targets, ridge), naive_probe_r2(x, targets, ridge), 1e-9) << D;
  }
}

std::shared_ptr<Model> small_model(const std::string& family, const std::string& head) {
  ModelSpec spec;
  spec.family = family;
  spec.downsample = parse_downsample("max_pool");
  spec.head = head;
  spec.width = 0.125;
  spec.input = {1, 16, 16};
  return build_model(spec, 7);
}

struct SuiteData {
  Tensor images = Tensor::uniform({10, 1, 16, 16}, 0.0f, 1.0f, 21);
  std::vector<int32_t> labels = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  data::DatasetInfo info{.mean = {0.3f}, .stddev = {0.4f}};
  ShiftEvalOptions options;
  LogitsFn logits = [](const Tensor& x) { return x; };
  SuiteResult run(Model& model, int64_t batch) {
    options.batch = batch;
    options.seed = 17;
    return localization_suite(SuiteInput{logits, images, labels, options, &model, &info});
  }
};

const double* metric(const SuiteResult& r, const std::string& name) {
  for (const auto& [key, value] : r.metrics) {
    if (key == name) return &value;
  }
  return nullptr;
}

TEST(Localization, SuiteOnAGapVggGivesCamsOfTheLastFeatureMapAndProbeCurves) {
  auto model = small_model("vgg", "gap");
  model->eval();
  SuiteData d;
  const SuiteResult r = d.run(*model, 4);
  ASSERT_NE(metric(r, "pointing_acc"), nullptr);
  ASSERT_NE(metric(r, "position_r2_last"), nullptr);
  EXPECT_TRUE(r.notes.empty());
  const double acc = *metric(r, "pointing_acc");
  EXPECT_TRUE(acc >= 0 && acc <= 1);
  ASSERT_EQ(r.curves.size(), 1u);
  EXPECT_EQ(r.curves[0].name, "position_probe");
  EXPECT_EQ(r.curves[0].value_name, "r2");
  EXPECT_EQ(r.curves[0].points.size(), model->features().size());  // every vgg feature layer is spatial
  EXPECT_EQ(r.curves[0].points.back().value, *metric(r, "position_r2_last"));

  // The CAM has the shape of the last feature map on the 32x32 canvas, and pointing_acc is the
  // share of those CAMs that point into their boxes.
  NoGradGuard no_grad;
  const auto placements = draw_placements(17, 0, 10, {16, 16}, {32, 32});
  Tensor x = paste_on_canvas(d.images, placements, {32, 32});
  const Tensor mean = Tensor::full({1, 1, 1, 1}, 0.3f), sd = Tensor::full({1, 1, 1, 1}, 0.4f);
  const Tensor last = model->features().forward(div(sub(x, mean), sd));
  const MapRule rule = map_rule(*model);
  ASSERT_EQ(rule.kind, MapRule::Kind::kCam);
  const Tensor cam = class_activation_maps(last, rule.weights, d.labels);
  EXPECT_EQ(cam.shape(), (Shape{10, last.size(2), last.size(3)}));
  EXPECT_EQ(acc, pointing_accuracy(cam, placements, {16, 16}, 32 / last.size(2)));

  // Batches do not change the result.
  const SuiteResult again = d.run(*model, 3);
  EXPECT_EQ(*metric(again, "pointing_acc"), acc);
  EXPECT_EQ(*metric(again, "position_r2_last"), *metric(r, "position_r2_last"));
}

TEST(Localization, FlattenHeadIsSkippedWithOneNoteAndNoNumbers) {
  auto model = small_model("vgg", "flatten");
  SuiteData d;
  const SuiteResult r = d.run(*model, 4);
  EXPECT_TRUE(r.metrics.empty());
  EXPECT_TRUE(r.curves.empty());
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("skipped"), std::string::npos);
  EXPECT_NE(r.notes[0].find("flatten"), std::string::npos);
}

TEST(Localization, AttentionHeadsAndOtherHeadStructures) {
  SuiteData d;
  auto simpool = small_model("vgg", "simpool");
  const SuiteResult s = d.run(*simpool, 4);
  EXPECT_NE(metric(s, "pointing_acc"), nullptr);
  EXPECT_TRUE(s.notes.empty());
  // attn_pool's position embedding does not take the canvas: the probe, and a note for pointing.
  auto attn = small_model("vgg", "attn_pool");
  const SuiteResult a = d.run(*attn, 4);
  EXPECT_EQ(metric(a, "pointing_acc"), nullptr);
  EXPECT_NE(metric(a, "position_r2_last"), nullptr);
  ASSERT_EQ(a.notes.size(), 1u);
  EXPECT_NE(a.notes[0].find("attn_pool"), std::string::npos);
  // allconv's last convolution has one channel per class and no linear layer follows: the identity.
  const MapRule identity = map_rule(*small_model("allconv", "gap"));
  ASSERT_EQ(identity.kind, MapRule::Kind::kCam);
  ASSERT_EQ(identity.weights.shape(), (Shape{10, 10}));
  for (int64_t i = 0; i < 100; ++i) EXPECT_EQ(identity.weights.data()[i], i % 11 == 0 ? 1.0f : 0.0f);
  // lenet puts fully connected layers after its head: no CAM.
  EXPECT_EQ(map_rule(*small_model("lenet", "gap")).kind, MapRule::Kind::kNone);
  // gap_gmp: the two halves of the linear layer's weight add up per channel.
  auto both = small_model("vgg", "gap_gmp");
  const MapRule rule = map_rule(*both);
  ASSERT_EQ(rule.kind, MapRule::Kind::kCam);
  const Tensor& w = dynamic_cast<const Linear&>(both->classifier()[1]).weight();
  const int64_t C = rule.weights.size(1);
  ASSERT_EQ(w.size(1), 2 * C);
  EXPECT_EQ(rule.weights.data()[3 * C + 1], w.data()[3 * 2 * C + 1] + w.data()[3 * 2 * C + C + 1]);
}

}  // namespace
}  // namespace poolnet
