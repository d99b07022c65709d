#include "framework/optim/factory.h"

#include <fmt/format.h>

#include "framework/errors.h"
#include "framework/optim/adam.h"
#include "framework/optim/sgd.h"

namespace poolnet {

namespace {
void reject(const std::optional<double>& value, const std::string& optimizer, const char* setting) {
  if (value) throw ConfigError(fmt::format("{}: has no {} setting (got {})", optimizer, setting, *value));
}
}  // namespace

const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names{"sgd", "adam", "adamw"};
  return names;
}

std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& c, NamedTensors params) {
  if (c.name == "sgd") {
    reject(c.beta1, c.name, "beta1");
    reject(c.beta2, c.name, "beta2");
    reject(c.eps, c.name, "eps");
    return std::make_unique<Sgd>(std::move(params), SgdOptions{.lr = c.lr,
                                                               .momentum = c.momentum.value_or(0.0),
                                                               .weight_decay = c.weight_decay.value_or(0.0),
                                                               .nesterov = c.nesterov});
  }
  if (c.name == "adam" || c.name == "adamw") {
    reject(c.momentum, c.name, "momentum (beta1 plays that role)");
    if (c.nesterov) throw ConfigError(fmt::format("{}: has no nesterov setting", c.name));
    const AdamOptions d;
    const AdamOptions o{.lr = c.lr,
                        .beta1 = c.beta1.value_or(d.beta1),
                        .beta2 = c.beta2.value_or(d.beta2),
                        .eps = c.eps.value_or(d.eps),
                        .weight_decay = c.weight_decay.value_or(d.weight_decay)};
    if (c.name == "adam") return std::make_unique<Adam>(std::move(params), o);
    return std::make_unique<AdamW>(std::move(params),
                                   AdamWOptions{.lr = o.lr,
                                                .beta1 = o.beta1,
                                                .beta2 = o.beta2,
                                                .eps = o.eps,
                                                .weight_decay = c.weight_decay.value_or(AdamWOptions{}.weight_decay)});
  }
  throw ConfigError(
      fmt::format("optimizer: unknown name '{}' (valid: {})", c.name, fmt::join(optimizer_names(), ", ")));
}

}  // namespace poolnet
