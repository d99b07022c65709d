// The small optimization problem of tests/golden/generate_optim.py, rebuilt exactly in C++:
// parameters "w" [2,3] and "b" [2] with dyadic initial values and a dyadic gradient per step,
// so that results can be compared with the PyTorch reference tables.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "framework/named_tensors.h"
#include "framework/optim/optimizer.h"

namespace poolnet::testing {

// Fresh parameters w0[i] = ((3i) % 11 - 5) / 4 and b0[i] = (i - 0.5) / 2, requiring grad.
NamedTensors optim_problem_params();
// Sets the gradient of step k: element i of the parameter with flat offset o (w: 0, b: 6) gets
// ((7(i+o) + 13k) % 17 - 8) / 8; with skip_b, "b" has no gradient at k = 2.
void set_problem_grads(const NamedTensors& params, int64_t k, bool skip_b);
// Runs steps [first, last) of the problem: zero_grad, set gradients, step.
void run_problem_steps(Optimizer& optimizer, int64_t first, int64_t last, bool skip_b);
// The 8 parameter values [w0..w5, b0, b1].
std::vector<float> problem_values(const NamedTensors& params);
// A deep copy of the parameters (fresh leaves requiring grad).
NamedTensors clone_params(const NamedTensors& params);

// Compares one step's values with a reference row within atol + rtol |ref|; reports the worst.
::testing::AssertionResult matches_reference(const std::vector<float>& got, const std::vector<float>& ref,
                                             double atol = 1e-7, double rtol = 1e-6);

}  // namespace poolnet::testing
