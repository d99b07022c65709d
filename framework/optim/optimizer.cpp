#include "framework/optim/optimizer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "framework/errors.h"
#include "framework/parallel.h"

namespace poolnet {

namespace {
constexpr int64_t kChunk = 1 << 14;        // elements per parallel chunk of an update
constexpr double kMaxExactStep = 1 << 24;  // float32 counts integers exactly up to here

Tensor scalar(float value) { return Tensor::full({}, value); }

// The integer stored in a scalar state tensor, or -1 if it is not a non-negative integer.
int64_t as_count(const Tensor& t) {
  const float v = t.data()[0];
  if (!(v >= 0.0f) || v > kMaxExactStep || std::floor(v) != v) return -1;
  return static_cast<int64_t>(v);
}
}  // namespace

void for_each_chunk(int64_t n, const std::function<void(int64_t, int64_t)>& body) {
  parallel::parallel_for(0, n, kChunk, body);
}

Optimizer::Optimizer(std::string name, NamedTensors params, double lr, std::vector<StateKind> kinds)
    : name_(std::move(name)), params_(std::move(params)), lr_(0.0), kinds_(std::move(kinds)) {
  set_lr(lr);
  std::set<std::string> names;
  std::set<const TensorImpl*> tensors;
  for (const auto& [param_name, t] : params_) {
    if (!t.defined()) throw ConfigError(fmt::format("{}: parameter '{}' is an undefined tensor", name_, param_name));
    if (!names.insert(param_name).second) {
      throw ConfigError(fmt::format("{}: parameter name '{}' appears twice", name_, param_name));
    }
    if (!tensors.insert(t.impl()).second) {
      throw ConfigError(
          fmt::format("{}: parameter '{}' is the same tensor as an earlier parameter", name_, param_name));
    }
  }
  buffers_.assign(kinds_.size(), std::vector<Tensor>(params_.size()));
}

void Optimizer::set_lr(double lr) {
  if (!std::isfinite(lr) || lr < 0.0) {
    throw ConfigError(fmt::format("{}: learning rate must be finite and >= 0, got {}", name_, lr));
  }
  lr_ = lr;
}

void Optimizer::step() {
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor& p = params_[i].second;
    const Tensor g = p.grad();
    if (!g.defined()) continue;
    if (g.shape() != p.shape()) {
      throw ShapeError(fmt::format("{}: gradient of '{}' has shape {}, the parameter {}", name_, params_[i].first,
                                   shape_str(g.shape()), shape_str(p.shape())));
    }
    update(i, p.data(), g.data(), p.numel());
  }
  ++steps_;
}

void Optimizer::zero_grad() {
  for (const auto& [param_name, p] : params_) p.zero_grad();
}

NamedTensors Optimizer::state() const {
  if (static_cast<double>(steps_) > kMaxExactStep) {
    throw NumericalError(
        fmt::format("{}: step count {} exceeds what a float32 state holds exactly (2^24)", name_, steps_));
  }
  NamedTensors out;
  out.emplace_back("step", scalar(static_cast<float>(steps_)));
  for (size_t k = 0; k < kinds_.size(); ++k) {
    for (size_t i = 0; i < params_.size(); ++i) {
      if (buffers_[k][i].defined()) out.emplace_back(kinds_[k].name + "." + params_[i].first, buffers_[k][i].clone());
    }
  }
  return out;
}

void Optimizer::load_state(const NamedTensors& state) {
  std::vector<std::string> problems;
  std::vector<std::vector<Tensor>> loaded(kinds_.size(), std::vector<Tensor>(params_.size()));
  int64_t steps = -1;
  for (const auto& [key, t] : state) {
    if (!t.defined()) {
      problems.push_back(fmt::format("'{}' is an undefined tensor", key));
      continue;
    }
    if (key == "step") {
      steps = t.numel() == 1 ? as_count(t) : -1;
      if (steps < 0) problems.push_back("'step' is not a scalar holding a non-negative integer");
      continue;
    }
    size_t k = 0, i = 0;
    for (; k < kinds_.size(); ++k) {
      if (key.starts_with(kinds_[k].name + ".")) break;
    }
    const std::string param_name = k < kinds_.size() ? key.substr(kinds_[k].name.size() + 1) : "";
    for (; k < kinds_.size() && i < params_.size(); ++i) {
      if (params_[i].first == param_name) break;
    }
    if (k == kinds_.size() || i == params_.size()) {
      problems.push_back(fmt::format("unexpected entry '{}'", key));
      continue;
    }
    const Shape expected = kinds_[k].scalar ? Shape{} : param_shape(i);
    if (t.shape() != expected) {
      problems.push_back(fmt::format("'{}' has shape {}, expected {}", key, shape_str(t.shape()), shape_str(expected)));
    } else if (kinds_[k].scalar && as_count(t) < 0) {
      problems.push_back(fmt::format("'{}' is not a non-negative integer", key));
    } else if (loaded[k][i].defined()) {
      problems.push_back(fmt::format("'{}' appears twice", key));
    } else {
      loaded[k][i] = t.clone();
    }
  }
  if (steps < 0 && std::none_of(state.begin(), state.end(), [](const auto& e) { return e.first == "step"; })) {
    problems.push_back("missing 'step'");
  }
  for (size_t i = 0; i < params_.size(); ++i) {  // a parameter's buffers exist all together or not at all
    for (size_t k = 1; k < kinds_.size(); ++k) {
      if (loaded[k][i].defined() != loaded[0][i].defined()) {
        problems.push_back(fmt::format("parameter '{}' has only part of its state (expected {} and {} together)",
                                       params_[i].first, kinds_[0].name, kinds_[k].name));
      }
    }
  }
  if (!problems.empty()) {
    throw DataError(fmt::format("{}: cannot load optimizer state: {}", name_, fmt::join(problems, "; ")));
  }
  buffers_ = std::move(loaded);
  steps_ = steps;
}

}  // namespace poolnet
