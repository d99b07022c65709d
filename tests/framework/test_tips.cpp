// tips (framework/ops/tips.h): a naive reference written from the header (reflect padding at the
// top/left, depthwise conv, ReLU, bin averages, softmax, the column-major pairing, the mixture),
// the op contract for the mixture and the regulariser at strides 2x2, 2x3 and 3x3, shape errors,
// the shift draws, and golden values from PyTorch 1.13 (tests/golden/tips.json, written by
// tests/golden/generate_tips.py from the paper's tips.py and train_test.py).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "tests/support/golden_cases.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"
#include "tests/support/reference.h"
#include "tests/support/reference_conv.h"

namespace poolnet {
namespace {
using testing::all_close;
using testing::op_contract;
using testing::random_tensor;
using testing::shape_error_names;

// ---- a deliberately naive reference ------------------------------------------------------------

Tensor naive_tips(const Tensor& x, const Tensor& w1, const Tensor& w2, Size2d s) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), K = w1.size(2);
  const int64_t top = (s.h - H % s.h) % s.h, left = (s.w - W % s.w) % s.w;
  const Tensor xp = reference::pad_reflect(x, top, 0, left, 0);
  const int64_t HP = H + top, WP = W + left, OH = HP / s.h, OW = WP / s.w, P = s.h * s.w, r = (K - 1) / 2;
  Tensor y = Tensor::zeros({N, C, OH, OW});
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t c = 0; c < C; ++c) {
      // psi and its averages over the adaptive bins [floor(b*HP/sh), ceil((b+1)*HP/sh)).
      std::vector<double> psi(static_cast<size_t>(HP * WP));
      for (int64_t h = 0; h < HP; ++h) {
        for (int64_t w = 0; w < WP; ++w) {
          double acc = 0;
          for (int64_t u = 0; u < K; ++u) {
            for (int64_t v = 0; v < K; ++v) {
              const int64_t hh = h + u - r, ww = w + v - r;
              if (hh >= 0 && hh < HP && ww >= 0 && ww < WP) acc += double(xp.at({n, c, hh, ww})) * w1.at({c, 0, u, v});
            }
          }
          psi[static_cast<size_t>(h * WP + w)] = std::max(acc, 0.0);
        }
      }
      std::vector<double> logit(static_cast<size_t>(P));
      for (int64_t bi = 0; bi < s.h; ++bi) {
        for (int64_t bj = 0; bj < s.w; ++bj) {
          const int64_t h0 = bi * HP / s.h, h1 = ((bi + 1) * HP + s.h - 1) / s.h;
          const int64_t c0 = bj * WP / s.w, c1 = ((bj + 1) * WP + s.w - 1) / s.w;
          double sum = 0;
          for (int64_t h = h0; h < h1; ++h) {
            for (int64_t w = c0; w < c1; ++w) sum += psi[static_cast<size_t>(h * WP + w)];
          }
          logit[static_cast<size_t>(bi * s.w + bj)] = sum / double((h1 - h0) * (c1 - c0)) * w2.at({c, 0, 0, 0});
        }
      }
      const double top_logit = *std::max_element(logit.begin(), logit.end());
      double z = 0;
      for (double& l : logit) z += (l = std::exp(l - top_logit));
      for (int64_t oh = 0; oh < OH; ++oh) {
        for (int64_t ow = 0; ow < OW; ++ow) {
          double acc = 0;
          for (int64_t i = 0; i < s.h; ++i) {
            for (int64_t j = 0; j < s.w; ++j) {  // component (i, j) takes tau[j*sh + i]
              acc += logit[static_cast<size_t>(j * s.h + i)] / z * xp.at({n, c, oh * s.h + i, ow * s.w + j});
            }
          }
          y.at({n, c, oh, ow}) = static_cast<float>(acc);
        }
      }
    }
  }
  return y;
}

struct Geometry {
  Shape x;
  int64_t kernel;
  Size2d stride;
};

const std::vector<Geometry> kGeometries = {
    {{2, 3, 6, 8}, 3, {2, 2}}, {{2, 2, 7, 9}, 3, {2, 2}}, {{1, 2, 5, 6}, 5, {2, 2}}, {{2, 2, 6, 5}, 1, {2, 2}},
    {{2, 2, 7, 8}, 3, {2, 3}}, {{1, 2, 7, 8}, 3, {3, 3}}, {{2, 2, 9, 10}, 3, {3, 2}},
};

