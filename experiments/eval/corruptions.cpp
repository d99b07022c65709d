#include "experiments/eval/corruptions.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <numbers>

#include "framework/errors.h"
#include "framework/parallel.h"
#include "framework/random.h"

namespace poolnet {

namespace {
// One image [C, H, W].
struct Image {
  float* data;
  int64_t C, H, W;
  int64_t size() const { return C * H * W; }
  float& at(int64_t c, int64_t h, int64_t w) const { return data[(c * H + h) * W + w]; }
};

float clamp01(double v) { return static_cast<float>(std::clamp(v, 0.0, 1.0)); }

void gaussian_noise(const Image& x, double sigma, const RandomStream& rng) {
  for (int64_t i = 0; i < x.size(); ++i) x.data[i] = clamp01(x.data[i] + sigma * rng.normal(static_cast<uint64_t>(i)));
}

// Poisson(lambda * v) / lambda by inversion of the CDF at one uniform draw per pixel.
void shot_noise(const Image& x, double lambda, const RandomStream& rng) {
  for (int64_t i = 0; i < x.size(); ++i) {
    const double mean = lambda * std::max(0.0f, x.data[i]);
    const double u = rng.uniform(static_cast<uint64_t>(i));
    double p = std::exp(-mean), cdf = p;
    int64_t k = 0;
    while (u > cdf && k < 1000) {
      ++k;
      p *= mean / static_cast<double>(k);
      cdf += p;
    }
    x.data[i] = clamp01(static_cast<double>(k) / lambda);
  }
}

// Each value becomes 0 or 1 (equally likely) with probability `amount` (salt and pepper).
void impulse_noise(const Image& x, double amount, const RandomStream& rng) {
  for (int64_t i = 0; i < x.size(); ++i) {
    if (rng.uniform(static_cast<uint64_t>(2 * i)) < amount) {
      x.data[i] = rng.uniform(static_cast<uint64_t>(2 * i + 1)) < 0.5f ? 0.0f : 1.0f;
    }
  }
}

// Bilinear sample of plane c at (fy, fx) in pixel-index coordinates, the nearest border pixel
// repeated outside.
double sample_clamped(const Image& x, int64_t c, double fy, double fx) {
  fy = std::clamp(fy, 0.0, static_cast<double>(x.H - 1));
  fx = std::clamp(fx, 0.0, static_cast<double>(x.W - 1));
  const auto y0 = static_cast<int64_t>(std::floor(fy)), x0 = static_cast<int64_t>(std::floor(fx));
  const int64_t y1 = std::min(y0 + 1, x.H - 1), x1 = std::min(x0 + 1, x.W - 1);
  const double ay = fy - static_cast<double>(y0), ax = fx - static_cast<double>(x0);
  return (1 - ay) * ((1 - ax) * x.at(c, y0, x0) + ax * x.at(c, y0, x1)) +
         ay * ((1 - ax) * x.at(c, y1, x0) + ax * x.at(c, y1, x1));
}

// Separable Gaussian filter of standard deviation sigma, radius ceil(3 sigma), border pixels
// repeated.
void gaussian_blur(const Image& x, double sigma, const RandomStream&) {
  const auto radius = static_cast<int64_t>(std::ceil(3 * sigma));
  std::vector<double> kernel(static_cast<size_t>(2 * radius + 1));
  double total = 0;
  for (int64_t k = -radius; k <= radius; ++k) {
    total += kernel[static_cast<size_t>(k + radius)] = std::exp(-0.5 * static_cast<double>(k * k) / (sigma * sigma));
  }
  for (double& k : kernel) k /= total;
  std::vector<float> copy(x.data, x.data + x.size());
  const Image src{copy.data(), x.C, x.H, x.W};
  for (int axis = 0; axis < 2; ++axis) {
    for (int64_t c = 0; c < x.C; ++c) {
      for (int64_t h = 0; h < x.H; ++h) {
        for (int64_t w = 0; w < x.W; ++w) {
          double s = 0;
          for (int64_t k = -radius; k <= radius; ++k) {
            const int64_t hh = axis == 0 ? std::clamp<int64_t>(h + k, 0, x.H - 1) : h;
            const int64_t ww = axis == 1 ? std::clamp<int64_t>(w + k, 0, x.W - 1) : w;
            s += kernel[static_cast<size_t>(k + radius)] * src.at(c, hh, ww);
          }
          x.at(c, h, w) = static_cast<float>(s);
        }
      }
    }
    std::copy(x.data, x.data + x.size(), copy.begin());
  }
}

// The mean of `length` bilinear samples spaced 1 px along a line through each pixel, at an
// angle drawn uniformly from [-45, 45) degrees (draw 0), border pixels repeated.
void motion_blur(const Image& x, double length, const RandomStream& rng) {
  const double angle = (rng.uniform(0) * 90.0 - 45.0) * std::numbers::pi / 180.0;
  const double dx = std::cos(angle), dy = std::sin(angle);
  const auto n = static_cast<int64_t>(length);
  std::vector<float> copy(x.data, x.data + x.size());
  const Image src{copy.data(), x.C, x.H, x.W};
  for (int64_t c = 0; c < x.C; ++c) {
    for (int64_t h = 0; h < x.H; ++h) {
      for (int64_t w = 0; w < x.W; ++w) {
        double s = 0;
        for (int64_t k = 0; k < n; ++k) {
          const double t = static_cast<double>(k) - static_cast<double>(n - 1) / 2;
          s += sample_clamped(src, c, static_cast<double>(h) + t * dy, static_cast<double>(w) + t * dx);
        }
        x.at(c, h, w) = static_cast<float>(s / static_cast<double>(n));
      }
    }
  }
}

// Each channel pulled towards its mean: (v - mean) * factor + mean.
void contrast(const Image& x, double factor, const RandomStream&) {
  const int64_t plane = x.H * x.W;
  for (int64_t c = 0; c < x.C; ++c) {
    float* p = x.data + c * plane;
    double mean = 0;
    for (int64_t i = 0; i < plane; ++i) mean += p[i];
    mean /= static_cast<double>(plane);
    for (int64_t i = 0; i < plane; ++i) p[i] = clamp01((p[i] - mean) * factor + mean);
  }
}

void brightness(const Image& x, double offset, const RandomStream&) {
  for (int64_t i = 0; i < x.size(); ++i) x.data[i] = clamp01(x.data[i] + offset);
}

// Smooth random haze f in [0, 1]: value noise from a 4x4 grid of uniform draws (draws 0..15) and
// an 8x8 grid at half the weight (draws 16..79), each interpolated bilinearly over the image.
// Then v = (v + amount * f) * m / (m + amount) with m the image's maximum (ImageNet-C's fog).
void fog(const Image& x, double amount, const RandomStream& rng) {
  const auto value_noise = [&](int64_t g, uint64_t first, double h, double w) {
    const double fy = h / static_cast<double>(std::max<int64_t>(x.H - 1, 1)) * static_cast<double>(g - 1);
    const double fx = w / static_cast<double>(std::max<int64_t>(x.W - 1, 1)) * static_cast<double>(g - 1);
    const auto y0 = std::min<int64_t>(static_cast<int64_t>(fy), g - 2),
               x0 = std::min<int64_t>(static_cast<int64_t>(fx), g - 2);
    const double ay = fy - static_cast<double>(y0), ax = fx - static_cast<double>(x0);
    const auto node = [&](int64_t i, int64_t j) {
      return static_cast<double>(rng.uniform(first + static_cast<uint64_t>(i * g + j)));
    };
    return (1 - ay) * ((1 - ax) * node(y0, x0) + ax * node(y0, x0 + 1)) +
           ay * ((1 - ax) * node(y0 + 1, x0) + ax * node(y0 + 1, x0 + 1));
  };
  double peak = 0;
  for (int64_t i = 0; i < x.size(); ++i) peak = std::max(peak, static_cast<double>(x.data[i]));
  if (peak <= 0) peak = 1;
  for (int64_t h = 0; h < x.H; ++h) {
    for (int64_t w = 0; w < x.W; ++w) {
      const double haze = (value_noise(4, 0, static_cast<double>(h), static_cast<double>(w)) +
                           0.5 * value_noise(8, 16, static_cast<double>(h), static_cast<double>(w))) /
                          1.5;
      for (int64_t c = 0; c < x.C; ++c)
        x.at(c, h, w) = clamp01((x.at(c, h, w) + amount * haze) * peak / (peak + amount));
    }
  }
}

// Sets to 1 (every channel) the pixels of the segment from (y0, x0) to (y1, x1) at steps of
// one pixel along its longer axis, every `every`-th step.
void draw_segment(const Image& x, double y0, double x0, double y1, double x1, int every) {
  const auto steps = static_cast<int64_t>(std::ceil(std::max(std::fabs(y1 - y0), std::fabs(x1 - x0))));
  for (int64_t k = 0; k <= steps; k += every) {
    const double t = steps == 0 ? 0.0 : static_cast<double>(k) / static_cast<double>(steps);
    const auto h = static_cast<int64_t>(std::floor(y0 + t * (y1 - y0))),
               w = static_cast<int64_t>(std::floor(x0 + t * (x1 - x0)));
    if (h < 0 || h >= x.H || w < 0 || w >= x.W) continue;
    for (int64_t c = 0; c < x.C; ++c) x.at(c, h, w) = 1.0f;
  }
}

// `lines` dotted lines (a dot every second pixel), line l between two points drawn uniformly
// over the image (draws 4l .. 4l + 3).
void dotted_line(const Image& x, double lines, const RandomStream& rng) {
  for (int64_t l = 0; l < static_cast<int64_t>(lines); ++l) {
    const auto u = [&](int64_t k) { return static_cast<double>(rng.uniform(static_cast<uint64_t>(4 * l + k))); };
    const double H = static_cast<double>(x.H), W = static_cast<double>(x.W);
    draw_segment(x, u(0) * H, u(1) * W, u(2) * H, u(3) * W, 2);
  }
}

// `lines` zigzags: zigzag l starts at a point drawn uniformly over the image (draws 3l, 3l + 1)
// and heads in a direction drawn uniformly (draw 3l + 2); it is 4 solid segments of W/5
// pixels, turning 60 degrees to either side of that direction in turn.
void zigzag(const Image& x, double lines, const RandomStream& rng) {
  const double segment = static_cast<double>(x.W) / 5;
  for (int64_t l = 0; l < static_cast<int64_t>(lines); ++l) {
    const auto u = [&](int64_t k) { return static_cast<double>(rng.uniform(static_cast<uint64_t>(3 * l + k))); };
    double y = u(0) * static_cast<double>(x.H), px = u(1) * static_cast<double>(x.W);
    const double heading = u(2) * 2 * std::numbers::pi;
    for (int s = 0; s < 4; ++s) {
      const double a = heading + (s % 2 == 0 ? 1 : -1) * std::numbers::pi / 3;
      const double ny = y + segment * std::sin(a), nx = px + segment * std::cos(a);
      draw_segment(x, y, px, ny, nx, 1);
      y = ny;
      px = nx;
    }
  }
}

using CorruptFn = void (*)(const Image&, double, const RandomStream&);
struct Kind {
  const char* name;
  std::array<double, kCorruptionSeverities> levels;
  CorruptFn apply;
};

// docs/metrics.md lists these parameters.
const std::array<Kind, 10>& kinds() {
  static const std::array<Kind, 10> table = {{
      {"gaussian_noise", {0.1, 0.2, 0.3}, gaussian_noise},
      {"shot_noise", {60, 25, 12}, shot_noise},
      {"impulse_noise", {0.03, 0.06, 0.09}, impulse_noise},
      {"gaussian_blur", {0.6, 1.0, 1.5}, gaussian_blur},
      {"motion_blur", {3, 5, 7}, motion_blur},
      {"contrast", {0.4, 0.25, 0.15}, contrast},
      {"brightness", {0.2, 0.35, 0.5}, brightness},
      {"fog", {0.3, 0.5, 0.7}, fog},
      {"dotted_line", {1, 2, 3}, dotted_line},
      {"zigzag", {1, 2, 3}, zigzag},
  }};
  return table;
}
}  // namespace

const std::vector<std::string>& corruption_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& k : kinds()) out.emplace_back(k.name);
    return out;
  }();
  return names;
}

