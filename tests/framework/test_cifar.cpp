#include <gtest/gtest.h>

#include "framework/data/cifar.h"
#include "framework/errors.h"
#include "tests/support/data_files.h"

namespace poolnet::data {
namespace {

using poolnet::testing::pattern_bytes;
using poolnet::testing::TempDir;
using poolnet::testing::write_bytes;

constexpr size_t kImage = 3072;

// `labels.size()` records with the given label bytes (1 or 2 per record) and pattern pixels.
std::vector<uint8_t> records(const std::vector<std::vector<uint8_t>>& labels, uint32_t seed) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i < labels.size(); ++i) {
    out.insert(out.end(), labels[i].begin(), labels[i].end());
    const std::vector<uint8_t> pixels = pattern_bytes(kImage, seed + static_cast<uint32_t>(i));
    out.insert(out.end(), pixels.begin(), pixels.end());
  }
  return out;
}

void write_cifar10(const std::filesystem::path& folder) {
  std::filesystem::create_directories(folder);
  for (int b = 1; b <= 5; ++b) {
    write_bytes(folder / ("data_batch_" + std::to_string(b) + ".bin"),
                records({{uint8_t(b)}, {uint8_t(9 - b)}}, 10 * b));
  }
  write_bytes(folder / "test_batch.bin", records({{7}, {0}, {9}}, 100));
}

void expect_data_error(const std::function<void()>& read, const std::string& file, const std::string& needle) {
  try {
    read();
    ADD_FAILURE() << "no DataError";
  } catch (const DataError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(file), std::string::npos) << message;
    EXPECT_NE(message.find(needle), std::string::npos) << message;
  }
}

TEST(Cifar, ReadsCifar10Batches) {
  TempDir dir;
  write_cifar10(dir / "cifar-10-batches-bin");
  const auto folder = find_cifar_folder(dir.path(), CifarVariant::kCifar10);
  ASSERT_TRUE(folder.has_value());
  EXPECT_EQ(*folder, dir / "cifar-10-batches-bin");
  const Dataset train = read_cifar(*folder, CifarVariant::kCifar10, Split::kTrain);
  EXPECT_EQ(train.size(), 10);
  EXPECT_EQ(train.image_shape(), (Shape{3, 32, 32}));
  EXPECT_EQ(train.num_classes(), 10);
  EXPECT_EQ(train.info().class_names[0], "airplane");
  const std::vector<int32_t> labels(train.labels().begin(), train.labels().end());
  EXPECT_EQ(labels, (std::vector<int32_t>{1, 8, 2, 7, 3, 6, 4, 5, 5, 4}));
  // Record 3 is the second record of data_batch_2.bin: pixels in file order, R then G then B.
  const std::vector<uint8_t> expected = pattern_bytes(kImage, 21);
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), train.image(3).begin()));
  const Dataset test = read_cifar(*folder, CifarVariant::kCifar10, Split::kTest);
  EXPECT_EQ(test.size(), 3);
  EXPECT_EQ(test.label(0), 7);
  EXPECT_EQ(test.info().split, "test");
  EXPECT_FLOAT_EQ(test.info().mean[0], 0.4914f);
}

TEST(Cifar, FindsFilesDirectlyInFolder) {
  TempDir dir;
  write_cifar10(dir.path());
  EXPECT_EQ(find_cifar_folder(dir.path(), CifarVariant::kCifar10), dir.path());
  EXPECT_FALSE(find_cifar_folder(dir.path(), CifarVariant::kCifar100).has_value());
}

