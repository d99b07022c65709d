// Define-by-run autograd. Every op that has an input requiring grad records a Node on its
// output: the inputs it reads gradients into and one closure that ADDS its contribution into
// them (never assigns: a tensor used twice receives the sum). backward() runs the closures in
// reverse topological order, accumulates into leaves and releases the graph.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "framework/tensor.h"

namespace poolnet {

struct Node {
  std::string op;              // the op's name, for messages and anomaly checks
  std::vector<Tensor> inputs;  // the tensors this node sends gradients to
  std::function<void(const Tensor& grad_out)> backward;
};

// True while gradients are being recorded (the default); false inside a NoGradGuard.
bool grad_enabled();

class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// When on, every op's forward output and every backward gradient is checked for NaN/Inf, and
// the first op that produces one is named in a NumericalError.
void set_detect_anomaly(bool on);
bool detect_anomaly();

// True if an op with these inputs must record a backward node.
bool needs_grad(std::initializer_list<Tensor> inputs);

// Records `fn` as the backward of `out`. Call only when needs_grad(inputs) is true.
void record(const Tensor& out, std::string op, std::vector<Tensor> inputs,
            std::function<void(const Tensor& grad_out)> fn);

// The gradient buffer of `t` during a backward pass, zero-filled on first use. Backward
// closures add into it.
float* grad_buffer(const Tensor& t);

// Checks a forward result when anomaly detection is on.
void check_finite(const Tensor& t, const std::string& op, const char* what);

// Runs the backward pass from `root` with gradient `upstream` (Tensor::backward calls this).
void run_backward(const Tensor& root, const Tensor& upstream);

}  // namespace poolnet
