#include <gtest/gtest.h>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "layers/max_blur_pool2d.h"
#include "tests/support/grad_check.h"
#include "tests/support/reference_downsample.h"

namespace poolnet {
namespace {

// Naive dense 2x2 max, stride 1; with `wrap` the windows wrap around (output H x W).
Tensor dense_max(const Tensor& x, bool wrap) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t OH = wrap ? H : H - 1, OW = wrap ? W : W - 1;
  Tensor y = Tensor::zeros({N, C, OH, OW});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t h = 0; h < OH; ++h)
        for (int64_t w = 0; w < OW; ++w) {
          float m = x.at({n, c, h, w});
          for (int64_t i = 0; i < 2; ++i)
            for (int64_t j = 0; j < 2; ++j) m = std::max(m, x.at({n, c, (h + i) % H, (w + j) % W}));
          y.at({n, c, h, w}) = m;
        }
  return y;
}

TEST(MaxBlurPool2dLayer, DenseMaxThenBlur) {
  Tensor x = testing::random_tensor({2, 3, 9, 8}, 1);
  for (PadMode mode : {PadMode::kZeros, PadMode::kReflect, PadMode::kCircular}) {
    MaxBlurPool2d layer({.filter_size = 3, .stride = {2, 2}, .padding_mode = mode});
    const Tensor want = reference::blur_pool(dense_max(x, mode == PadMode::kCircular), 3, 2, to_string(mode));
    EXPECT_TRUE(testing::all_close(layer(x), want, 1e-6, 1e-5)) << to_string(mode);
  }
  EXPECT_EQ(MaxBlurPool2d()(x).shape(), (Shape{2, 3, 4, 4}));
  EXPECT_EQ(MaxBlurPool2d({.padding_mode = PadMode::kCircular})(x).shape(), (Shape{2, 3, 5, 4}));
  EXPECT_EQ(MaxBlurPool2d().describe(), "MaxBlurPool2d(filter=3, stride=2, padding=reflect)");
  EXPECT_EQ(MaxBlurPool2d().parameter_count(), 0);
}

TEST(MaxBlurPool2dLayer, WindowsAndErrors) {
  const std::vector<Window> w = MaxBlurPool2d({.filter_size = 5}).windows();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].kernel, (Size2d{2, 2}));
  EXPECT_EQ(w[0].stride, (Size2d{1, 1}));
  EXPECT_EQ(w[1].kernel, (Size2d{5, 5}));
  EXPECT_EQ(w[1].stride, (Size2d{2, 2}));
  EXPECT_EQ(w[1].padding, (Size2d{2, 2}));
  EXPECT_THROW(MaxBlurPool2d({.filter_size = 9}), ShapeError);
}

}  // namespace
}  // namespace poolnet
