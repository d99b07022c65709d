// The op contract (tests/support/op_contract.h) for every downsampling strategy, built through
// the one factory exactly as a model builds it, with zero and circular padding: gradients of the
// input and of every parameter, accumulation, 1 vs 2 threads; and a rank error that names the
// op and the input's shape. Training and eval mode are both checked where they compute
// different things (stochastic_pool); training draws are made repeatable by resetting the
// module's draw counters before each forward.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <string>
#include <vector>

#include "framework/errors.h"
#include "layers/downsample.h"
#include "tests/support/golden_cases.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"

namespace poolnet {
namespace {
using testing::bitwise_equal;
using testing::op_contract;
using testing::random_tensor;
using testing::separated_tensor;

constexpr int64_t kChannels = 3;

std::shared_ptr<Module> build(const std::string& name, PadMode padding_mode = PadMode::kZeros) {
  return make_downsample(parse_downsample(name), DownsampleContext{.channels = kChannels,
                                                                   .padding_mode = padding_mode,
                                                                   .seed = 7,
                                                                   .stride = 2});
}

// Positive, distinct values at least 0.01 apart (no max, ReLU or norm ties within a
// finite-difference step; stochastic and Lp pooling see non-negative windows).
Tensor small_input() {
  Tensor x = separated_tensor({2, kChannels, 7, 6}, 3, 0.01f);
  for (float& v : x.span()) v += 1.4f;
  return x.set_requires_grad();
}

// The input first, then the module's parameters: the forward reads the parameters through the
// module, and the checker perturbs them in place through these shared handles.
std::vector<Tensor> with_parameters(Tensor x, const Module& m) {
  std::vector<Tensor> in{std::move(x)};
  for (const Tensor& p : m.parameters()) in.push_back(p);
  return in;
}

testing::TensorFn forward_of(const std::shared_ptr<Module>& m) {
  return [m](const std::vector<Tensor>& in) {
    for (const auto& [name, counter] : m->named_counters()) *counter = 0;  // the same draw every time
    return m->forward(in[0]);
  };
}

// Strategies whose initial parameters sit where the output bends too sharply for central
// differences: lip_pool's logit conv starts at zero (the reference's initialisation), so its
// instance norm sees constant planes and the logits move by 1/sqrt(eps) per unit of weight,
// curving within 1e-3. Their contract runs at random parameters instead.
const std::vector<std::string> kRandomParameters = {"lip_pool"};

void randomise_parameters_of(const std::string& name, const Module& m) {
  if (std::find(kRandomParameters.begin(), kRandomParameters.end(), name) == kRandomParameters.end()) return;
  uint64_t seed = 11;
  for (const Tensor& p : m.parameters()) {
    const Tensor r = random_tensor(p.shape(), seed++, -0.5f, 0.5f);
    std::copy(r.span().begin(), r.span().end(), p.span().begin());
  }
}

class StrategyLayer : public ::testing::TestWithParam<std::string> {};

TEST_P(StrategyLayer, Contract) {
  for (PadMode padding_mode : {PadMode::kZeros, PadMode::kCircular}) {
    const std::shared_ptr<Module> m = build(GetParam(), padding_mode);
    randomise_parameters_of(GetParam(), *m);
    const testing::TensorFn f = forward_of(m);
    const Tensor probe = small_input().detach();
    m->train();
    const Tensor train_out = f({probe});
    m->eval();
    const bool modes_differ = !bitwise_equal(train_out, f({probe}));
    for (bool training : {true, false}) {
      if (!training && !modes_differ) continue;
      SCOPED_TRACE(to_string(padding_mode) + (training ? " train" : " eval"));
      m->train(training);
      EXPECT_TRUE(op_contract({
          .op = GetParam(),
          .f = f,
          .inputs = with_parameters(small_input(), *m),
          .grad = {.eps = 1e-3},
          .thread_inputs = with_parameters(random_tensor({16, kChannels, 20, 20}, 5, 0.1f, 1.0f).set_requires_grad(), *m),
          .accumulate_atol = 1e-4,
      }));
    }
  }
}

// The first op of each strategy rejects a rank-3 input with a ShapeError that starts with the
// op's name ("max_pool2d: ...") and gives the shape.
TEST_P(StrategyLayer, RankErrorNamesTheOpAndShape) {
  if (GetParam() == "none") GTEST_SKIP() << "the identity accepts any input";
  const std::shared_ptr<Module> m = build(GetParam());
  try {
    m->forward(Tensor::zeros({2, kChannels, 8}));
    FAIL() << GetParam() << " accepted a rank-3 input";
  } catch (const ShapeError& e) {
    const std::string message = e.what();
    const std::string op = message.substr(0, message.find(':'));
    EXPECT_FALSE(op.empty() || op.size() == message.size()) << message;
    EXPECT_TRUE(std::all_of(op.begin(), op.end(), [](char ch) { return std::islower(ch) || std::isdigit(ch) || ch == '_'; }))
        << message;
    EXPECT_TRUE(testing::shape_error_names(op, {[&] { m->forward(Tensor::zeros({2, kChannels, 8})); }, {"[2,3,8]"}}));
  }
}

INSTANTIATE_TEST_SUITE_P(AllStrategies, StrategyLayer, ::testing::ValuesIn(all_strategy_names()), testing::param_name);

TEST(StrategyLayers, LearnableStrategiesHaveParameters) {
  // The contract above checks parameter gradients; make sure it sees the learnable strategies'.
  for (const std::string name : {"strided_conv", "conv_blur_pool", "mixed_pool", "lps", "tips", "lip_pool"}) {
    EXPECT_GT(build(name)->parameter_count(), 0) << name;
  }
}

}  // namespace
}  // namespace poolnet