int corruption_index(const std::string& name) {
  const auto& names = corruption_names();
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end())
    throw ConfigError(fmt::format("corruption: unknown '{}' (valid: {})", name, fmt::join(names, ", ")));
  return static_cast<int>(it - names.begin());
}

double corruption_level(int kind, int severity) {
  if (kind < 0 || kind >= static_cast<int>(kinds().size()) || severity < 1 || severity > kCorruptionSeverities) {
    throw ConfigError(fmt::format("corruption: no level for kind {} at severity {}", kind, severity));
  }
  return kinds()[static_cast<size_t>(kind)].levels[static_cast<size_t>(severity - 1)];
}

Tensor corrupt(const Tensor& x, int kind, int severity, uint64_t seed, int64_t first_index) {
  if (x.dim() != 4) throw ShapeError(fmt::format("corrupt: expected images [N,C,H,W], got {}", shape_str(x.shape())));
  if (severity < 0 || severity > kCorruptionSeverities) {
    throw ConfigError(fmt::format("corrupt: severity must be 0..{}, got {}", kCorruptionSeverities, severity));
  }
  Tensor y = Tensor::empty(x.shape());
  y.copy_from(x);
  if (severity == 0) return y;
  const double level = corruption_level(kind, severity);
  const Kind& k = kinds()[static_cast<size_t>(kind)];
  const int64_t C = x.size(1), H = x.size(2), W = x.size(3);
  parallel::parallel_for(0, x.size(0), 1, [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; ++n) {
      const RandomStream rng(
          seed, stream_id(kCorruptionStream, static_cast<uint64_t>(kind), static_cast<uint64_t>(first_index + n)));
      k.apply(Image{y.data() + n * C * H * W, C, H, W}, level, rng);
    }
  });
  return y;
}

}  // namespace poolnet
