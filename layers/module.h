// Module: the base of every layer and model. The contract:
//   - forward(x) composes framework ops; a module never writes a backward pass of its own.
//   - Parameters and buffers have PyTorch-style dotted names ("features.0.weight"), in
//     registration order; children are named when registered.
//   - train()/eval() switch the mode of the whole tree (dropout, batch norm, stochastic pooling).
//   - describe() is one line: type and hyper-parameters, e.g. "Conv2d(1, 6, kernel=5x5, padding=2x2)".
//   - Inputs of any H and W are accepted at call time; nothing is fixed at construction.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "framework/named_tensors.h"
#include "framework/ops/geometry.h"
#include "framework/tensor.h"

namespace poolnet {


// How a layer's output positions read its input along each axis: output i reads inputs
// i*stride - padding + dilation*k for k = 0..kernel-1. Receptive-field arithmetic composes these.
struct Window {
  Size2d kernel{1, 1};
  Size2d stride{1, 1};
  Size2d padding{0, 0};
  Size2d dilation{1, 1};
  bool global = false;    // reads the whole input (global pooling, flatten + linear)
  bool adaptive = false;  // the sampling phase depends on the input (APS): the window is a bound
  // every output reads the whole input map, yet the output keeps a spatial layout with `stride`
  // (frequency-domain pooling): the receptive field becomes the whole map, the stride multiplies
  bool whole_map = false;
};

// What a layer was built from: its type and its constructor arguments by name, in order (its
// options struct, field by field). The PyTorch exporter (models/torch_export.h) writes each layer
// as `Type(name=value, ..., child=...)` against the Python class of the same name in
// models/torch_modules.py; children are passed by their registered names.
using ConfigValue = std::variant<bool, int64_t, double, std::string, Size2d>;
struct ModuleConfig {
  std::string type{};  // empty: the layer has no exported form
  std::vector<std::pair<std::string, ConfigValue>> args{};
};

class Module {
 public:
  virtual ~Module() = default;
  virtual Tensor forward(const Tensor& x) = 0;
  virtual std::string describe() const = 0;
  // See ModuleConfig; the default (an empty type) means "not exportable".
  virtual ModuleConfig config() const { return {}; }
  // The windows this module applies, in order. The default chains the children's windows
  // (right for Sequential); layers with a window of their own, and modules whose children are
  // not a chain, override it. Pointwise layers have none.
  virtual std::vector<Window> windows() const;
  Tensor operator()(const Tensor& x) { return forward(x); }

  NamedTensors named_parameters() const;  // recursive, dotted names
  NamedTensors named_buffers() const;     // recursive, dotted names
  std::vector<Tensor> parameters() const;
  int64_t parameter_count() const;

  // Counters of random draws (dropout masks, stochastic pooling), recursive, dotted names:
  // training state that checkpoints save so that a resumed run draws the same numbers.
  std::vector<std::pair<std::string, uint64_t*>> named_counters() const;

  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const { return children_; }

 protected:
  // Registers a learnable tensor (it is set to require grad).
  Tensor register_parameter(std::string name, Tensor t);
  // Registers persistent state that is saved but not learned (e.g. running statistics).
  Tensor register_buffer(std::string name, Tensor t);
  void register_counter(std::string name, uint64_t* counter) { counters_.emplace_back(std::move(name), counter); }
  template <class M>
  std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> child) {
    children_.emplace_back(std::move(name), child);
    return child;
  }

 private:
  void collect(NamedTensors Module::*list, const std::string& prefix, NamedTensors& out) const;

  NamedTensors parameters_;
  NamedTensors buffers_;
  std::vector<std::pair<std::string, uint64_t*>> counters_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

}  // namespace poolnet
