// Sequential: children applied in order (PyTorch nn.Sequential). Children are named "0", "1",
// ... in the order they are added, so parameters read "0.weight", "3.bias", ...
#pragma once

#include <memory>
#include <string>

#include "layers/module.h"

namespace poolnet {

class Sequential : public Module {
 public:
  Sequential() = default;

  // Appends a module (ConfigError if null); returns *this for chaining.
  Sequential& add(std::shared_ptr<Module> module);
  size_t size() const { return children().size(); }
  Module& operator[](size_t i) const;  // ConfigError when out of range

  Tensor forward(const Tensor& x) override;  // an empty Sequential returns x
  std::string describe() const override;     // "Sequential(Conv2d(...), ReLU())"
  ModuleConfig config() const override;
};

}  // namespace poolnet