TEST(Cifar, Cifar100FineAndCoarseLabels) {
  TempDir dir;
  const auto folder = dir / "cifar-100-binary";
  std::filesystem::create_directories(folder);
  write_bytes(folder / "train.bin", records({{3, 42}, {19, 99}, {0, 0}}, 1));
  write_bytes(folder / "test.bin", records({{5, 55}}, 2));
  const Dataset fine = read_cifar(folder, CifarVariant::kCifar100, Split::kTrain);
  EXPECT_EQ(fine.num_classes(), 100);
  EXPECT_EQ(std::vector<int32_t>(fine.labels().begin(), fine.labels().end()), (std::vector<int32_t>{42, 99, 0}));
  const Dataset coarse = read_cifar(folder, CifarVariant::kCifar100, Split::kTrain, /*coarse_labels=*/true);
  EXPECT_EQ(coarse.num_classes(), 20);
  EXPECT_EQ(std::vector<int32_t>(coarse.labels().begin(), coarse.labels().end()), (std::vector<int32_t>{3, 19, 0}));
  const std::vector<uint8_t> expected = pattern_bytes(kImage, 2);
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), coarse.image(1).begin()));
  EXPECT_EQ(read_cifar(folder, CifarVariant::kCifar100, Split::kTest).label(0), 55);
}

TEST(Cifar, RecordSizeMismatchIsDataError) {
  TempDir dir;
  std::vector<uint8_t> bytes = records({{1}, {2}}, 3);
  bytes.pop_back();
  write_bytes(dir / "test_batch.bin", bytes);
  expect_data_error([&] { read_cifar_file(dir / "test_batch.bin", CifarVariant::kCifar10); }, "test_batch.bin",
                    "6145 bytes is not a whole number of 3073-byte records (1 records and 3072 bytes left over)");
  // A CIFAR-10 file read as CIFAR-100: 2 x 3073 bytes is not a multiple of 3074.
  write_bytes(dir / "train.bin", records({{1}, {2}}, 3));
  expect_data_error([&] { read_cifar_file(dir / "train.bin", CifarVariant::kCifar100); }, "train.bin",
                    "is not a whole number of 3074-byte records");
  write_bytes(dir / "empty.bin", {});
  expect_data_error([&] { read_cifar_file(dir / "empty.bin", CifarVariant::kCifar10); }, "empty.bin", "empty");
}

// A file past the size limit is rejected from its size alone, before anything is allocated
// (a sparse file: it takes no disk space).
TEST(Cifar, OversizedFileFailsBeforeAllocating) {
  TempDir dir;
  const auto path = dir / "data_batch_1.bin";
  write_bytes(path, {});
  std::filesystem::resize_file(path, (uint64_t{1} << 30) + 3073);
  expect_data_error([&] { read_cifar_file(path, CifarVariant::kCifar10); }, "data_batch_1.bin",
                    "more than the 1073741824-byte limit");
}

TEST(Cifar, LabelOutOfRangeIsDataError) {
  TempDir dir;
  write_bytes(dir / "test_batch.bin", records({{1}, {10}}, 4));
  expect_data_error([&] { read_cifar_file(dir / "test_batch.bin", CifarVariant::kCifar10); }, "test_batch.bin",
                    "record 1 has label 10, expected [0, 10)");
  write_bytes(dir / "test.bin", records({{20, 5}}, 4));
  expect_data_error([&] { read_cifar_file(dir / "test.bin", CifarVariant::kCifar100); }, "test.bin",
                    "record 0 has coarse label 20 and fine label 5");
}

TEST(Cifar, MissingBatchIsDataError) {
  TempDir dir;
  write_cifar10(dir.path());
  std::filesystem::remove(dir / "data_batch_3.bin");
  expect_data_error([&] { read_cifar(dir.path(), CifarVariant::kCifar10, Split::kTrain); },
                    "data_batch_3.bin is missing", "data_batch_1.bin .. data_batch_5.bin and test_batch.bin");
  EXPECT_EQ(read_cifar(dir.path(), CifarVariant::kCifar10, Split::kTest).size(), 3);
  expect_data_error([&] { read_cifar_file(dir / "nothing.bin", CifarVariant::kCifar10); }, "nothing.bin",
                    "no such file");
}

}  // namespace
}  // namespace poolnet::data
