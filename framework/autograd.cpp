#include "framework/autograd.h"

#include <cmath>
#include <fmt/format.h>
#include <unordered_set>

#include "framework/errors.h"

namespace poolnet {

namespace {
thread_local bool g_grad_enabled = true;
bool g_detect_anomaly = false;

// Reverse-topological order of the graph above root (root first), each tensor once.
std::vector<std::shared_ptr<TensorImpl>> topological_order(const std::shared_ptr<TensorImpl>& root) {
  std::vector<std::shared_ptr<TensorImpl>> order;
  std::unordered_set<TensorImpl*> seen;
  // Iterative post-order DFS: (tensor, next input to visit).
  std::vector<std::pair<std::shared_ptr<TensorImpl>, size_t>> stack{{root, 0}};
  seen.insert(root.get());
  while (!stack.empty()) {
    auto& [impl, next] = stack.back();
    const auto& inputs = impl->grad_fn ? impl->grad_fn->inputs : std::vector<Tensor>{};
    if (next < inputs.size()) {
      const auto& child = inputs[next++].impl_ptr();
      if (child->requires_grad && seen.insert(child.get()).second) stack.emplace_back(child, 0);
      continue;
    }
    order.push_back(impl);
    stack.pop_back();
  }
  return {order.rbegin(), order.rend()};
}
}  // namespace

bool grad_enabled() { return g_grad_enabled; }

NoGradGuard::NoGradGuard() : previous_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = previous_; }

void set_detect_anomaly(bool on) { g_detect_anomaly = on; }
bool detect_anomaly() { return g_detect_anomaly; }

bool needs_grad(std::initializer_list<Tensor> inputs) {
  if (!g_grad_enabled) return false;
  for (const Tensor& t : inputs) {
    if (t.defined() && t.requires_grad()) return true;
  }
  return false;
}

void record(const Tensor& out, std::string op, std::vector<Tensor> inputs,
            std::function<void(const Tensor& grad_out)> fn) {
  auto node = std::make_shared<Node>();
  node->op = std::move(op);
  for (Tensor& t : inputs) {
    if (t.defined() && t.requires_grad()) node->inputs.push_back(std::move(t));
  }
  node->backward = std::move(fn);
  out.impl()->requires_grad = true;
  out.impl()->grad_fn = std::move(node);
}

float* grad_buffer(const Tensor& t) {
  TensorImpl* impl = t.impl();
  if (!impl->grad) impl->grad = Tensor::zeros(impl->shape).impl_ptr();
  return impl->grad->storage->data();
}

void check_finite(const Tensor& t, const std::string& op, const char* what) {
  if (!g_detect_anomaly) return;
  const float* p = t.data();
  const int64_t n = t.numel();
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(p[i])) {
      throw NumericalError(fmt::format("{}: {} has a non-finite value {} at flat index {} (shape {})", op,
                                       what, p[i], i, shape_str(t.shape())));
    }
  }
}

void run_backward(const Tensor& root, const Tensor& upstream) {
  TensorImpl* r = root.impl();
  if (r->graph_released) {
    throw AutogradError("backward: the graph of this tensor was released by an earlier backward(); "
                        "recompute the forward pass");
  }
  if (!r->requires_grad) throw AutogradError("backward: the tensor does not require grad");
  if (upstream.shape() != r->shape) {
    throw ShapeError(fmt::format("backward: upstream gradient shape {} differs from tensor shape {}",
                                 shape_str(upstream.shape()), shape_str(r->shape)));
  }
  auto order = topological_order(root.impl_ptr());
  {
    float* g = grad_buffer(root);
    const float* u = upstream.data();
    const int64_t n = upstream.numel();
    for (int64_t i = 0; i < n; ++i) g[i] += u[i];
  }
  NoGradGuard no_grad;
  for (const auto& impl : order) {
    if (!impl->grad_fn) {
      if (impl->graph_released) {
        throw AutogradError("backward: part of this graph was released by an earlier backward(); "
                            "recompute the forward pass");
      }
      continue;  // a leaf: its gradient stays
    }
    auto node = std::move(impl->grad_fn);
    Tensor grad_out(impl->grad);
    impl->grad.reset();
    impl->graph_released = true;
    if (grad_out.defined()) {
      node->backward(grad_out);
      for (const Tensor& in : node->inputs) {
        if (in.impl()->grad) check_finite(Tensor(in.impl()->grad), node->op, "input gradient");
      }
    }
  }
}

}  // namespace poolnet
