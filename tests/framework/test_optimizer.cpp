#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/optim/adam.h"
#include "framework/optim/optimizer.h"
#include "framework/optim/sgd.h"
#include "tests/support/grad_check.h"
#include "tests/support/optim_problem.h"

namespace poolnet {
namespace {

using testing::bitwise_equal;
using testing::clone_params;
using testing::optim_problem_params;
using testing::run_problem_steps;

using Factory = std::function<std::unique_ptr<Optimizer>(NamedTensors)>;

struct NamedFactory {
  std::string name;
  Factory make;
};

std::vector<NamedFactory> factories() {
  return {
      {"sgd_momentum",
       [](NamedTensors p) {
         return std::make_unique<Sgd>(std::move(p), SgdOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01});
       }},
      {"sgd_nesterov",
       [](NamedTensors p) {
         return std::make_unique<Sgd>(std::move(p), SgdOptions{.lr = 0.1, .momentum = 0.8, .nesterov = true});
       }},
      {"adam",
       [](NamedTensors p) {
         return std::make_unique<Adam>(std::move(p), AdamOptions{.lr = 0.01, .weight_decay = 0.1});
       }},
      {"adamw", [](NamedTensors p) { return std::make_unique<AdamW>(std::move(p), AdamWOptions{.lr = 0.01}); }},
  };
}

void expect_same(const NamedTensors& a, const NamedTensors& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    EXPECT_TRUE(bitwise_equal(a[i].second, b[i].second)) << a[i].first;
  }
}

TEST(Optimizer, StateRoundTripContinuesBitIdentically) {
  for (const NamedFactory& f : factories()) {
    SCOPED_TRACE(f.name);
    auto straight = f.make(optim_problem_params());
    run_problem_steps(*straight, 0, 7, true);

    auto first = f.make(optim_problem_params());
    run_problem_steps(*first, 0, 3, true);  // interrupted after the step where "b" had no gradient
    const NamedTensors saved_state = first->state();
    auto resumed = f.make(clone_params(first->params()));
    resumed->load_state(saved_state);
    EXPECT_EQ(resumed->step_count(), 3);
    run_problem_steps(*resumed, 3, 7, true);

    expect_same(resumed->params(), straight->params());
    expect_same(resumed->state(), straight->state());
  }
}

TEST(Optimizer, StateIsACopy) {
  Sgd sgd(optim_problem_params(), {.lr = 0.1, .momentum = 0.9});
  run_problem_steps(sgd, 0, 1, false);
  NamedTensors state = sgd.state();
  state[1].second.fill(123.0f);
  EXPECT_NE(sgd.state()[1].second.data()[0], 123.0f);
  Sgd other(clone_params(sgd.params()), {.lr = 0.1, .momentum = 0.9});
  other.load_state(state);
  state[1].second.fill(7.0f);
  EXPECT_EQ(other.state()[1].second.data()[0], 123.0f);
}

