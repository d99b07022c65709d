// make_optimizer: builds the optimizer named on the command line (--optimizer sgd|adam|adamw)
// from the shared flags (--lr, --momentum, --weight-decay). Unset fields take PyTorch's
// defaults for the chosen optimizer (weight decay 0 for sgd and adam, 1e-2 for adamw).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "framework/optim/optimizer.h"

namespace poolnet {

struct OptimizerConfig {
  std::string name = "sgd";  // one of optimizer_names()
  double lr = 0.01;
  std::optional<double> momentum = std::nullopt;      // sgd only (default 0)
  bool nesterov = false;                              // sgd only
  std::optional<double> weight_decay = std::nullopt;  // default: 0 (sgd, adam), 1e-2 (adamw)
  std::optional<double> beta1 = std::nullopt;         // adam, adamw (default 0.9)
  std::optional<double> beta2 = std::nullopt;         // adam, adamw (default 0.999)
  std::optional<double> eps = std::nullopt;           // adam, adamw (default 1e-8)
};

// {"sgd", "adam", "adamw"}
const std::vector<std::string>& optimizer_names();

// ConfigError for an unknown name (listing the valid ones), a setting the chosen optimizer
// does not have (e.g. momentum for adam) or a value out of range.
std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& config, NamedTensors params);

}  // namespace poolnet
