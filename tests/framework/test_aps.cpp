#include <gtest/gtest.h>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"
#include "tests/support/reference_downsample.h"

namespace poolnet {
namespace {
using testing::bitwise_equal;
using testing::op_contract;
using testing::random_tensor;
using testing::shape_error_names;

const ApsNorm kNorms[] = {ApsNorm::kL2, ApsNorm::kL1, ApsNorm::kLinf};

TEST(Aps, NormNamesRoundTrip) {
  for (ApsNorm n : kNorms) EXPECT_EQ(parse_aps_norm(to_string(n)), n);
  try {
    parse_aps_norm("l3");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("l2, l1, linf"), std::string::npos) << e.what();
  }
}

TEST(Aps, PicksTheComponentWithTheLargestNorm) {
  // Sample 0: phase (1, 0) holds the big values; sample 1: phase (0, 1).
  Tensor x = Tensor::zeros({2, 1, 4, 4});
  x.at({0, 0, 1, 0}) = 5;
  x.at({0, 0, 3, 2}) = -5;
  x.at({1, 0, 0, 1}) = 3;
  x.at({1, 0, 2, 3}) = 1;
  ApsResult r = aps_downsample_with_phases(x, {});
  EXPECT_EQ(r.phases, (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(r.y.to_vector(), (std::vector<float>{5, 0, 0, -5, 3, 0, 0, 1}));
}

TEST(Aps, NormsDisagreeWhereTheyShould) {
  // Phase 0: one large value (wins linf); phase 1: many medium values (wins l1); l2 in between.
  Tensor x = Tensor::zeros({1, 1, 2, 8});
  x.at({0, 0, 0, 0}) = 3.0f;
  for (int64_t w = 1; w < 8; w += 2) x.at({0, 0, 0, w}) = 1.2f;
  EXPECT_EQ(aps_phases(x, {.norm = ApsNorm::kLinf}), (std::vector<int64_t>{0}));
  EXPECT_EQ(aps_phases(x, {.norm = ApsNorm::kL1}), (std::vector<int64_t>{1}));
  EXPECT_EQ(aps_phases(x, {.norm = ApsNorm::kL2}), (std::vector<int64_t>{0}));  // 9 > 4 * 1.44
}

TEST(Aps, TiesGoToTheLowestPhase) {
  EXPECT_EQ(aps_phases(Tensor::ones({3, 2, 4, 6}), {.stride = {2, 2}}), (std::vector<int64_t>{0, 0, 0}));
  Tensor x = Tensor::zeros({1, 1, 3, 3});
  x.at({0, 0, 1, 1}) = 1;   // phase 4
  x.at({0, 0, 2, 0}) = -1;  // phase 6, same norm
  EXPECT_EQ(aps_phases(x, {.stride = {3, 3}}), (std::vector<int64_t>{4}));
}

TEST(Aps, MatchesNaiveReferenceForAnyStrideAndSize) {
  for (ApsNorm norm : kNorms) {
    for (int64_t s : {2, 3, 4}) {
      for (Shape shape : {Shape{3, 2, 8, 8}, Shape{2, 3, 7, 5}, Shape{2, 1, 1, 3}}) {
        Tensor x = random_tensor(shape, 17 * s + shape[2]);
        const std::vector<int64_t> want = reference::aps_phases(x, s, to_string(norm));
        ApsResult r = aps_downsample_with_phases(x, {.stride = {s, s}, .norm = norm});
        EXPECT_EQ(r.phases, want) << to_string(norm) << " stride " << s << " " << shape_str(shape);
        EXPECT_TRUE(bitwise_equal(r.y, reference::aps_select(x, want, Size2d{s, s})));
      }
    }
  }
}

TEST(Aps, CircularShiftSelectsTheSameComponent) {
  const auto floor_div = [](int64_t a, int64_t b) { return (a - ((a % b) + b) % b) / b; };
  const auto mod = [](int64_t a, int64_t b) { return ((a % b) + b) % b; };
  Tensor x = random_tensor({4, 3, 8, 12}, 8);
  for (ApsNorm norm : kNorms) {
    const ApsResult r = aps_downsample_with_phases(x, {.norm = norm});
    for (Size2d t : {Size2d{1, 0}, Size2d{0, 1}, Size2d{1, 1}, Size2d{3, -5}, Size2d{2, 2}}) {
      const ApsResult rs = aps_downsample_with_phases(roll(x, t), {.norm = norm});
      for (int64_t n = 0; n < 4; ++n) {
        // Component (i, j) of x is component ((i + t.h) mod 2, (j + t.w) mod 2) of the shifted
        // input, circularly shifted by floor((i + t) / 2).
        const int64_t i = r.phases[n] / 2, j = r.phases[n] % 2;
        EXPECT_EQ(rs.phases[n], mod(i + t.h, 2) * 2 + mod(j + t.w, 2));
        const int64_t uh = floor_div(i + t.h, 2), uw = floor_div(j + t.w, 2);
        for (int64_t c = 0; c < 3; ++c)
          for (int64_t oh = 0; oh < 4; ++oh)
            for (int64_t ow = 0; ow < 6; ++ow)
              ASSERT_EQ(rs.y.at({n, c, oh, ow}), r.y.at({n, c, mod(oh - uh, 4), mod(ow - uw, 6)}))
                  << to_string(norm) << " shift " << to_string(t);
      }
    }
  }
}

TEST(Aps, SelectAppliesGivenPhases) {
  Tensor x = random_tensor({2, 2, 6, 6}, 4);
  EXPECT_TRUE(bitwise_equal(aps_select(x, std::vector<int64_t>{3, 1}, Size2d{2, 2}), reference::aps_select(x, {3, 1}, Size2d{2, 2})));
  ApsResult r = aps_downsample_with_phases(x, {});
  EXPECT_TRUE(bitwise_equal(aps_select(x, r.phases, Size2d{2, 2}), r.y));
}

// Gradient, accumulation and 1 vs 2 threads for each norm, even and odd (wrapping) sizes, and
// aps_select with given phases at stride 3.
TEST(Aps, Contract) {
  const std::vector<Tensor> big{random_tensor({32, 8, 13, 11}, 3).set_requires_grad()};
  for (ApsNorm norm : kNorms) {
    for (Shape shape : {Shape{2, 2, 6, 4}, Shape{2, 2, 5, 3}}) {
      SCOPED_TRACE(to_string(norm) + " " + shape_str(shape));
      EXPECT_TRUE(op_contract({.op = "aps_downsample",
                               .f = [&](const std::vector<Tensor>& in) { return aps_downsample(in[0], {.norm = norm}); },
                               .inputs = {testing::separated_tensor(shape, 3).set_requires_grad()},
                               .thread_inputs = big}));
    }
  }
  EXPECT_TRUE(op_contract({.op = "aps_select",
                           .f = [&](const std::vector<Tensor>& in) {
                             std::vector<int64_t> phases;  // 8, 4, 0, 5, ...
                             for (int64_t n = 0; n < in[0].size(0); ++n) phases.push_back((5 * n + 8) % 9);
                             return aps_select(in[0], phases, Size2d{3, 3});
                           },
                           .inputs = {random_tensor({2, 2, 7, 7}, 3).set_requires_grad()},
                           .thread_inputs = big}));
}

const Size2d kStrides[] = {{3, 3}, {2, 1}, {1, 2}, {2, 3}, {3, 2}};

TEST(Aps, AnyStrideMatchesNaiveReference) {
  for (Size2d s : kStrides) {
    for (Shape shape : {Shape{3, 2, 7, 8}, Shape{2, 3, 6, 9}}) {
      const Tensor x = random_tensor(shape, 5 + s.h * 3 + s.w);
      for (ApsNorm norm : kNorms) {
        SCOPED_TRACE(to_string(s) + " " + shape_str(shape) + " " + to_string(norm));
        const ApsResult r = aps_downsample_with_phases(x, {.stride = s, .norm = norm});
        EXPECT_EQ(r.phases, reference::aps_phases(x, s, to_string(norm)));
        EXPECT_TRUE(bitwise_equal(r.y, reference::aps_select(x, r.phases, s)));
        EXPECT_EQ(r.y.shape(), (Shape{shape[0], shape[1], (shape[2] + s.h - 1) / s.h, (shape[3] + s.w - 1) / s.w}));
      }
    }
  }
}

TEST(Aps, AnisotropicContract) {
  for (Size2d s : {Size2d{2, 3}, Size2d{1, 2}}) {
    SCOPED_TRACE(to_string(s));
    EXPECT_TRUE(op_contract({.op = "aps_downsample",
                             .f = [&](const std::vector<Tensor>& in) { return aps_downsample(in[0], {.stride = s}); },
                             .inputs = {testing::separated_tensor({2, 2, 5, 7}, 3).set_requires_grad()},
                             .thread_inputs = {random_tensor({32, 8, 13, 11}, 3).set_requires_grad()}}));
  }
}

// Weights [N, P] (one mixture per sample) and [N, C, P] (per channel), at strides 2, 3 and 2x1,
// with rows, columns or both wrapping (stride 2 has its own kernel for the unwrapped columns).
TEST(PolyphaseMix, MatchesNaiveReference) {
  for (Size2d s : {Size2d{2, 2}, Size2d{3, 3}, Size2d{2, 1}}) {
    const int64_t P = s.h * s.w;
    for (Shape xs : {Shape{2, 3, 7, 6}, Shape{2, 3, 6, 7}, Shape{2, 3, 5, 5}}) {
      const Tensor x = random_tensor(xs, 8);
      for (Shape ws : {Shape{2, P}, Shape{2, 3, P}}) {
        SCOPED_TRACE(to_string(s) + " x " + shape_str(xs) + " weights " + shape_str(ws));
        const Tensor w = random_tensor(ws, 9);
        EXPECT_TRUE(testing::all_close(polyphase_mix(x, w, s), reference::polyphase_mix(x, w, s), 1e-6, 1e-5));
      }
    }
  }
}

TEST(PolyphaseMix, OneHotWeightsSelectThatPhase) {
  const Tensor x = random_tensor({3, 2, 7, 9}, 2);
  for (Size2d s : {Size2d{2, 3}, Size2d{2, 2}}) {
    const std::vector<int64_t> phases{s.h * s.w - 1, 0, 2};
    Tensor w = Tensor::zeros({3, s.h * s.w});
    for (int64_t n = 0; n < 3; ++n) w.at({n, phases[static_cast<size_t>(n)]}) = 1.0f;
    EXPECT_TRUE(bitwise_equal(polyphase_mix(x, w, s), aps_select(x, phases, s))) << to_string(s);
  }
}

TEST(PolyphaseMix, Contract) {
  for (Size2d s : {Size2d{3, 2}, Size2d{2, 2}}) {
    const int64_t P = s.h * s.w;
    for (Shape ws : {Shape{2, P}, Shape{2, 2, P}}) {
      SCOPED_TRACE(to_string(s) + " weights " + shape_str(ws));
      Shape big_ws = ws;
      big_ws[0] = 32;
      if (big_ws.size() == 3) big_ws[1] = 8;
      EXPECT_TRUE(op_contract({.op = "polyphase_mix",
                               .f = [s](const std::vector<Tensor>& in) { return polyphase_mix(in[0], in[1], s); },
                               .inputs = {random_tensor({2, 2, 5, 5}, 3).set_requires_grad(),
                                          random_tensor(ws, 4).set_requires_grad()},
                               .thread_inputs = {random_tensor({32, 8, 13, 11}, 3).set_requires_grad(),
                                                 random_tensor(big_ws, 5).set_requires_grad()}}));
    }
  }
  EXPECT_TRUE(shape_error_names(
      "polyphase_mix", {[] { polyphase_mix(Tensor::zeros({2, 1, 4, 4}), Tensor::zeros({2, 3}), {2, 2}); },
                        {"[2,1,4,4]", "[2,3]", "[2, 4]"}}));
}

TEST(Aps, ShapeErrorsNameOpAndShape) {
  EXPECT_TRUE(shape_error_names("aps_downsample", {[] { aps_downsample(Tensor::zeros({2, 4, 4})); }, {"[2,4,4]"}}));
  EXPECT_TRUE(shape_error_names("aps_downsample",
                                {[] { aps_downsample(Tensor::zeros({1, 1, 4, 4}), {.stride = {1, 1}}); }, {"stride", "[1,1,4,4]"}}));
  EXPECT_TRUE(shape_error_names(
      "aps_select", {[] { aps_select(Tensor::zeros({2, 1, 4, 4}), std::vector<int64_t>{0}, Size2d{2, 2}); }, {"[2,1,4,4]"}}));
  EXPECT_TRUE(
      shape_error_names("aps_select", {[] { aps_select(Tensor::zeros({1, 1, 4, 4}), std::vector<int64_t>{4}, Size2d{2, 2}); }, {"phase 4"}}));
}

TEST(Aps, OddSizesWrapAndGradientsAddUp) {
  // H = W = 3, stride 2: the padded row/column 3 reads row/column 0, so phase 0 reads x[0,0]
  // four times and its gradient collects all four.
  Tensor x = Tensor::from_vector({1, 1, 3, 3}, {9, 0, 1, 0, 0, 0, 1, 0, 1}).set_requires_grad();
  Tensor y = aps_downsample(x);
  EXPECT_EQ(y.to_vector(), (std::vector<float>{9, 1, 1, 1}));
  y.backward(Tensor::ones({1, 1, 2, 2}));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{1, 0, 1, 0, 0, 0, 1, 0, 1}));
  Tensor z = Tensor::from_vector({1, 1, 1, 3}, {0, 0, 5}).set_requires_grad();
  Tensor yz = aps_downsample(z);  // padded [0 0 5 0]: phase 0 = {0, 5}
  EXPECT_EQ(yz.to_vector(), (std::vector<float>{0, 5}));
}

}  // namespace
}  // namespace poolnet
