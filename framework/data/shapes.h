// `shapes`: a procedural data set built in (no files), a test bed for translation robustness.
// Eight classes of filled or outlined figures on a dark background:
//   0 square, 1 disc, 2 triangle, 3 cross, 4 ring, 5 bar, 6 frame (hollow square), 7 half_disc
// Each sample draws a position (centre within ±max_offset px of the image centre on each
// axis, uniformly), a radius (0.16 to 0.28 of the image size), a rotation (uniform angle,
// meaningless for disc and ring), foreground and background intensities (per channel when
// channels = 3, so colour carries no class information) and additive Gaussian noise; edges are
// anti-aliased by 4x4 supersampling. Pixels are stored as round(255 * clamp(value, 0, 1)).
// Sample i of a split depends only on (seed, split, i) (counter-based RandomStream), so the
// data set is the same at any thread count and a prefix of a larger one; labels are i mod 8, so
// every class has floor(n/8) or ceil(n/8) samples.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace poolnet::data {

class Dataset;
enum class Split;  // dataset.h

struct ShapesOptions {
  int64_t image_size = 28;  // H = W, 16 to 128 (28 and 32 match MNIST and CIFAR)
  int64_t channels = 1;     // 1 or 3
  int64_t train_samples = 12000;
  int64_t test_samples = 2000;
  int64_t max_offset = 4;  // px, 0 to image_size / 4
  float noise = 0.05f;     // standard deviation of the additive noise, 0 to 0.5
  uint64_t seed = 0;
};

inline constexpr int64_t kShapesClasses = 8;
const std::vector<std::string>& shapes_class_names();

// Throws ConfigError naming the bad field.
void validate_shapes_options(const ShapesOptions& options);

// Draws sample `index` of a split into out [C, H, W] (C*H*W bytes); returns its label.
// Split::kValidation draws training samples: validation sets are carved out of the training set.
int32_t render_shape(const ShapesOptions& options, Split split, int64_t index, std::span<uint8_t> out);

// The whole training (train_samples) or test (test_samples) split, rendered in parallel;
// normalisation statistics are those of the first min(1024, train_samples) training samples.
Dataset make_shapes(const ShapesOptions& options, Split split);

}  // namespace poolnet::data
