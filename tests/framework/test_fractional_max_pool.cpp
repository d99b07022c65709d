// fractional_max_pool2d: PyTorch's interval rule by hand, a naive reference loop, the draws
// (training streams, eval_u, given samples), ties and NaN, the op contract in training and eval
// mode, shape errors, and golden values from PyTorch 1.13 (tests/golden/fractional_max_pool.json,
// written by tests/golden/generate_fractional.py) fed the same draws.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "framework/random.h"
#include "tests/support/golden_cases.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"

namespace poolnet {
namespace {
using testing::bitwise_equal;
using testing::op_contract;
using testing::random_tensor;
using testing::separated_tensor;
using testing::shape_error_names;

// ---- a deliberately naive reference ------------------------------------------------------------

// PyTorch's generate_intervals, written out again from its source: scalar_t = float.
std::vector<int64_t> naive_intervals(float sample, int64_t input, int64_t output, int64_t pool) {
  std::vector<int64_t> sequence(static_cast<size_t>(output));
  if (output > 1) {
    const float alpha = static_cast<float>(input - pool) / static_cast<float>(output - 1);
    for (int64_t i = 0; i < output - 1; ++i) {
      const float at = (static_cast<float>(i) + sample) * alpha, base = sample * alpha;
      sequence[static_cast<size_t>(i)] = static_cast<int64_t>(std::trunc(at)) - static_cast<int64_t>(std::trunc(base));
    }
  }
  sequence[static_cast<size_t>(output - 1)] = input - pool;
  return sequence;
}

// One output at a time: the running maximum from -inf, taking over when larger or NaN (PyTorch's
// CPU loop); samples [N, C, 2] = (u_w, u_h).
Tensor naive_fractional(const Tensor& x, const Tensor& samples, Size2d kernel, Size2d output) {
  const int64_t N = x.size(0), C = x.size(1);
  Tensor y = Tensor::zeros({N, C, output.h, output.w});
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t c = 0; c < C; ++c) {
      const auto cols = naive_intervals(samples.at({n, c, 0}), x.size(3), output.w, kernel.w);
      const auto rows = naive_intervals(samples.at({n, c, 1}), x.size(2), output.h, kernel.h);
      for (int64_t oh = 0; oh < output.h; ++oh) {
        for (int64_t ow = 0; ow < output.w; ++ow) {
          float best = -std::numeric_limits<float>::infinity();
          for (int64_t h = rows[oh]; h < rows[oh] + kernel.h; ++h) {
            for (int64_t w = cols[ow]; w < cols[ow] + kernel.w; ++w) {
              const float v = x.at({n, c, h, w});
              if (v > best || std::isnan(v)) best = v;
            }
          }
          y.at({n, c, oh, ow}) = best;
        }
      }
    }
  }
  return y;
}

TEST(FractionalMaxPool, IntervalsByHand) {
  // 8 -> 5, kernel 2: alpha = 6/4 = 1.5.
  EXPECT_EQ(fractional_intervals(0.0f, 8, 5, 2), (std::vector<int64_t>{0, 1, 3, 4, 6}));
  EXPECT_EQ(fractional_intervals(0.5f, 8, 5, 2), (std::vector<int64_t>{0, 2, 3, 5, 6}));
  // One output: the window at the end.
  EXPECT_EQ(fractional_intervals(0.3f, 7, 1, 2), (std::vector<int64_t>{5}));
  // Ratio 1/2 with u = 0.5 on an even input: max pooling's starts 0, 2, 4, ...
  EXPECT_EQ(fractional_intervals(0.5f, 12, 6, 2), (std::vector<int64_t>{0, 2, 4, 6, 8, 10}));
  // Odd input: 7 -> 3, alpha = 2.5.
  EXPECT_EQ(fractional_intervals(0.5f, 7, 3, 2), (std::vector<int64_t>{0, 2, 5}));
  for (float u : {0.0f, 0.1f, 0.37f, 0.5f, 0.9f, 0.99999994f}) {
    for (auto [n, m, k] : {std::tuple{31, 19, 2}, {17, 10, 3}, {100, 33, 2}, {9, 8, 2}}) {
      const std::vector<int64_t> s = fractional_intervals(u, n, m, k);
      EXPECT_EQ(s, naive_intervals(u, n, m, k));
      EXPECT_EQ(s.front(), 0) << u;
      for (size_t i = 1; i < s.size(); ++i) EXPECT_GE(s[i], s[i - 1]) << u << " " << n << " " << m;
      EXPECT_LE(s.back(), n - k);
    }
  }
  EXPECT_THROW(fractional_intervals(0.5f, 4, 4, 2), ShapeError);
}

