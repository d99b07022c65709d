// The evaluation suites (experiments/eval/suites.h): identity parameters give the clean
// accuracy, worst_shift_acc of an exactly shift-invariant model equals its clean accuracy, the
// suite list's parsing and errors, and the results' JSON.
#include <gtest/gtest.h>

#include "experiments/eval/run_result.h"
#include "experiments/eval/suites.h"
#include "experiments/study/fingerprint.h"
#include "framework/autograd.h"
#include "framework/errors.h"
#include "models/model.h"
#include "testing/grad_check.h"

namespace poolnet {
namespace {

struct Labelled {
  Tensor images;
  std::vector<int32_t> labels;
};

// The model's predictions as labels, made wrong on every other image (clean accuracy 1/2).
Labelled half_right(const LogitsFn& logits, const Tensor& images, int32_t classes) {
  const Tensor y = logits(images);
  Labelled d{images, {}};
  for (int64_t n = 0; n < y.size(0); ++n) {
    const float* row = y.data() + n * classes;
    const auto c = static_cast<int32_t>(std::max_element(row, row + classes) - row);
    d.labels.push_back(n % 2 == 0 ? c : (c + 1) % classes);
  }
  return d;
}

LogitsFn model_logits(const std::shared_ptr<Model>& model) {
  return [model](const Tensor& x) {
    NoGradGuard no_grad;
    model->eval();
    return model->forward(x);
  };
}

std::shared_ptr<Model> small_model(const std::string& downsample, PadMode padding, const std::string& head) {
  ModelSpec spec;
  spec.family = "vgg";
  spec.downsample = parse_downsample(downsample);
  spec.head = head;
  spec.width = 0.125;
  spec.input = {1, 16, 16};
  spec.padding_mode = padding;
  return build_model(spec, 7);
}

ShiftEvalOptions options(int64_t max_shift) {
  ShiftEvalOptions o;
  o.max_shift = max_shift;
  o.batch = 8;
  return o;
}

TEST(Suites, IdentityParametersGiveTheCleanAccuracy) {
  const auto model = small_model("max_pool", PadMode::kZeros, "gap");
  const LogitsFn logits = model_logits(model);
  const Labelled d = half_right(logits, testing::random_tensor({12, 1, 16, 16}, 3, 0.0f, 1.0f), 10);
  const ShiftEvalOptions o = options(2);
  const SuiteInput in{logits, d.images, d.labels, o};
  EXPECT_EQ(scale_suite(in, {1.0}).metrics.at(0).second, 0.5);
  EXPECT_EQ(rotation_suite(in, {0.0}).metrics.at(0).second, 0.5);
  EXPECT_EQ(corruption_suite(in, {0}).metrics.at(0).second, 0.5);
  EXPECT_EQ(worst_shift_accuracy(logits, d.images, d.labels, 0, 5), 0.5);
}

TEST(Suites, WorstShiftOfAShiftInvariantModelIsItsCleanAccuracy) {
  // No downsampling, circular padding and a global head: exactly equivariant features, pooled.
  const auto model = small_model("none", PadMode::kCircular, "gmp");
  const LogitsFn logits = model_logits(model);
  const Labelled d = half_right(logits, testing::random_tensor({10, 1, 16, 16}, 5, 0.0f, 1.0f), 10);
  EXPECT_EQ(worst_shift_accuracy(logits, d.images, d.labels, 2, 4), 0.5);
  const SuiteResult r = worst_shift_suite(SuiteInput{logits, d.images, d.labels, options(2)});
  ASSERT_EQ(r.metrics.size(), 1u);
  EXPECT_EQ(r.metrics[0].first, "worst_shift_acc");
  EXPECT_EQ(r.metrics[0].second, 0.5);
}

TEST(Suites, WorstShiftCountsAnImageWrongUnderAnyShift) {
  // Class 0 when pixel (2, 3) is bright: wrong as soon as a shift moves the bright pixel away.
  const LogitsFn pixel = [](const Tensor& x) {
    Tensor y = Tensor::empty({x.size(0), 2});
    for (int64_t n = 0; n < x.size(0); ++n) {
      y.at({n, 0}) = x.at({n, 0, 2, 3});
      y.at({n, 1}) = 0.5f;
    }
    return y;
  };
  Tensor images = Tensor::zeros({2, 1, 8, 8});
  images.at({0, 0, 2, 3}) = 1.0f;           // class 0 at shift 0 only
  const std::vector<int32_t> labels{0, 1};  // image 1 is dark: class 1 under every shift
  EXPECT_EQ(worst_shift_accuracy(pixel, images, labels, 0, 2), 1.0);
  EXPECT_EQ(worst_shift_accuracy(pixel, images, labels, 1, 2), 0.5);
}

TEST(Suites, CurvesHoldEveryParameter) {
  const auto model = small_model("avg_pool", PadMode::kZeros, "gap");
  const LogitsFn logits = model_logits(model);
  const Labelled d = half_right(logits, testing::random_tensor({6, 1, 16, 16}, 9, 0.0f, 1.0f), 10);
  const ShiftEvalOptions o = options(2);
  const SuiteResult scale = scale_suite(SuiteInput{logits, d.images, d.labels, o});
  ASSERT_EQ(scale.curves.size(), 1u);
  EXPECT_EQ(scale.curves[0].name, "scale_curve");
  EXPECT_EQ(scale.curves[0].points.size(), kScaleFactors.size());
  const SuiteResult corruption = corruption_suite(SuiteInput{logits, d.images, d.labels, o}, {1, 3});
  EXPECT_EQ(corruption.curves.at(0).points.size(), 20u);
  EXPECT_EQ(corruption.metrics.at(0).first, "corruption_acc_mean");
}

TEST(Suites, ParsesListsInRegistryOrder) {
  EXPECT_EQ(parse_suites("rotation,translation,rotation"), (std::vector<std::string>{"translation", "rotation"}));
  EXPECT_EQ(parse_suites(default_suites()).front(), "translation");
  EXPECT_NE(suites_help().find("[default]"), std::string::npos);
  try {
    parse_suites("translation,scales");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "unknown suite 'scales' (valid: translation, worst_shift, scale, rotation, corruption"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(parse_suites(","), ConfigError);
}

TEST(Suites, ResultsRoundTripThroughJson) {
  RunResult run;
  run.strategy = "max_pool";
  run.suites = {"translation", "scale"};
  run.suite_results.push_back(
      {"scale", {{"scale_acc_mean", 0.25}}, {{"scale_curve", "", "scale", {{"", 0.5, 0.125}}}}, {"scale: a note"}});
  run.suite_seconds = {{"translation", 1.5}, {"scale", 2.0}};
  const RunResult back = run_result_from_json(to_json(run), "test");
  EXPECT_EQ(back.suites, run.suites);
  ASSERT_NE(suite_metric(back, "scale_acc_mean"), nullptr);
  EXPECT_EQ(*suite_metric(back, "scale_acc_mean"), 0.25);
  ASSERT_NE(suite_curve(back, "scale_curve"), nullptr);
  EXPECT_EQ(suite_curve(back, "scale_curve")->points.at(0).value, 0.125);
  EXPECT_EQ(back.suite_seconds, run.suite_seconds);
  EXPECT_EQ(back.suite_results.at(0).notes, std::vector<std::string>{"scale: a note"});
  EXPECT_EQ(curve_csv(*suite_curve(back, "scale_curve")), "scale,acc\n0.5,0.125000\n");
}

TEST(Suites, FingerprintRecordsSuitesBeyondTranslation) {
  const DataIdentity data{.name = "shapes", .files = {}};
  ShiftEvalOptions o;
  EXPECT_EQ(run_fingerprint({}, data, {ShiftMode::kCircular}, o).count("eval.suites"), 0u);
  o.suites = {"translation", "worst_shift"};
  const Fingerprint f = run_fingerprint({}, data, {ShiftMode::kCircular}, o);
  EXPECT_EQ(f.at("eval.suites"), "translation,worst_shift");
  EXPECT_EQ(f.at("eval.suite_samples"), "2000");
  EXPECT_TRUE(is_evaluation_only("eval.suites"));
}

}  // namespace
}  // namespace poolnet
