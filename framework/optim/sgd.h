// SGD with momentum, dampening, Nesterov momentum and L2 weight decay — torch.optim.SGD's
// update, in its order, per element (float32 arithmetic, hyper-parameters rounded to float):
//   d = g + weight_decay * p
//   b = d                                        at the parameter's first update
//   b = momentum * b + (1 - dampening) * d       afterwards
//   d = nesterov ? d + momentum * b : b          (when momentum != 0)
//   p = p - lr * d
// State: "momentum_buffer.<name>" (only when momentum != 0).
#pragma once

#include "framework/optim/optimizer.h"

namespace poolnet {

struct SgdOptions {
  double lr = 0.01;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
};

class Sgd : public Optimizer {
 public:
  // ConfigError for a negative lr, momentum or weight decay, or Nesterov without momentum or
  // with dampening (PyTorch's checks).
  Sgd(NamedTensors params, SgdOptions options = {});
  std::string describe() const override;
  const SgdOptions& options() const { return options_; }

 protected:
  void update(size_t index, float* p, const float* g, int64_t n) override;

 private:
  SgdOptions options_;
};

}  // namespace poolnet