TEST(FractionalMaxPool, OutputSizeFromRatioOrOutput) {
  EXPECT_EQ(fractional_max_pool2d_out_shape({2, 3, 9, 8}, {}), (Shape{2, 3, 4, 4}));
  EXPECT_EQ(fractional_max_pool2d_out_shape({2, 3, 15, 13}, {.ratio = 0.7}), (Shape{2, 3, 10, 9}));
  EXPECT_EQ(fractional_max_pool2d_out_shape({2, 3, 9, 8}, {.kernel = {3, 2}, .output = {7, 2}}), (Shape{2, 3, 7, 2}));
}

TEST(FractionalMaxPool, MatchesNaiveReference) {
  struct Case {
    Shape shape;
    FractionalMaxPool o;
  };
  for (const Case& c : {Case{{2, 3, 8, 8}, {.output = {5, 5}}}, Case{{2, 2, 7, 9}, {}},
                        Case{{1, 3, 13, 11}, {.kernel = {3, 3}, .ratio = 0.7}},
                        Case{{2, 2, 9, 10}, {.kernel = {2, 3}, .output = {6, 5}}},
                        Case{{2, 2, 5, 6}, {.output = {1, 1}}}, Case{{1, 2, 30, 20}, {.ratio = 1.0 / 3.0}}}) {
    const Tensor x = random_tensor(c.shape, 3, -2.0f, 2.0f);
    const Shape out = fractional_max_pool2d_out_shape(c.shape, c.o);
    for (bool training : {true, false}) {
      FractionalMaxPool o = c.o;
      o.training = training;
      o.seed = 11;
      o.step = 4;
      const Tensor samples = fractional_max_pool2d_samples(c.shape[0], c.shape[1], o);
      EXPECT_TRUE(bitwise_equal(fractional_max_pool2d(x, o), naive_fractional(x, samples, o.kernel, {out[2], out[3]})))
          << shape_str(c.shape) << (training ? " train" : " eval");
    }
  }
}

TEST(FractionalMaxPool, DrawsFromTheStreamsInTrainingAndEvalUInEvaluation) {
  const FractionalMaxPool train{.seed = 5, .step = 3};
  const Tensor s = fractional_max_pool2d_samples(2, 3, train);
  for (int64_t n = 0; n < 2; ++n) {
    const RandomStream rng(5, stream_id(3, static_cast<uint64_t>(n)));
    for (int64_t c = 0; c < 3; ++c) {
      EXPECT_EQ(s.at({n, c, 0}), rng.uniform(static_cast<uint64_t>(2 * c))) << n << " " << c;
      EXPECT_EQ(s.at({n, c, 1}), rng.uniform(static_cast<uint64_t>(2 * c + 1))) << n << " " << c;
    }
  }
  const Tensor x = random_tensor({2, 3, 11, 10}, 4);
  EXPECT_TRUE(bitwise_equal(fractional_max_pool2d(x, train), fractional_max_pool2d(x, s, train)));
  // Another step draws anew; the same step again draws the same (resume is bit-identical).
  FractionalMaxPool next = train;
  next.step = 4;
  EXPECT_FALSE(bitwise_equal(fractional_max_pool2d_samples(2, 3, next), s));
  EXPECT_TRUE(bitwise_equal(fractional_max_pool2d_samples(2, 3, train), s));
  // Evaluation: eval_u everywhere, whatever the seed and step.
  const FractionalMaxPool eval{.training = false, .seed = 9, .step = 7, .eval_u = 0.25f};
  EXPECT_TRUE(bitwise_equal(fractional_max_pool2d_samples(2, 3, eval), Tensor::full({2, 3, 2}, 0.25f)));
  EXPECT_TRUE(bitwise_equal(fractional_max_pool2d(x, eval), fractional_max_pool2d(x, Tensor::full({2, 3, 2}, 0.25f), eval)));
}

TEST(FractionalMaxPool, EvalWithHalfRatioAndOffsetIsMaxPoolOnEvenInputs) {
  const Tensor x = random_tensor({2, 3, 12, 8}, 6);
  EXPECT_TRUE(bitwise_equal(fractional_max_pool2d(x, {.training = false}), max_pool2d(x, {})));
}

