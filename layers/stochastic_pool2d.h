// StochasticPool2d (Zeiler & Fergus 2013; op: stochastic_pool2d): in training, one activation
// per window sampled with probability proportional to its value; in eval, the probability-
// weighted average. Each training forward advances a call counter, so every call draws anew,
// reproducibly from (seed, counter, sample, window) whatever the thread count. No parameters.
#pragma once

#include "framework/ops/stochastic_pool.h"
#include "layers/module.h"

namespace poolnet {

struct StochasticPool2dOptions {
  Size2d kernel{2, 2};
  Size2d stride{2, 2};
  uint64_t seed = 0;
};

class StochasticPool2d : public Module {
 public:
  explicit StochasticPool2d(StochasticPool2dOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "StochasticPool2d(kernel=2x2, stride=2x2)"
  ModuleConfig config() const override;
  std::vector<Window> windows() const override;
  const StochasticPool2dOptions& options() const { return options_; }
  uint64_t calls() const { return calls_; }  // training forwards so far

 private:
  StochasticPool2dOptions options_;
  uint64_t calls_ = 0;
};

}  // namespace poolnet
