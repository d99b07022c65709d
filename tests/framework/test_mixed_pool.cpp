#include <gtest/gtest.h>

#include <cmath>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "tests/support/grad_check.h"
#include "tests/support/reference_downsample.h"

namespace poolnet {
namespace {
using testing::all_close;
using testing::bitwise_equal;
using testing::grad_check;

TEST(MixedPool, MixesMaxAndAverageBySigmoidOfTheGate) {
  Tensor x = testing::random_tensor({2, 3, 8, 7}, 1);
  for (float gate : {0.0f, 1.5f, -2.0f}) {
    const double alpha = 1.0 / (1.0 + std::exp(-gate));
    for (int64_t k : {2, 3}) {
      Tensor y = mixed_pool2d(x, Tensor::full({1}, gate), {.kernel = {k, k}});
      EXPECT_TRUE(all_close(y, reference::mixed_pool(x, k, k, alpha), 1e-6, 1e-5)) << gate << " " << k;
    }
  }
  // A very open gate is max pooling, a very closed one average pooling.
  EXPECT_TRUE(all_close(mixed_pool2d(x, Tensor::full({1}, 40.0f)), max_pool2d(x), 1e-6, 0));
  EXPECT_TRUE(all_close(mixed_pool2d(x, Tensor::full({}, -40.0f)), avg_pool2d(x), 1e-6, 0));
}

TEST(MixedPool, GradCheckInputAndGateWithOverlappingWindows) {
  Tensor x = testing::separated_tensor({2, 2, 6, 5}, 2).set_requires_grad();
  Tensor gate = Tensor::full({1}, 0.3f).set_requires_grad();
  const Pool2d o{.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}, .ceil_mode = true};
  EXPECT_TRUE(grad_check([&](const std::vector<Tensor>& in) { return mixed_pool2d(in[0], in[1], o); }, {x, gate}));
}

TEST(MixedPool, ShapeErrorsNameOpAndShape) {
  const auto message = [](const Tensor& x, const Tensor& gate, const Pool2d& o) {
    try {
      mixed_pool2d(x, gate, o);
    } catch (const ShapeError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string m = message(Tensor::zeros({1, 1, 4, 4}), Tensor::zeros({2}), {});
  EXPECT_NE(m.find("mixed_pool2d"), std::string::npos) << m;
  EXPECT_NE(m.find("[2]"), std::string::npos) << m;
  EXPECT_NE(m.find("[1,1,4,4]"), std::string::npos) << m;
  m = message(Tensor::zeros({1, 4, 4}), Tensor::zeros({1}), {});
  EXPECT_NE(m.find("mixed_pool2d"), std::string::npos) << m;
  EXPECT_NE(m.find("[1,4,4]"), std::string::npos) << m;
  m = message(Tensor::zeros({1, 1, 4, 4}), Tensor::zeros({1}), {.dilation = {2, 2}});
  EXPECT_NE(m.find("mixed_pool2d: dilation"), std::string::npos) << m;
}

TEST(MixedPool, BackwardAccumulates) {
  Tensor x = testing::random_tensor({2, 2, 6, 6}, 1).set_requires_grad();
  Tensor gate = Tensor::full({1}, 0.2f).set_requires_grad();
  Tensor up = testing::random_tensor({2, 2, 3, 3}, 2);
  mixed_pool2d(x, gate).backward(up);
  const Tensor gx = x.grad().clone(), gg = gate.grad().clone();
  add(mixed_pool2d(x, gate), mixed_pool2d(mul(x, 1.0f), mul(gate, 1.0f))).backward(up);
  EXPECT_TRUE(all_close(x.grad(), mul(gx, 3.0f), 1e-6, 1e-5));
  EXPECT_TRUE(all_close(gate.grad(), mul(gg, 3.0f), 1e-5, 1e-5));
}

TEST(MixedPool, DeterministicAcrossThreadCounts) {
  Tensor x = testing::random_tensor({16, 8, 13, 11}, 3).set_requires_grad();
  Tensor gate = Tensor::full({1}, 0.4f).set_requires_grad();
  Tensor y[2], g[2], gg[2];
  for (int t : {1, 2}) {
    testing::with_threads(t, [&] {
      x.zero_grad();
      gate.zero_grad();
      y[t - 1] = mixed_pool2d(x, gate, {.kernel = {3, 3}, .stride = {2, 2}});
      y[t - 1].backward(testing::random_tensor(y[t - 1].shape(), 4));
      g[t - 1] = x.grad().clone();
      gg[t - 1] = gate.grad().clone();
    });
  }
  EXPECT_TRUE(bitwise_equal(y[0], y[1]));
  EXPECT_TRUE(bitwise_equal(g[0], g[1]));
  EXPECT_TRUE(bitwise_equal(gg[0], gg[1]));
}

}  // namespace
}  // namespace poolnet
