#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "framework/errors.h"
#include "framework/optim/schedule.h"

namespace poolnet {
namespace {

// PyTorch's param_groups[0]["lr"] at steps 0, 1, ... (tests/golden/generate_optim.py, torch 1.13).
const std::vector<double> kStepRef = {0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125, 0.0125, 0.0125};
const std::vector<double> kCosineRef = {
    0.1,    0.09757729755661011, 0.0905463412215599,  0.07959536998847742,  0.0657963412215599,
    0.0505, 0.03520365877844011, 0.02140463001152259, 0.010453658778440109, 0.0034227024433899004,
    0.001};
const std::vector<double> kWarmupStepRef = {0.025,
                                            0.043750000000000004,
                                            0.06250000000000001,
                                            0.04062500000000001,
                                            0.05000000000000001,
                                            0.05000000000000001,
                                            0.025000000000000005,
                                            0.025000000000000005,
                                            0.025000000000000005,
                                            0.012500000000000002,
                                            0.012500000000000002,
                                            0.012500000000000002};
const std::vector<double> kWarmupCosineRef = {0.010000000000000002,  0.027827636768331932,  0.04487429987478854,
                                              0.06051220877402778,   0.07416969676937286,   0.08535533905932739,
                                              0.07938926261462367,   0.07269952498697735,   0.06545084971874739,
                                              0.05782172325201156,   0.05000000000000001,   0.04217827674798848,
                                              0.03454915028125264,   0.027300475013022667,  0.020610737385376353,
                                              0.014644660940672629,  0.009549150281252633,  0.005449673790581611,
                                              0.0024471741852423235, 0.0006155829702431171, 0.0};
const std::vector<double> kWarmupConstantRef = {
    0.03333333333333333, 0.05555555555555556, 0.07777777777777778, 0.1, 0.1, 0.1};
const std::vector<double> kOneCycleRef = {0.0040000000000000036,
                                          0.013167184270002533,
                                          0.037167184270002526,
                                          0.06683281572999747,
                                          0.09083281572999748,
                                          0.1,
                                          0.09874640062350874,
                                          0.09504846320134738,
                                          0.089091617757105,
                                          0.0811745653949763,
                                          0.07169430017913009,
                                          0.06112620219362893,
                                          0.0500002,
                                          0.03887419780637107,
                                          0.028306099820869922,
                                          0.0188258346050237,
                                          0.010908782242895003,
                                          0.004951936798652629,
                                          0.0012539993764912555,
                                          4e-07};
const std::vector<double> kOneCycleCustomRef = {0.04999999999999999,
                                                0.20547117626563682,
                                                0.45702882373436315,
                                                0.47526697475862917,
                                                0.3058246032555895,
                                                0.09453342198578131,
                                                0.0005};

void expect_matches(const Schedule& schedule, const std::vector<double>& ref) {
  for (size_t t = 0; t < ref.size(); ++t) {
    EXPECT_NEAR(lr_at(schedule, static_cast<int64_t>(t)), ref[t], 1e-12 + 1e-12 * ref[t]) << "step " << t;
  }
}

TEST(Schedule, MatchesPyTorchStepLR) {
  expect_matches({.curve = StepLr{.lr = 0.1, .step_size = 3, .gamma = 0.5}}, kStepRef);
}

TEST(Schedule, MatchesPyTorchCosineAnnealingLR) {
  expect_matches({.curve = CosineLr{.lr = 0.1, .min_lr = 0.001, .total_steps = 10}}, kCosineRef);
}

TEST(Schedule, MatchesPyTorchChainedLinearWarmup) {
  expect_matches(
      {.curve = StepLr{.lr = 0.1, .step_size = 3, .gamma = 0.5}, .warmup = {.steps = 4, .start_factor = 0.25}},
      kWarmupStepRef);
  expect_matches({.curve = CosineLr{.lr = 0.1, .total_steps = 20}, .warmup = {.steps = 5, .start_factor = 0.1}},
                 kWarmupCosineRef);
  expect_matches({.curve = ConstantLr{.lr = 0.1}, .warmup = {.steps = 3}}, kWarmupConstantRef);
}

TEST(Schedule, MatchesPyTorchOneCycleLR) {
  expect_matches({.curve = OneCycleLr{.max_lr = 0.1, .total_steps = 20}}, kOneCycleRef);
  expect_matches(
      {.curve =
           OneCycleLr{.max_lr = 0.5, .total_steps = 7, .pct_start = 0.5, .div_factor = 10, .final_div_factor = 100}},
      kOneCycleCustomRef);
}

TEST(Schedule, HoldsItsFinalValuePastTheEnd) {
  const Schedule cosine{.curve = CosineLr{.lr = 0.1, .min_lr = 0.001, .total_steps = 10}};
  EXPECT_EQ(lr_at(cosine, 10), 0.001);
  EXPECT_EQ(lr_at(cosine, 11), 0.001);
  EXPECT_EQ(lr_at(cosine, 1000000), 0.001);
  const Schedule one_cycle{.curve = OneCycleLr{.max_lr = 0.1, .total_steps = 20}};
  EXPECT_DOUBLE_EQ(lr_at(one_cycle, 19), 0.1 / 25 / 1e4);
  EXPECT_EQ(lr_at(one_cycle, 20), lr_at(one_cycle, 19));
  EXPECT_EQ(lr_at(one_cycle, 5000), lr_at(one_cycle, 19));
  EXPECT_EQ(lr_at({.curve = ConstantLr{.lr = 0.3}}, 123456789), 0.3);
}

TEST(Schedule, DegenerateLengthsStayFinite) {
  // total_steps = 1: PyTorch's one-cycle rise phase is empty; the single step gets the final rate.
  EXPECT_DOUBLE_EQ(lr_at({.curve = OneCycleLr{.max_lr = 1.0, .total_steps = 1}}, 0), 1.0 / 25 / 1e4);
  // pct_start * total_steps = 1: the rise phase ends at step 0 (PyTorch divides by zero there).
  const Schedule instant{.curve = OneCycleLr{.max_lr = 1.0, .total_steps = 10, .pct_start = 0.1}};
  EXPECT_EQ(lr_at(instant, 0), 1.0);
  EXPECT_LT(lr_at(instant, 1), 1.0);
  // pct_start = 1: all rise, then the final rate.
  const Schedule rise{.curve = OneCycleLr{.max_lr = 1.0, .total_steps = 4, .pct_start = 1.0}};
  EXPECT_DOUBLE_EQ(lr_at(rise, 3), 1.0);
  EXPECT_DOUBLE_EQ(lr_at(rise, 4), 1.0 / 25 / 1e4);
  for (int64_t total : {1, 2, 3, 7}) {
    for (double pct : {0.0, 0.3, 0.5, 1.0}) {
      const Schedule s{.curve = OneCycleLr{.max_lr = 1.0, .total_steps = total, .pct_start = pct}};
      for (int64_t t = 0; t < total + 2; ++t) {
        const double lr = lr_at(s, t);
        EXPECT_TRUE(std::isfinite(lr) && lr > 0.0 && lr <= 1.0) << "total " << total << " pct " << pct << " t " << t;
      }
    }
  }
  EXPECT_EQ(lr_at({.curve = CosineLr{.lr = 0.5, .total_steps = 1}}, 0), 0.5);
  EXPECT_EQ(lr_at({.curve = CosineLr{.lr = 0.5, .total_steps = 1}}, 1), 0.0);
  // Warm-up from zero, and a warm-up longer than the schedule.
  EXPECT_EQ(lr_at({.curve = ConstantLr{.lr = 0.4}, .warmup = {.steps = 4, .start_factor = 0.0}}, 0), 0.0);
  EXPECT_DOUBLE_EQ(lr_at({.curve = ConstantLr{.lr = 0.4}, .warmup = {.steps = 4, .start_factor = 0.0}}, 1), 0.1);
  EXPECT_DOUBLE_EQ(
      lr_at({.curve = CosineLr{.lr = 0.4, .total_steps = 2}, .warmup = {.steps = 8, .start_factor = 0.5}}, 2), 0.0);
}

std::string config_error(const Schedule& schedule, int64_t step = 0) {
  try {
    lr_at(schedule, step);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Schedule, RejectsBadSettingsNamingTheField) {
  EXPECT_EQ(config_error({.curve = StepLr{.lr = 0.1, .step_size = 0}}), "schedule step: step_size must be >= 1, got 0");
  EXPECT_EQ(config_error({.curve = StepLr{.lr = 0.1, .step_size = 2, .gamma = 0.0}}),
            "schedule step: gamma must be finite and > 0, got 0");
  EXPECT_EQ(config_error({.curve = CosineLr{.lr = 0.1, .min_lr = 0.2, .total_steps = 5}}),
            "schedule cosine: min_lr must be <= lr, got 0.2");
  EXPECT_EQ(config_error({.curve = CosineLr{.lr = 0.1, .total_steps = 0}}),
            "schedule cosine: total_steps must be >= 1, got 0");
  EXPECT_EQ(config_error({.curve = OneCycleLr{.max_lr = 0.1, .total_steps = 5, .pct_start = 1.5}}),
            "schedule one_cycle: pct_start must be in [0, 1], got 1.5");
  EXPECT_EQ(config_error({.curve = OneCycleLr{.max_lr = 0.1, .total_steps = 5, .div_factor = 0}}),
            "schedule one_cycle: div_factor must be finite and > 0, got 0");
  EXPECT_EQ(config_error({.curve = ConstantLr{.lr = -1}}), "schedule constant: lr must be finite and >= 0, got -1");
  EXPECT_EQ(config_error({.curve = ConstantLr{.lr = NAN}}), "schedule constant: lr must be finite and >= 0, got nan");
  EXPECT_EQ(config_error({.warmup = {.steps = -1}}), "schedule warmup: steps must be >= 0, got -1");
  EXPECT_EQ(config_error({.warmup = {.steps = 2, .start_factor = 1.5}}),
            "schedule warmup: start_factor must be in [0, 1], got 1.5");
  EXPECT_EQ(config_error({}, -1), "schedule: step must be >= 0, got -1");
}

TEST(Schedule, ParsesSpecStrings) {
  const Schedule cosine = parse_schedule("cosine:min_lr=0.001,warmup=5,warmup_start_factor=0.1", 0.1, 20);
  ASSERT_TRUE(std::holds_alternative<CosineLr>(cosine.curve));
  EXPECT_EQ(std::get<CosineLr>(cosine.curve).min_lr, 0.001);
  EXPECT_EQ(std::get<CosineLr>(cosine.curve).total_steps, 20);
  EXPECT_EQ(cosine.warmup.steps, 5);
  EXPECT_EQ(describe(cosine), "cosine(lr=0.1, min_lr=0.001, total_steps=20) + warmup(steps=5, start_factor=0.1)");
  expect_matches(parse_schedule("one_cycle", 0.1, 20), kOneCycleRef);
  expect_matches(parse_schedule("step:step_size=3,gamma=0.5", 0.1, 100), kStepRef);
  EXPECT_EQ(describe(parse_schedule("constant", 0.5, 1)), "constant(lr=0.5)");
  EXPECT_EQ(describe(parse_schedule("one_cycle:pct_start=0.25", 0.5, 10)),
            "one_cycle(max_lr=0.5, total_steps=10, pct_start=0.25, div_factor=25, final_div_factor=10000)");
}

TEST(Schedule, SpecErrorsListTheValidChoices) {
  auto error = [](std::string_view spec) {
    try {
      parse_schedule(spec, 0.1, 10);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("cosin"), "schedule 'cosin': unknown schedule 'cosin' (valid: constant, step, cosine, one_cycle)");
  EXPECT_EQ(error("cosine:gamma=0.1"),
            "schedule 'cosine:gamma=0.1': unknown key 'gamma' for cosine (valid: min_lr, warmup, warmup_start_factor)");
  EXPECT_EQ(error("step:gamma=0.5"), "schedule 'step:gamma=0.5': step needs step_size=N");
  EXPECT_EQ(error("step:step_size=abc"), "schedule 'step:step_size=abc': step_size=abc is not a number");
  EXPECT_EQ(error("step:step_size=2.5"), "schedule 'step:step_size=2.5': step_size must be an integer, got 2.5");
  EXPECT_EQ(error("cosine:min_lr"), "schedule 'cosine:min_lr': expected key=value, got 'min_lr'");
  EXPECT_EQ(error("cosine:min_lr=1"), "schedule cosine: min_lr must be <= lr, got 1");
}

}  // namespace
}  // namespace poolnet
