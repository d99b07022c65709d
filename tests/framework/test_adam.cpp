#include <gtest/gtest.h>

#include <array>
#include <cmath>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/optim/adam.h"
#include "tests/support/optim_problem.h"

namespace poolnet {
namespace {

using testing::matches_reference;
using testing::optim_problem_params;
using testing::problem_values;
using testing::run_problem_steps;
using Table = std::array<std::array<float, 8>, 5>;

// torch.optim.Adam / AdamW on the problem of tests/golden/generate_optim.py (torch 1.13):
// parameter values [w0..w5, b0, b1] after each of 5 steps.
// adam default lr=0.01
const Table kAdamDefault = {{
    {-1.2400000095367432f, -0.49000000953674316f, 0.23999999463558197f, 1.0099999904632568f, -1.0099999904632568f,
     -0.23999999463558197f, -0.25f, 0.23999999463558197f},
    {-1.2382640838623047f, -0.4813895523548126f, 0.2312893569469452f, 1.0196517705917358f, -1.0140022039413452f,
     -0.23975779116153717f, -0.24255862832069397f, 0.23090912401676178f},
    {-1.2376036643981934f, -0.48320117592811584f, 0.2267976701259613f, 1.0230447053909302f, -1.0102542638778687f,
     -0.24093012511730194f, -0.23427289724349976f, 0.22477419674396515f},
    {-1.2353335618972778f, -0.48682746291160583f, 0.22797194123268127f, 1.0252459049224854f, -1.0131034851074219f,
     -0.2406628578901291f, -0.23118633031845093f, 0.22373774647712708f},
    {-1.2306227684020996f, -0.48989251255989075f, 0.22538864612579346f, 1.028559923171997f, -1.0173736810684204f,
     -0.23758594691753387f, -0.2291201651096344f, 0.21948805451393127f},
}};

// adam weight_decay=0.1 betas=(0.8,0.99) eps=1e-3 lr=0.05 skip_b
const Table kAdamDecaySkip = {{
    {-1.2000443935394287f, -0.45028409361839294f, 0.20006442070007324f, 1.049875259399414f, -1.0498188734054565f,
     -0.20005549490451813f, -0.20192307233810425f, 0.20005549490451813f},
    {-1.187454342842102f, -0.4045272469520569f, 0.15745210647583008f, 1.0984117984771729f, -1.0487288236618042f,
     -0.20039406418800354f, -0.1613873690366745f, 0.15547870099544525f},
    {-1.1785142421722412f, -0.4138277769088745f, 0.13754945993423462f, 1.1052641868591309f, -1.0167022943496704f,
     -0.20755186676979065f, -0.1613873690366745f, 0.15547870099544525f},
    {-1.1595603227615356f, -0.43266257643699646f, 0.1481749415397644f, 1.104021668434143f, -1.0252609252929688f,
     -0.20529840886592865f, -0.16917598247528076f, 0.14680583775043488f},
    {-1.1277869939804077f, -0.4463498592376709f, 0.13417762517929077f, 1.1099733114242554f, -1.0419782400131226f,
     -0.18595457077026367f, -0.1795971840620041f, 0.119548499584198f},
}};

// adamw weight_decay=0.1 lr=0.05
const Table kAdamWDecay = {{
    {-1.193750023841858f, -0.4475000202655792f, 0.19875000417232513f, 1.0449999570846558f, -1.0449999570846558f,
     -0.19875000417232513f, -0.2487500011920929f, 0.19875000417232513f},
    {-1.179101586341858f, -0.40221020579338074f, 0.15420305728912354f, 1.0880341529846191f, -1.0597859621047974f,
     -0.19654521346092224f, -0.21029940247535706f, 0.15230192244052887f},
    {-1.1699037551879883f, -0.40925732254981995f, 0.13097363710403442f, 1.099558711051941f, -1.0357475280761719f,
     -0.20142416656017303f, -0.16781927645206451f, 0.12086576223373413f},
    {-1.1527037620544434f, -0.4253424406051636f, 0.13619016110897064f, 1.1050666570663452f, -1.044814944267273f,
     -0.1990806758403778f, -0.151547372341156f, 0.11507918685674667f},
    {-1.1233865022659302f, -0.43854090571403503f, 0.1225927323102951f, 1.1161115169525146f, -1.0609420537948608f,
     -0.1827007234096527f, -0.1404588371515274f, 0.09325529634952545f},
}};

// adamw default lr=1e-3 skip_b
const Table kAdamWDefaultSkip = {{
    {-1.2489874362945557f, -0.49899500608444214f, 0.2489974945783615f, 1.0009900331497192f, -1.0009900331497192f,
     -0.2489974945783615f, -0.24999749660491943f, 0.2489974945783615f},
    {-1.248801350593567f, -0.4981289505958557f, 0.24812394380569458f, 1.0019452571868896f, -1.001380205154419f,
     -0.24897079169750214f, -0.2492508590221405f, 0.24808591604232788f},
    {-1.248722791671753f, -0.49830514192581177f, 0.24767228960990906f, 1.002274513244629f, -1.000995397567749f,
     -0.24908553063869476f, -0.2492508590221405f, 0.24808591604232788f},
    {-1.2484833002090454f, -0.4986627995967865f, 0.2477872371673584f, 1.0024845600128174f, -1.0012702941894531f,
     -0.24905630946159363f, -0.24938806891441345f, 0.24784697592258453f},
    {-1.247999668121338f, -0.4989643096923828f, 0.24752642214298248f, 1.0028059482574463f, -1.0016872882843018f,
     -0.2487461268901825f, -0.24958835542201996f, 0.24731533229351044f},
}};

void expect_matches(Optimizer& optimizer, const Table& table, bool skip_b) {
  for (int64_t k = 0; k < 5; ++k) {
    run_problem_steps(optimizer, k, k + 1, skip_b);
    const std::vector<float> ref(table[k].begin(), table[k].end());
    EXPECT_TRUE(matches_reference(problem_values(optimizer.params()), ref)) << "after step " << k + 1;
  }
}

TEST(Adam, MatchesPyTorchDefaults) {
  Adam adam(optim_problem_params(), {.lr = 0.01});
  expect_matches(adam, kAdamDefault, false);
}

TEST(Adam, MatchesPyTorchWeightDecayBetasEpsWithMissingGradient) {
  Adam adam(optim_problem_params(), {.lr = 0.05, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-3, .weight_decay = 0.1});
  expect_matches(adam, kAdamDecaySkip, true);
}

TEST(AdamW, MatchesPyTorchDecoupledWeightDecay) {
  AdamW adamw(optim_problem_params(), {.lr = 0.05, .weight_decay = 0.1});
  expect_matches(adamw, kAdamWDecay, false);
}

TEST(AdamW, MatchesPyTorchDefaultsWithMissingGradient) {
  AdamW adamw(optim_problem_params());
  EXPECT_EQ(adamw.options().weight_decay, 1e-2);
  expect_matches(adamw, kAdamWDefaultSkip, true);
}

float one_step(Optimizer& optimizer, const Tensor& p, float grad) {
  optimizer.zero_grad();
  grad_buffer(p)[0] = grad;
  optimizer.step();
  return p.item();
}

TEST(Adam, HandComputedFirstStepsShowEpsAndDecayPlacement) {
  // First step: m̂ = g, v̂ = g², so p moves by lr * g / (|g| + eps) ≈ lr.
  Tensor p = Tensor::full({1}, 1.0f).set_requires_grad();
  Adam adam({{"p", p}}, {.lr = 0.01});
  EXPECT_NEAR(one_step(adam, p, 0.5f), 0.99, 1e-7);
  // eps added after the bias-corrected square root: m = 0.05, v = 0.00025, denom =
  // sqrt(0.00025) / sqrt(0.001) + 1 = 1.5, p = 1 - (0.1 / 0.1) * 0.05 / 1.5.
  Tensor q = Tensor::full({1}, 1.0f).set_requires_grad();
  Adam large_eps({{"q", q}}, {.lr = 0.1, .eps = 1.0});
  EXPECT_NEAR(one_step(large_eps, q, 0.5f), 1.0 - 0.05 / 1.5, 1e-7);
  // Second step, same gradient: m = 0.095, v = 0.00049975, bias corrections 0.19 and 0.001999.
  const double m = 0.095, v = 0.00049975, denom = std::sqrt(v) / std::sqrt(0.001999) + 1.0;
  EXPECT_NEAR(one_step(large_eps, q, 0.5f), 1.0 - 0.05 / 1.5 - (0.1 / 0.19) * m / denom, 1e-7);
  // Adam's weight decay goes through the gradient (and so through the normalisation): with
  // g = 0.5 + 0.1 * 1 the first step is still ≈ lr.
  Tensor r = Tensor::full({1}, 1.0f).set_requires_grad();
  Adam decayed({{"r", r}}, {.lr = 0.01, .weight_decay = 0.1});
  EXPECT_NEAR(one_step(decayed, r, 0.5f), 0.99, 1e-7);
  // AdamW's is decoupled: p = 1 * (1 - 0.01 * 0.1) - 0.01.
  Tensor s = Tensor::full({1}, 1.0f).set_requires_grad();
  AdamW adamw({{"s", s}}, {.lr = 0.01, .weight_decay = 0.1});
  EXPECT_NEAR(one_step(adamw, s, 0.5f), 0.989, 1e-7);
}

TEST(Adam, PerParameterStepCountsSkipMissingGradients) {
  Adam adam(optim_problem_params());
  run_problem_steps(adam, 0, 4, true);  // "b" has no gradient at step 2
  EXPECT_EQ(adam.step_count(), 4);
  for (const auto& [name, t] : adam.state()) {
    if (name == "step.w") {
      EXPECT_EQ(t.item(), 4.0f);
    }
    if (name == "step.b") {
      EXPECT_EQ(t.item(), 3.0f);
    }
  }
  std::vector<std::string> names;
  for (const auto& [name, t] : adam.state()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"step", "exp_avg.w", "exp_avg.b", "exp_avg_sq.w", "exp_avg_sq.b", "step.w",
                                             "step.b"}));
}

TEST(Adam, RejectsBadOptions) {
  EXPECT_THROW(Adam(optim_problem_params(), {.beta1 = 1.0}), ConfigError);
  EXPECT_THROW(Adam(optim_problem_params(), {.beta2 = -0.1}), ConfigError);
  EXPECT_THROW(Adam(optim_problem_params(), {.eps = -1e-8}), ConfigError);
  EXPECT_THROW(AdamW(optim_problem_params(), {.weight_decay = -1}), ConfigError);
  try {
    AdamW(optim_problem_params(), {.lr = -1});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("adamw: learning rate"), std::string::npos) << e.what();
  }
}

TEST(Adam, Describes) {
  EXPECT_EQ(Adam(optim_problem_params()).describe(), "Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0)");
  AdamW adamw(optim_problem_params());
  EXPECT_EQ(adamw.name(), "adamw");
  EXPECT_EQ(adamw.describe(), "AdamW(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.01)");
}

}  // namespace
}  // namespace poolnet
