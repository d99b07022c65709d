#include "framework/data/shapes.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "framework/data/dataset.h"
#include "framework/errors.h"
#include "framework/parallel.h"
#include "framework/random.h"

namespace poolnet::data {

namespace {

constexpr uint64_t kShapesTag = 0x5348415045ULL;  // separates these streams from other uses of a seed
constexpr int kSuper = 4;                         // supersampling per axis

// Whether the point (u, v), in the figure's own frame with unit radius, lies inside class k.
bool inside(int k, float u, float v) {
  const float au = std::abs(u), av = std::abs(v);
  const float rho2 = u * u + v * v;
  switch (k) {
    case 0:  // square
      return std::max(au, av) <= 0.8f;
    case 1:  // disc
      return rho2 <= 0.81f;
    case 2: {  // triangle: equilateral, circumradius 1.05, inside the inradius along each edge normal
      constexpr float kHalf = 0.525f, kCos30 = 0.8660254f;
      return -v <= kHalf && (kCos30 * u + 0.5f * v) <= kHalf && (-kCos30 * u + 0.5f * v) <= kHalf;
    }
    case 3:  // cross
      return (au <= 1.0f && av <= 0.28f) || (au <= 0.28f && av <= 1.0f);
    case 4:  // ring
      return rho2 >= 0.36f && rho2 <= 1.0f;
    case 5:  // bar
      return au <= 1.1f && av <= 0.22f;
    case 6:  // frame
      return std::max(au, av) >= 0.55f && std::max(au, av) <= 0.9f;
    default:  // half_disc
      return rho2 <= 1.0f && v >= 0.0f;
  }
}

}  // namespace

const std::vector<std::string>& shapes_class_names() {
  static const std::vector<std::string> names = {"square", "disc", "triangle", "cross",
                                                 "ring",   "bar",  "frame",    "half_disc"};
  return names;
}

void validate_shapes_options(const ShapesOptions& o) {
  auto bad = [](const std::string& what) { throw ConfigError("shapes: " + what); };
  if (o.image_size < 16 || o.image_size > 128) bad(fmt::format("image_size {} is outside [16, 128]", o.image_size));
  if (o.channels != 1 && o.channels != 3) bad(fmt::format("channels {} must be 1 or 3", o.channels));
  if (o.train_samples < 1 || o.test_samples < 1) {
    bad(fmt::format("train_samples {} and test_samples {} must be positive", o.train_samples, o.test_samples));
  }
  if (o.max_offset < 0 || o.max_offset > o.image_size / 4) {
    bad(fmt::format("max_offset {} is outside [0, {}] for image_size {}", o.max_offset, o.image_size / 4,
                    o.image_size));
  }
  if (!(o.noise >= 0.0f && o.noise <= 0.5f)) bad(fmt::format("noise {} is outside [0, 0.5]", o.noise));
}

int32_t render_shape(const ShapesOptions& o, Split split, int64_t index, std::span<uint8_t> out) {
  // Validation samples are training samples (open_dataset carves them out), so two streams.
  const uint64_t part = split == Split::kTest ? 1 : 0;
  const RandomStream rng(o.seed, stream_id(kShapesTag, part, static_cast<uint64_t>(index)));
  const auto label = static_cast<int32_t>(index % kShapesClasses);
  const auto size = static_cast<float>(o.image_size);
  const float span = static_cast<float>(o.max_offset);
  const float cx = 0.5f * size + span * (2.0f * rng.uniform(0) - 1.0f);
  const float cy = 0.5f * size + span * (2.0f * rng.uniform(1) - 1.0f);
  const float radius = size * (0.16f + 0.12f * rng.uniform(2));
  const float angle = 2.0f * std::numbers::pi_v<float> * rng.uniform(3);
  const float ca = std::cos(angle) / radius, sa = std::sin(angle) / radius;

  const int64_t plane = o.image_size * o.image_size;
  float foreground[3], background[3];
  for (int64_t c = 0; c < o.channels; ++c) {
    foreground[c] = 0.55f + 0.45f * rng.uniform(4 + c);
    background[c] = 0.15f * rng.uniform(8 + c);
  }
  for (int64_t y = 0; y < o.image_size; ++y) {
    for (int64_t x = 0; x < o.image_size; ++x) {
      int hits = 0;
      for (int sy = 0; sy < kSuper; ++sy) {
        const float py = static_cast<float>(y) + (sy + 0.5f) / kSuper - cy;
        for (int sx = 0; sx < kSuper; ++sx) {
          const float px = static_cast<float>(x) + (sx + 0.5f) / kSuper - cx;
          hits += inside(label, ca * px + sa * py, -sa * px + ca * py) ? 1 : 0;  // rotate by -angle
        }
      }
      const float coverage = static_cast<float>(hits) / (kSuper * kSuper);
      for (int64_t c = 0; c < o.channels; ++c) {
        const int64_t at = c * plane + y * o.image_size + x;
        const float value = background[c] + coverage * (foreground[c] - background[c]) +
                            o.noise * rng.normal(16 + static_cast<uint64_t>(at));
        out[static_cast<size_t>(at)] = static_cast<uint8_t>(std::lround(255.0f * std::clamp(value, 0.0f, 1.0f)));
      }
    }
  }
  return label;
}

namespace {

// Renders samples [0, n) of a split in parallel into pixels [n, C, H, W]; returns the labels.
std::vector<int32_t> render_split(const ShapesOptions& o, Split split, int64_t n, std::vector<uint8_t>& pixels) {
  const int64_t numel = o.channels * o.image_size * o.image_size;
  pixels.assign(static_cast<size_t>(n * numel), 0);
  std::vector<int32_t> labels(static_cast<size_t>(n));
  parallel::parallel_for(0, n, 16, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      labels[i] = render_shape(o, split, i, std::span<uint8_t>(pixels).subspan(static_cast<size_t>(i * numel), numel));
    }
  });
  return labels;
}

}  // namespace

Dataset make_shapes(const ShapesOptions& o, Split split) {
  validate_shapes_options(o);
  const bool test = split == Split::kTest;
  std::vector<uint8_t> pixels;
  std::vector<int32_t> labels = render_split(o, split, test ? o.test_samples : o.train_samples, pixels);
  DatasetInfo info{.name = "shapes",
                   .split = test ? "test" : "train",
                   .num_classes = kShapesClasses,
                   .channels = o.channels,
                   .height = o.image_size,
                   .width = o.image_size,
                   .mean = {},
                   .stddev = {},
                   .class_names = shapes_class_names(),
                   .source = fmt::format("built in (seed {}, max_offset {})", o.seed, o.max_offset)};
  // Statistics from a fixed prefix of the training split, whichever split this is.
  const int64_t head = std::min<int64_t>(o.train_samples, 1024);
  std::vector<uint8_t> reference;
  if (test) {
    render_split(o, Split::kTrain, head, reference);
  } else {
    reference.assign(pixels.begin(), pixels.begin() + head * o.channels * o.image_size * o.image_size);
  }
  channel_mean_std(reference, o.channels, o.image_size * o.image_size, info.mean, info.stddev);
  return Dataset(std::move(info), std::move(pixels), std::move(labels));
}

}  // namespace poolnet::data