TEST(Tips, MatchesTheNaiveReference) {
  for (const Geometry& g : kGeometries) {
    const int64_t C = g.x[1];
    const Tensor x = random_tensor(g.x, 1), w1 = random_tensor({C, 1, g.kernel, g.kernel}, 2);
    const Tensor w2 = random_tensor({C, 1, 1, 1}, 3, -2.0f, 2.0f);
    const TipsOutput out = tips_downsample(x, w1, w2, g.stride);
    EXPECT_EQ(out.y.shape(), (Shape{g.x[0], C, (g.x[2] + g.stride.h - 1) / g.stride.h,
                                    (g.x[3] + g.stride.w - 1) / g.stride.w}));
    EXPECT_EQ(out.psi.shape(), out.xp.shape());
    EXPECT_TRUE(all_close(out.y, naive_tips(x, w1, w2, g.stride), 1e-5, 1e-5)) << shape_str(g.x) << to_string(g.stride);
  }
}

TEST(Tips, WeightsAreASoftmaxOverThePhases) {
  const Tensor xp = random_tensor({2, 3, 6, 6}, 4);
  const TipsBranch b = tips_branch(xp, random_tensor({3, 1, 3, 3}, 5), random_tensor({3, 1, 1, 1}, 6), {2, 3});
  ASSERT_EQ(b.weights.shape(), (Shape{2, 3, 6}));
  for (int64_t r = 0; r < 6; ++r) {
    float sum = 0;
    for (int64_t p = 0; p < 6; ++p) sum += b.weights.data()[r * 6 + p];
    EXPECT_NEAR(sum, 1.0f, 1e-6);
  }
}

TEST(Tips, CircularPaddingModeWrapsTheBranchConvolution) {
  const Tensor xp = random_tensor({2, 2, 6, 8}, 20), w1 = random_tensor({2, 1, 5, 5}, 21);
  const Tensor psi = tips_branch(xp, w1, random_tensor({2, 1, 1, 1}, 22), {2, 2}, PadMode::kCircular).psi;
  const Tensor expected = relu(reference::conv2d(reference::pad_circular(xp, 2, 2, 2, 2), w1, Tensor(), {.groups = 2}));
  EXPECT_TRUE(all_close(psi, expected, 1e-5, 1e-5));
}

TEST(Tips, PadsTheTopAndLeftByReflection) {
  const Tensor x = random_tensor({1, 2, 5, 7}, 7);
  EXPECT_TRUE(testing::bitwise_equal(tips_pad(x, {2, 2}), reference::pad_reflect(x, 1, 0, 1, 0)));
  EXPECT_TRUE(testing::bitwise_equal(tips_pad(x, {3, 3}), reference::pad_reflect(x, 1, 0, 2, 0)));
  EXPECT_TRUE(testing::bitwise_equal(tips_pad(x, {5, 7}), x));
}

TEST(Tips, ContractOfTheMixture) {
  for (const Geometry& g : kGeometries) {
    SCOPED_TRACE(shape_str(g.x) + " stride " + to_string(g.stride));
    const int64_t C = g.x[1];
    Shape big = g.x;
    big[0] = 8;
    big[2] = 20;
    big[3] = 21;
    const Size2d s = g.stride;
    EXPECT_TRUE(op_contract({
        .op = "tips",
        .f = [s](const auto& in) { return tips_downsample(in[0], in[1], in[2], s).y; },
        .inputs = {random_tensor(g.x, 8).set_requires_grad(),
                   random_tensor({C, 1, g.kernel, g.kernel}, 9, 0.1f, 1.0f).set_requires_grad(),
                   random_tensor({C, 1, 1, 1}, 10).set_requires_grad()},
        .grad = {.eps = 1e-3},
        .thread_inputs = {random_tensor(big, 11).set_requires_grad(),
                          random_tensor({C, 1, g.kernel, g.kernel}, 12).set_requires_grad(),
                          random_tensor({C, 1, 1, 1}, 13).set_requires_grad()},
        .shape_errors = {{[&] { tips_downsample(Tensor::zeros({2, C, 8}), Tensor::zeros({C, 1, 3, 3}),
                                                Tensor::zeros({C, 1, 1, 1}), s); },
                          {"[2," + std::to_string(C) + ",8]"}},
                         {[&] { tips_downsample(Tensor::zeros({1, C, 8, 8}), Tensor::zeros({C, 1, 2, 2}),
                                                Tensor::zeros({C, 1, 1, 1}), s); },
                          {"[" + std::to_string(C) + ",1,2,2]", "odd"}},
                         {[&] { tips_downsample(Tensor::zeros({1, C, 8, 8}), Tensor::zeros({C, 1, 3, 3}),
                                                Tensor::zeros({C, 1, 2, 1}), s); },
                          {"[" + std::to_string(C) + ",1,2,1]"}}},
        .accumulate_atol = 1e-4,
    }));
  }
}