std::string load_error(Optimizer& optimizer, const NamedTensors& state) {
  try {
    optimizer.load_state(state);
  } catch (const DataError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Optimizer, LoadStateNamesEveryMismatchAndChangesNothing) {
  Adam adam(optim_problem_params());
  run_problem_steps(adam, 0, 2, false);
  NamedTensors good = adam.state();

  Adam fresh(optim_problem_params());
  NamedTensors bad = good;
  bad.erase(bad.begin());                                        // no "step"
  bad[0].second = Tensor::zeros({3, 2});                         // exp_avg.w of the wrong shape
  bad.emplace_back("exp_avg.missing", Tensor::zeros({2}));       // unknown parameter
  bad.emplace_back("momentum_buffer.w", Tensor::zeros({2, 3}));  // another optimizer's state
  const std::string message = load_error(fresh, bad);
  EXPECT_NE(message.find("adam: cannot load optimizer state"), std::string::npos) << message;
  EXPECT_NE(message.find("missing 'step'"), std::string::npos) << message;
  EXPECT_NE(message.find("'exp_avg.w' has shape [3,2], expected [2,3]"), std::string::npos) << message;
  EXPECT_NE(message.find("unexpected entry 'exp_avg.missing'"), std::string::npos) << message;
  EXPECT_NE(message.find("unexpected entry 'momentum_buffer.w'"), std::string::npos) << message;
  EXPECT_EQ(fresh.step_count(), 0);
  EXPECT_EQ(fresh.state().size(), 1u);

  NamedTensors partial = good;
  std::erase_if(partial, [](const auto& e) { return e.first == "exp_avg_sq.b"; });
  EXPECT_NE(load_error(fresh, partial).find("parameter 'b' has only part of its state"), std::string::npos);

  NamedTensors fractional = good;
  fractional[0].second = Tensor::full({}, 2.5f);
  EXPECT_NE(load_error(fresh, fractional).find("'step' is not a scalar holding a non-negative integer"),
            std::string::npos);

  NamedTensors twice = good;
  twice.push_back(good[1]);
  EXPECT_NE(load_error(fresh, twice).find("'exp_avg.w' appears twice"), std::string::npos);

  Sgd sgd(optim_problem_params(), {.momentum = 0.9});
  EXPECT_NE(load_error(sgd, good).find("unexpected entry 'exp_avg.w'"), std::string::npos);
  fresh.load_state(good);
  EXPECT_EQ(fresh.step_count(), 2);
}

TEST(Optimizer, ZeroGradDropsGradientsAndStepSkipsParametersWithout) {
  Adam adam(optim_problem_params());
  run_problem_steps(adam, 0, 1, false);
  adam.zero_grad();
  for (const auto& [name, p] : adam.params()) EXPECT_FALSE(p.grad().defined()) << name;
  const std::vector<float> before = testing::problem_values(adam.params());
  adam.step();  // no gradients: nothing moves, only the global count advances
  EXPECT_EQ(testing::problem_values(adam.params()), before);
  EXPECT_EQ(adam.step_count(), 2);
  for (const auto& [name, t] : adam.state()) {
    if (name.starts_with("step.")) {
      EXPECT_EQ(t.item(), 1.0f) << name;
    }
  }
}

TEST(Optimizer, LearningRateCanChangeBetweenSteps) {
  Tensor p = Tensor::full({1}, 1.0f).set_requires_grad();
  Sgd sgd({{"p", p}}, {.lr = 0.1});
  grad_buffer(p)[0] = 1.0f;
  sgd.step();
  sgd.set_lr(0.25);
  EXPECT_EQ(sgd.lr(), 0.25);
  sgd.step();
  EXPECT_NEAR(p.item(), 1.0 - 0.1 - 0.25, 1e-7);
  EXPECT_THROW(sgd.set_lr(-1.0), ConfigError);
  EXPECT_THROW(sgd.set_lr(std::nan("")), ConfigError);
}

TEST(Optimizer, RejectsDuplicateOrUndefinedParameters) {
  Tensor w = Tensor::zeros({2}).set_requires_grad();
  EXPECT_THROW(Sgd({{"w", w}, {"w", Tensor::zeros({2})}}), ConfigError);
  EXPECT_THROW(Sgd({{"a", w}, {"b", w}}), ConfigError);
  EXPECT_THROW(Sgd({{"a", Tensor()}}), ConfigError);
}

TEST(Optimizer, SameResultAtAnyThreadCount) {
  // Large enough for several parallel chunks.
  const Shape shape{3, 50000};
  auto run = [&](const NamedFactory& f) {
    NamedTensors params{{"big", testing::random_tensor(shape, 1).set_requires_grad()}};
    auto optimizer = f.make(params);
    for (int k = 0; k < 3; ++k) {
      optimizer->zero_grad();
      Tensor g = testing::random_tensor(shape, 10 + k);
      std::copy_n(g.data(), g.numel(), grad_buffer(params[0].second));
      optimizer->step();
    }
    return optimizer->state().back().second.clone();
  };
  for (const NamedFactory& f : factories()) {
    Tensor one, two;
    testing::with_threads(1, [&] { one = run(f); });
    testing::with_threads(2, [&] { two = run(f); });
    EXPECT_TRUE(bitwise_equal(one, two)) << f.name;
  }
}

}  // namespace
}  // namespace poolnet
