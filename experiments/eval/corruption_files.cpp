#include "experiments/eval/corruption_files.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "experiments/eval/suites.h"
#include "framework/data/npy.h"
#include "framework/errors.h"

namespace poolnet {

namespace fs = std::filesystem;

namespace {

constexpr int kCifarSeverities = 5;
const char* const kMnistImages = "test_images.npy";
const char* const kMnistLabels = "test_labels.npy";
const char* const kCifarLabels = "labels.npy";

[[noreturn]] void data_fail(const fs::path& file, const std::string& what) {
  throw DataError(fmt::format("corruption files: {}: {}", file.string(), what));
}

std::string shape_text(const std::vector<int64_t>& shape) { return fmt::format("[{}]", fmt::join(shape, "x")); }

// `found` in the published order of `known`, then the others by name.
std::vector<std::string> in_published_order(std::vector<std::string> found, const std::vector<std::string>& known) {
  const auto rank = [&](const std::string& name) {
    return static_cast<size_t>(std::find(known.begin(), known.end(), name) - known.begin());
  };
  std::sort(found.begin(), found.end(),
            [&](const std::string& a, const std::string& b) { return std::pair(rank(a), a) < std::pair(rank(b), b); });
  return found;
}

// The images file's header: uint8 [N, H, W, C] with the data set's H, W, C.
int64_t image_rows(const fs::path& file, const data::DatasetInfo& info, const fs::path& dir) {
  const data::NpyHeader h = data::read_npy_header(file);
  if (h.dtype != data::NpyDtype::kUint8)
    data_fail(file, fmt::format("images of dtype {}, expected uint8 (|u1)", h.descr));
  if (h.shape.size() != 4)
    data_fail(file, fmt::format("images of shape {}, expected [N, H, W, C]", shape_text(h.shape)));
  if (h.shape[1] != info.height || h.shape[2] != info.width || h.shape[3] != info.channels) {
    throw ConfigError(fmt::format(
        "--corruption-dir {}: {} holds images of {}x{}x{} (HxWxC), but the data set being evaluated ({}) has {}x{}x{}",
        dir.string(), file.filename().string(), h.shape[1], h.shape[2], h.shape[3], info.name.empty() ? "?" : info.name,
        info.height, info.width, info.channels));
  }
  return h.shape[0];
}

// The labels file's header: an integer vector of `rows` entries.
void check_labels(const fs::path& file, int64_t rows, const fs::path& images) {
  const data::NpyHeader h = data::read_npy_header(file);
  if (h.shape.size() != 1 || h.shape[0] != rows) {
    data_fail(file, fmt::format("labels of shape {}, expected [{}] (the rows of {})", shape_text(h.shape), rows,
                                images.filename().string()));
  }
}

int64_t take(int64_t rows, int64_t samples) { return samples > 0 ? std::min(samples, rows) : rows; }

void find_mnist_c(const fs::path& dir, const data::DatasetInfo& info, int64_t samples, CorruptionFiles& out) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_directory() && fs::exists(entry.path() / kMnistImages))
      names.push_back(entry.path().filename().string());
  }
  for (const std::string& name : in_published_order(names, mnist_c_corruptions())) {
    const fs::path images = dir / name / kMnistImages, labels = dir / name / kMnistLabels;
    const int64_t rows = image_rows(images, info, dir);
    check_labels(labels, rows, images);
    out.blocks.push_back({name, 0, images, labels, 0, take(rows, samples)});
  }
}

void find_cifar10_c(const fs::path& dir, const data::DatasetInfo& info, int64_t samples, CorruptionFiles& out) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const fs::path& p = entry.path();
    if (entry.is_regular_file() && p.extension() == ".npy" && p.filename() != kCifarLabels)
      names.push_back(p.stem().string());
  }
  if (names.empty()) data_fail(dir / kCifarLabels, "no <corruption>.npy beside it");
  const fs::path labels = dir / kCifarLabels;
  for (const std::string& name : in_published_order(names, cifar10_c_corruptions())) {
    const fs::path images = dir / (name + ".npy");
    const int64_t rows = image_rows(images, info, dir);
    if (rows == 0 || rows % kCifarSeverities != 0)
      data_fail(images, fmt::format("{} images, not {} equal blocks of severities 1..5", rows, kCifarSeverities));
    check_labels(labels, rows, images);
    const int64_t block = rows / kCifarSeverities;
    for (int s = 1; s <= kCifarSeverities; ++s)
      out.blocks.push_back({name, s, images, labels, (s - 1) * block, take(block, samples)});
  }
}

}  // namespace

