// Dropout: inverted dropout (PyTorch nn.Dropout), composing framework/ops/dropout.
// Training: each element is zeroed with probability p and the rest scaled by 1/(1-p); eval:
// identity. Every training forward call draws a fresh mask from stream = the number of earlier
// training calls, so repeated calls differ while a run from the same seed is reproducible.
#pragma once

#include <cstdint>
#include <string>

#include "layers/module.h"

namespace poolnet {

class Dropout : public Module {
 public:
  struct Options {
    float p = 0.5f;
  };

  // Throws ConfigError unless p is in [0, 1].
  Dropout(Options options, uint64_t seed);

  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "Dropout(p=0.5)"
  ModuleConfig config() const override;
  const Options& options() const { return options_; }

  uint64_t calls() const { return calls_; }  // training forward calls so far

 private:
  Options options_;
  uint64_t seed_;
  uint64_t calls_ = 0;
};

}  // namespace poolnet
