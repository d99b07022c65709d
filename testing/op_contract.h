// The op contract, written down once and checked the same way for every op and layer (in the
// spirit of dlib's test_layer). First, two forwards of the same inputs must agree bitwise (the
// parts below rely on it); then
//   (a) gradient: analytic gradients match central differences (grad_check) for every input
//       that requires grad;
//   (b) accumulate: backward ADDS into existing gradients: with every input gradient pre-filled
//       with a constant c, one backward leaves c + (the gradient of a fresh run);
//   (c) threads: the forward output and every input gradient are bitwise equal at 1 and 2
//       worker threads;
//   (d) shape errors: each bad call throws ShapeError whose message names the op and the
//       given parts (usually the offending shapes, e.g. "[8,16,2,2]").
// `f` must be a pure function of its inputs: ops with randomness take a fixed seed (a module
// resets its draw counters), so that repeated evaluations, and 1 vs 2 threads, agree.
//
//   EXPECT_TRUE(op_contract({.op = "max_pool2d",
//                            .f = [](const auto& in) { return max_pool2d(in[0], o); },
//                            .inputs = {separated_tensor({1, 2, 7, 7}, 5).set_requires_grad()}}));
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "testing/check_result.h"
#include "testing/grad_check.h"

namespace poolnet::testing {

struct ShapeErrorCase {
  std::function<void()> call;      // must throw ShapeError
  std::vector<std::string> parts;  // the message must contain each, besides the op name
};

struct OpCase {
  std::string op;  // the name the op's messages use, e.g. "max_pool2d"
  TensorFn f;
  // Small inputs for the finite differences (each element costs up to four forwards); the
  // inputs that require grad are checked, the others are held fixed.
  std::vector<Tensor> inputs;
  GradCheckOptions grad = {};
  // Inputs for the 1 vs 2 threads check, large enough to be split across threads; empty: `inputs`.
  std::vector<Tensor> thread_inputs = {};
  std::vector<ShapeErrorCase> shape_errors = {};
  // Switches for parts an op legitimately cannot do.
  bool check_gradient = true;
  bool check_accumulate = true;
  bool check_threads = true;
  // Tolerance of the accumulate comparison (the pre-filled sum is rounded in another order).
  double accumulate_atol = 1e-5;
  double accumulate_rtol = 1e-5;
};

// Runs every enabled part; the failure message names the op and the part that failed.
CheckResult op_contract(const OpCase& c);

// The parts on their own.
CheckResult backward_accumulates(const TensorFn& f, const std::vector<Tensor>& inputs, double atol = 1e-5,
                                 double rtol = 1e-5);
CheckResult same_at_one_and_two_threads(const TensorFn& f, const std::vector<Tensor>& inputs);
CheckResult shape_error_names(const std::string& op, const ShapeErrorCase& bad);
CheckResult repeatable(const TensorFn& f, const std::vector<Tensor>& inputs);

}  // namespace poolnet::testing
