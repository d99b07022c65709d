#include "framework/data/loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <numeric>

#include "framework/errors.h"
#include "framework/parallel.h"
#include "framework/random.h"

namespace poolnet::data {

namespace {

constexpr uint64_t kShuffleTag = 0x53485546ULL;
constexpr uint64_t kAugmentTag = 0x41554745ULL;
constexpr int64_t kGrain = 8;       // samples per parallel chunk
constexpr int64_t kMaxSide = 4096;  // largest image height or width the loader takes

int64_t symmetric(const RandomStream& rng, uint64_t index, int64_t k) { return rng.below(index, 2 * k + 1) - k; }

// Source coordinate of output coordinate `out` along one axis of length n, or -1 for the fill.
int64_t source(int64_t out, int64_t n, int64_t crop, int64_t shift, bool circular) {
  int64_t at = out - crop;
  if (at < 0 || at >= n) return -1;
  at -= shift;
  if (circular) return ((at % n) + n) % n;
  return at < 0 || at >= n ? -1 : at;
}

// Converts n bytes to floats v * s + t (vectorises).
void convert(const uint8_t* src, float* dst, int64_t n, float s, float t) {
  for (int64_t p = 0; p < n; ++p) dst[p] = static_cast<float>(src[p]) * s + t;
}

// Writes one image [C, H, W] of bytes as floats v * scale[c] + bias[c], moved and mirrored as
// `d` says; vacated pixels read as a 0 byte, i.e. bias[c]. `moved` is scratch of H*W bytes.
void assemble_sample(const uint8_t* src, float* dst, std::array<int64_t, 3> chw, const AugmentDraw& d, bool circular,
                     const float* scale, const float* bias, std::vector<uint8_t>& moved) {
  const auto [channels, height, width] = chw;
  const int64_t plane = height * width;
  if (d.shift_dy == 0 && d.shift_dx == 0 && d.crop_dy == 0 && d.crop_dx == 0 && !d.flip) {
    for (int64_t c = 0; c < channels; ++c) convert(src + c * plane, dst + c * plane, plane, scale[c], bias[c]);
    return;
  }
  // Source row of each output row and source column of each output column (-1: vacated).
  int64_t rows[kMaxSide], cols[kMaxSide];
  for (int64_t y = 0; y < height; ++y) rows[y] = source(y, height, d.crop_dy, d.shift_dy, circular);
  for (int64_t x = 0; x < width; ++x) {
    const int64_t at = source(x, width, d.crop_dx, d.shift_dx, circular);
    cols[x] = at < 0 || !d.flip ? at : width - 1 - at;
  }
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t y = 0; y < height; ++y) {
      uint8_t* row = moved.data() + y * width;
      if (rows[y] < 0) {
        std::fill(row, row + width, uint8_t{0});
        continue;
      }
      const uint8_t* srow = src + c * plane + rows[y] * width;
      for (int64_t x = 0; x < width; ++x) row[x] = cols[x] < 0 ? 0 : srow[cols[x]];
    }
    convert(moved.data(), dst + c * plane, plane, scale[c], bias[c]);
  }
}

}  // namespace

struct Loader::OrderCache {
  std::mutex mutex;
  int64_t epoch = -1;
  std::shared_ptr<const std::vector<int64_t>> order;
};

AugmentDraw draw_augment(const Augment& a, uint64_t seed, int64_t epoch, int64_t sample) {
  const RandomStream rng(seed, stream_id(kAugmentTag, static_cast<uint64_t>(epoch), static_cast<uint64_t>(sample)));
  // Fixed draw indices per augmentation, so enabling one never changes another's draws.
  AugmentDraw d;
  if (a.max_shift > 0) d.shift_dy = symmetric(rng, 0, a.max_shift), d.shift_dx = symmetric(rng, 1, a.max_shift);
  if (a.crop_padding > 0) d.crop_dy = symmetric(rng, 2, a.crop_padding), d.crop_dx = symmetric(rng, 3, a.crop_padding);
  if (a.horizontal_flip) d.flip = rng.bits(4) & 1u;
  return d;
}

