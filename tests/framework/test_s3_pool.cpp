// s3_pool2d: the grid rule by hand, the draws (from the streams, per batch, per step), a naive
// reference loop in training and evaluation, anisotropic strides and stride 3, ties and NaN, the
// op contract in both modes, shape errors, and golden values from PyTorch 1.13
// (tests/golden/s3_pool.json, written by tests/golden/generate_s3_pool.py) fed the same rows and
// columns.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
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
using testing::all_close;
using testing::bitwise_equal;
using testing::op_contract;
using testing::random_tensor;
using testing::separated_tensor;
using testing::shape_error_names;

// ---- a deliberately naive reference ------------------------------------------------------------

// m [N,C,H-1,W-1]: the max over each 2x2 window, from -inf, taking over when larger or NaN.
float naive_max(const Tensor& x, int64_t n, int64_t c, int64_t h, int64_t w) {
  float best = -std::numeric_limits<float>::infinity();
  for (int64_t i = h; i < h + 2; ++i) {
    for (int64_t j = w; j < w + 2; ++j) {
      const float v = x.at({n, c, i, j});
      if (v > best || std::isnan(v)) best = v;
    }
  }
  return best;
}

Tensor naive_train(const Tensor& x, const std::vector<int64_t>& rows, const std::vector<int64_t>& cols) {
  const int64_t N = x.size(0), C = x.size(1), OH = std::ssize(rows), OW = std::ssize(cols);
  Tensor y = Tensor::zeros({N, C, OH, OW});
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t c = 0; c < C; ++c) {
      for (int64_t oh = 0; oh < OH; ++oh) {
        for (int64_t ow = 0; ow < OW; ++ow) y.at({n, c, oh, ow}) = naive_max(x, n, c, rows[oh], cols[ow]);
      }
    }
  }
  return y;
}

// Evaluation: the mean of m over s x s windows starting at o*s - s/2, out-of-range taps skipped.
Tensor naive_eval(const Tensor& x, Size2d s) {
  const int64_t N = x.size(0), C = x.size(1), P = x.size(2) - 1, Q = x.size(3) - 1;
  const int64_t OH = (P + 2 * (s.h / 2) - s.h) / s.h + 1, OW = (Q + 2 * (s.w / 2) - s.w) / s.w + 1;
  Tensor y = Tensor::zeros({N, C, OH, OW});
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t c = 0; c < C; ++c) {
      for (int64_t oh = 0; oh < OH; ++oh) {
        for (int64_t ow = 0; ow < OW; ++ow) {
          double sum = 0;
          int count = 0;
          for (int64_t h = oh * s.h - s.h / 2; h < oh * s.h - s.h / 2 + s.h; ++h) {
            for (int64_t w = ow * s.w - s.w / 2; w < ow * s.w - s.w / 2 + s.w; ++w) {
              if (h < 0 || h >= P || w < 0 || w >= Q) continue;
              sum += naive_max(x, n, c, h, w);
              ++count;
            }
          }
          y.at({n, c, oh, ow}) = static_cast<float>(sum / count);
        }
      }
    }
  }
  return y;
}

// One axis drawn again from the header's description: per grid, partial Fisher-Yates on the
// stream of (seed, step, axis), then sorted.
std::vector<int64_t> naive_axis(uint64_t seed, uint64_t step, uint64_t axis, int64_t n, int64_t g, int64_t s) {
  const RandomStream rng(seed, stream_id(step, axis));
  std::vector<int64_t> out;
  const int64_t grids = n / g;
  for (int64_t i = 0; i < grids; ++i) {
    const int64_t first = g * i, end = i + 1 < grids ? first + g : n - 1;
    std::vector<int64_t> pool;
    for (int64_t r = first; r < end; ++r) pool.push_back(r);
    const int64_t take = std::min<int64_t>(g / s, std::ssize(pool));
    for (int64_t j = 0; j < take; ++j) {
      std::swap(pool[j], pool[j + rng.below(static_cast<uint64_t>(first + j), std::ssize(pool) - j)]);
    }
    std::sort(pool.begin(), pool.begin() + take);
    out.insert(out.end(), pool.begin(), pool.begin() + take);
  }
  return out;
}