TEST(Tips, ContractOfTheRegulariser) {
  for (TipsShiftMode mode : {TipsShiftMode::kCircular, TipsShiftMode::kZeros}) {
    for (Size2d s : {Size2d{2, 2}, Size2d{2, 3}, Size2d{3, 3}}) {
      const auto f = [s, mode](const auto& in) {
        const TipsOutput out = tips_downsample(in[0], in[1], in[2], s);
        return tips_regulariser(out.xp, out.psi, {1, -2}, mode);
      };
      EXPECT_TRUE(op_contract({
          .op = "tips",
          .f = f,
          .inputs = {random_tensor({2, 2, 7, 8}, 14).set_requires_grad(),
                     random_tensor({2, 1, 3, 3}, 15, 0.1f, 1.0f).set_requires_grad(),
                     random_tensor({2, 1, 1, 1}, 16).set_requires_grad()},
          .grad = {.eps = 1e-3},
          .thread_inputs = {random_tensor({8, 2, 20, 21}, 17).set_requires_grad(),
                            random_tensor({2, 1, 3, 3}, 18).set_requires_grad(),
                            random_tensor({2, 1, 1, 1}, 19).set_requires_grad()},
          .shape_errors = {{[] { tips_regulariser(Tensor::zeros({1, 2, 4, 4}), Tensor::zeros({1, 2, 4, 5}), {0, 0},
                                                  TipsShiftMode::kCircular); },
                            {"[1,2,4,5]", "[1,2,4,4]"}}},
          .accumulate_atol = 1e-4,
      }));
    }
  }
}

TEST(Tips, ShapeErrorsNameTheOpAndShapes) {
  EXPECT_TRUE(shape_error_names("tips", {[] { tips_pad(Tensor::zeros({1, 2, 1, 4}), {2, 2}); }, {"1x4", "[1,2,1,4]"}}));
  EXPECT_TRUE(shape_error_names("tips", {[] { tips_pad(Tensor::zeros({1, 2, 4, 4}), {0, 2}); }, {"0x2"}}));
}

TEST(Tips, ShiftDrawsCoverTheRangeAndRepeat) {
  std::set<std::pair<int64_t, int64_t>> seen;
  for (uint64_t step = 0; step < 400; ++step) {
    const Size2d t = tips_draw_shift({2, 1}, 5, step);
    EXPECT_TRUE(t.h >= -2 && t.h <= 2 && t.w >= -1 && t.w <= 1);
    EXPECT_EQ(t, tips_draw_shift({2, 1}, 5, step));
    seen.insert({t.h, t.w});
  }
  EXPECT_EQ(seen.size(), 15u);
  EXPECT_EQ(tips_draw_shift({0, 0}, 5, 3), (Size2d{0, 0}));
}

// ---- golden values from PyTorch ---------------------------------------------------------------

class TipsGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(TipsGolden, MatchesPyTorch) {
  static const nlohmann::json cases = testing::read_golden_cases("tips.json");
  const nlohmann::json& c = testing::case_named(cases, GetParam());
  const Size2d s{c.at("stride")[0].get<int64_t>(), c.at("stride")[1].get<int64_t>()};
  const Size2d shift{c.at("shift")[0].get<int64_t>(), c.at("shift")[1].get<int64_t>()};
  Tensor x = testing::tensor_of(c.at("x")).set_requires_grad();
  Tensor w1 = testing::tensor_of(c.at("w1")).set_requires_grad();
  Tensor w2 = testing::tensor_of(c.at("w2")).set_requires_grad();
  const TipsOutput out = tips_downsample(x, w1, w2, s);
  EXPECT_TRUE(all_close(out.y, testing::tensor_of(c.at("y")), 1e-5, 1e-5));
  EXPECT_TRUE(all_close(tips_branch(out.xp, w1, w2, s).weights, testing::tensor_of(c.at("weights")), 1e-6, 1e-5));
  const Tensor reg = tips_regulariser(out.xp, out.psi, shift, TipsShiftMode::kCircular);
  EXPECT_NEAR(reg.item(), c.at("reg_circular").get<double>(), 1e-5 * (1 + c.at("reg_circular").get<double>()));
  EXPECT_NEAR(tips_regulariser(out.xp, out.psi, shift, TipsShiftMode::kZeros).item(), c.at("reg_zeros").get<double>(),
              1e-5 * (1 + c.at("reg_zeros").get<double>()));
  if (c.at("reg_circular").get<double>() == 0.0) {
    EXPECT_EQ(reg.item(), 0.0f);  // exactly, as PyTorch
  }
  add(sum(mul(out.y, testing::tensor_of(c.at("gy")))), reg).backward();
  EXPECT_TRUE(all_close(x.grad(), testing::tensor_of(c.at("gx")), 1e-5, 1e-4));
  EXPECT_TRUE(all_close(w1.grad(), testing::tensor_of(c.at("gw1")), 1e-5, 1e-4));
  EXPECT_TRUE(all_close(w2.grad(), testing::tensor_of(c.at("gw2")), 1e-5, 1e-4));
}

INSTANTIATE_TEST_SUITE_P(PyTorch, TipsGolden,
                         ::testing::ValuesIn(testing::case_names(testing::read_golden_cases("tips.json"))),
                         testing::param_name);

}  // namespace
}  // namespace poolnet
