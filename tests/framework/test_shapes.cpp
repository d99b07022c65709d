#include <gtest/gtest.h>

#include <cmath>

#include "framework/data/dataset.h"
#include "framework/data/shapes.h"
#include "framework/errors.h"
#include "tests/support/grad_check.h"

namespace poolnet::data {
namespace {

using poolnet::testing::with_threads;

std::vector<uint8_t> pixels_of(const Dataset& d) { return {d.pixels().begin(), d.pixels().end()}; }

TEST(Shapes, DeterministicFromSeedAndIndex) {
  const ShapesOptions options{.train_samples = 80, .test_samples = 40, .seed = 7};
  const Dataset a = make_shapes(options, Split::kTrain);
  EXPECT_EQ(pixels_of(a), pixels_of(make_shapes(options, Split::kTrain)));
  // Sample i depends only on (seed, split, i): a smaller data set is a prefix.
  const Dataset prefix = make_shapes({.train_samples = 30, .test_samples = 40, .seed = 7}, Split::kTrain);
  EXPECT_TRUE(std::equal(prefix.pixels().begin(), prefix.pixels().end(), a.pixels().begin()));
  std::vector<uint8_t> one(28 * 28);
  EXPECT_EQ(render_shape(options, Split::kTrain, 13, one), a.label(13));
  EXPECT_TRUE(std::equal(one.begin(), one.end(), a.image(13).begin()));
  // Other seeds and the test split are different images.
  EXPECT_NE(pixels_of(a), pixels_of(make_shapes({.train_samples = 80, .test_samples = 40, .seed = 8}, Split::kTrain)));
  const Dataset test = make_shapes(options, Split::kTest);
  EXPECT_FALSE(std::equal(test.pixels().begin(), test.pixels().end(), a.pixels().begin()));
  EXPECT_EQ(test.info().split, "test");
}

TEST(Shapes, IndependentOfThreadCount) {
  const ShapesOptions options{.image_size = 32, .channels = 3, .train_samples = 64, .seed = 3};
  std::vector<uint8_t> one, two;
  with_threads(1, [&] { one = pixels_of(make_shapes(options, Split::kTrain)); });
  with_threads(2, [&] { two = pixels_of(make_shapes(options, Split::kTrain)); });
  EXPECT_EQ(one, two);
}

TEST(Shapes, AllClassesPresentAndBalanced) {
  const Dataset d = make_shapes({.train_samples = 84}, Split::kTrain);
  EXPECT_EQ(d.num_classes(), kShapesClasses);
  EXPECT_GE(kShapesClasses, 6);
  EXPECT_EQ(d.info().class_names.size(), static_cast<size_t>(kShapesClasses));
  const std::vector<int64_t> counts = d.class_counts();
  for (int64_t k = 0; k < kShapesClasses; ++k) EXPECT_EQ(counts[k], k < 4 ? 11 : 10) << k;
}

TEST(Shapes, ColourImagesOfSize32) {
  const Dataset d =
      make_shapes({.image_size = 32, .channels = 3, .train_samples = 16, .test_samples = 8}, Split::kTest);
  EXPECT_EQ(d.image_shape(), (Shape{3, 32, 32}));
  EXPECT_EQ(d.info().mean.size(), 3u);
  // Foreground colours differ between channels.
  const auto image = d.image(0);
  EXPECT_FALSE(std::equal(image.begin(), image.begin() + 1024, image.begin() + 1024));
}

TEST(Shapes, StatisticsComeFromTheTrainingSplit) {
  const ShapesOptions options{.train_samples = 200, .test_samples = 50};
  const Dataset train = make_shapes(options, Split::kTrain), test = make_shapes(options, Split::kTest);
  EXPECT_EQ(train.info().mean, test.info().mean);
  EXPECT_EQ(train.info().stddev, test.info().stddev);
  EXPECT_GT(train.info().mean[0], 0.05f);
  EXPECT_LT(train.info().mean[0], 0.5f);
  EXPECT_GT(train.info().stddev[0], 0.1f);
}

// Intensity-weighted centre of the foreground (pixels above the background range).
std::pair<double, double> centroid(std::span<const uint8_t> image, int64_t size) {
  double sy = 0, sx = 0, total = 0;
  for (int64_t y = 0; y < size; ++y) {
    for (int64_t x = 0; x < size; ++x) {
      const double v = image[y * size + x] > 100 ? image[y * size + x] : 0;
      sy += v * (y + 0.5), sx += v * (x + 0.5), total += v;
    }
  }
  return {sy / total, sx / total};
}

TEST(Shapes, MaxOffsetBoundsThePosition) {
  // Classes 0, 1, 3, 4, 6 are point-symmetric: their centroid is their position.
  for (int64_t max_offset : {0, 6}) {
    const Dataset d = make_shapes({.train_samples = 400, .max_offset = max_offset, .noise = 0.0f}, Split::kTrain);
    double farthest = 0;
    for (int64_t i = 0; i < d.size(); ++i) {
      const int32_t k = d.label(i);
      if (k != 0 && k != 1 && k != 3 && k != 4 && k != 6) continue;
      const auto [cy, cx] = centroid(d.image(i), 28);
      farthest = std::max({farthest, std::abs(cy - 14.0), std::abs(cx - 14.0)});
    }
    EXPECT_LE(farthest, max_offset + 0.75) << max_offset;
    if (max_offset > 0) {
      EXPECT_GE(farthest, max_offset - 1.5);
    }
  }
}

TEST(Shapes, LearnableButNotTrivial) {
  // A nearest-class-mean classifier on raw pixels beats chance (1/8) clearly, yet is far from
  // perfect: position, size, rotation and intensity vary.
  const ShapesOptions options{.train_samples = 1600, .test_samples = 800, .seed = 11};
  const Dataset train = make_shapes(options, Split::kTrain), test = make_shapes(options, Split::kTest);
  std::vector<double> means(kShapesClasses * 784, 0.0);
  for (int64_t i = 0; i < train.size(); ++i) {
    for (int p = 0; p < 784; ++p) means[train.label(i) * 784 + p] += train.image(i)[p] / 200.0;
  }
  int64_t correct = 0;
  for (int64_t i = 0; i < test.size(); ++i) {
    int best = 0;
    double best_distance = 1e300;
    for (int k = 0; k < kShapesClasses; ++k) {
      double distance = 0;
      for (int p = 0; p < 784; ++p) distance += std::pow(test.image(i)[p] - means[k * 784 + p], 2);
      if (distance < best_distance) best_distance = distance, best = k;
    }
    correct += best == test.label(i);
  }
  const double accuracy = static_cast<double>(correct) / static_cast<double>(test.size());
  std::printf("nearest class mean accuracy %.3f\n", accuracy);
  EXPECT_GT(accuracy, 0.2);
  EXPECT_LT(accuracy, 0.9);
}

TEST(Shapes, BadOptionsAreConfigErrors) {
  EXPECT_THROW(make_shapes({.image_size = 8}, Split::kTrain), ConfigError);
  EXPECT_THROW(make_shapes({.channels = 2}, Split::kTrain), ConfigError);
  EXPECT_THROW(make_shapes({.train_samples = 0}, Split::kTrain), ConfigError);
  EXPECT_THROW(make_shapes({.max_offset = 8}, Split::kTrain), ConfigError);
  EXPECT_THROW(make_shapes({.noise = -1.0f}, Split::kTrain), ConfigError);
  try {
    make_shapes({.channels = 2}, Split::kTrain);
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "shapes: channels 2 must be 1 or 3");
  }
}

}  // namespace
}  // namespace poolnet::data
