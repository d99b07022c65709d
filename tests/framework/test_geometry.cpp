// The shared geometry rules of geometry.h, each against values worked out by hand (and PyTorch's
// formulas), plus the NCHW check every windowed op runs.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "framework/errors.h"
#include "framework/ops/adaptive_pool.h"
#include "framework/ops/aps.h"
#include "framework/ops/avg_pool.h"
#include "framework/ops/blur_pool.h"
#include "framework/ops/conv2d.h"
#include "framework/ops/geometry.h"
#include "framework/ops/lp_pool.h"
#include "framework/ops/max_blur_pool.h"
#include "framework/ops/max_pool.h"
#include "framework/ops/mixed_pool.h"
#include "framework/ops/soft_pool.h"
#include "framework/ops/stochastic_pool.h"

namespace poolnet {
namespace {

TEST(Geometry, WindowLengthIsTheConvolutionRule) {
  // floor((in + pad_total - dilation*(kernel-1) - 1) / stride) + 1
  EXPECT_EQ(window_length(28, 5, 1, 0, 1), 24);
  EXPECT_EQ(window_length(32, 3, 2, 2, 1), 16);
  EXPECT_EQ(window_length(7, 3, 2, 0, 1), 3);
  EXPECT_EQ(window_length(9, 3, 3, 0, 2), 2);   // (9 - 4 - 1) / 3 + 1
  EXPECT_EQ(window_length(6, 4, 1, 3, 1), 6);   // 'same' for an even kernel: 1 before, 2 after
  EXPECT_EQ(window_length(3, 3, 1, 0, 1), 1);   // the kernel fills the input
  EXPECT_EQ(window_length(2, 3, 1, 0, 1), 0);   // does not fit
  EXPECT_EQ(window_length(2, 2, 1, 0, 5), 0);
}

TEST(Geometry, PooledLengthFloorModeIsTheWindowLength) {
  for (int64_t in = 1; in < 12; ++in) {
    for (int64_t k = 1; k <= 4; ++k) {
      for (int64_t s = 1; s <= 3; ++s) {
        for (int64_t p = 0; p <= k / 2; ++p) {
          EXPECT_EQ(pooled_length(in, k, s, p, 1, false), window_length(in, k, s, 2 * p, 1)) << in << k << s << p;
        }
      }
    }
  }
  EXPECT_EQ(pooled_length(5, 2, 2, 0, 1, true), 3);
  EXPECT_EQ(pooled_length(5, 2, 2, 1, 1, true), 3);  // a 4th window would start in the right padding
  EXPECT_EQ(pooled_length(6, 3, 2, 1, 1, true), 4);
}

TEST(Geometry, DefaultStrideIsTheKernelOnlyWhenUnset) {
  EXPECT_EQ(effective_stride({0, 0}, {3, 2}), (Size2d{3, 2}));
  EXPECT_EQ(effective_stride({1, 2}, {3, 3}), (Size2d{1, 2}));
  EXPECT_EQ(effective_stride({2, 0}, {3, 3}), (Size2d{2, 0}));  // one zero is not "unset": pooling rejects it
}

TEST(Geometry, SamePaddingPutsTheExtraPixelAfter) {
  EXPECT_EQ(same_padding(0), (SidePadding{0, 0}));
  EXPECT_EQ(same_padding(1), (SidePadding{0, 1}));
  EXPECT_EQ(same_padding(2), (SidePadding{1, 1}));
  EXPECT_EQ(same_padding(3), (SidePadding{1, 2}));
  EXPECT_EQ(same_padding(4), (SidePadding{2, 2}));
}

TEST(Geometry, BlurWindowPadsFloorHalvesAndKeepsCeilOfTheStride) {
  // floor((F-1)/2) before, floor(F/2) after
  const std::vector<SidePadding> want{{0, 0}, {0, 1}, {1, 1}, {1, 2}, {2, 2}, {2, 3}, {3, 3}};
  for (int64_t f = 1; f <= 7; ++f) {
    EXPECT_EQ(blur_padding(f), want[f - 1]) << f;
    EXPECT_EQ(blur_padding(f).before + blur_padding(f).after, f - 1) << f;
  }
  EXPECT_EQ(blur_length(8, 2), 4);
  EXPECT_EQ(blur_length(7, 2), 4);
  EXPECT_EQ(blur_length(1, 2), 1);
  EXPECT_EQ(blur_length(10, 3), 4);
  EXPECT_EQ(blur_length(5, 1), 5);
  EXPECT_EQ(blur_pool2d_out_shape({2, 3, 7, 8}, {.filter_size = 4, .stride = {2, 2}}), (Shape{2, 3, 4, 4}));
  EXPECT_EQ(aps_out_shape({2, 3, 7, 8}, Size2d{3, 3}), (Shape{2, 3, 3, 3}));
}

TEST(Geometry, ConvolutionOutputShapeUsesTheWindowLength) {
  EXPECT_EQ(conv2d_out_shape({2, 3, 11, 10}, {4, 3, 3, 2}, {.stride = {2, 3}, .padding = {1, 2}, .dilation = {2, 1}}),
            (Shape{2, 4, window_length(11, 3, 2, 2, 2), window_length(10, 2, 3, 4, 1)}));
  EXPECT_EQ(conv2d_out_shape({1, 2, 9, 10}, {4, 2, 4, 3}, {.same = true, .dilation = {2, 3}}), (Shape{1, 4, 9, 10}));
}

TEST(Geometry, RequireNchwNamesTheOpAndTheShape) {
  EXPECT_NO_THROW(require_nchw(Shape{1, 2, 3, 4}, "op"));
  try {
    require_nchw(Shape{2, 3}, "some_op");
    FAIL() << "no ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "some_op: expected input [N, C, H, W], got [2,3]");
  }
  try {
    require_nchw(Shape{2, 3, 4}, "conv2d", "x=[2,3,4]");
    FAIL() << "no ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "conv2d: expected input [N, C, H, W], got [2,3,4] (x=[2,3,4])");
  }
}

// Every windowed op rejects a non-NCHW input with the same message, naming itself.
TEST(Geometry, EveryWindowedOpRunsTheNchwCheck) {
  const Shape x{2, 3, 8};
  const std::vector<std::pair<std::string, std::function<void()>>> ops{
      {"max_pool2d", [&] { max_pool2d_out_shape(x, {}); }},
      {"avg_pool2d", [&] { avg_pool2d_out_shape(x, {}); }},
      {"lp_pool2d", [&] { lp_pool2d_out_shape(x, 2.0f, {}); }},
      {"mixed_pool2d", [&] { mixed_pool2d_out_shape(x, {1}, {}); }},
      {"blur_pool2d", [&] { blur_pool2d_out_shape(x, {}); }},
      {"max_blur_pool2d", [&] { max_blur_pool2d_out_shape(x, {}); }},
      {"soft_pool2d", [&] { soft_pool2d_out_shape(x, {}); }},
      {"stochastic_pool2d", [&] { stochastic_pool2d_out_shape(x, {}); }},
      {"aps_downsample", [&] { aps_out_shape(x, Size2d{2, 2}); }},
      {"adaptive_avg_pool2d", [&] { adaptive_pool2d_out_shape(x, {1, 1}, "adaptive_avg_pool2d"); }},
      {"conv2d", [&] { conv2d_out_shape(x, {4, 3, 3, 3}, {}); }},
  };
  for (const auto& [op, run] : ops) {
    try {
      run();
      ADD_FAILURE() << op << " accepted " << shape_str(x);
    } catch (const ShapeError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(op + ": expected input [N, C, H, W], got [2,3,8]", 0), 0u) << e.what();
    }
  }
}

}  // namespace
}  // namespace poolnet
