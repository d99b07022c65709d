// Loader: batches of a Dataset, shuffled per epoch, augmented and normalised, assembled in
// parallel (each thread writes its own samples).
//
// Stateless by construction: batch(epoch, index) is a pure function of (data set, options,
// epoch, index). Epoch e visits the samples in epoch_order(e), a Fisher-Yates permutation drawn
// from RandomStream(seed, stream_id(kShuffleTag, e)); batch b holds positions
// [b * batch_size, min((b + 1) * batch_size, N)) of it. Every augmentation draw for sample i
// (its data-set index) in epoch e comes from RandomStream(seed, stream_id(kAugmentTag, e, i)),
// so results never depend on the thread count, on the batch size, or on which batches were
// made before: resuming at (epoch, index) gives exactly the batches a run from the start gives.
//
// Augmentations, applied to the raw image (the vacated pixels take the raw background value 0,
// i.e. (0 - mean) / stddev after normalisation):
//   horizontal_flip   mirror left-right with probability 1/2
//   max_shift = k     shift by (dy, dx) uniform in [-k, k]^2: content moves dy rows down and dx
//                     columns right; shift_fill zeros drops what leaves, circular wraps it
//   crop_padding = p  zero-pad by p on every side, then crop HxW at a uniform offset: a zero-fill
//                     shift uniform in [-p, p]^2 (PyTorch's RandomCrop(size, padding=p))
// Order: flip, then shift, then crop. A byte v becomes v * (1/255), or with normalize
// v * (1 / (255 stddev[c])) - mean[c] / stddev[c], bitwise the same as Dataset::images.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "framework/data/dataset.h"
#include "framework/tensor.h"

namespace poolnet::data {

enum class ShiftFill { kZeros, kCircular };

struct Augment {
  int64_t max_shift = 0;
  ShiftFill shift_fill = ShiftFill::kZeros;
  int64_t crop_padding = 0;
  bool horizontal_flip = false;
};

struct LoaderOptions {
  int64_t batch_size = 64;
  bool shuffle = true;
  bool drop_last = false;  // drop the last batch when it is smaller than batch_size
  bool normalize = true;
  uint64_t seed = 0;
  Augment augment{};
};

struct Batch {
  Tensor images{};                 // [B, C, H, W]
  std::vector<int32_t> labels{};   // [B]
  std::vector<int64_t> indices{};  // [B] data-set index of each sample
  int64_t epoch = 0;
  int64_t index = 0;  // batch index within the epoch
};

// The augmentation drawn for one sample: total shift of the content (dy rows down, dx columns
// right), split into the shift part (fill per shift_fill) and the crop part (zero fill).
struct AugmentDraw {
  int64_t shift_dy = 0, shift_dx = 0;
  int64_t crop_dy = 0, crop_dx = 0;
  bool flip = false;
};
AugmentDraw draw_augment(const Augment& augment, uint64_t seed, int64_t epoch, int64_t sample);

class Loader {
 public:
  Loader(Dataset data, LoaderOptions options);  // ConfigError for bad options

  const Dataset& dataset() const { return data_; }
  const LoaderOptions& options() const { return options_; }
  int64_t batches_per_epoch() const;
  int64_t samples_per_epoch() const;  // N, or fewer with drop_last

  // The visiting order of epoch `epoch` (a permutation of [0, N); the identity without shuffle).
  std::vector<int64_t> epoch_order(int64_t epoch) const;
  // Batch `index` of epoch `epoch`; index in [0, batches_per_epoch()).
  Batch batch(int64_t epoch, int64_t index) const;

  // for (const Batch& b : loader.epoch(e, start)): batches start, start + 1, ... of epoch e.
  class Iterator {
   public:
    Iterator(const Loader* loader, int64_t epoch, int64_t index) : loader_(loader), epoch_(epoch), index_(index) {}
    Batch operator*() const { return loader_->batch(epoch_, index_); }
    Iterator& operator++() {
      ++index_;
      return *this;
    }
    bool operator!=(const Iterator& other) const { return index_ != other.index_; }

   private:
    const Loader* loader_;
    int64_t epoch_, index_;
  };
  // Holds a copy of the loader (cheap: the data are shared), so iterating over
  // Loader(...).epoch(e) is safe.
  class Range {
   public:
    Range(const Loader& loader, int64_t epoch, int64_t start)
        : loader_(std::make_shared<const Loader>(loader)), epoch_(epoch), start_(start) {}
    Iterator begin() const { return Iterator(loader_.get(), epoch_, start_); }
    Iterator end() const { return Iterator(loader_.get(), epoch_, loader_->batches_per_epoch()); }

   private:
    std::shared_ptr<const Loader> loader_;
    int64_t epoch_, start_;
  };
  Range epoch(int64_t epoch, int64_t start = 0) const;

 private:
  struct OrderCache;
  std::shared_ptr<const std::vector<int64_t>> order(int64_t epoch) const;

  Dataset data_;
  LoaderOptions options_;
  std::vector<float> scale_, bias_;  // [C]: a byte v becomes v * scale_[c] + bias_[c]
  std::shared_ptr<OrderCache> cache_;
};

}  // namespace poolnet::data
