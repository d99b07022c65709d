// The official corruption sets as .npy files (framework/data/npy.h), evaluated by the
// `corruption` suite when `--corruption-dir DIR` is given (docs/metrics.md, "Corruption files").
//
//   MNIST-C (Mu & Gilmer 2019):  DIR/<corruption>/test_images.npy  uint8 [N, 28, 28, 1]
//                                DIR/<corruption>/test_labels.npy  uint8 [N]
//     one severity (reported as 0); every subfolder holding test_images.npy is a corruption
//     (shot_noise ... canny_edges, and identity, the clean images).
//   CIFAR-10-C (Hendrycks & Dietterich 2019):  DIR/<corruption>.npy  uint8 [N, 32, 32, 3]
//                                              DIR/labels.npy         [N] (uint8 or int64)
//     severities 1..5 in consecutive blocks of N/5 rows (10000 each in the official files).
// Of each (corruption, severity) the first suite_samples images are evaluated (0: all of it).
// Images HWC uint8 become [n, C, H, W] floats v/255, the raw images of SuiteInput.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "experiments/eval/run_result.h"
#include "experiments/eval/shift_eval.h"
#include "framework/data/dataset.h"

namespace poolnet {

enum class CorruptionLayout { kMnistC, kCifar10C };

// The corruption names in their published order, for ordering what a folder holds.
const std::vector<std::string>& mnist_c_corruptions();    // the 15 corruptions, then identity
const std::vector<std::string>& cifar10_c_corruptions();  // the 15 corruptions, then the 4 extra ones

// One block of images to evaluate: rows [first, first + count) of `images` and `labels`.
struct CorruptionBlock {
  std::string corruption;
  int severity = 0;  // 0 for MNIST-C
  std::filesystem::path images, labels;
  int64_t first = 0, count = 0;
};

struct CorruptionFiles {
  CorruptionLayout layout = CorruptionLayout::kMnistC;
  int64_t height = 0, width = 0, channels = 0;  // of the images
  std::vector<CorruptionBlock> blocks;          // corruption by corruption, severity 1.. within
};

// Finds the layout and the blocks of `dir`, reading the files' headers only. `samples`: images
// per block (0: all). ConfigError when `dir` is missing or holds neither layout, or when its
// images do not have the shape of the data set `info` describes; DataError naming the file
// when a file is missing, corrupt or of the wrong shape or dtype.
CorruptionFiles find_corruption_files(const std::filesystem::path& dir, const data::DatasetInfo& info, int64_t samples);

// The block's images [count, C, H, W] in [0, 1] and labels; DataError naming the file for a
// label outside [0, num_classes).
Tensor corruption_block_images(const CorruptionBlock& block);
std::vector<int32_t> corruption_block_labels(const CorruptionBlock& block, int64_t num_classes);

// The accuracy on every block of options.corruption_dir: the curve "corruption_files" (series
// corruption, x severity) and corruption_files_acc_mean, the mean over its points but MNIST-C's
// identity.
SuiteResult corruption_files_result(const LogitsFn& logits, const data::DatasetInfo& info,
                                    const ShiftEvalOptions& options);

}  // namespace poolnet
