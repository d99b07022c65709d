// DppPool2d (Saeedan et al. 2018, symmetric lite; op: dpp_pool2d): detail-preserving pooling over
// non-overlapping windows, with two learned rewards per channel, parameters "log_alpha" [C] and
// "log_lambda" [C] (alpha = exp(min(log_alpha, 10)), lambda = exp(log_lambda)). Both start, as in
// the authors' code (visinf/dpp, PositiveBias.lua and CWeightCalc.lua, reset()), uniform in
// [-1/sqrt(C), 1/sqrt(C)]: log_alpha from init::bias_seed(seed), log_lambda from init::weight_seed(seed).
#pragma once

#include "framework/ops/dpp_pool.h"
#include "layers/module.h"

namespace poolnet {

struct DppPool2dOptions {
  int64_t channels = 0;  // C, >= 1
  DppPool pool{};
  uint64_t seed = 0;  // parameter initialisation
};

class DppPool2d : public Module {
 public:
  explicit DppPool2d(DppPool2dOptions options);
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "DppPool2d(4, window=2x2)"
  ModuleConfig config() const override;
  std::vector<Window> windows() const override;
  const DppPool2dOptions& options() const { return options_; }
  const Tensor& log_alpha() const { return log_alpha_; }
  const Tensor& log_lambda() const { return log_lambda_; }

 private:
  DppPool2dOptions options_;
  Tensor log_alpha_, log_lambda_;
};

}  // namespace poolnet
