#include <gtest/gtest.h>

#include "framework/errors.h"
#include "framework/ops/pool_window.h"

namespace poolnet {
namespace {

TEST(PoolWindow, GeometryFollowsPyTorchsOutputSizeRule) {
  const PoolGeometry g = pool2d_geometry({8, 16, 7, 6}, {.kernel = {3, 2}, .stride = {2, 1}}, "op", true);
  EXPECT_EQ(g.out_shape(), (Shape{8, 16, 3, 5}));
  // Only {0, 0} means "stride = kernel"; a single zero is an error.
  EXPECT_THROW(pool2d_geometry({8, 16, 7, 6}, {.kernel = {3, 2}, .stride = {2, 0}}, "op", true), ShapeError);
}

TEST(PoolWindow, DefaultStrideIsTheKernel) {
  const PoolGeometry g = pool2d_geometry({1, 1, 9, 9}, {.kernel = {3, 3}}, "op", true);
  EXPECT_EQ(g.SH, 3);
  EXPECT_EQ(g.SW, 3);
  EXPECT_EQ(g.out_shape(), (Shape{1, 1, 3, 3}));
}

TEST(PoolWindow, CeilModeDropsAWindowStartingInTheRightPadding) {
  // H=5, k=2, s=2, p=1: ceil((5+2-2)/2)+1 = 4 windows, but the 4th would start at 6 - 1 = 5, in
  // the right padding: 3.
  EXPECT_EQ(pool2d_geometry({1, 1, 5, 5}, {.padding = {1, 1}, .ceil_mode = true}, "op", true).OH, 3);
  EXPECT_EQ(pool2d_geometry({1, 1, 5, 5}, {.ceil_mode = true}, "op", true).OH, 3);
  EXPECT_EQ(pool2d_geometry({1, 1, 5, 5}, {}, "op", true).OH, 2);
}

TEST(PoolWindow, PaddingLimitUsesTheEffectiveKernel) {
  EXPECT_NO_THROW(pool2d_geometry({1, 1, 9, 9}, {.kernel = {2, 2}, .padding = {2, 2}, .dilation = {3, 3}}, "op", true));
  EXPECT_THROW(pool2d_geometry({1, 1, 9, 9}, {.kernel = {2, 2}, .padding = {3, 2}, .dilation = {3, 3}}, "op", true),
               ShapeError);
  EXPECT_THROW(pool2d_geometry({1, 1, 9, 9}, {.kernel = {2, 2}, .padding = {-1, 0}}, "op", true), ShapeError);
}

TEST(PoolWindow, TwoByTwoStrideTwoDetection) {
  EXPECT_TRUE(pool2d_geometry({1, 1, 5, 5}, {}, "op", true).is_2x2_stride_2());
  EXPECT_FALSE(pool2d_geometry({1, 1, 5, 5}, {.ceil_mode = true}, "op", true).is_2x2_stride_2());
  EXPECT_TRUE(pool2d_geometry({1, 1, 6, 6}, {.ceil_mode = true}, "op", true).is_2x2_stride_2());
  EXPECT_FALSE(pool2d_geometry({1, 1, 6, 6}, {.padding = {1, 1}}, "op", true).is_2x2_stride_2());
}

TEST(PoolWindow, ChunksDependOnThePlaneSizeOnly) {
  EXPECT_EQ(planes_per_chunk(784), 41);
  EXPECT_EQ(planes_per_chunk(100000), 1);
  EXPECT_EQ(planes_per_chunk(0), 32768);
}

}  // namespace
}  // namespace poolnet