TEST(FractionalMaxPool, FirstMaximumWinsAndNanPropagates) {
  // 3x3 -> 2x2 with kernel 2, u = 0: starts 0, 1 on both axes (overlapping windows).
  const Tensor samples = Tensor::zeros({1, 1, 2});
  Tensor x = Tensor::from_vector({1, 1, 3, 3}, {1, 1, 0, 1, 1, 0, 0, 0, 0}).set_requires_grad();
  const FractionalMaxPool o{.output = {2, 2}};
  Tensor y = fractional_max_pool2d(x, samples, o);
  y.backward(Tensor::from_vector({1, 1, 2, 2}, {1, 2, 4, 8}));
  // Every window's first maximum is its top-left element.
  EXPECT_TRUE(bitwise_equal(x.grad(), Tensor::from_vector({1, 1, 3, 3}, {1, 2, 0, 4, 8, 0, 0, 0, 0})));
  const Tensor nan = Tensor::from_vector({1, 1, 3, 3}, {1, 2, 3, 4, NAN, 6, 7, 8, 9});
  const Tensor yn = fractional_max_pool2d(nan, samples, o);
  for (int64_t i = 0; i < 4; ++i) EXPECT_TRUE(std::isnan(yn.data()[i])) << i;
}

// Ties and NaNs everywhere (values from {0, 1, 2, NaN}): the gradient goes to the element the
// running rule picks in scan order (the last NaN, else the first maximum), for the 2x2 kernel's
// row-pair pass and the general loop alike.
TEST(FractionalMaxPool, GradientGoesToTheScanOrderWinnerUnderTiesAndNan) {
  for (const Size2d kernel : {Size2d{2, 2}, Size2d{3, 2}}) {
    const Shape shape{2, 3, 11, 9};
    Tensor x = random_tensor(shape, 21, 0.0f, 3.0f);
    for (int64_t i = 0; i < x.numel(); ++i) {
      const float v = std::floor(x.data()[i]);
      x.data()[i] = (i % 17 == 5) ? NAN : v;
    }
    x.set_requires_grad();
    const FractionalMaxPool o{.kernel = kernel, .output = {6, 5}, .seed = 3};
    const Tensor samples = fractional_max_pool2d_samples(shape[0], shape[1], o);
    const Tensor y = fractional_max_pool2d(x, samples, o);
    const Tensor gy = random_tensor(y.shape(), 22, 1.0f, 2.0f);
    y.backward(gy);
    Tensor want = Tensor::zeros(shape);
    for (int64_t n = 0; n < shape[0]; ++n) {
      for (int64_t c = 0; c < shape[1]; ++c) {
        const auto cols = naive_intervals(samples.at({n, c, 0}), shape[3], 5, kernel.w);
        const auto rows = naive_intervals(samples.at({n, c, 1}), shape[2], 6, kernel.h);
        for (int64_t oh = 0; oh < 6; ++oh) {
          for (int64_t ow = 0; ow < 5; ++ow) {
            int64_t bh = rows[oh], bw = cols[ow];
            for (int64_t h = rows[oh]; h < rows[oh] + kernel.h; ++h) {
              for (int64_t w = cols[ow]; w < cols[ow] + kernel.w; ++w) {
                const float v = x.at({n, c, h, w}), best = x.at({n, c, bh, bw});
                if (v > best || std::isnan(v)) bh = h, bw = w;
              }
            }
            want.at({n, c, bh, bw}) += gy.at({n, c, oh, ow});
          }
        }
      }
    }
    EXPECT_TRUE(bitwise_equal(x.grad(), want)) << to_string(kernel);
  }
}

TEST(FractionalMaxPool, Contract) {
  struct Case {
    Shape shape;
    FractionalMaxPool o;
  };
  const std::vector<Tensor> big{random_tensor({16, 8, 13, 11}, 3).set_requires_grad()};
  for (const Case& c : {Case{{2, 3, 8, 8}, {.output = {5, 5}}}, Case{{2, 2, 7, 9}, {}},
                        Case{{2, 2, 9, 8}, {.kernel = {3, 3}, .ratio = 0.7}},  // overlapping windows
                        Case{{2, 2, 6, 7}, {.kernel = {2, 3}, .output = {4, 3}}}}) {
    for (bool training : {true, false}) {
      FractionalMaxPool o = c.o;
      o.training = training;
      o.seed = 3;
      o.step = 2;
      SCOPED_TRACE(shape_str(c.shape) + (training ? " train" : " eval"));
      EXPECT_TRUE(op_contract({.op = "fractional_max_pool2d",
                               .f = [o](const std::vector<Tensor>& in) { return fractional_max_pool2d(in[0], o); },
                               .inputs = {separated_tensor(c.shape, 4).set_requires_grad()},
                               .thread_inputs = big}));
    }
  }
}

