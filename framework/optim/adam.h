// Adam and AdamW — torch.optim.Adam / AdamW's update, in its order, per element (float32
// arithmetic; bias corrections in double, as PyTorch computes them from Python floats):
//   t = t + 1                                      (per parameter)
//   Adam:  g = g + weight_decay * p                (L2 penalty through the gradient)
//   AdamW: p = p * (1 - lr * weight_decay)         (decoupled weight decay)
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g * g
//   denom = sqrt(v) / sqrt(1 - beta2^t) + eps      (eps outside the square root)
//   p = p - (lr / (1 - beta1^t)) * m / denom
// State: "exp_avg.<name>" (m), "exp_avg_sq.<name>" (v), "step.<name>" (t, a scalar).
#pragma once

#include "framework/optim/optimizer.h"

namespace poolnet {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
};

// AdamW's defaults differ from Adam's only in the weight decay (PyTorch's: 1e-2).
struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;
};

class Adam : public Optimizer {
 public:
  // ConfigError for lr < 0, betas outside [0, 1), eps < 0 or weight decay < 0.
  Adam(NamedTensors params, AdamOptions options = {});
  std::string describe() const override;
  const AdamOptions& options() const { return options_; }

 protected:
  Adam(std::string name, NamedTensors params, AdamOptions options, bool decoupled);
  void update(size_t index, float* p, const float* g, int64_t n) override;

 private:
  AdamOptions options_;
  bool decoupled_;  // AdamW
};

class AdamW : public Adam {
 public:
  AdamW(NamedTensors params, AdamWOptions options = {});
};

}  // namespace poolnet
