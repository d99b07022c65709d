#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/ops.h"

namespace poolnet {
namespace {

TEST(Autograd, DiamondGraphSumsBothPaths) {
  // y = x*x + 3x uses x on three paths: dy/dx = 2x + 3.
  Tensor x = Tensor::from_vector({2}, {1.5f, -2.0f}).set_requires_grad();
  Tensor y = sum(add(mul(x, x), mul(x, 3.0f)));
  y.backward();
  EXPECT_FLOAT_EQ(x.grad().data()[0], 6.0f);
  EXPECT_FLOAT_EQ(x.grad().data()[1], -1.0f);
}

TEST(Autograd, SharedIntermediateReceivesBothGradients) {
  Tensor x = Tensor::from_vector({1}, {2.0f}).set_requires_grad();
  Tensor h = exp(x);              // used twice below
  Tensor y = sum(mul(h, h));      // e^{2x}: dy/dx = 2 e^{2x}
  y.backward();
  EXPECT_NEAR(x.grad().item(), 2.0 * std::exp(4.0), 1e-3);
}

TEST(Autograd, LeafGradientsAccumulateAcrossBackwardCalls) {
  Tensor x = Tensor::from_vector({1}, {3.0f}).set_requires_grad();
  sum(mul(x, 2.0f)).backward();
  sum(mul(x, 5.0f)).backward();
  EXPECT_FLOAT_EQ(x.grad().item(), 7.0f);
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
}

TEST(Autograd, SecondBackwardThroughReleasedGraphThrows) {
  Tensor x = Tensor::from_vector({1}, {3.0f}).set_requires_grad();
  Tensor h = mul(x, 2.0f);
  Tensor y = sum(h);
  y.backward();
  EXPECT_THROW(y.backward(), AutogradError);
  EXPECT_THROW(sum(mul(h, 1.0f)).backward(), AutogradError);  // h's graph is gone too
}

TEST(Autograd, NoGradGuardRecordsNothing) {
  Tensor x = Tensor::ones({2}).set_requires_grad();
  {
    NoGradGuard guard;
    Tensor y = mul(x, 2.0f);
    EXPECT_FALSE(y.requires_grad());
    EXPECT_TRUE(y.is_leaf());
  }
  EXPECT_TRUE(mul(x, 2.0f).requires_grad());
}

TEST(Autograd, DetachStopsGradient) {
  Tensor x = Tensor::from_vector({1}, {2.0f}).set_requires_grad();
  Tensor y = sum(mul(mul(x, x).detach(), x));  // d/dx (c * x) = c = 4
  y.backward();
  EXPECT_FLOAT_EQ(x.grad().item(), 4.0f);
}

TEST(Autograd, IntermediateGradientsAreReleased) {
  Tensor x = Tensor::ones({3}).set_requires_grad();
  Tensor h = mul(x, 2.0f);
  sum(h).backward();
  EXPECT_FALSE(h.grad().defined());
  EXPECT_TRUE(x.grad().defined());
}

TEST(Autograd, BackwardNeedsScalarOrUpstream) {
  Tensor x = Tensor::ones({3}).set_requires_grad();
  Tensor y = mul(x, 2.0f);
  EXPECT_THROW(y.backward(), AutogradError);
  y.backward(Tensor::from_vector({3}, {1, 2, 3}));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{2, 4, 6}));
  EXPECT_THROW(Tensor::ones({1}).backward(), AutogradError);  // does not require grad
}

TEST(Autograd, AnomalyDetectionNamesTheOp) {
  set_detect_anomaly(true);
  Tensor x = Tensor::from_vector({2}, {1.0f, -1.0f}).set_requires_grad();
  try {
    log(x);
    FAIL() << "log(-1) should be reported";
  } catch (const NumericalError& e) {
    EXPECT_NE(std::string(e.what()).find("log"), std::string::npos) << e.what();
  }
  Tensor z = Tensor::from_vector({1}, {0.0f}).set_requires_grad();
  Tensor s = sqrt(z);  // forward finite, gradient 1/(2*0) = inf
  EXPECT_THROW(sum(s).backward(), NumericalError);
  set_detect_anomaly(false);
}

// Every op checks its own output: the first op to produce (or pass on) a non-finite value is
// the one named, with the output's shape.
TEST(Autograd, AnomalyDetectionCoversReduceShapeAndPadOps) {
  set_detect_anomaly(true);
  const auto expect_named = [](const std::function<void()>& f, const std::string& op, const std::string& shape) {
    try {
      f();
      FAIL() << op << " did not report a non-finite output";
    } catch (const NumericalError& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.rfind(op + ": output", 0), 0u) << what;
      EXPECT_NE(what.find(shape), std::string::npos) << what;
    }
  };
  const Tensor big = Tensor::full({1, 1, 2, 2}, 3e38f);
  const Tensor bad = Tensor::from_vector({1, 1, 2, 2}, {1.0f, std::nanf(""), 2.0f, 3.0f});
  expect_named([&] { sum(big, {2, 3}); }, "sum", "[1,1,1,1]");  // finite inputs, overflowing sum
  expect_named([&] { pad(bad, Padding2d{.top = 1, .bottom = 1, .left = 1, .right = 1}); }, "pad", "[1,1,4,4]");
  expect_named([&] { reshape(bad, {4}); }, "reshape", "[4]");
  expect_named([&] { concat({bad, big}, 1); }, "concat", "[1,2,2,2]");
  set_detect_anomaly(false);
  EXPECT_NO_THROW(sum(big, {2, 3}));  // off: no check
}

}  // namespace
}  // namespace poolnet
