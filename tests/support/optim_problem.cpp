#include "tests/support/optim_problem.h"

#include <cmath>

#include "framework/autograd.h"

namespace poolnet::testing {

NamedTensors optim_problem_params() {
  std::vector<float> w(6), b(2);
  for (int i = 0; i < 6; ++i) w[i] = static_cast<float>((3 * i) % 11 - 5) / 4.0f;
  for (int i = 0; i < 2; ++i) b[i] = (static_cast<float>(i) - 0.5f) / 2.0f;
  return {{"w", Tensor::from_vector({2, 3}, w).set_requires_grad()},
          {"b", Tensor::from_vector({2}, b).set_requires_grad()}};
}

void set_problem_grads(const NamedTensors& params, int64_t k, bool skip_b) {
  int64_t offset = 0;
  for (const auto& [name, p] : params) {
    p.zero_grad();
    if (!(skip_b && name == "b" && k == 2)) {
      float* g = grad_buffer(p);
      for (int64_t i = 0; i < p.numel(); ++i) g[i] = static_cast<float>((7 * (i + offset) + 13 * k) % 17 - 8) / 8.0f;
    }
    offset += p.numel();
  }
}

void run_problem_steps(Optimizer& optimizer, int64_t first, int64_t last, bool skip_b) {
  for (int64_t k = first; k < last; ++k) {
    optimizer.zero_grad();
    set_problem_grads(optimizer.params(), k, skip_b);
    optimizer.step();
  }
}

std::vector<float> problem_values(const NamedTensors& params) {
  std::vector<float> out;
  for (const auto& [name, p] : params) {
    const std::vector<float> v = p.to_vector();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

NamedTensors clone_params(const NamedTensors& params) {
  NamedTensors out;
  for (const auto& [name, p] : params) out.emplace_back(name, p.clone().set_requires_grad());
  return out;
}

::testing::AssertionResult matches_reference(const std::vector<float>& got, const std::vector<float>& ref, double atol,
                                             double rtol) {
  if (got.size() != ref.size()) {
    return ::testing::AssertionFailure() << "size " << got.size() << " vs reference " << ref.size();
  }
  double worst = 0.0;
  size_t at = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double excess = std::abs(static_cast<double>(got[i]) - ref[i]) - (atol + rtol * std::abs(ref[i]));
    if (excess > worst) worst = excess, at = i;
  }
  if (worst > 0.0) {
    return ::testing::AssertionFailure() << "element " << at << ": got " << got[at] << ", reference " << ref[at];
  }
  return ::testing::AssertionSuccess();
}

}  // namespace poolnet::testing