TEST(S3Pool, KeptLengthByHand) {
  EXPECT_EQ(s3_pool_kept_length(8, 2, 2), 4);
  EXPECT_EQ(s3_pool_kept_length(7, 2, 2), 3);  // grids 0-1, 2-3, 4-5 (the last holds 2 pooled rows)
  EXPECT_EQ(s3_pool_kept_length(16, 4, 2), 8);
  EXPECT_EQ(s3_pool_kept_length(11, 4, 2), 4);  // 2 grids of the input: 0-3 and 4-9
  EXPECT_EQ(s3_pool_kept_length(15, 5, 2), 6);  // g not a multiple of s: 5 / 2 = 2 per grid
  EXPECT_EQ(s3_pool_kept_length(9, 3, 3), 3);
  EXPECT_EQ(s3_pool_kept_length(10, 3, 3), 3);
  EXPECT_EQ(s3_pool_kept_length(7, 1, 1), 6);  // stride 1: all of max pooling's rows
  EXPECT_EQ(s3_pool_kept_length(9, 2, 1), 8);
  EXPECT_EQ(s3_pool_kept_length(11, 3, 1), 9);  // the last grid holds 4 and keeps 3
  EXPECT_EQ(s3_pool_kept_length(6, 6, 2), 3);   // one grid: 5 pooled rows, keeps 3
  EXPECT_THROW(s3_pool_kept_length(3, 4, 2), ShapeError);
  EXPECT_THROW(s3_pool_kept_length(8, 1, 2), ShapeError);
}

TEST(S3Pool, OutputShapeInTrainingAndEvaluation) {
  EXPECT_EQ(s3_pool2d_out_shape({2, 3, 8, 8}, {}), (Shape{2, 3, 4, 4}));
  EXPECT_EQ(s3_pool2d_out_shape({2, 3, 8, 8}, {.training = false}), (Shape{2, 3, 4, 4}));
  // Odd sizes: the reference's evaluation keeps one row more than its training.
  EXPECT_EQ(s3_pool2d_out_shape({2, 3, 7, 9}, {}), (Shape{2, 3, 3, 4}));
  EXPECT_EQ(s3_pool2d_out_shape({2, 3, 7, 9}, {.training = false}), (Shape{2, 3, 4, 5}));
  EXPECT_EQ(s3_pool2d_out_shape({1, 1, 12, 10}, {.stride = {3, 2}}), (Shape{1, 1, 4, 5}));
  EXPECT_EQ(s3_pool2d_out_shape({1, 1, 12, 10}, {.stride = {3, 2}, .training = false}), (Shape{1, 1, 4, 5}));
  EXPECT_EQ(s3_pool2d_out_shape({1, 1, 8, 7}, {.stride = {2, 1}}), (Shape{1, 1, 4, 6}));
  EXPECT_EQ(s3_pool2d_out_shape({1, 1, 8, 7}, {.stride = {2, 1}, .training = false}), (Shape{1, 1, 4, 6}));
  EXPECT_EQ(s3_pool2d_out_shape({1, 1, 16, 16}, {.grid = {8, 4}}), (Shape{1, 1, 8, 8}));
}

TEST(S3Pool, DrawsFollowTheGridRule) {
  for (auto [n, g, s] : {std::tuple{8, 2, 2},
                         {7, 2, 2},
                         {16, 4, 2},
                         {11, 4, 2},
                         {15, 5, 2},
                         {10, 3, 3},
                         {11, 3, 1},
                         {32, 16, 2},
                         {6, 6, 2},
                         {13, 6, 3}}) {
    for (uint64_t step = 0; step < 20; ++step) {
      const S3PoolDraw d = s3_pool2d_draw(n, 2 * n, {.stride = {s, 1}, .grid = {g, 2 * n}, .seed = 3, .step = step});
      ASSERT_EQ(std::ssize(d.rows), s3_pool_kept_length(n, g, s));
      EXPECT_EQ(d.rows, naive_axis(3, step, 0, n, g, s));
      EXPECT_TRUE(std::is_sorted(d.rows.begin(), d.rows.end()));
      EXPECT_EQ(std::set<int64_t>(d.rows.begin(), d.rows.end()).size(), d.rows.size());
      for (size_t i = 0; i < d.rows.size(); ++i) {  // grid i / k holds output i
        const int64_t grid = std::min<int64_t>(static_cast<int64_t>(i) / (g / s), n / g - 1);
        EXPECT_GE(d.rows[i], grid * g) << n << " " << g << " " << s;
        EXPECT_LT(d.rows[i], grid + 1 < n / g ? (grid + 1) * g : n - 1) << n << " " << g << " " << s;
      }
      // Stride 1 with one grid the whole width: all 2n - 1 pooled columns.
      EXPECT_EQ(std::ssize(d.cols), 2 * n - 1);
    }
  }
}

