// CIFAR-10 and CIFAR-100 in their binary distribution format (cifar-10-binary.tar.gz unpacks
// to cifar-10-batches-bin/, cifar-100-binary.tar.gz to cifar-100-binary/).
//
//   CIFAR-10:  data_batch_1.bin .. data_batch_5.bin (train), test_batch.bin (test); each record
//              is 1 label byte (0-9) + 3072 pixel bytes.
//   CIFAR-100: train.bin, test.bin; each record is 1 coarse label byte (0-19) + 1 fine label
//              byte (0-99) + 3072 pixel bytes. The fine label is used unless coarse is asked for.
// Pixels are 1024 red, then 1024 green, then 1024 blue bytes, each plane row-major 32x32:
// exactly [C=3, H=32, W=32]. A file that is missing, empty, not a whole number of records, or
// holds a label out of range is a DataError naming the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "framework/data/dataset.h"

namespace poolnet::data {

enum class CifarVariant { kCifar10, kCifar100 };

struct CifarRecords {
  std::vector<uint8_t> pixels;  // [N, 3, 32, 32]
  std::vector<int32_t> labels;  // [N]
};

// One batch file.
CifarRecords read_cifar_file(const std::filesystem::path& path, CifarVariant variant, bool coarse_labels = false);

// The file names of a split, in reading order (e.g. data_batch_1.bin .. data_batch_5.bin).
std::vector<std::string> cifar_file_names(CifarVariant variant, bool train);

// `dir` itself or its cifar-10-batches-bin / cifar-100-binary subfolder, whichever holds any
// of the variant's files; nullopt if neither does.
std::optional<std::filesystem::path> find_cifar_folder(const std::filesystem::path& dir, CifarVariant variant);

// Every file of the split in `folder` (Split::kValidation reads the training files: open_dataset
// carves the validation set out), as a Dataset named cifar10 or cifar100 with the standard
// statistics.
Dataset read_cifar(const std::filesystem::path& folder, CifarVariant variant, Split split, bool coarse_labels = false);

}  // namespace poolnet::data
