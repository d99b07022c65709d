#include "layers/sequential.h"

#include <fmt/format.h>

#include "framework/errors.h"

namespace poolnet {

Sequential& Sequential::add(std::shared_ptr<Module> module) {
  if (!module) throw ConfigError(fmt::format("Sequential: module {} is null", size()));
  register_module(std::to_string(size()), std::move(module));
  return *this;
}

Module& Sequential::operator[](size_t i) const {
  if (i >= size()) throw ConfigError(fmt::format("Sequential: index {} out of range (size {})", i, size()));
  return *children()[i].second;
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  for (const auto& [name, child] : children()) y = child->forward(y);
  return y;
}

std::string Sequential::describe() const {
  std::string s = "Sequential(";
  for (size_t i = 0; i < size(); ++i) s += (i > 0 ? ", " : "") + children()[i].second->describe();
  return s + ")";
}

ModuleConfig Sequential::config() const { return {.type = "Sequential"}; }

}  // namespace poolnet
