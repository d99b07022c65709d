#include <gtest/gtest.h>

#include <cmath>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "layers/aps_pool2d.h"
#include "layers/conv2d.h"
#include "layers/max_pool2d.h"
#include "layers/max_unpool2d.h"
#include "layers/polyphase_unpool2d.h"
#include "tests/support/grad_check.h"

namespace poolnet {
namespace {
using testing::random_tensor;

TEST(PolyphaseUnpool2dLayer, UnpoolsAtTheDownsamplingsPhases) {
  ApsPool2d pool;
  PolyphaseUnpool2d unpool(2);
  EXPECT_EQ(unpool.describe(), "PolyphaseUnpool2d(stride=2)");
  EXPECT_EQ(unpool.parameter_count(), 0);
  const Tensor x = random_tensor({3, 2, 7, 6}, 1);
  const Tensor y = pool(x);
  const Tensor restored = unpool.forward(y, pool.last_phases(), {7, 6});
  EXPECT_TRUE(testing::bitwise_equal(restored, polyphase_unpool(y, pool.last_phases(), Size2d{2, 2}, {7, 6})));
  EXPECT_TRUE(testing::bitwise_equal(aps_select(restored, pool.last_phases(), Size2d{2, 2}), y));
  EXPECT_EQ(unpool.forward(y, pool.last_phases()).shape(), (Shape{3, 2, 8, 6}));
  EXPECT_THROW(unpool.forward(y), ConfigError);
  EXPECT_THROW(PolyphaseUnpool2d(1), ConfigError);
}

// Relative L2 distance between a and b.
double relative_error(const Tensor& a, const Tensor& b) {
  double diff = 0, ref = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    diff += std::pow(static_cast<double>(a.data()[i]) - b.data()[i], 2);
    ref += std::pow(static_cast<double>(b.data()[i]), 2);
  }
  return std::sqrt(diff / ref);
}

// An encoder-decoder of circular convolutions: with APS down and polyphase unpooling its output
// follows every circular shift of its input (to rounding: the convolution kernels may add in
// another order at other positions); with max pooling and max unpooling it does not.
TEST(PolyphaseUnpool2dLayer, EncoderDecoderIsShiftEquivariant) {
  const Conv2d::Options conv{.in_channels = 2, .out_channels = 4, .same = true, .padding_mode = PadMode::kCircular};
  Conv2d encode(conv, 1);
  Conv2d decode({.in_channels = 4, .out_channels = 2, .same = true, .padding_mode = PadMode::kCircular}, 2);
  ApsPool2d aps;
  PolyphaseUnpool2d unpool(2);
  const auto polyphase = [&](const Tensor& x) {
    const Tensor y = aps(relu(encode(x)));
    return decode(unpool.forward(y, aps.last_phases()));
  };
  MaxPool2d max_pool;
  MaxUnpool2d max_unpool;
  const auto max = [&](const Tensor& x) {
    const auto [y, indices] = max_pool.forward_with_indices(relu(encode(x)));
    return decode(max_unpool.forward(y, indices));
  };
  const Tensor x = random_tensor({4, 2, 12, 16}, 3);
  for (Size2d t : {Size2d{1, 0}, Size2d{0, 1}, Size2d{1, 1}, Size2d{3, -5}}) {
    EXPECT_LT(relative_error(polyphase(roll(x, t)), roll(polyphase(x), t)), 1e-6) << to_string(t);
    EXPECT_GT(relative_error(max(roll(x, t)), roll(max(x), t)), 0.1) << to_string(t);
  }
}

}  // namespace
}  // namespace poolnet