const std::vector<std::string>& mnist_c_corruptions() {
  static const std::vector<std::string> names = {
      "shot_noise", "impulse_noise", "glass_blur", "motion_blur", "shear",       "scale",  "rotate",      "brightness",
      "translate",  "stripe",        "fog",        "spatter",     "dotted_line", "zigzag", "canny_edges", "identity"};
  return names;
}

const std::vector<std::string>& cifar10_c_corruptions() {
  static const std::vector<std::string> names = {"gaussian_noise",
                                                 "shot_noise",
                                                 "impulse_noise",
                                                 "defocus_blur",
                                                 "glass_blur",
                                                 "motion_blur",
                                                 "zoom_blur",
                                                 "snow",
                                                 "frost",
                                                 "fog",
                                                 "brightness",
                                                 "contrast",
                                                 "elastic_transform",
                                                 "pixelate",
                                                 "jpeg_compression",
                                                 "speckle_noise",
                                                 "gaussian_blur",
                                                 "spatter",
                                                 "saturate"};
  return names;
}

CorruptionFiles find_corruption_files(const fs::path& dir, const data::DatasetInfo& info, int64_t samples) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw ConfigError(fmt::format("--corruption-dir {}: no such folder", dir.string()));
  CorruptionFiles out;
  out.height = info.height;
  out.width = info.width;
  out.channels = info.channels;
  if (fs::exists(dir / kCifarLabels)) {
    out.layout = CorruptionLayout::kCifar10C;
    find_cifar10_c(dir, info, samples, out);
  } else {
    out.layout = CorruptionLayout::kMnistC;
    find_mnist_c(dir, info, samples, out);
  }
  if (out.blocks.empty()) {
    throw ConfigError(
        fmt::format("--corruption-dir {}: holds neither the MNIST-C layout (<corruption>/{} and {}) nor the "
                    "CIFAR-10-C layout ({} and <corruption>.npy)",
                    dir.string(), kMnistImages, kMnistLabels, kCifarLabels));
  }
  return out;
}

Tensor corruption_block_images(const CorruptionBlock& block) {
  const data::NpyArray a = data::read_npy_rows(block.images, block.first, block.count);
  const int64_t N = a.shape[0], H = a.shape[1], W = a.shape[2], C = a.shape[3];
  Tensor out = Tensor::empty({N, C, H, W});
  float* dst = out.data();
  // HWC bytes -> CHW floats v / 255
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t c = 0; c < C; ++c) {
      for (int64_t y = 0; y < H; ++y) {
        for (int64_t x = 0; x < W; ++x) {
          dst[((n * C + c) * H + y) * W + x] =
              static_cast<float>(a.bytes[static_cast<size_t>(((n * H + y) * W + x) * C + c)]) / 255.0f;
        }
      }
    }
  }
  return out;
}

std::vector<int32_t> corruption_block_labels(const CorruptionBlock& block, int64_t num_classes) {
  const std::vector<int64_t> values = data::npy_integers(data::read_npy_rows(block.labels, block.first, block.count));
  std::vector<int32_t> out;
  out.reserve(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i] < 0 || (num_classes > 0 && values[i] >= num_classes)) {
      data_fail(block.labels, fmt::format("label {} at row {} is outside [0, {})", values[i],
                                          block.first + static_cast<int64_t>(i), num_classes));
    }
    out.push_back(static_cast<int32_t>(values[i]));
  }
  return out;
}

SuiteResult corruption_files_result(const LogitsFn& logits, const data::DatasetInfo& info,
                                    const ShiftEvalOptions& options) {
  const CorruptionFiles files = find_corruption_files(options.corruption_dir, info, options.suite_samples);
  SuiteCurve curve{"corruption_files", "corruption", "severity", {}};
  double sum = 0;
  int64_t counted = 0;
  for (const CorruptionBlock& block : files.blocks) {
    const Tensor images = corruption_block_images(block);
    const std::vector<int32_t> labels = corruption_block_labels(block, info.num_classes);
    const double acc =
        transformed_accuracy(logits, images, labels, options.batch, [](const Tensor& x, int64_t) { return x; });
    curve.points.push_back({block.corruption, static_cast<double>(block.severity), acc});
    if (block.corruption != "identity") {
      sum += acc;
      ++counted;
    }
  }
  const double mean = counted == 0 ? 0.0 : sum / static_cast<double>(counted);
  return {"corruption", {{"corruption_files_acc_mean", mean}}, {curve}};
}

}  // namespace poolnet