TEST(FractionalMaxPool, ShapeErrorsNameOpAndShape) {
  const auto bad = [](const Shape& shape, const FractionalMaxPool& o) {
    return [=] { fractional_max_pool2d(Tensor::zeros(shape), o); };
  };
  const std::string op = "fractional_max_pool2d";
  EXPECT_TRUE(shape_error_names(op, {bad({4, 4}, {}), {"[4,4]"}}));
  EXPECT_TRUE(shape_error_names(op, {bad({1, 2, 4, 4}, {.output = {4, 4}}),
                                     {"kernel 2x2 with output 4x4 does not fit input 4x4", "[1,2,4,4]"}}));
  EXPECT_TRUE(shape_error_names(op, {bad({1, 2, 1, 6}, {}), {"empty output 0x3", "[1,2,1,6]"}}));
  EXPECT_TRUE(shape_error_names(op, {bad({1, 2, 6, 6}, {.ratio = 1.0}), {"ratio must be in (0, 1), got 1", "[1,2,6,6]"}}));
  EXPECT_TRUE(shape_error_names(op, {bad({1, 2, 6, 6}, {.kernel = {0, 2}}), {"kernel=0x2", "[1,2,6,6]"}}));
  EXPECT_TRUE(shape_error_names(op, {bad({1, 2, 6, 6}, {.output = {3, 0}}), {"output=3x0", "[1,2,6,6]"}}));
  EXPECT_TRUE(shape_error_names(op, {bad({1, 2, 6, 6}, {.eval_u = 1.0f}), {"eval_u must be in [0, 1)", "[1,2,6,6]"}}));
  const Tensor x = Tensor::zeros({2, 3, 6, 6});
  EXPECT_TRUE(shape_error_names(op, {[&] { fractional_max_pool2d(x, Tensor::zeros({2, 3}), {}); },
                                     {"samples must be [2,3,2], got [2,3]", "[2,3,6,6]"}}));
  EXPECT_TRUE(shape_error_names(op, {[&] { fractional_max_pool2d(x, Tensor::full({2, 3, 2}, 1.0f), {}); },
                                     {"samples must lie in [0, 1), got 1", "[2,3,6,6]"}}));
}

// ---- golden values from PyTorch -----------------------------------------------------------------

using nlohmann::json;

const json& golden() {
  static const json cases = testing::read_golden_cases("fractional_max_pool.json");
  return cases;
}

class FractionalMaxPoolGolden : public ::testing::TestWithParam<std::string> {};

// Max pooling does no arithmetic, so the output and the input gradient (each gy added once at
// its argmax, in output order, as PyTorch) must agree exactly; the argmax is where gx is gy.
TEST_P(FractionalMaxPoolGolden, MatchesPyTorchExactly) {
  const json& c = testing::case_named(golden(), GetParam());
  const Size2d kernel{c.at("kernel").at(0).get<int64_t>(), c.at("kernel").at(1).get<int64_t>()};
  const Size2d output{c.at("output").at(0).get<int64_t>(), c.at("output").at(1).get<int64_t>()};
  FractionalMaxPool o{.kernel = kernel, .output = output};
  if (c.contains("ratio")) o = {.kernel = kernel, .ratio = c.at("ratio").get<double>()};  // the size from the ratio
  Tensor x = testing::tensor_of(c.at("x")).set_requires_grad();
  const Tensor y = fractional_max_pool2d(x, testing::tensor_of(c.at("samples")), o);
  EXPECT_EQ(y.size(2), output.h);
  EXPECT_EQ(y.size(3), output.w);
  EXPECT_TRUE(bitwise_equal(y, testing::tensor_of(c.at("y")))) << "output of case " << GetParam();
  // The reference loop agrees too.
  EXPECT_TRUE(bitwise_equal(naive_fractional(x.detach(), testing::tensor_of(c.at("samples")), kernel, output), y));
  const Tensor gy = testing::tensor_of(c.at("gy"));
  y.backward(gy);
  EXPECT_TRUE(bitwise_equal(x.grad(), testing::tensor_of(c.at("gx")))) << "input gradient of case " << GetParam();
  // PyTorch's argmax holds each output's value.
  const std::vector<int64_t> indices = c.at("indices").get<std::vector<int64_t>>();
  const int64_t plane_in = x.size(2) * x.size(3), plane_out = output.h * output.w;
  for (int64_t i = 0; i < y.numel(); ++i) {
    const float at = x.data()[i / plane_out * plane_in + indices[static_cast<size_t>(i)]];
    EXPECT_TRUE(at == y.data()[i] || (std::isnan(at) && std::isnan(y.data()[i]))) << GetParam() << " " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, FractionalMaxPoolGolden, ::testing::ValuesIn(testing::case_names(golden())), testing::param_name);

TEST(FractionalMaxPoolGoldenFile, HasEnoughDistinctCases) {
  std::set<std::string> names;
  int ratio = 0;
  for (const json& c : golden()) {
    EXPECT_TRUE(names.insert(c.at("name").get<std::string>()).second) << "duplicate case " << c.at("name");
    ratio += c.contains("ratio") ? 1 : 0;
  }
  EXPECT_GE(golden().size(), 15u);
  EXPECT_GE(ratio, 4);
}

}  // namespace
}  // namespace poolnet