TEST(S3Pool, EveryRowOfAGridIsDrawnAboutEquallyOften) {
  std::vector<int> seen(15, 0);  // n = 16, g = 4, s = 2: grids 0-3, 4-7, 8-11, 12-14
  constexpr int kSteps = 400;
  for (uint64_t step = 0; step < kSteps; ++step) {
    for (int64_t r : s3_pool2d_draw(16, 4, {.grid = {4, 4}, .seed = 1, .step = step}).rows) ++seen[r];
  }
  for (int r = 0; r < 12; ++r) EXPECT_NEAR(seen[r], kSteps / 2, kSteps / 8) << r;       // 2 of 4
  for (int r = 12; r < 15; ++r) EXPECT_NEAR(seen[r], 2 * kSteps / 3, kSteps / 8) << r;  // 2 of 3
}

TEST(S3Pool, SameStepSameDrawAnotherStepAnotherDraw) {
  const Tensor x = random_tensor({2, 3, 16, 16}, 4);
  const S3Pool o{.grid = {4, 4}, .seed = 5, .step = 3};
  const S3PoolDraw d = s3_pool2d_draw(16, 16, o);
  EXPECT_TRUE(bitwise_equal(s3_pool2d(x, o), s3_pool2d(x, d.rows, d.cols)));
  EXPECT_TRUE(bitwise_equal(s3_pool2d(x, o), s3_pool2d(x, o)));  // a resumed step draws the same
  S3Pool next = o;
  next.step = 4;
  const S3PoolDraw e = s3_pool2d_draw(16, 16, next);
  EXPECT_TRUE(e.rows != d.rows || e.cols != d.cols);
  EXPECT_FALSE(bitwise_equal(s3_pool2d(x, next), s3_pool2d(x, o)));
  S3Pool other_seed = o;
  other_seed.seed = 6;
  EXPECT_FALSE(bitwise_equal(s3_pool2d(x, other_seed), s3_pool2d(x, o)));
  // Rows and columns are drawn from different streams.
  EXPECT_NE(d.rows, d.cols);
}

TEST(S3Pool, OneDrawForTheWholeBatch) {
  // Every sample and channel of the batch keeps the same rows and columns (the reference's
  // input[:, :, idx_w][:, :, :, idx_h]): planes that are equal stay equal.
  const Tensor plane = random_tensor({1, 1, 12, 12}, 8);
  Tensor x = Tensor::zeros({3, 2, 12, 12});
  for (int64_t q = 0; q < 6; ++q) std::copy_n(plane.data(), 144, x.data() + q * 144);
  const Tensor y = s3_pool2d(x, {.grid = {4, 4}, .seed = 2, .step = 9});
  const int64_t out = y.size(2) * y.size(3);
  for (int64_t q = 1; q < 6; ++q) EXPECT_TRUE(std::equal(y.data(), y.data() + out, y.data() + q * out)) << q;
}

TEST(S3Pool, MatchesNaiveReference) {
  struct Case {
    Shape shape;
    S3Pool o;
  };
  for (const Case& c : {Case{{2, 3, 8, 8}, {}}, Case{{2, 2, 7, 9}, {}}, Case{{1, 3, 13, 11}, {.grid = {4, 4}}},
                        Case{{2, 2, 15, 12}, {.grid = {5, 5}}}, Case{{2, 2, 9, 10}, {.stride = {3, 3}}},
                        Case{{2, 2, 8, 7}, {.stride = {2, 1}}}, Case{{2, 2, 9, 8}, {.stride = {1, 2}}},
                        Case{{1, 2, 12, 11}, {.stride = {3, 2}, .grid = {6, 4}}}}) {
    const Tensor x = random_tensor(c.shape, 3, -2.0f, 2.0f);
    S3Pool o = c.o;
    o.seed = 11;
    o.step = 4;
    const S3PoolDraw d = s3_pool2d_draw(c.shape[2], c.shape[3], o);
    EXPECT_TRUE(bitwise_equal(s3_pool2d(x, o), naive_train(x, d.rows, d.cols))) << shape_str(c.shape);
    o.training = false;
    EXPECT_TRUE(all_close(s3_pool2d(x, o), naive_eval(x, o.stride), 1e-6, 1e-6)) << shape_str(c.shape);
  }
}

