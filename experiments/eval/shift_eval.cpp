#include "experiments/eval/shift_eval.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "framework/random.h"

namespace poolnet {

namespace {
constexpr uint64_t kConsistencyStream = 0xC0;

// Rows [begin, end) of x along the first dimension, copied.
Tensor slice_rows(const Tensor& x, int64_t begin, int64_t end) {
  Shape s = x.shape();
  const int64_t row = x.numel() / std::max<int64_t>(s[0], 1);
  s[0] = end - begin;
  Tensor out = Tensor::empty(s);
  std::memcpy(out.data(), x.data() + begin * row, static_cast<size_t>((end - begin) * row) * sizeof(float));
  return out;
}

std::vector<int32_t> argmax_rows(const Tensor& logits) {
  const int64_t N = logits.size(0), C = logits.size(1);
  std::vector<int32_t> out(static_cast<size_t>(N));
  for (int64_t n = 0; n < N; ++n) {
    const float* row = logits.data() + n * C;
    out[static_cast<size_t>(n)] = static_cast<int32_t>(std::max_element(row, row + C) - row);
  }
  return out;
}

// Predictions for x shifted per sample by (dys[n], dxs[n]).
std::vector<int32_t> predict_shifted(const LogitsFn& logits, const Tensor& x, const std::vector<int64_t>& dys,
                                     const std::vector<int64_t>& dxs, ShiftMode mode, int64_t max_shift) {
  Tensor shifted = Tensor::empty(x.shape());
  const int64_t row = x.numel() / x.size(0);
  for (int64_t n = 0; n < x.size(0); ++n) {
    Tensor one = shift_images(slice_rows(x, n, n + 1), dys[static_cast<size_t>(n)], dxs[static_cast<size_t>(n)], mode,
                              max_shift);
    std::memcpy(shifted.data() + n * row, one.data(), static_cast<size_t>(row) * sizeof(float));
  }
  return argmax_rows(logits(shifted));
}
}  // namespace

double relative_error(const Tensor& a, const Tensor& b, int64_t n) {
  const int64_t row = a.numel() / a.size(0);
  double diff = 0, ref = 0;
  for (int64_t i = n * row; i < (n + 1) * row; ++i) {
    diff += (static_cast<double>(a.data()[i]) - b.data()[i]) * (static_cast<double>(a.data()[i]) - b.data()[i]);
    ref += static_cast<double>(b.data()[i]) * b.data()[i];
  }
  return ref > 0 ? std::sqrt(diff / ref) : std::sqrt(diff);
}

ShiftMode parse_shift_mode(const std::string& name) {
  if (name == "circular") return ShiftMode::kCircular;
  if (name == "zeros" || name == "zero") return ShiftMode::kZeros;
  if (name == "crop") return ShiftMode::kCrop;
  throw ConfigError(fmt::format("shift mode: unknown '{}' (valid: circular, zeros, crop)", name));
}

std::string to_string(ShiftMode mode) {
  switch (mode) {
    case ShiftMode::kCircular:
      return "circular";
    case ShiftMode::kZeros:
      return "zeros";
    case ShiftMode::kCrop:
      return "crop";
  }
  return "?";
}

Tensor shift_images(const Tensor& x, int64_t dy, int64_t dx, ShiftMode mode, int64_t max_shift) {
  switch (mode) {
    case ShiftMode::kCircular:
      return roll(x, {dy, dx});
    case ShiftMode::kZeros:
      return translate(x, {dy, dx}, 0.0f);
    case ShiftMode::kCrop: {
      const int64_t K = std::max({max_shift, std::abs(dy), std::abs(dx)});
      Tensor padded = pad(x, {K, K, K, K});
      // The window at offset (K - dy, K - dx) of the padded image.
      return pad(padded, {-(K - dy), -(K + dy), -(K - dx), -(K + dx)});
    }
  }
  return x;
}

ShiftMetrics evaluate_shift(const LogitsFn& logits, const Tensor& images, const std::vector<int32_t>& labels,
                            ShiftMode mode, const ShiftEvalOptions& options) {
  NoGradGuard no_grad;
  const int64_t N = images.size(0), K = options.max_shift;
  const int64_t grid_n = options.grid_samples > 0 ? std::min(options.grid_samples, N) : N;
  const int64_t side = 2 * K + 1;
  ShiftMetrics m;
  m.mode = mode;
  m.correct.assign(static_cast<size_t>(N), 0);
  m.consistent.assign(static_cast<size_t>(N), 0);
  m.flipped.assign(static_cast<size_t>(N), 0);
  int64_t correct = 0, consistent = 0, flips = 0;
  double prob_change = 0;
  std::vector<int64_t> grid_correct(static_cast<size_t>(side * side), 0),
      diag_correct(static_cast<size_t>(2 * K + 1), 0);
  const std::pair<int64_t, int64_t> directions[4] = {{-1, 0}, {1, 0}, {0, -1}, {0, 1}};

  for (int64_t b0 = 0; b0 < N; b0 += options.batch) {
    const int64_t b1 = std::min(N, b0 + options.batch), B = b1 - b0;
    const Tensor x = slice_rows(images, b0, b1);
    const Tensor clean_logits = logits(x);
    const Tensor clean_prob = softmax(clean_logits);
    const std::vector<int32_t> clean = argmax_rows(clean_logits);
    for (int64_t n = 0; n < B; ++n) {
      m.correct[static_cast<size_t>(b0 + n)] = clean[static_cast<size_t>(n)] == labels[static_cast<size_t>(b0 + n)];
      correct += m.correct[static_cast<size_t>(b0 + n)];
    }

    // Consistency: two shifts per image from the image's own random stream.
    std::vector<int64_t> dy1(B), dx1(B), dy2(B), dx2(B);
    for (int64_t n = 0; n < B; ++n) {
      const RandomStream rng(options.seed, stream_id(kConsistencyStream, static_cast<uint64_t>(b0 + n)));
      dy1[n] = rng.below(0, side) - K;
      dx1[n] = rng.below(1, side) - K;
      dy2[n] = rng.below(2, side) - K;
      dx2[n] = rng.below(3, side) - K;
    }
    const auto p1 = predict_shifted(logits, x, dy1, dx1, mode, K);
    const auto p2 = predict_shifted(logits, x, dy2, dx2, mode, K);
    for (int64_t n = 0; n < B; ++n) {
      m.consistent[static_cast<size_t>(b0 + n)] = p1[n] == p2[n];
      consistent += m.consistent[static_cast<size_t>(b0 + n)];
    }

    // Flip rate: 1-pixel shifts in the four directions.
    for (int direction = 0; direction < 4; ++direction) {
      const auto [dy, dx] = directions[direction];
      const Tensor shifted_logits = logits(shift_images(x, dy, dx, mode, K));
      const Tensor prob = softmax(shifted_logits);
      const auto pred = argmax_rows(shifted_logits);
      const int64_t C = prob.size(1);
      for (int64_t n = 0; n < B; ++n) {
        const int32_t c = clean[static_cast<size_t>(n)];
        if (pred[static_cast<size_t>(n)] != c) {
          ++flips;
          m.flipped[static_cast<size_t>(b0 + n)] |= static_cast<uint8_t>(1u << direction);
        }
        prob_change += std::fabs(prob.data()[n * C + c] - clean_prob.data()[n * C + c]);
      }
    }

    // Accuracy grid and diagonal on the first grid_n images.
    const int64_t g1 = std::min(b1, grid_n);
    if (b0 >= g1) continue;
    const Tensor xg = slice_rows(images, b0, g1);
    const auto count_correct = [&](int64_t dy, int64_t dx) {
      const auto pred = argmax_rows(logits(shift_images(xg, dy, dx, mode, K)));
      int64_t c = 0;
      for (int64_t n = 0; n < g1 - b0; ++n) c += pred[static_cast<size_t>(n)] == labels[static_cast<size_t>(b0 + n)];
      return c;
    };
    std::vector<int64_t> batch_grid(static_cast<size_t>(side * side));
    for (int64_t dy = -K; dy <= K; ++dy) {
      for (int64_t dx = -K; dx <= K; ++dx) {
        const auto at = static_cast<size_t>((dy + K) * side + dx + K);
        batch_grid[at] = count_correct(dy, dx);
        grid_correct[at] += batch_grid[at];
      }
    }
    // The diagonal's points up to K are grid points of the same images: counted once.
    for (int64_t d = 0; d <= 2 * K; ++d) {
      diag_correct[static_cast<size_t>(d)] +=
          d <= K ? batch_grid[static_cast<size_t>((d + K) * side + d + K)] : count_correct(d, d);
    }
  }

  m.clean_acc = static_cast<double>(correct) / N;
  m.consistency = static_cast<double>(consistent) / N;
  m.flip_rate = static_cast<double>(flips) / (4.0 * N);
  m.prob_change = prob_change / (4.0 * N);
  m.acc_shift_min = 1.0;
  for (int64_t dy = -K; dy <= K; ++dy) {
    for (int64_t dx = -K; dx <= K; ++dx) {
      const double acc = static_cast<double>(grid_correct[static_cast<size_t>((dy + K) * side + dx + K)]) / grid_n;
      m.grid.push_back({dx, dy, acc});
      m.acc_shift_mean += acc / static_cast<double>(side * side);
      m.acc_shift_min = std::min(m.acc_shift_min, acc);
    }
  }
  for (int64_t d = 0; d <= 2 * K; ++d)
    m.diagonal.emplace_back(d, static_cast<double>(diag_correct[static_cast<size_t>(d)]) / grid_n);
  return m;
}

std::vector<EquivariancePoint> evaluate_equivariance(const TraceFn& trace, const Tensor& images,
                                                     const ShiftEvalOptions& options) {
  NoGradGuard no_grad;
  const int64_t n = std::min(options.equivariance_samples, images.size(0));
  const Tensor x = slice_rows(images, 0, n);
  const std::vector<FeatureMap> base = trace(x);
  int64_t max_stride = 1;
  for (const auto& f : base) max_stride = std::max(max_stride, f.stride);
  std::vector<EquivariancePoint> out;
  for (int64_t t = 1; t <= 2 * max_stride; ++t) {
    const std::vector<FeatureMap> moved[2] = {trace(roll(x, {t, 0})), trace(roll(x, {0, t}))};
    for (size_t k = 0; k < base.size(); ++k) {
      const FeatureMap& f = base[k];
      const bool spatial = f.stride > 0 && f.value.dim() == 4;
      const int64_t lo = spatial ? t / f.stride : 0, hi = spatial ? (t + f.stride - 1) / f.stride : 0;
      double total = 0;
      for (int axis = 0; axis < 2; ++axis) {
        std::vector<double> best(static_cast<size_t>(n), INFINITY);
        for (int64_t u = lo; u <= hi; ++u) {
          const Tensor reference = spatial ? roll(f.value, axis == 0 ? Size2d{u, 0} : Size2d{0, u}) : f.value;
          for (int64_t s = 0; s < n; ++s) {
            best[static_cast<size_t>(s)] =
                std::min(best[static_cast<size_t>(s)], relative_error(moved[axis][k].value, reference, s));
          }
        }
        for (double e : best) total += e;
      }
      out.push_back({f.name, f.type, f.stride, t, total / (2.0 * n)});
    }
  }
  return out;
}

}  // namespace poolnet
