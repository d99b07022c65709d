// The one finite-difference gradient checker, used for every op and layer (and installed, as
// part of poolnet_testing, for ops and layers written outside the library: examples/custom_op.cpp).
//
// For f(inputs) -> y it compares the analytic gradient of L = sum(y ⊙ R), R a fixed random
// tensor, with central differences (L(x + eps) - L(x - eps)) / 2eps evaluated in double. An
// element fails only if it misses at both eps and eps/2 (a kink between x-eps and x+eps spoils
// one estimate, rarely both). Failures report the worst element with its input and index.
#pragma once

#include <functional>
#include <vector>

#include "framework/tensor.h"
#include "testing/check_result.h"

namespace poolnet::testing {

struct GradCheckOptions {
  double eps = 1e-2;
  double atol = 2e-3;
  double rtol = 2e-2;
  uint64_t seed = 1234;
};

using TensorFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Checks d/d(inputs[k]) for every input that requires grad.
CheckResult grad_check(const TensorFn& f, std::vector<Tensor> inputs, GradCheckOptions options = {});

// Random tensors for tests.
Tensor random_tensor(const Shape& shape, uint64_t seed, float low = -1.0f, float high = 1.0f);
// Distinct values at least `gap` apart in random order, so that max, ReLU and sort-like kinks
// are never within a finite-difference step of a tie.
Tensor separated_tensor(const Shape& shape, uint64_t seed, float gap = 0.05f);

// Runs f with the worker thread count set to n, then restores the default.
void with_threads(int n, const std::function<void()>& f);

// Bitwise comparison of two tensors' shapes and data.
CheckResult bitwise_equal(const Tensor& a, const Tensor& b);
// Elementwise |a - b| <= atol + rtol |b|; reports the worst element.
CheckResult all_close(const Tensor& a, const Tensor& b, double atol = 1e-5, double rtol = 1e-5);

}  // namespace poolnet::testing
