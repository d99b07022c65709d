// Linear: a fully connected layer (PyTorch nn.Linear), composing framework/ops/matmul's linear.
//   x [N, in_features] -> x weight^T + bias [N, out_features]
// Parameters: weight [out, in], bias [out] (unless bias = false), PyTorch's default
// initialisation (layers/init.h) from the constructor's seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "layers/module.h"

namespace poolnet {

class Linear : public Module {
 public:
  struct Options {
    int64_t in_features = 0;
    int64_t out_features = 0;
    bool bias = true;
  };

  // Throws ConfigError unless both feature counts are >= 1.
  Linear(Options options, uint64_t seed);

  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "Linear(in_features=400, out_features=120, bias=true)"
  ModuleConfig config() const override;
  std::vector<Window> windows() const override;  // global: every output reads every input

  const Options& options() const { return options_; }
  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }  // undefined without bias

 private:
  Options options_;
  Tensor weight_, bias_;
};

}  // namespace poolnet
