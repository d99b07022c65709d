// Optimizer: the base of SGD, Adam and AdamW. It holds named parameters, the learning rate, the
// step count and the per-parameter state buffers, and updates parameter data in place from the
// gradients, outside autograd. Updates are elementwise loops (chunked in parallel, so the
// result never depends on the thread count).
//
// PyTorch semantics: a parameter without a gradient is skipped by step() and its state does
// not advance; zero_grad() drops the gradients (PyTorch's set_to_none=True).
//
// State, for checkpoints, is a list of named tensors:
//   "step"                    scalar, number of step() calls (exact up to 2^24)
//   "<kind>.<param name>"     one buffer per state kind and parameter, created at the
//                             parameter's first update: "momentum_buffer" (SGD),
//                             "exp_avg", "exp_avg_sq", "step" (scalar; Adam, AdamW)
// Exporting state(), building a fresh optimizer over the same parameters and calling
// load_state() continues the run bit for bit. Hyper-parameters and the learning rate are not
// part of the state: they come from the configuration and the schedule.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "framework/named_tensors.h"

namespace poolnet {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // Updates every parameter that has a gradient, then counts one step.
  void step();
  // Drops every parameter's gradient.
  void zero_grad();

  double lr() const { return lr_; }
  void set_lr(double lr);  // ConfigError unless finite and >= 0
  int64_t step_count() const { return steps_; }
  const NamedTensors& params() const { return params_; }

  // "sgd", "adam", "adamw": the --optimizer spelling.
  const std::string& name() const { return name_; }
  // One line with the hyper-parameters, e.g. "SGD(lr=0.1, momentum=0.9, nesterov=true)".
  virtual std::string describe() const = 0;

  // Copies of the state tensors (see above), "step" first, then kind by kind in parameter order.
  NamedTensors state() const;
  // Restores a state exported by the same kind of optimizer over parameters with the same
  // names and shapes. Throws DataError listing what does not fit (nothing is changed then).
  void load_state(const NamedTensors& state);

 protected:
  struct StateKind {
    std::string name;     // "exp_avg"
    bool scalar = false;  // shape [] instead of the parameter's shape
  };
  // `kinds` lists the per-parameter state buffers this optimizer keeps.
  Optimizer(std::string name, NamedTensors params, double lr, std::vector<StateKind> kinds);

  // Updates parameter `index` (data p, gradient g, n elements). Buffers of this parameter
  // are undefined until update() creates them (all kinds at once).
  virtual void update(size_t index, float* p, const float* g, int64_t n) = 0;
  Tensor& buffer(size_t kind, size_t index) { return buffers_[kind][index]; }
  const Shape& param_shape(size_t index) const { return params_[index].second.shape(); }

 private:
  std::string name_;
  NamedTensors params_;
  double lr_;
  int64_t steps_ = 0;
  std::vector<StateKind> kinds_;
  std::vector<std::vector<Tensor>> buffers_;  // [kind][parameter]
};

// Runs body(begin, end) over [0, n) in fixed chunks, in parallel: for elementwise updates.
void for_each_chunk(int64_t n, const std::function<void(int64_t, int64_t)>& body);

}  // namespace poolnet
