// The attention heads' ops: to_tokens, shifted_power, attention_pool, layer_norm and narrow,
// each against a naive reference, with the op contract.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"

namespace poolnet {
namespace {
using testing::all_close;
using testing::op_contract;
using testing::random_tensor;
using testing::separated_tensor;

TEST(ToTokens, IsTheTransposeOfTheFlattenedMap) {
  const Tensor x = random_tensor({2, 3, 4, 5}, 1);
  const Tensor t = to_tokens(x);
  ASSERT_EQ(t.shape(), (Shape{2, 20, 3}));
  for (int64_t n = 0; n < 2; ++n) {
    for (int64_t c = 0; c < 3; ++c) {
      for (int64_t h = 0; h < 4; ++h) {
        for (int64_t w = 0; w < 5; ++w) EXPECT_EQ(t.at({n, h * 5 + w, c}), x.at({n, c, h, w}));
      }
    }
  }
  EXPECT_TRUE(op_contract({.op = "to_tokens",
                           .f = [](const std::vector<Tensor>& in) { return to_tokens(in[0]); },
                           .inputs = {random_tensor({2, 3, 2, 3}, 2).set_requires_grad()},
                           .thread_inputs = {random_tensor({8, 16, 7, 7}, 3).set_requires_grad()},
                           .shape_errors = {{[] {
                                               to_tokens(Tensor::zeros({2, 3}));
                                             },
                                             {"[2,3]"}}}}));
}

TEST(ShiftedPower, SubtractsTheChannelMinimumOverTokens) {
  const Tensor v = random_tensor({2, 6, 3}, 4);
  const Tensor y = shifted_power(v, 2.0f);
  for (int64_t n = 0; n < 2; ++n) {
    for (int64_t c = 0; c < 3; ++c) {
      double m = v.at({n, 0, c});
      for (int64_t l = 1; l < 6; ++l) m = std::min<double>(m, v.at({n, l, c}));
      for (int64_t l = 0; l < 6; ++l) {
        EXPECT_NEAR(y.at({n, l, c}), std::pow(v.at({n, l, c}) - m + 1e-6, 2.0), 1e-6);
      }
    }
  }
  EXPECT_TRUE(op_contract({.op = "shifted_power",
                           .f = [](const std::vector<Tensor>& in) { return shifted_power(in[0], 2.0f); },
                           .inputs = {separated_tensor({2, 4, 3}, 5).set_requires_grad()},
                           .thread_inputs = {random_tensor({8, 25, 16}, 6).set_requires_grad()},
                           .shape_errors = {{[] {
                                               shifted_power(Tensor::zeros({2, 3}), 2.0f);
                                             },
                                             {"[2,3]"}}}}));
}

TEST(ShiftedPower, TiedMinimaShareTheirGradient) {
  // Channel minimum 0 at two tokens: d/dv of sum((v - min + eps)^1) is 1 - 3/2 at each of them.
  Tensor v = Tensor::from_vector({1, 3, 1}, {0.0f, 0.0f, 1.0f}).set_requires_grad();
  sum(shifted_power(v, 1.0f)).backward();
  EXPECT_TRUE(all_close(v.grad(), Tensor::from_vector({1, 3, 1}, {-0.5f, -0.5f, 1.0f}), 1e-6, 0));
}

// out[n, h*D + d] = sum_l softmax_l(q_h . k_lh / sqrt(D)) v[n, l, h*D + d], in double.
Tensor reference_attention(const Tensor& q, const Tensor& k, const Tensor& v, int64_t heads) {
  const int64_t N = k.size(0), L = k.size(1), C = k.size(2), D = C / heads;
  Tensor out = Tensor::zeros({N, C});
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t h = 0; h < heads; ++h) {
      std::vector<double> s(static_cast<size_t>(L));
      double total = 0.0;
      for (int64_t l = 0; l < L; ++l) {
        for (int64_t d = 0; d < D; ++d) s[l] += q.at({n, h * D + d}) * k.at({n, l, h * D + d});
        total += (s[l] = std::exp(s[l] / std::sqrt(static_cast<double>(D))));
      }
      for (int64_t d = 0; d < D; ++d) {
        double o = 0.0;
        for (int64_t l = 0; l < L; ++l) o += s[l] / total * v.at({n, l, h * D + d});
        out.data()[n * C + h * D + d] = static_cast<float>(o);
      }
    }
  }
  return out;
}

TEST(AttentionPool, MatchesTheNaiveReferenceAndItsWeightsSumToOne) {
  const Tensor q = random_tensor({3, 8}, 7), k = random_tensor({3, 10, 8}, 8), v = random_tensor({3, 10, 8}, 9);
  for (int64_t heads : {1, 2, 4, 8}) {
    const AttentionPoolResult r = attention_pool(q, k, v, heads);
    EXPECT_TRUE(all_close(r.out, reference_attention(q, k, v, heads), 1e-6, 1e-5)) << heads;
    ASSERT_EQ(r.weights.shape(), (Shape{3, heads, 10}));
    EXPECT_TRUE(all_close(sum(r.weights, {2}), Tensor::ones({3, heads}), 1e-6, 1e-6));
  }
}

