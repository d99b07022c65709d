#include "layers/module.h"

namespace poolnet {

void Module::collect(NamedTensors Module::*list, const std::string& prefix, NamedTensors& out) const {
  for (const auto& [name, t] : this->*list) out.emplace_back(prefix + name, t);
  for (const auto& [name, child] : children_) child->collect(list, prefix + name + ".", out);
}

NamedTensors Module::named_parameters() const {
  NamedTensors out;
  collect(&Module::parameters_, "", out);
  return out;
}

NamedTensors Module::named_buffers() const {
  NamedTensors out;
  collect(&Module::buffers_, "", out);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, t] : named_parameters()) out.push_back(t);
  return out;
}

int64_t Module::parameter_count() const {
  int64_t n = 0;
  for (const auto& [name, t] : named_parameters()) n += t.numel();
  return n;
}

std::vector<Window> Module::windows() const {
  std::vector<Window> out;
  for (const auto& [name, child] : children_) {
    for (const Window& w : child->windows()) out.push_back(w);
  }
  return out;
}

std::vector<std::pair<std::string, uint64_t*>> Module::named_counters() const {
  std::vector<std::pair<std::string, uint64_t*>> out = counters_;
  for (auto& [name, child] : children_) {
    for (auto& [child_name, counter] : child->named_counters()) out.emplace_back(name + "." + child_name, counter);
  }
  return out;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

Tensor Module::register_parameter(std::string name, Tensor t) {
  t.set_requires_grad(true);
  parameters_.emplace_back(std::move(name), t);
  return t;
}

Tensor Module::register_buffer(std::string name, Tensor t) {
  buffers_.emplace_back(std::move(name), t);
  return t;
}

}  // namespace poolnet
