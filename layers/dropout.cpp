#include "layers/dropout.h"

#include <fmt/format.h>

#include "framework/errors.h"
#include "framework/ops/dropout.h"

namespace poolnet {

Dropout::Dropout(Options options, uint64_t seed) : options_(options), seed_(seed) {
  register_counter("calls", &calls_);
  if (!(options_.p >= 0.0f && options_.p <= 1.0f)) {
    throw ConfigError(fmt::format("Dropout: p must be in [0, 1], got {}", options_.p));
  }
}

Tensor Dropout::forward(const Tensor& x) {
  if (!is_training()) return dropout(x, options_.p, false, seed_, 0);
  return dropout(x, options_.p, true, seed_, calls_++);
}

std::string Dropout::describe() const { return fmt::format("Dropout(p={})", options_.p); }

ModuleConfig Dropout::config() const { return {"Dropout", {{"p", static_cast<double>(options_.p)}}}; }

}  // namespace poolnet