TEST(S3Pool, StrideOneAlongAnAxisKeepsMaxPoolingsColumns) {
  const Tensor x = random_tensor({2, 2, 8, 9}, 6);
  // W = 9, g = s = 1: every pooled column, in order; evaluation is max pooling there too.
  const S3PoolDraw d = s3_pool2d_draw(8, 9, {.stride = {2, 1}, .seed = 1});
  EXPECT_EQ(d.cols, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  const Tensor m = max_pool2d(x, {.kernel = {2, 2}, .stride = {1, 1}});
  EXPECT_TRUE(bitwise_equal(s3_pool2d(x, {.stride = {1, 1}}), m));
  EXPECT_TRUE(bitwise_equal(s3_pool2d(x, {.stride = {1, 1}, .training = false}), m));
}

TEST(S3Pool, FirstMaximumWinsAndNanPropagates) {
  Tensor x = Tensor::from_vector({1, 1, 3, 3}, {1, 1, 0, 1, 1, 0, 0, 0, 0}).set_requires_grad();
  const std::vector<int64_t> both{0, 1};
  Tensor y = s3_pool2d(x, both, both);
  y.backward(Tensor::from_vector({1, 1, 2, 2}, {1, 2, 4, 8}));
  // Every window's first maximum is its top-left element; overlapping windows add.
  EXPECT_TRUE(bitwise_equal(x.grad(), Tensor::from_vector({1, 1, 3, 3}, {1, 2, 0, 4, 8, 0, 0, 0, 0})));
  const Tensor nan = Tensor::from_vector({1, 1, 3, 3}, {1, 2, 3, 4, NAN, 6, 7, 8, 9});
  const Tensor yn = s3_pool2d(nan, both, both);
  for (int64_t i = 0; i < 4; ++i) EXPECT_TRUE(std::isnan(yn.data()[i])) << i;
}

TEST(S3Pool, GradientReachesOnlyTheSelectedRowsAndColumns) {
  Tensor x = separated_tensor({1, 1, 8, 8}, 2).set_requires_grad();
  const std::vector<int64_t> rows{1, 5}, cols{2, 6};
  s3_pool2d(x, rows, cols).backward(Tensor::full({1, 1, 2, 2}, 1.0f));
  float total = 0;
  for (int64_t h = 0; h < 8; ++h) {
    for (int64_t w = 0; w < 8; ++w) {
      const float g = x.grad().at({0, 0, h, w});
      total += g;
      const bool near = (h == 1 || h == 2 || h == 5 || h == 6) && (w == 2 || w == 3 || w == 6 || w == 7);
      if (!near) {
        EXPECT_EQ(g, 0.0f) << h << " " << w;
      }
    }
  }
  EXPECT_EQ(total, 4.0f);
}

TEST(S3Pool, Contract) {
  struct Case {
    Shape shape;
    S3Pool o;
  };
  const std::vector<Tensor> big{random_tensor({16, 8, 24, 20}, 3).set_requires_grad()};
  for (const Case& c :
       {Case{{2, 3, 8, 8}, {}}, Case{{2, 2, 7, 9}, {.grid = {4, 4}}}, Case{{2, 2, 9, 8}, {.stride = {3, 3}}},
        Case{{2, 2, 8, 7}, {.stride = {2, 1}}}, Case{{1, 2, 12, 11}, {.stride = {3, 2}, .grid = {6, 5}}}}) {
    for (bool training : {true, false}) {
      S3Pool o = c.o;
      o.training = training;
      o.seed = 3;
      o.step = 2;
      SCOPED_TRACE(shape_str(c.shape) + " stride " + to_string(o.stride) + (training ? " train" : " eval"));
      EXPECT_TRUE(op_contract({.op = "s3_pool2d",
                               .f = [o](const std::vector<Tensor>& in) { return s3_pool2d(in[0], o); },
                               .inputs = {separated_tensor(c.shape, 4).set_requires_grad()},
                               .thread_inputs = big}));
    }
  }
}

TEST(S3Pool, ShapeErrorsNameOpAndShape) {
  const auto bad = [](const Shape& shape, const S3Pool& o) { return [=] { s3_pool2d(Tensor::zeros(shape), o); }; };
  const std::string op = "s3_pool2d";
  EXPECT_TRUE(shape_error_names(op, {bad({4, 4}, {}), {"[4,4]"}}));
  EXPECT_TRUE(shape_error_names(op, {bad({1, 2, 6, 6}, {.stride = {0, 2}}), {"stride=0x2", "[1,2,6,6]"}}));
  EXPECT_TRUE(shape_error_names(
      op, {bad({1, 2, 6, 6}, {.stride = {2, 2}, .grid = {4, 1}}), {"grid=4x1, stride=2x2", "[1,2,6,6]"}}));
  EXPECT_TRUE(shape_error_names(
      op, {bad({1, 2, 3, 8}, {.grid = {4, 4}}), {"input 3x8 is smaller than one grid 4x4", "[1,2,3,8]"}}));
  EXPECT_TRUE(
      shape_error_names(op, {bad({1, 2, 1, 8}, {.stride = {1, 1}, .training = false}), {"input 1x8", "[1,2,1,8]"}}));
  const Tensor x = Tensor::zeros({2, 3, 6, 6});
  const std::vector<int64_t> ok{0, 2}, far{0, 5}, none{};
  EXPECT_TRUE(shape_error_names(
      op, {[&] { s3_pool2d(x, far, ok); }, {"rows must lie in [0, 5) (the pooled map), got 5", "[2,3,6,6]"}}));
  EXPECT_TRUE(shape_error_names(op, {[&] { s3_pool2d(x, ok, none); }, {"cols must not be empty", "[2,3,6,6]"}}));
}

// ---- golden values from PyTorch -----------------------------------------------------------------

using nlohmann::json;

const json& golden() {
  static const json cases = testing::read_golden_cases("s3_pool.json");
  return cases;
}

class S3PoolGolden : public ::testing::TestWithParam<std::string> {};

// Training does no arithmetic but the gradient's sums, in PyTorch's order: exact. Evaluation
// averages: close.
TEST_P(S3PoolGolden, MatchesPyTorch) {
  const json& c = testing::case_named(golden(), GetParam());
  const S3Pool o{.stride = {c.at("stride").at(0).get<int64_t>(), c.at("stride").at(1).get<int64_t>()},
                 .grid = {c.at("grid").at(0).get<int64_t>(), c.at("grid").at(1).get<int64_t>()}};
  const auto rows = c.at("rows").get<std::vector<int64_t>>(), cols = c.at("cols").get<std::vector<int64_t>>();
  Tensor x = testing::tensor_of(c.at("x")).set_requires_grad();
  // The Python draw keeps as many rows and columns as poolnet's grid rule.
  EXPECT_EQ(s3_pool2d_out_shape(x.shape(), o), testing::tensor_of(c.at("y")).shape());
  const Tensor y = s3_pool2d(x, rows, cols, o);
  EXPECT_TRUE(bitwise_equal(y, testing::tensor_of(c.at("y")))) << "training output of case " << GetParam();
  EXPECT_TRUE(bitwise_equal(naive_train(x.detach(), rows, cols), y));
  y.backward(testing::tensor_of(c.at("gy")));
  EXPECT_TRUE(bitwise_equal(x.grad(), testing::tensor_of(c.at("gx")))) << "training gradient of case " << GetParam();

  Tensor xe = testing::tensor_of(c.at("x")).set_requires_grad();
  S3Pool eval = o;
  eval.training = false;
  const Tensor ye = s3_pool2d(xe, eval);
  EXPECT_TRUE(all_close(ye, testing::tensor_of(c.at("y_eval")), 1e-6, 1e-5)) << "eval output of case " << GetParam();
  ye.backward(testing::tensor_of(c.at("gy_eval")));
  EXPECT_TRUE(all_close(xe.grad(), testing::tensor_of(c.at("gx_eval")), 1e-6, 1e-5))
      << "eval gradient of case " << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Cases, S3PoolGolden, ::testing::ValuesIn(testing::case_names(golden())), testing::param_name);

TEST(S3PoolGoldenFile, CoversStridesAndGrids) {
  std::set<std::string> names;
  int anisotropic = 0, stride3 = 0, grids = 0;
  for (const json& c : golden()) {
    EXPECT_TRUE(names.insert(c.at("name").get<std::string>()).second) << "duplicate case " << c.at("name");
    anisotropic += c.at("stride").at(0) != c.at("stride").at(1) ? 1 : 0;
    stride3 += c.at("stride").at(0) == 3 ? 1 : 0;
    grids += c.at("grid").at(0) != 0 ? 1 : 0;
  }
  EXPECT_GE(golden().size(), 15u);
  EXPECT_GE(anisotropic, 3);
  EXPECT_GE(stride3, 3);
  EXPECT_GE(grids, 5);
}

}  // namespace
}  // namespace poolnet
