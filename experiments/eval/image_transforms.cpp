#include "experiments/eval/image_transforms.h"

#include <cmath>
#include <fmt/format.h>
#include <numbers>

#include "framework/errors.h"
#include "framework/parallel.h"

namespace poolnet {

namespace {
void check_images(const Tensor& x, const char* op) {
  if (x.dim() != 4) throw ShapeError(fmt::format("{}: expected images [N,C,H,W], got {}", op, shape_str(x.shape())));
}
}  // namespace

std::vector<double> resize_weights(int64_t length, double factor) {
  if (!(factor > 0) || !std::isfinite(factor)) {
    throw ConfigError(fmt::format("resize_about_centre: factor must be positive and finite, got {}", factor));
  }
  const double L = static_cast<double>(length);
  const double support = std::max(1.0, 1.0 / factor);
  std::vector<double> weights(static_cast<size_t>(length * length), 0.0);
  for (int64_t j = 0; j < length; ++j) {
    const double u = (static_cast<double>(j) + 0.5 - L / 2) / factor + L / 2;
    // Every integer i with |i + 0.5 - u| < support, inside the image or not.
    const auto first = static_cast<int64_t>(std::floor(u - 0.5 - support));
    const auto last = static_cast<int64_t>(std::ceil(u - 0.5 + support));
    double total = 0;
    for (int64_t i = first; i <= last; ++i) {
      const double w = std::max(0.0, 1.0 - std::fabs(static_cast<double>(i) + 0.5 - u) / support);
      total += w;
      if (i >= 0 && i < length) weights[static_cast<size_t>(j * length + i)] = w;
    }
    for (int64_t i = 0; i < length; ++i) weights[static_cast<size_t>(j * length + i)] /= total;
  }
  return weights;
}

Tensor resize_about_centre(const Tensor& x, double factor) {
  check_images(x, "resize_about_centre");
  const int64_t H = x.size(2), W = x.size(3), planes = x.size(0) * x.size(1);
  const std::vector<double> wy = resize_weights(H, factor), wx = resize_weights(W, factor);
  Tensor y = Tensor::empty(x.shape());
  const float* in = x.data();
  float* out = y.data();
  parallel::parallel_for(0, planes, 1, [&](int64_t p0, int64_t p1) {
    std::vector<double> rows(static_cast<size_t>(H * W));  // the plane resampled along w
    for (int64_t p = p0; p < p1; ++p) {
      const float* src = in + p * H * W;
      for (int64_t h = 0; h < H; ++h) {
        for (int64_t j = 0; j < W; ++j) {
          double s = 0;
          for (int64_t i = 0; i < W; ++i) s += wx[static_cast<size_t>(j * W + i)] * src[h * W + i];
          rows[static_cast<size_t>(h * W + j)] = s;
        }
      }
      for (int64_t j = 0; j < H; ++j) {
        for (int64_t w = 0; w < W; ++w) {
          double s = 0;
          for (int64_t i = 0; i < H; ++i)
            s += wy[static_cast<size_t>(j * H + i)] * rows[static_cast<size_t>(i * W + w)];
          out[p * H * W + j * W + w] = static_cast<float>(s);
        }
      }
    }
  });
  return y;
}

Tensor rotate_about_centre(const Tensor& x, double degrees) {
  check_images(x, "rotate_about_centre");
  if (!std::isfinite(degrees))
    throw ConfigError(fmt::format("rotate_about_centre: angle must be finite, got {}", degrees));
  const int64_t H = x.size(2), W = x.size(3), planes = x.size(0) * x.size(1);
  const double radians = degrees * std::numbers::pi / 180.0;
  const double c = degrees == 0 ? 1.0 : std::cos(radians), s = degrees == 0 ? 0.0 : std::sin(radians);
  const double cy = static_cast<double>(H) / 2, cx = static_cast<double>(W) / 2;
  Tensor y = Tensor::empty(x.shape());
  const float* in = x.data();
  float* out = y.data();
  parallel::parallel_for(0, planes, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const float* src = in + p * H * W;
      const auto at = [&](int64_t h, int64_t w) -> double {
        return h >= 0 && h < H && w >= 0 && w < W ? src[h * W + w] : 0.0;
      };
      for (int64_t h = 0; h < H; ++h) {
        for (int64_t w = 0; w < W; ++w) {
          const double px = static_cast<double>(w) + 0.5 - cx, py = static_cast<double>(h) + 0.5 - cy;
          // Source position in pixel-index coordinates (centre of pixel i at i).
          const double fx = cx + c * px + s * py - 0.5, fy = cy - s * px + c * py - 0.5;
          const double x0 = std::floor(fx), y0 = std::floor(fy);
          const double ax = fx - x0, ay = fy - y0;
          const auto i0 = static_cast<int64_t>(y0), j0 = static_cast<int64_t>(x0);
          const double v = (1 - ay) * ((1 - ax) * at(i0, j0) + ax * at(i0, j0 + 1)) +
                           ay * ((1 - ax) * at(i0 + 1, j0) + ax * at(i0 + 1, j0 + 1));
          out[p * H * W + h * W + w] = static_cast<float>(v);
        }
      }
    }
  });
  return y;
}

}  // namespace poolnet
