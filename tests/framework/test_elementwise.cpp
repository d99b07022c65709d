#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"

namespace poolnet {
namespace {

using testing::op_contract;
using testing::random_tensor;

struct UnaryCase {
  const char* name;
  std::function<Tensor(const Tensor&)> op;
  std::function<float(float)> naive;
  float low, high;  // input range where the op is smooth
};

class Unary : public ::testing::TestWithParam<UnaryCase> {};

TEST_P(Unary, MatchesNaiveLoop) {
  const auto& c = GetParam();
  Tensor x = random_tensor({3, 4, 5}, 11, c.low, c.high);
  Tensor y = c.op(x);
  for (int64_t i = 0; i < x.numel(); ++i) EXPECT_FLOAT_EQ(y.data()[i], c.naive(x.data()[i])) << i;
}

// Gradient, accumulation, and 1 vs 2 threads on a tensor large enough to be split.
TEST_P(Unary, Contract) {
  const auto& c = GetParam();
  EXPECT_TRUE(op_contract({.op = c.name,
                           .f = [&](const std::vector<Tensor>& in) { return c.op(in[0]); },
                           .inputs = {random_tensor({2, 3, 4}, 12, c.low, c.high).set_requires_grad()},
                           .thread_inputs = {random_tensor({70000}, 14, c.low, c.high).set_requires_grad()}}));
}

// Kinked ops are tested away from the kink (|x| > 0.05 with eps 0.01).
INSTANTIATE_TEST_SUITE_P(
    Ops, Unary,
    ::testing::Values(
        UnaryCase{"neg", [](const Tensor& x) { return neg(x); }, [](float v) { return -v; }, -2, 2},
        UnaryCase{"exp", [](const Tensor& x) { return exp(x); }, [](float v) { return std::exp(v); }, -2, 2},
        UnaryCase{"log", [](const Tensor& x) { return log(x); }, [](float v) { return std::log(v); }, 0.5, 3},
        UnaryCase{"relu_pos", [](const Tensor& x) { return relu(x); }, [](float v) { return v > 0 ? v : 0; }, 0.05, 2},
        UnaryCase{"relu_neg", [](const Tensor& x) { return relu(x); }, [](float v) { return v > 0 ? v : 0; }, -2, -0.05},
        UnaryCase{"leaky_relu", [](const Tensor& x) { return leaky_relu(x, 0.2f); },
                  [](float v) { return v > 0 ? v : 0.2f * v; }, -2, -0.05},
        UnaryCase{"sigmoid", [](const Tensor& x) { return sigmoid(x); },
                  [](float v) { return 1.0f / (1.0f + std::exp(-v)); }, -3, 3},
        UnaryCase{"tanh", [](const Tensor& x) { return tanh(x); }, [](float v) { return std::tanh(v); }, -2, 2},
        UnaryCase{"pow3", [](const Tensor& x) { return pow(x, 3.0f); }, [](float v) { return std::pow(v, 3.0f); }, 0.2, 2},
        UnaryCase{"abs", [](const Tensor& x) { return abs(x); }, [](float v) { return std::fabs(v); }, -2, -0.05},
        UnaryCase{"sqrt", [](const Tensor& x) { return sqrt(x); }, [](float v) { return std::sqrt(v); }, 0.5, 3},
        UnaryCase{"add_scalar", [](const Tensor& x) { return add(x, 1.5f); }, [](float v) { return v + 1.5f; }, -2, 2},
        UnaryCase{"mul_scalar", [](const Tensor& x) { return mul(x, -0.5f); }, [](float v) { return -0.5f * v; }, -2, 2}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Elementwise, ReluPropagatesNaN) {
  Tensor y = relu(Tensor::from_vector({2}, {NAN, -1.0f}));
  EXPECT_TRUE(std::isnan(y.data()[0]));
  EXPECT_EQ(y.data()[1], 0.0f);
}

struct BinaryCase {
  const char* name;
  std::function<Tensor(const Tensor&, const Tensor&)> op;
  std::function<float(float, float)> naive;
};

class Binary : public ::testing::TestWithParam<BinaryCase> {};

const std::vector<std::pair<Shape, Shape>> kBroadcastPairs = {
    {{2, 3, 4, 5}, {2, 3, 4, 5}},  // same shape
    {{2, 3, 4, 5}, {}},            // scalar
    {{2, 3, 4, 5}, {1, 3, 1, 1}},  // per-channel bias
    {{3, 1}, {1, 4}},              // both stretch
    {{5}, {2, 3, 5}},              // rank differs
};

TEST_P(Binary, MatchesNaiveLoopWithBroadcasting) {
  const auto& c = GetParam();
  for (const auto& [sa, sb] : kBroadcastPairs) {
    Tensor a = random_tensor(sa, 1, 0.5f, 2.0f), b = random_tensor(sb, 2, 0.5f, 2.0f);
    Tensor y = c.op(a, b);
    // Naive: walk the output index and read each input with its own strides.
    const Shape& out = y.shape();
    std::vector<int64_t> idx(out.size(), 0);
    const auto offset = [&](const Shape& s) {
      int64_t off = 0;
      for (size_t k = 0; k < s.size(); ++k) {
        const int64_t i = idx[k + out.size() - s.size()];
        off = off * s[k] + (s[k] == 1 ? 0 : i);
      }
      return off;
    };
    for (int64_t flat = 0; flat < y.numel(); ++flat) {
      int64_t rest = flat;
      for (size_t k = out.size(); k-- > 0;) {
        idx[k] = rest % out[k];
        rest /= out[k];
      }
      ASSERT_FLOAT_EQ(y.data()[flat], c.naive(a.data()[offset(sa)], b.data()[offset(sb)]))
          << shape_str(sa) << " with " << shape_str(sb) << " at " << flat;
    }
  }
}

// Gradient and accumulation for every broadcast pair; 1 vs 2 threads on a per-channel bias
// large enough to be split.
TEST_P(Binary, ContractWithBroadcasting) {
  const auto& c = GetParam();
  for (const auto& [sa, sb] : kBroadcastPairs) {
    SCOPED_TRACE(shape_str(sa) + " with " + shape_str(sb));
    EXPECT_TRUE(op_contract({.op = c.name,
                             .f = [&](const std::vector<Tensor>& in) { return c.op(in[0], in[1]); },
                             .inputs = {random_tensor(sa, 3, 0.5f, 2.0f).set_requires_grad(),
                                        random_tensor(sb, 4, 0.5f, 2.0f).set_requires_grad()},
                             .thread_inputs = {random_tensor({64, 16, 8, 8}, 5, 0.5f, 2.0f).set_requires_grad(),
                                               random_tensor({1, 16, 1, 1}, 6, 0.5f, 2.0f).set_requires_grad()},
                             .accumulate_atol = 1e-4}));
  }
}

INSTANTIATE_TEST_SUITE_P(Ops, Binary,
                         ::testing::Values(BinaryCase{"add", [](auto& a, auto& b) { return add(a, b); },
                                                      [](float x, float y) { return x + y; }},
                                           BinaryCase{"sub", [](auto& a, auto& b) { return sub(a, b); },
                                                      [](float x, float y) { return x - y; }},
                                           BinaryCase{"mul", [](auto& a, auto& b) { return mul(a, b); },
                                                      [](float x, float y) { return x * y; }},
                                           BinaryCase{"div", [](auto& a, auto& b) { return div(a, b); },
                                                      [](float x, float y) { return x / y; }}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Elementwise, ShapeErrorNamesOpAndShapes) {
  EXPECT_TRUE(testing::shape_error_names("add", {[] { add(Tensor::zeros({2, 3}), Tensor::zeros({4})); }, {"[2,3]", "[4]"}}));
}

}  // namespace
}  // namespace poolnet