TEST(AttentionPool, Contract) {
  const auto f = [](const std::vector<Tensor>& in) { return attention_pool(in[0], in[1], in[2], 2).out; };
  EXPECT_TRUE(op_contract(
      {.op = "attention_pool",
       .f = f,
       .inputs = {random_tensor({2, 4}, 10).set_requires_grad(), random_tensor({2, 3, 4}, 11).set_requires_grad(),
                  random_tensor({2, 3, 4}, 12).set_requires_grad()},
       .thread_inputs = {random_tensor({16, 16}, 13).set_requires_grad(),
                         random_tensor({16, 25, 16}, 14).set_requires_grad(),
                         random_tensor({16, 25, 16}, 15).set_requires_grad()},
       .shape_errors = {{[] {
                           attention_pool(Tensor::zeros({2, 6}), Tensor::zeros({2, 3, 6}), Tensor::zeros({2, 3, 6}), 4);
                         },
                         {"heads=4"}},
                        {[] {
                           attention_pool(Tensor::zeros({2, 5}), Tensor::zeros({2, 3, 6}), Tensor::zeros({2, 3, 6}), 1);
                         },
                         {"[2,5]", "[2,3,6]"}}}}));
}

TEST(AttentionPool, NanPropagatesToItsSampleOnly) {
  Tensor k = random_tensor({2, 4, 4}, 16);
  k.data()[3] = std::numeric_limits<float>::quiet_NaN();
  const Tensor out = attention_pool(random_tensor({2, 4}, 17), k, random_tensor({2, 4, 4}, 18), 1).out;
  EXPECT_TRUE(std::isnan(out.at({0, 0})));
  EXPECT_FALSE(std::isnan(out.at({1, 0})));
}

TEST(LayerNorm, MatchesTheNaiveReference) {
  const Tensor x = random_tensor({3, 5, 6}, 19, -2.0f, 3.0f), w = random_tensor({6}, 20), b = random_tensor({6}, 21);
  const Tensor y = layer_norm(x, w, b);
  for (int64_t r = 0; r < 15; ++r) {
    double mean = 0.0, var = 0.0;
    for (int64_t c = 0; c < 6; ++c) mean += x.data()[r * 6 + c] / 6.0;
    for (int64_t c = 0; c < 6; ++c) var += std::pow(x.data()[r * 6 + c] - mean, 2) / 6.0;
    for (int64_t c = 0; c < 6; ++c) {
      const double want = (x.data()[r * 6 + c] - mean) / std::sqrt(var + 1e-5) * w.data()[c] + b.data()[c];
      EXPECT_NEAR(y.data()[r * 6 + c], want, 1e-5);
    }
  }
}

TEST(LayerNorm, Contract) {
  EXPECT_TRUE(op_contract(
      {.op = "layer_norm",
       .f = [](const std::vector<Tensor>& in) { return layer_norm(in[0], in[1], in[2]); },
       .inputs = {random_tensor({2, 3, 4}, 22).set_requires_grad(), random_tensor({4}, 23).set_requires_grad(),
                  random_tensor({4}, 24).set_requires_grad()},
       .thread_inputs = {random_tensor({8, 100, 16}, 25).set_requires_grad(),
                         random_tensor({16}, 26).set_requires_grad(), random_tensor({16}, 27).set_requires_grad()},
       .shape_errors = {{[] {
                           layer_norm(Tensor::zeros({2, 4}), Tensor::zeros({3}), Tensor::zeros({3}));
                         },
                         {"[2,4]", "[3]"}}}}));
}

TEST(Narrow, TakesASliceOfOneDimension) {
  const Tensor x = random_tensor({2, 5, 3}, 28);
  const Tensor y = narrow(x, 1, 1, 3);
  ASSERT_EQ(y.shape(), (Shape{2, 3, 3}));
  for (int64_t n = 0; n < 2; ++n) {
    for (int64_t i = 0; i < 3; ++i) {
      for (int64_t c = 0; c < 3; ++c) EXPECT_EQ(y.at({n, i, c}), x.at({n, i + 1, c}));
    }
  }
  EXPECT_TRUE(op_contract({.op = "narrow",
                           .f = [](const std::vector<Tensor>& in) { return narrow(in[0], -1, 2, 2); },
                           .inputs = {random_tensor({2, 3, 5}, 29).set_requires_grad()},
                           .shape_errors = {{[] {
                                               narrow(Tensor::zeros({2, 3}), 1, 2, 2);
                                             },
                                             {"[2,3]"}}}}));
}

}  // namespace
}  // namespace poolnet
