#include <gtest/gtest.h>

#include "framework/errors.h"
#include "framework/optim/adam.h"
#include "framework/optim/factory.h"
#include "framework/optim/sgd.h"
#include "tests/support/optim_problem.h"

namespace poolnet {
namespace {

using testing::optim_problem_params;

std::string config_error(const OptimizerConfig& config) {
  try {
    make_optimizer(config, optim_problem_params());
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(MakeOptimizer, BuildsEachNamedOptimizerWithPyTorchDefaults) {
  auto sgd = make_optimizer({.name = "sgd", .lr = 0.1, .momentum = 0.9, .nesterov = true}, optim_problem_params());
  EXPECT_EQ(sgd->describe(), "SGD(lr=0.1, momentum=0.9, dampening=0, weight_decay=0, nesterov=true)");
  auto adam = make_optimizer({.name = "adam", .lr = 0.001}, optim_problem_params());
  EXPECT_EQ(adam->describe(), "Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0)");
  auto adamw = make_optimizer({.name = "adamw", .lr = 0.001, .beta2 = 0.99}, optim_problem_params());
  EXPECT_EQ(adamw->describe(), "AdamW(lr=0.001, betas=(0.9, 0.99), eps=1e-08, weight_decay=0.01)");
  auto adamw0 = make_optimizer({.name = "adamw", .weight_decay = 0.0}, optim_problem_params());
  EXPECT_EQ(dynamic_cast<AdamW&>(*adamw0).options().weight_decay, 0.0);
  EXPECT_EQ(optimizer_names(), (std::vector<std::string>{"sgd", "adam", "adamw"}));
}

TEST(MakeOptimizer, BuiltOptimizerStepsLikeTheDirectOne) {
  auto made =
      make_optimizer({.name = "sgd", .lr = 0.05, .momentum = 0.9, .weight_decay = 0.01}, optim_problem_params());
  Sgd direct(optim_problem_params(), {.lr = 0.05, .momentum = 0.9, .weight_decay = 0.01});
  testing::run_problem_steps(*made, 0, 3, false);
  testing::run_problem_steps(direct, 0, 3, false);
  EXPECT_EQ(testing::problem_values(made->params()), testing::problem_values(direct.params()));
}

TEST(MakeOptimizer, RejectsUnknownNamesAndForeignSettings) {
  EXPECT_EQ(config_error({.name = "rmsprop"}), "optimizer: unknown name 'rmsprop' (valid: sgd, adam, adamw)");
  EXPECT_EQ(config_error({.name = "adam", .momentum = 0.9}),
            "adam: has no momentum (beta1 plays that role) setting (got 0.9)");
  EXPECT_EQ(config_error({.name = "adamw", .nesterov = true}), "adamw: has no nesterov setting");
  EXPECT_EQ(config_error({.name = "sgd", .beta1 = 0.8}), "sgd: has no beta1 setting (got 0.8)");
  EXPECT_EQ(config_error({.name = "sgd", .lr = -1}), "sgd: learning rate must be finite and >= 0, got -1");
}

}  // namespace
}  // namespace poolnet
