#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "framework/data/loader.h"
#include "framework/errors.h"
#include "tests/support/data_files.h"
#include "tests/support/grad_check.h"

namespace poolnet::data {
namespace {

using poolnet::testing::all_close;
using poolnet::testing::bitwise_equal;
using poolnet::testing::pattern_bytes;
using poolnet::testing::with_threads;

// 37 images [2, 5, 6] (odd sizes catch H/W mix-ups) with distinct pattern pixels.
Dataset small_dataset(int64_t n = 37) {
  DatasetInfo info{.name = "small",
                   .split = "train",
                   .num_classes = 4,
                   .channels = 2,
                   .height = 5,
                   .width = 6,
                   .mean = {0.4f, 0.6f},
                   .stddev = {0.2f, 0.3f}};
  std::vector<int32_t> labels(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) labels[i] = static_cast<int32_t>(i % 4);
  std::vector<uint8_t> pixels = pattern_bytes(static_cast<size_t>(n * 60), 9);
  for (size_t i = 0; i < pixels.size(); i += 7) pixels[i] = 0;  // some background pixels
  return Dataset(info, std::move(pixels), std::move(labels));
}

float lut(const Dataset& d, int64_t c, uint8_t v, bool normalize) {
  const float mean = normalize ? d.info().mean[c] : 0.0f, stddev = normalize ? d.info().stddev[c] : 1.0f;
  return static_cast<float>(v) * (1.0f / (255.0f * stddev)) + -mean / stddev;
}

// Naive reference: flip, then shift (zeros or circular), then crop-shift (zeros), one whole
// image at a time.
std::vector<float> reference_augment(const Dataset& d, int64_t sample, const AugmentDraw& a, ShiftFill fill,
                                     bool normalize) {
  const int64_t C = d.channels(), H = d.height(), W = d.width();
  std::vector<int> image(d.image(sample).begin(), d.image(sample).end());  // -1 = background fill
  auto at = [&](std::vector<int>& v, int64_t c, int64_t y, int64_t x) -> int& { return v[(c * H + y) * W + x]; };
  std::vector<int> next(image.size());
  if (a.flip) {
    for (int64_t c = 0; c < C; ++c)
      for (int64_t y = 0; y < H; ++y)
        for (int64_t x = 0; x < W; ++x) at(next, c, y, x) = at(image, c, y, W - 1 - x);
    image = next;
  }
  for (int64_t c = 0; c < C; ++c) {
    for (int64_t y = 0; y < H; ++y) {
      for (int64_t x = 0; x < W; ++x) {
        int64_t sy = y - a.shift_dy, sx = x - a.shift_dx;
        if (fill == ShiftFill::kCircular) sy = (sy % H + H) % H, sx = (sx % W + W) % W;
        at(next, c, y, x) = sy < 0 || sy >= H || sx < 0 || sx >= W ? -1 : at(image, c, sy, sx);
      }
    }
  }
  image = next;
  for (int64_t c = 0; c < C; ++c) {
    for (int64_t y = 0; y < H; ++y) {
      for (int64_t x = 0; x < W; ++x) {
        const int64_t sy = y - a.crop_dy, sx = x - a.crop_dx;
        at(next, c, y, x) = sy < 0 || sy >= H || sx < 0 || sx >= W ? -1 : at(image, c, sy, sx);
      }
    }
  }
  std::vector<float> out(next.size());
  for (size_t i = 0; i < out.size(); ++i) {
    const int64_t c = static_cast<int64_t>(i) / (H * W);
    out[i] = lut(d, c, next[i] < 0 ? 0 : static_cast<uint8_t>(next[i]), normalize);
  }
  return out;
}

TEST(Loader, EpochOrderIsASeededPermutation) {
  const Loader loader(small_dataset(), {.batch_size = 8, .seed = 4});
  std::vector<int64_t> order = loader.epoch_order(0);
  EXPECT_NE(order, loader.epoch_order(1));
  EXPECT_EQ(order, Loader(small_dataset(), {.seed = 4}).epoch_order(0));
  EXPECT_NE(order, Loader(small_dataset(), {.seed = 5}).epoch_order(0));
  std::sort(order.begin(), order.end());
  std::vector<int64_t> identity(37);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_EQ(order, identity);
  EXPECT_EQ(Loader(small_dataset(), {.shuffle = false}).epoch_order(3), identity);
}

TEST(Loader, BatchesCoverTheEpoch) {
  const Dataset data = small_dataset();
  const Loader loader(data, {.batch_size = 8, .seed = 1});
  EXPECT_EQ(loader.batches_per_epoch(), 5);
  std::vector<int64_t> seen;
  int64_t count = 0;
  for (const Batch& b : loader.epoch(2)) {
    EXPECT_EQ(b.epoch, 2);
    EXPECT_EQ(b.index, count++);
    EXPECT_EQ(b.images.shape(), (Shape{b.index < 4 ? 8 : 5, 2, 5, 6}));
    for (size_t k = 0; k < b.indices.size(); ++k) EXPECT_EQ(b.labels[k], data.label(b.indices[k]));
    seen.insert(seen.end(), b.indices.begin(), b.indices.end());
  }
  EXPECT_EQ(seen, loader.epoch_order(2));
  const Loader dropping(data, {.batch_size = 8, .drop_last = true, .seed = 1});
  EXPECT_EQ(dropping.batches_per_epoch(), 4);
  EXPECT_EQ(dropping.samples_per_epoch(), 32);
  EXPECT_EQ(dropping.batch(2, 3).images.size(0), 8);
}

TEST(Loader, NormalisesWithoutAugmentation) {
  const Dataset data = small_dataset();
  for (bool normalize : {true, false}) {
    const Loader loader(data, {.batch_size = 16, .normalize = normalize, .seed = 2});
    const Batch b = loader.batch(0, 1);
    EXPECT_TRUE(bitwise_equal(b.images, data.images(b.indices, normalize))) << normalize;
    const Tensor exact = data.images(b.indices, normalize);
    for (int64_t i = 0; i < exact.numel(); ++i) {
      const int64_t c = i / 30 % 2;
      const float v = static_cast<float>(data.image(b.indices[i / 60])[i % 60]);
      const float mean = normalize ? data.info().mean[c] : 0.0f, stddev = normalize ? data.info().stddev[c] : 1.0f;
      ASSERT_NEAR(exact.data()[i], (v / 255.0f - mean) / stddev, 1e-5) << i;
    }
  }
}

TEST(Loader, AugmentationMatchesNaiveReference) {
  const Dataset data = small_dataset();
  for (ShiftFill fill : {ShiftFill::kZeros, ShiftFill::kCircular}) {
    const Augment augment{.max_shift = 3, .shift_fill = fill, .crop_padding = 2, .horizontal_flip = true};
    const Loader loader(data, {.batch_size = 37, .seed = 6, .augment = augment});
    const Batch b = loader.batch(1, 0);
    for (int64_t k = 0; k < 37; ++k) {
      const AugmentDraw a = draw_augment(augment, 6, 1, b.indices[k]);
      const std::vector<float> expected = reference_augment(data, b.indices[k], a, fill, true);
      EXPECT_TRUE(std::equal(expected.begin(), expected.end(), b.images.data() + k * 60)) << k;
    }
  }
}

TEST(Loader, AugmentationDrawRanges) {
  const Augment augment{.max_shift = 2, .crop_padding = 3, .horizontal_flip = true};
  std::set<int64_t> shifts, crops;
  int flips = 0;
  for (int64_t i = 0; i < 2000; ++i) {
    const AugmentDraw a = draw_augment(augment, 9, 0, i);
    for (int64_t s : {a.shift_dy, a.shift_dx}) EXPECT_TRUE(s >= -2 && s <= 2) << s;
    for (int64_t s : {a.crop_dy, a.crop_dx}) EXPECT_TRUE(s >= -3 && s <= 3) << s;
    shifts.insert(a.shift_dy), shifts.insert(a.shift_dx), crops.insert(a.crop_dy), crops.insert(a.crop_dx);
    flips += a.flip;
    // Each augmentation has its own draws: turning the others off leaves it unchanged.
    EXPECT_EQ(draw_augment({.max_shift = 2}, 9, 0, i).shift_dx, a.shift_dx);
  }
  EXPECT_EQ(shifts.size(), 5u);
  EXPECT_EQ(crops.size(), 7u);
  EXPECT_GT(flips, 900);
  EXPECT_LT(flips, 1100);
  const AugmentDraw none = draw_augment({}, 9, 0, 5);
  EXPECT_EQ(none.shift_dy + none.shift_dx + none.crop_dy + none.crop_dx, 0);
  EXPECT_FALSE(none.flip);
}

TEST(Loader, ZeroFillIsTheRawBackground) {
  const Dataset data = small_dataset();
  const Loader loader(data, {.batch_size = 37, .shuffle = false, .augment = {.max_shift = 4}});
  const Batch b = loader.batch(0, 0);
  int64_t filled = 0;
  for (int64_t k = 0; k < 37; ++k) {
    const AugmentDraw a = draw_augment(loader.options().augment, 0, 0, k);
    if (a.shift_dy < 1) continue;
    // Row 0 was vacated: every value there is (0 - mean) / stddev of its channel.
    for (int64_t c = 0; c < 2; ++c) {
      for (int64_t x = 0; x < 6; ++x) EXPECT_EQ(b.images.data()[k * 60 + c * 30 + x], lut(data, c, 0, true));
    }
    ++filled;
  }
  EXPECT_GT(filled, 0);
}

TEST(Loader, CircularShiftKeepsEveryPixel) {
  const Dataset data = small_dataset();
  const Loader plain(data, {.batch_size = 37, .shuffle = false});
  const Loader rolled(
      data, {.batch_size = 37, .shuffle = false, .augment = {.max_shift = 4, .shift_fill = ShiftFill::kCircular}});
  const Batch a = plain.batch(0, 0), b = rolled.batch(0, 0);
  for (int64_t k = 0; k < 74; ++k) {  // per image and channel
    std::vector<float> x(a.images.data() + k * 30, a.images.data() + (k + 1) * 30);
    std::vector<float> y(b.images.data() + k * 30, b.images.data() + (k + 1) * 30);
    std::sort(x.begin(), x.end()), std::sort(y.begin(), y.end());
    EXPECT_EQ(x, y) << k;
  }
}

TEST(Loader, BitwiseIdenticalAtAnyThreadCount) {
  const LoaderOptions options{
      .batch_size = 32, .seed = 3, .augment = {.max_shift = 2, .crop_padding = 1, .horizontal_flip = true}};
  const Loader loader(small_dataset(300), options);
  std::vector<Batch> one, two;
  with_threads(1, [&] {
    for (const Batch& b : loader.epoch(1)) one.push_back(b);
  });
  with_threads(2, [&] {
    for (const Batch& b : Loader(small_dataset(300), options).epoch(1)) two.push_back(b);
  });
  ASSERT_EQ(one.size(), two.size());
  for (size_t i = 0; i < one.size(); ++i) {
    EXPECT_TRUE(bitwise_equal(one[i].images, two[i].images)) << i;
    EXPECT_EQ(one[i].labels, two[i].labels);
    EXPECT_EQ(one[i].indices, two[i].indices);
  }
}

TEST(Loader, ResumingEqualsRunningFromTheStart) {
  const LoaderOptions options{.batch_size = 8, .seed = 12, .augment = {.max_shift = 2, .horizontal_flip = true}};
  const Loader full(small_dataset(), options);
  std::vector<Batch> run;
  for (int64_t epoch = 0; epoch < 3; ++epoch) {
    for (const Batch& b : full.epoch(epoch)) run.push_back(b);
  }
  // A fresh loader started at (epoch 1, batch 3) gives the same batches from there on.
  const Loader resumed(small_dataset(), options);
  std::vector<Batch> rest;
  for (const Batch& b : resumed.epoch(1, 3)) rest.push_back(b);
  for (const Batch& b : resumed.epoch(2)) rest.push_back(b);
  ASSERT_EQ(rest.size(), run.size() - 8);
  for (size_t i = 0; i < rest.size(); ++i) {
    EXPECT_TRUE(bitwise_equal(rest[i].images, run[i + 8].images)) << i;
    EXPECT_EQ(rest[i].indices, run[i + 8].indices);
  }
  // A sample's augmentation depends on (seed, epoch, sample) only, not on the batch size.
  const Loader other(small_dataset(), {.batch_size = 37, .seed = 12, .augment = options.augment});
  const Batch whole = other.batch(2, 0);
  const Batch& part = run[10 + 2];  // epoch 2, batch 2
  for (size_t k = 0; k < part.indices.size(); ++k) {
    EXPECT_TRUE(std::equal(part.images.data() + k * 60, part.images.data() + (k + 1) * 60,
                           whole.images.data() + (16 + k) * 60));
  }
}

TEST(Loader, BadOptionsAreConfigErrors) {
  const Dataset data = small_dataset();
  EXPECT_THROW(Loader(data, {.batch_size = 0}), ConfigError);
  EXPECT_THROW(Loader(data, {.batch_size = 38, .drop_last = true}), ConfigError);
  EXPECT_THROW(Loader(data, {.augment = {.max_shift = 5}}), ConfigError);
  EXPECT_THROW(Loader(data, {.augment = {.crop_padding = -1}}), ConfigError);
  EXPECT_THROW(Loader(Dataset(), {}), ConfigError);
  const Loader loader(data, {.batch_size = 8});
  EXPECT_THROW(loader.batch(0, 5), ConfigError);
  EXPECT_THROW(loader.batch(-1, 0), ConfigError);
  EXPECT_THROW(loader.epoch(0, 6), ConfigError);
  try {
    Loader(data, {.augment = {.max_shift = 5}});
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "loader: max_shift 5 is outside [0, 5)");
  }
}

}  // namespace
}  // namespace poolnet::data
