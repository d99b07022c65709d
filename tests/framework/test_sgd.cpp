#include <gtest/gtest.h>

#include <array>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/optim/sgd.h"
#include "tests/support/grad_check.h"
#include "tests/support/optim_problem.h"

namespace poolnet {
namespace {

using testing::matches_reference;
using testing::optim_problem_params;
using testing::problem_values;
using testing::run_problem_steps;
using Table = std::array<std::array<float, 8>, 5>;

// torch.optim.SGD on the problem of tests/golden/generate_optim.py (torch 1.13): parameter
// values [w0..w5, b0, b1] after each of 5 steps.
// sgd plain lr=0.1
const Table kSgdPlain = {{
    {-1.149999976158142f, -0.48750001192092896f, 0.17499999701976776f, 1.0499999523162842f, -1.037500023841858f,
     -0.16249999403953552f, -0.25f, 0.16249999403953552f},
    {-1.212499976158142f, -0.42500001192092896f, 0.14999999105930328f, 1.149999976158142f, -1.024999976158142f,
     -0.23749999701976776f, -0.20000000298023224f, 0.1249999925494194f},
    {-1.225000023841858f, -0.5250000357627869f, 0.17499999701976776f, 1.087499976158142f, -0.9624999761581421f,
     -0.26249998807907104f, -0.10000000149011612f, 0.13749998807907104f},
    {-1.1875f, -0.5750000476837158f, 0.25f, 1.0749999284744263f, -1.0625f, -0.23749998211860657f, -0.16250000894069672f,
     0.19999998807907104f},
    {-1.100000023841858f, -0.5750000476837158f, 0.16249999403953552f, 1.1124999523162842f, -1.1124999523162842f,
     -0.16249997913837433f, -0.17500001192092896f, 0.09999998658895493f},
}};

// sgd momentum=0.9 weight_decay=0.01 lr=0.05
const Table kSgdMomentumDecay = {{
    {-1.199375033378601f, -0.4934999942779541f, 0.2123750001192093f, 1.0245000123977661f, -1.0182499885559082f,
     -0.20612500607967377f, -0.2498749941587448f, 0.20612500607967377f},
    {-1.1844627857208252f, -0.4561532437801361f, 0.16590631008148193f, 1.096037745475769f, -1.0279158353805542f,
     -0.2040344476699829f, -0.22463755309581757f, 0.14778444170951843f},
    {-1.1766996383666992f, -0.4723131060600281f, 0.13650153577327728f, 1.1286237239837646f, -1.004851222038269f,
     -0.2145509272813797f, -0.15181154012680054f, 0.10145404189825058f},
    {-1.150374412536621f, -0.511620819568634f, 0.14746899902820587f, 1.1511367559432983f, -1.03359055519104f,
     -0.21140848100185394f, -0.11744222044944763f, 0.0909559577703476f},
    {-1.082356572151184f, -0.5467419624328613f, 0.11351597309112549f, 1.1895729303359985f, -1.0839391946792603f,
     -0.17097458243370056f, -0.09270111471414566f, 0.031462207436561584f},
}};

// sgd nesterov momentum=0.8 lr=0.1
const Table kSgdNesterov = {{
    {-1.0700000524520874f, -0.47749999165534973f, 0.11499999463558197f, 1.090000033378601f, -1.0674999952316284f,
     -0.0924999937415123f, -0.25f, 0.0924999937415123f},
    {-1.118499994277954f, -0.3569999933242798f, 0.021999992430210114f, 1.3020000457763672f, -1.069000005722046f,
     -0.17149999737739563f, -0.1599999964237213f, -0.031000008806586266f},
    {-1.1297999620437622f, -0.49059998989105225f, 0.012599990703165531f, 1.2791000604629517f, -0.9677000045776367f,
     -0.21969999372959137f, 0.05199999362230301f, -0.07730001211166382f},
    {-1.0613399744033813f, -0.607479989528656f, 0.12007999420166016f, 1.2882800102233887f, -1.1166599988937378f,
     -0.19325999915599823f, 0.029099995270371437f, -0.011840014718472958f},
    {-0.8790719509124756f, -0.6609839797019958f, -0.011436011642217636f, 1.3731240034103394f, -1.2458280324935913f,
     -0.057107992470264435f, 0.03827999532222748f, -0.1894720196723938f},
}};

// sgd momentum=0.9 dampening=0.3 lr=0.1 skip_b
const Table kSgdDampeningSkip = {{
    {-1.149999976158142f, -0.48750001192092896f, 0.17499999701976776f, 1.0499999523162842f, -1.037500023841858f,
     -0.16249999403953552f, -0.25f, 0.16249999403953552f},
    {-1.1037499904632568f, -0.4325000047683716f, 0.08999999612569809f, 1.1649999618530273f, -1.0625f,
     -0.13624998927116394f, -0.2150000035762787f, 0.057499997317790985f},
    {-1.0708750486373901f, -0.453000009059906f, 0.031000003218650818f, 1.2247499227523804f, -1.0412499904632568f,
     -0.1301249861717224f, -0.2150000035762787f, 0.057499997317790985f},
    {-1.0150375366210938f, -0.5064499974250793f, 0.03040001168847084f, 1.2697749137878418f, -1.0921249389648438f,
     -0.10711248964071274f, -0.22725000977516174f, 0.006750003434717655f},
    {-0.9035338163375854f, -0.5545549988746643f, -0.031389977782964706f, 1.3365473747253418f, -1.1729124784469604f,
     -0.033901240676641464f, -0.2470250129699707f, -0.1089249923825264f},
}};

void expect_matches(SgdOptions options, const Table& table, bool skip_b) {
  Sgd sgd(optim_problem_params(), options);
  for (int64_t k = 0; k < 5; ++k) {
    run_problem_steps(sgd, k, k + 1, skip_b);
    const std::vector<float> ref(table[k].begin(), table[k].end());
    EXPECT_TRUE(matches_reference(problem_values(sgd.params()), ref)) << "after step " << k + 1;
  }
}

TEST(Sgd, MatchesPyTorchPlain) { expect_matches({.lr = 0.1}, kSgdPlain, false); }

TEST(Sgd, MatchesPyTorchMomentumWeightDecay) {
  expect_matches({.lr = 0.05, .momentum = 0.9, .weight_decay = 0.01}, kSgdMomentumDecay, false);
}

TEST(Sgd, MatchesPyTorchNesterov) {
  expect_matches({.lr = 0.1, .momentum = 0.8, .nesterov = true}, kSgdNesterov, false);
}

TEST(Sgd, MatchesPyTorchDampeningWithMissingGradient) {
  expect_matches({.lr = 0.1, .momentum = 0.9, .dampening = 0.3}, kSgdDampeningSkip, true);
}

// One parameter p = 1 with gradient 0.5, two steps, by hand.
std::vector<float> two_steps(SgdOptions options) {
  Tensor p = Tensor::full({1}, 1.0f).set_requires_grad();
  Sgd sgd({{"p", p}}, options);
  std::vector<float> out;
  for (int k = 0; k < 2; ++k) {
    sgd.zero_grad();
    grad_buffer(p)[0] = 0.5f;
    sgd.step();
    out.push_back(p.item());
  }
  return out;
}

TEST(Sgd, HandComputedSteps) {
  // d = 0.5 + 0.1 * 1 = 0.6, b = 0.6, p = 1 - 0.06 = 0.94; then d = 0.5 + 0.094 = 0.594,
  // b = 0.9 * 0.6 + 0.594 = 1.134, p = 0.94 - 0.1134 = 0.8266.
  std::vector<float> v = two_steps({.lr = 0.1, .momentum = 0.9, .weight_decay = 0.1});
  EXPECT_NEAR(v[0], 0.94, 1e-6);
  EXPECT_NEAR(v[1], 0.8266, 1e-6);
  // Nesterov: b = 0.5, d = 0.5 + 0.9 * 0.5 = 0.95, p = 0.905; then b = 0.95, d = 0.5 + 0.855,
  // p = 0.905 - 0.1355 = 0.7695.
  v = two_steps({.lr = 0.1, .momentum = 0.9, .nesterov = true});
  EXPECT_NEAR(v[0], 0.905, 1e-6);
  EXPECT_NEAR(v[1], 0.7695, 1e-6);
  // Dampening applies from the second step on: b = 0.5, then b = 0.45 + 0.5 * 0.5 = 0.7.
  v = two_steps({.lr = 0.1, .momentum = 0.9, .dampening = 0.5});
  EXPECT_NEAR(v[0], 0.95, 1e-6);
  EXPECT_NEAR(v[1], 0.88, 1e-6);
  v = two_steps({.lr = 0.1});
  EXPECT_NEAR(v[1], 0.9, 1e-6);
}

TEST(Sgd, MomentumBufferIsState) {
  Sgd plain(optim_problem_params(), {.lr = 0.1});
  run_problem_steps(plain, 0, 2, false);
  ASSERT_EQ(plain.state().size(), 1u);  // only "step"
  EXPECT_EQ(plain.state()[0].first, "step");
  EXPECT_EQ(plain.state()[0].second.item(), 2.0f);

  Sgd momentum(optim_problem_params(), {.lr = 0.1, .momentum = 0.9});
  run_problem_steps(momentum, 0, 1, false);
  const NamedTensors state = momentum.state();
  ASSERT_EQ(state.size(), 3u);
  EXPECT_EQ(state[1].first, "momentum_buffer.w");
  EXPECT_EQ(state[2].first, "momentum_buffer.b");
  EXPECT_EQ(state[1].second.shape(), (Shape{2, 3}));
  // After one step the buffer is the gradient of step 0.
  Tensor g0 = Tensor::empty({2});
  for (int i = 0; i < 2; ++i) g0.data()[i] = static_cast<float>((7 * (i + 6)) % 17 - 8) / 8.0f;
  EXPECT_TRUE(testing::bitwise_equal(state[2].second, g0));
}

TEST(Sgd, RejectsBadOptions) {
  EXPECT_THROW(Sgd(optim_problem_params(), {.lr = -0.1}), ConfigError);
  EXPECT_THROW(Sgd(optim_problem_params(), {.momentum = -0.5}), ConfigError);
  EXPECT_THROW(Sgd(optim_problem_params(), {.weight_decay = -1}), ConfigError);
  EXPECT_THROW(Sgd(optim_problem_params(), {.momentum = 0.9, .dampening = 0.1, .nesterov = true}), ConfigError);
  try {
    Sgd(optim_problem_params(), {.nesterov = true});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("sgd: Nesterov momentum requires momentum > 0"), std::string::npos)
        << e.what();
  }
}

TEST(Sgd, Describes) {
  Sgd sgd(optim_problem_params(), {.lr = 0.1, .momentum = 0.9, .nesterov = true});
  EXPECT_EQ(sgd.name(), "sgd");
  EXPECT_EQ(sgd.describe(), "SGD(lr=0.1, momentum=0.9, dampening=0, weight_decay=0, nesterov=true)");
}

}  // namespace
}  // namespace poolnet
