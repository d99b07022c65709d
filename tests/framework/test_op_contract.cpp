// The op contract itself: each part must be able to fail, on an op broken in just that way.
#include <gtest/gtest.h>

#include <string>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "framework/parallel.h"
#include "tests/support/op_contract.h"

namespace poolnet {
namespace {
using testing::op_contract;
using testing::OpCase;
using testing::random_tensor;

enum class Flaw { kNone, kWrongGradient, kAssigns, kThreadDependent };

// y = 2x with a recorded backward broken as `flaw` says.
Tensor doubled(const Tensor& x, Flaw flaw) {
  Tensor y = Tensor::empty(x.shape());
  for (int64_t i = 0; i < x.numel(); ++i) y.data()[i] = 2 * x.data()[i];
  if (needs_grad({x})) {
    record(y, "doubled", {x}, [x, flaw](const Tensor& gy) {
      float* gx = grad_buffer(x);
      const float extra = flaw == Flaw::kThreadDependent && parallel::num_threads() == 1 ? 1e-6f : 0.0f;
      for (int64_t i = 0; i < x.numel(); ++i) {
        const float g = (flaw == Flaw::kWrongGradient && i == 4 ? 3.0f : 2.0f) * gy.data()[i] + extra;
        if (flaw == Flaw::kAssigns) {
          gx[i] = g;  // overwrites what earlier backward passes left
        } else {
          gx[i] += g;
        }
      }
    });
  }
  return y;
}

OpCase doubled_case(Flaw flaw) {
  return {.op = "doubled",
          .f = [flaw](const std::vector<Tensor>& in) { return doubled(in[0], flaw); },
          .inputs = {random_tensor({2, 3}, 1).set_requires_grad()}};
}

void expect_fails_with(const ::testing::AssertionResult& r, const std::string& part) {
  ASSERT_FALSE(r);
  EXPECT_NE(std::string(r.message()).find(part), std::string::npos) << r.message();
}

TEST(OpContract, PassesACorrectOp) {
  EXPECT_TRUE(op_contract(doubled_case(Flaw::kNone)));
  // A composed op, a fixed second input and a shape error that names the op and shapes.
  const Tensor fixed = random_tensor({2, 3}, 2);
  EXPECT_TRUE(op_contract({.op = "add",
                           .f = [](const std::vector<Tensor>& in) { return mul(add(in[0], in[1]), in[0]); },
                           .inputs = {random_tensor({2, 3}, 3).set_requires_grad(), fixed},
                           .shape_errors = {{[] { add(Tensor::zeros({2, 3}), Tensor::zeros({4})); }, {"[2,3]", "[4]"}}}}));
}

TEST(OpContract, FailsAWrongGradient) {
  expect_fails_with(op_contract(doubled_case(Flaw::kWrongGradient)), "doubled: gradient check");
}

TEST(OpContract, FailsABackwardThatAssignsInsteadOfAdding) {
  // The gradient alone is right (the checker starts from no gradient); only accumulation is wrong.
  EXPECT_TRUE(testing::grad_check(doubled_case(Flaw::kAssigns).f, doubled_case(Flaw::kAssigns).inputs));
  expect_fails_with(op_contract(doubled_case(Flaw::kAssigns)), "doubled: accumulate");
  OpCase off = doubled_case(Flaw::kAssigns);
  off.check_accumulate = false;
  EXPECT_TRUE(op_contract(off));
}

TEST(OpContract, FailsAGradientThatDependsOnTheThreadCount) {
  expect_fails_with(op_contract(doubled_case(Flaw::kThreadDependent)), "gradient of input 0 differs between 1 and 2");
  OpCase off = doubled_case(Flaw::kThreadDependent);
  off.check_threads = false;
  EXPECT_TRUE(op_contract(off));
}

TEST(OpContract, ChecksThreadsOnTheirOwnInputs) {
  OpCase c = doubled_case(Flaw::kNone);
  c.thread_inputs = {random_tensor({100}, 4)};  // none requires grad: nothing would be compared
  expect_fails_with(op_contract(c), "no thread input requires grad");
  c.thread_inputs[0].set_requires_grad();
  EXPECT_TRUE(op_contract(c));
}

TEST(OpContract, FailsAForwardThatDrawsAnewEachCall) {
  uint64_t step = 0;
  expect_fails_with(op_contract({.op = "dropout",
                                 .f = [&](const std::vector<Tensor>& in) { return dropout(in[0], 0.5f, true, 1, step++); },
                                 .inputs = {random_tensor({4, 5}, 1).set_requires_grad()}}),
                    "dropout: repeatable: two forwards of the same inputs differ");
  EXPECT_TRUE(op_contract({.op = "dropout",
                           .f = [](const std::vector<Tensor>& in) { return dropout(in[0], 0.5f, true, 1, 0); },
                           .inputs = {random_tensor({4, 5}, 1).set_requires_grad()}}));
}

TEST(OpContract, FailsWhenNoInputRequiresGrad) {
  OpCase c = doubled_case(Flaw::kNone);
  c.inputs = {random_tensor({2, 3}, 1)};
  expect_fails_with(op_contract(c), "no input requires grad");
}

TEST(OpContract, ShapeErrorsMustBeThrownAndNameTheOpAndShapes) {
  OpCase c = doubled_case(Flaw::kNone);
  c.shape_errors = {{[] {}, {}}};
  expect_fails_with(op_contract(c), "nothing was thrown");
  c.shape_errors = {{[] { throw ConfigError("doubled: bad"); }, {}}};
  expect_fails_with(op_contract(c), "got another exception");
  c.shape_errors = {{[] { throw ShapeError("halved: x=[8,16,2,2]"); }, {"[8,16,2,2]"}}};
  expect_fails_with(op_contract(c), "lacks \"doubled\"");
  c.shape_errors = {{[] { throw ShapeError("doubled: x=[8,16,2]"); }, {"[8,16,2,2]"}}};
  expect_fails_with(op_contract(c), "lacks \"[8,16,2,2]\"");
  c.shape_errors = {{[] { throw ShapeError("doubled: x=[8,16,2,2]"); }, {"[8,16,2,2]"}}};
  EXPECT_TRUE(op_contract(c));
}

TEST(OpContract, LeavesNoGradientBehind) {
  OpCase c = doubled_case(Flaw::kNone);
  ASSERT_TRUE(op_contract(c));
  EXPECT_FALSE(c.inputs[0].grad().defined());
}

}  // namespace
}  // namespace poolnet