Loader::Loader(Dataset data, LoaderOptions options)
    : data_(std::move(data)), options_(options), cache_(std::make_shared<OrderCache>()) {
  auto bad = [&](const std::string& what) { throw ConfigError(fmt::format("loader: {}", what)); };
  if (data_.size() == 0) bad(fmt::format("data set {} is empty", data_.name()));
  if (options_.batch_size < 1) bad(fmt::format("batch_size {} must be at least 1", options_.batch_size));
  if (options_.drop_last && options_.batch_size > data_.size()) {
    bad(fmt::format("batch_size {} with drop_last leaves no batch of the {} samples", options_.batch_size,
                    data_.size()));
  }
  if (data_.height() > kMaxSide || data_.width() > kMaxSide) {
    bad(fmt::format("images of {}x{} are larger than {}x{}", data_.height(), data_.width(), kMaxSide, kMaxSide));
  }
  const int64_t side = std::min(data_.height(), data_.width());
  const Augment& a = options_.augment;
  if (a.max_shift < 0 || a.max_shift >= side) bad(fmt::format("max_shift {} is outside [0, {})", a.max_shift, side));
  if (a.crop_padding < 0 || a.crop_padding >= side) {
    bad(fmt::format("crop_padding {} is outside [0, {})", a.crop_padding, side));
  }
  for (int64_t c = 0; c < data_.channels(); ++c) {
    const float mean = options_.normalize ? data_.info().mean[c] : 0.0f;
    const float stddev = options_.normalize ? data_.info().stddev[c] : 1.0f;
    scale_.push_back(1.0f / (255.0f * stddev));
    bias_.push_back(-mean / stddev);
  }
}

int64_t Loader::samples_per_epoch() const {
  const int64_t n = data_.size();
  return options_.drop_last ? n / options_.batch_size * options_.batch_size : n;
}

int64_t Loader::batches_per_epoch() const { return parallel::chunk_count(samples_per_epoch(), options_.batch_size); }

std::vector<int64_t> Loader::epoch_order(int64_t epoch) const {
  if (epoch < 0) throw ConfigError(fmt::format("loader: epoch {} must be >= 0", epoch));
  std::vector<int64_t> order(static_cast<size_t>(data_.size()));
  std::iota(order.begin(), order.end(), 0);
  if (!options_.shuffle) return order;
  const RandomStream rng(options_.seed, stream_id(kShuffleTag, static_cast<uint64_t>(epoch)));
  for (int64_t i = data_.size() - 1; i > 0; --i) std::swap(order[i], order[rng.below(static_cast<uint64_t>(i), i + 1)]);
  return order;
}

std::shared_ptr<const std::vector<int64_t>> Loader::order(int64_t epoch) const {
  std::lock_guard<std::mutex> lock(cache_->mutex);
  if (cache_->epoch != epoch || !cache_->order) {
    cache_->order = std::make_shared<const std::vector<int64_t>>(epoch_order(epoch));
    cache_->epoch = epoch;
  }
  return cache_->order;
}

Batch Loader::batch(int64_t epoch, int64_t index) const {
  if (index < 0 || index >= batches_per_epoch()) {
    throw ConfigError(fmt::format("loader: batch index {} is outside [0, {}) for {} samples in batches of {}", index,
                                  batches_per_epoch(), data_.size(), options_.batch_size));
  }
  const std::shared_ptr<const std::vector<int64_t>> visit = order(epoch);
  const int64_t first = index * options_.batch_size;
  const int64_t count = std::min(options_.batch_size, samples_per_epoch() - first);
  const int64_t channels = data_.channels(), height = data_.height(), width = data_.width();
  const int64_t numel = channels * height * width;

  Batch out{.images = Tensor::empty({count, channels, height, width}),
            .labels = std::vector<int32_t>(static_cast<size_t>(count)),
            .indices = std::vector<int64_t>(visit->begin() + first, visit->begin() + first + count),
            .epoch = epoch,
            .index = index};
  const uint8_t* pixels = data_.pixels().data();
  float* images = out.images.data();
  const Augment& augment = options_.augment;
  const bool circular = augment.shift_fill == ShiftFill::kCircular;
  parallel::parallel_for(0, count, kGrain, [&](int64_t b0, int64_t b1) {
    std::vector<uint8_t> moved(static_cast<size_t>(height * width));
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t sample = out.indices[b];
      out.labels[b] = data_.label(sample);
      const AugmentDraw d = draw_augment(augment, options_.seed, epoch, sample);
      assemble_sample(pixels + sample * numel, images + b * numel, {channels, height, width}, d, circular,
                      scale_.data(), bias_.data(), moved);
    }
  });
  return out;
}

Loader::Range Loader::epoch(int64_t epoch, int64_t start) const {
  if (start < 0 || start > batches_per_epoch()) {
    throw ConfigError(fmt::format("loader: start batch {} is outside [0, {}]", start, batches_per_epoch()));
  }
  return Range(*this, epoch, start);
}

}  // namespace poolnet::data
