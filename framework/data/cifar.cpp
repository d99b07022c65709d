#include "framework/data/cifar.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

#include "framework/errors.h"

namespace poolnet::data {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kImageBytes = 3 * 32 * 32;
constexpr uint64_t kMaxFileBytes = uint64_t{1} << 30;

const char* variant_name(CifarVariant v) { return v == CifarVariant::kCifar10 ? "cifar10" : "cifar100"; }

const char* subfolder(CifarVariant v) {
  return v == CifarVariant::kCifar10 ? "cifar-10-batches-bin" : "cifar-100-binary";
}

std::string layout_hint(CifarVariant v) {
  return v == CifarVariant::kCifar10
             ? "expected data_batch_1.bin .. data_batch_5.bin and test_batch.bin, as unpacked from "
               "cifar-10-binary.tar.gz"
             : "expected train.bin and test.bin, as unpacked from cifar-100-binary.tar.gz";
}

}  // namespace

CifarRecords read_cifar_file(const fs::path& path, CifarVariant variant, bool coarse_labels) {
  const char* name = variant_name(variant);
  auto fail = [&](const std::string& what) { throw DataError(fmt::format("{}: {}: {}", name, path.string(), what)); };
  const int64_t label_bytes = variant == CifarVariant::kCifar10 ? 1 : 2;
  const int64_t record = label_bytes + kImageBytes;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) fail("no such file (" + layout_hint(variant) + ")");
  const uint64_t size = fs::file_size(path, ec);
  if (ec) fail("cannot read the file size (" + ec.message() + ")");
  if (size == 0) fail("the file is empty");
  if (size > kMaxFileBytes)
    fail(fmt::format("the file holds {} bytes, more than the {}-byte limit", size, kMaxFileBytes));
  if (size % record != 0) {
    fail(fmt::format("{} bytes is not a whole number of {}-byte records ({} records and {} bytes left over)", size,
                     record, size / record, size % record));
  }
  std::vector<uint8_t> bytes(size);
  std::ifstream in(path, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size))) fail("cannot read the file");

  const auto count = static_cast<int64_t>(size / record);
  const int64_t num_classes = variant == CifarVariant::kCifar10 ? 10 : (coarse_labels ? 20 : 100);
  const int64_t label_offset = variant == CifarVariant::kCifar100 && !coarse_labels ? 1 : 0;
  CifarRecords out;
  out.pixels.resize(static_cast<size_t>(count * kImageBytes));
  out.labels.resize(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    const uint8_t* r = bytes.data() + i * record;
    if (variant == CifarVariant::kCifar100 && (r[0] >= 20 || r[1] >= 100)) {
      fail(
          fmt::format("record {} has coarse label {} and fine label {}, expected [0, 20) and [0, 100)", i, r[0], r[1]));
    }
    const int32_t label = r[label_offset];
    if (label >= num_classes) fail(fmt::format("record {} has label {}, expected [0, {})", i, label, num_classes));
    out.labels[i] = label;
    std::copy_n(r + label_bytes, kImageBytes, out.pixels.begin() + i * kImageBytes);
  }
  return out;
}

std::vector<std::string> cifar_file_names(CifarVariant variant, bool train) {
  if (variant == CifarVariant::kCifar100) return {train ? "train.bin" : "test.bin"};
  if (!train) return {"test_batch.bin"};
  return {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"};
}

std::optional<fs::path> find_cifar_folder(const fs::path& dir, CifarVariant variant) {
  std::error_code ec;
  for (const fs::path& folder : {dir, dir / subfolder(variant)}) {
    for (bool train : {true, false}) {
      for (const std::string& file : cifar_file_names(variant, train)) {
        if (fs::exists(folder / file, ec)) return folder;
      }
    }
  }
  return std::nullopt;
}

Dataset read_cifar(const fs::path& folder, CifarVariant variant, Split split, bool coarse_labels) {
  const bool train = split != Split::kTest;
  const std::vector<std::string> files = cifar_file_names(variant, train);
  std::error_code ec;
  for (const std::string& file : files) {
    if (!fs::is_regular_file(folder / file, ec)) {
      throw DataError(fmt::format("{}: {}: {} is missing ({})", variant_name(variant), folder.string(), file,
                                  layout_hint(variant)));
    }
  }
  const int64_t record = (variant == CifarVariant::kCifar10 ? 1 : 2) + kImageBytes;
  uint64_t records = 0;
  for (const std::string& file : files) {
    const uint64_t size = fs::file_size(folder / file, ec);
    if (!ec) records += size / record;
  }
  std::vector<uint8_t> pixels;
  std::vector<int32_t> labels;
  pixels.reserve(records * kImageBytes);
  labels.reserve(records);
  for (const std::string& file : files) {
    CifarRecords part = read_cifar_file(folder / file, variant, coarse_labels);
    pixels.insert(pixels.end(), part.pixels.begin(), part.pixels.end());
    labels.insert(labels.end(), part.labels.begin(), part.labels.end());
  }
  const bool ten = variant == CifarVariant::kCifar10;
  DatasetInfo info{
      .name = variant_name(variant),
      .split = train ? "train" : "test",
      .num_classes = ten ? 10 : (coarse_labels ? 20 : 100),
      .channels = 3,
      .height = 32,
      .width = 32,
      .mean = ten ? std::vector<float>{0.4914f, 0.4822f, 0.4465f} : std::vector<float>{0.5071f, 0.4865f, 0.4409f},
      .stddev = ten ? std::vector<float>{0.2470f, 0.2435f, 0.2616f} : std::vector<float>{0.2673f, 0.2564f, 0.2762f},
      .class_names = {},
      .source = folder.string()};
  if (ten) {
    info.class_names = {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
  }
  return Dataset(std::move(info), std::move(pixels), std::move(labels));
}

}  // namespace poolnet::data
