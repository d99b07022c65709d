// Shift properties of every downsampling strategy, with circular shifts (roll) and circular
// padding: stride-1 ops commute with every shift, stride-s strategies with shifts by multiples
// of s, global pooling is invariant, APS followed by global pooling is invariant to every shift,
// and anti-aliasing measurably reduces the change a 1-pixel shift causes.
#include <gtest/gtest.h>

#include <cmath>

#include "framework/ops/ops.h"
#include "layers/downsample.h"
#include "tests/support/grad_check.h"

namespace poolnet {
namespace {
using testing::all_close;
using testing::bitwise_equal;

// Every strategy, plus a few keyed variants.
std::vector<std::string> strategy_specs() {
  std::vector<std::string> specs = all_strategy_names();
  for (const char* extra : {"lp_pool:p=3", "blur_pool:filter=5", "max_blur_pool:filter=4", "conv_blur_pool:filter=2",
                            "aps:norm=l1", "aps:norm=linf", "aps_blur:filter=5,norm=l1"}) {
    specs.emplace_back(extra);
  }
  return specs;
}

std::string sanitized(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

std::shared_ptr<Module> circular_module(const std::string& spec) {
  auto m = make_downsample(parse_downsample(spec),
                           {.channels = 3, .padding_mode = PadMode::kCircular, .seed = 4, .stride = 2});
  m->eval();  // stochastic_pool's training draws are indexed by position: only eval mode commutes
  return m;
}

class StrategyShift : public ::testing::TestWithParam<std::string> {};

TEST_P(StrategyShift, CommutesWithShiftsByMultiplesOfTheStride) {
  if (GetParam().starts_with("s3_pool")) GTEST_SKIP() << "unpadded borders: S3Pool.EvalCommutesWithShiftsAwayFromTheBorders";
  if (GetParam() == "tips") {
    GTEST_SKIP() << "tips mixes its phases with weights from averages over s x s spatial bins of the map "
                    "(tips.py's AdaptiveAvgPool2d((s, s))); a shift moves content across the bins";
  }
  auto m = circular_module(GetParam());
  const int64_t s = GetParam() == "none" ? 1 : 2;
  const Tensor x = testing::random_tensor({2, 3, 12, 8}, 5, 0.05f, 1.0f);
  const Tensor y = m->forward(x);
  std::vector<Size2d> shifts = {{2, 0}, {0, 2}, {4, -2}, {-6, 6}, {2, 2}};
  if (s == 1) shifts.insert(shifts.end(), {{1, 0}, {0, -1}, {3, 5}});
  for (Size2d t : shifts) {
    EXPECT_TRUE(all_close(m->forward(roll(x, t)), roll(y, {t.h / s, t.w / s}), 1e-6, 1e-5))
        << GetParam() << " shift " << to_string(t);
  }
}

INSTANTIATE_TEST_SUITE_P(Downsample, StrategyShift, ::testing::ValuesIn(strategy_specs()), sanitized);

// s3_pool's evaluation (the authors' code) pools without padding (2x2 max, stride 1) and then
// averages with the padding left out, so no padding mode makes it circular; away from the
// borders it commutes with shifts by multiples of the stride: with s = 2, output o averages the
// max map's rows 2o-1 and 2o (one row for o = 0), so for a shift t >= 0 (rows and columns)
// y(roll(x, t))[o] = y(x)[o - t/2] wherever o - t/2 >= 1.
TEST(S3Pool, EvalCommutesWithShiftsAwayFromTheBorders) {
  for (const char* spec : {"s3_pool", "s3_pool:grid=4"}) {
    auto m = circular_module(spec);
    const Tensor x = testing::random_tensor({2, 3, 12, 8}, 5, 0.05f, 1.0f);
    const Tensor y = m->forward(x);
    for (Size2d t : {Size2d{2, 0}, Size2d{0, 2}, Size2d{2, 2}, Size2d{4, 2}}) {
      const Tensor ys = m->forward(roll(x, t));
      ASSERT_EQ(ys.shape(), y.shape());
      const int64_t OH = y.size(2), OW = y.size(3);
      for (int64_t q = 0; q < y.size(0) * y.size(1); ++q) {
        for (int64_t oh = 1 + t.h / 2; oh < OH; ++oh) {
          for (int64_t ow = 1 + t.w / 2; ow < OW; ++ow) {
            EXPECT_NEAR(ys.data()[(q * OH + oh) * OW + ow], y.data()[(q * OH + oh - t.h / 2) * OW + ow - t.w / 2], 1e-6)
                << spec << " shift " << to_string(t) << " at " << oh << "," << ow;
          }
        }
      }
    }
  }
}

// The strategies after which global pooling is invariant to every shift, odd ones included.
class InvariantStrategy : public ::testing::TestWithParam<std::string> {};

TEST_P(InvariantStrategy, ThenGlobalPoolingIsInvariantToEveryShift) {
  auto m = circular_module(GetParam());
  const Tensor x = testing::random_tensor({3, 3, 8, 8}, 6);
  const Tensor g = global_avg_pool(m->forward(x));
  for (int64_t dy = -3; dy <= 3; ++dy) {
    for (int64_t dx = -3; dx <= 3; ++dx) {
      EXPECT_TRUE(all_close(global_avg_pool(m->forward(roll(x, {dy, dx}))), g, 1e-6, 1e-6))
          << GetParam() << " shift " << dy << "," << dx;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Downsample, InvariantStrategy,
                         ::testing::Values("aps", "aps:norm=l1", "aps:norm=linf", "aps_blur",
                                           "aps_blur:filter=5,norm=l1", "lps", "none"),
                         sanitized);

TEST(StrideOneOps, CommuteWithEveryShift) {
  const Tensor x = testing::random_tensor({2, 3, 7, 6}, 7);
  const Tensor w = testing::random_tensor({4, 3, 3, 3}, 8);
  for (Size2d t : {Size2d{1, 0}, Size2d{0, 1}, Size2d{-2, 3}, Size2d{5, -4}}) {
    for (int64_t f = 1; f <= 7; ++f) {
      const Blur2d blur{.filter_size = f, .stride = {1, 1}, .padding_mode = PadMode::kCircular};
      EXPECT_TRUE(bitwise_equal(blur_pool2d(roll(x, t), blur), roll(blur_pool2d(x, blur), t))) << f;
    }
    const Conv2dOptions conv{.padding = {1, 1}, .padding_mode = PadMode::kCircular};
    // conv2d's GEMM may order an output's products differently by column position: last-bit only.
    EXPECT_TRUE(all_close(conv2d(roll(x, t), w, Tensor(), conv), roll(conv2d(x, w, Tensor(), conv), t), 1e-6, 1e-6));
    EXPECT_TRUE(bitwise_equal(relu(roll(x, t)), roll(relu(x), t)));
    const auto dense_max = [](const Tensor& v) {  // MaxBlurPool2d's wrapped 2x2 max, stride 1
      return max_pool2d(pad(v, {.bottom = 1, .right = 1}, PadMode::kCircular), {.kernel = {2, 2}, .stride = {1, 1}});
    };
    EXPECT_TRUE(bitwise_equal(dense_max(roll(x, t)), roll(dense_max(x), t)));
  }
}

TEST(GlobalPooling, InvariantToEveryShift) {
  const Tensor x = testing::random_tensor({2, 3, 6, 5}, 9);
  for (int64_t dy = 0; dy < 6; ++dy) {
    for (int64_t dx = 0; dx < 5; ++dx) {
      EXPECT_TRUE(all_close(global_avg_pool(roll(x, {dy, dx})), global_avg_pool(x), 1e-6, 1e-6));
      EXPECT_TRUE(bitwise_equal(global_max_pool(roll(x, {dy, dx})), global_max_pool(x)));
    }
  }
}

// The equivariance error of docs/metrics.md for F (stride 2) for a circular input shift t, averaged over the
// samples: min over u in {floor(t/2), ceil(t/2)} (per axis) of |F(T_t x) - T_u F(x)| / |F(x)|.
double equivariance_error(Module& f, const Tensor& x, Size2d t) {
  const Tensor y = f.forward(x), ys = f.forward(roll(x, t));
  const auto floor2 = [](int64_t v) { return (v - ((v % 2) + 2) % 2) / 2; };
  const int64_t N = y.size(0), per = y.numel() / N;
  double total = 0.0;
  for (int64_t n = 0; n < N; ++n) {
    double best = INFINITY, norm = 0.0;
    for (int64_t i = 0; i < per; ++i) norm += static_cast<double>(y.data()[n * per + i]) * y.data()[n * per + i];
    for (int64_t uh : {floor2(t.h), floor2(t.h + 1)}) {
      for (int64_t uw : {floor2(t.w), floor2(t.w + 1)}) {
        const Tensor yu = roll(y, {uh, uw});
        double d = 0.0;
        for (int64_t i = 0; i < per; ++i) {
          const double e = static_cast<double>(ys.data()[n * per + i]) - yu.data()[n * per + i];
          d += e * e;
        }
        best = std::min(best, std::sqrt(d / norm));
      }
    }
    total += best;
  }
  return total / static_cast<double>(N);
}

TEST(OnePixelShifts, AntiAliasingChangesTheOutputLess) {
  const Tensor x = testing::random_tensor({16, 4, 16, 16}, 10, 0.0f, 1.0f);
  const auto error = [&](const std::string& spec) {
    auto m = circular_module(spec);
    double e = 0.0;
    for (Size2d t : {Size2d{1, 0}, Size2d{-1, 0}, Size2d{0, 1}, Size2d{0, -1}}) e += equivariance_error(*m, x, t) / 4;
    return e;
  };
  const double max_pool = error("max_pool"), max_blur = error("max_blur_pool"),
               max_blur5 = error("max_blur_pool:filter=5");
  const double avg_pool = error("avg_pool"), blur = error("blur_pool"), aps = error("aps");
  for (const auto& [name, value] : {std::pair{"max_pool", max_pool},
                                    {"max_blur_pool", max_blur},
                                    {"max_blur_pool_filter5", max_blur5},
                                    {"avg_pool", avg_pool},
                                    {"blur_pool", blur},
                                    {"aps", aps}}) {
    ::testing::Test::RecordProperty(name, std::to_string(value));  // the measured errors, in the XML report
  }
  EXPECT_LT(max_blur, max_pool) << "max_blur_pool " << max_blur << " vs max_pool " << max_pool;
  EXPECT_LT(max_blur5, max_blur) << "filter 5 " << max_blur5 << " vs filter 3 " << max_blur;
  EXPECT_LT(blur, avg_pool) << "blur_pool " << blur << " vs avg_pool " << avg_pool;
  EXPECT_LE(aps, 1e-6) << "aps selects the same component, shifted";
  EXPECT_GT(max_pool, 0.1) << "a 1-pixel shift should visibly change max pooling on noise";
}

}  // namespace
}  // namespace poolnet
