#include <gtest/gtest.h>

#include "framework/data/idx_dataset.h"
#include "framework/errors.h"
#include "tests/support/data_files.h"

namespace poolnet::data {
namespace {

using poolnet::testing::gzip_bytes;
using poolnet::testing::idx_bytes;
using poolnet::testing::pattern_bytes;
using poolnet::testing::TempDir;
using poolnet::testing::write_bytes;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const DataError& e) {
    return e.what();
  }
  return "(no DataError)";
}

TEST(IdxDataset, FindsEverySpelling) {
  TempDir dir;
  EXPECT_TRUE(find_idx_file(dir.path(), Split::kTrain, "images").empty());
  write_bytes(dir / "train-images.idx3-ubyte", {});
  EXPECT_EQ(find_idx_file(dir.path(), Split::kTrain, "images"), dir / "train-images.idx3-ubyte");
  write_bytes(dir / "train-images-idx3-ubyte.gz", {});
  EXPECT_EQ(find_idx_file(dir.path(), Split::kTrain, "images"), dir / "train-images-idx3-ubyte.gz");
  write_bytes(dir / "train-images-idx3-ubyte", {});
  EXPECT_EQ(find_idx_file(dir.path(), Split::kTrain, "images"), dir / "train-images-idx3-ubyte");
  write_bytes(dir / "t10k-labels-idx1-ubyte.gz", {});
  EXPECT_EQ(find_idx_file(dir.path(), Split::kTest, "labels"), dir / "t10k-labels-idx1-ubyte.gz");
  EXPECT_TRUE(find_idx_file(dir.path(), Split::kTrain, "labels").empty());
}

TEST(IdxDataset, ReadsAPairOfFiles) {
  TempDir dir;
  const std::vector<uint8_t> pixels = pattern_bytes(6 * 5 * 4, 1);
  write_bytes(dir / "t10k-images-idx3-ubyte.gz", gzip_bytes(idx_bytes({6, 5, 4}, pixels)));
  write_bytes(dir / "t10k-labels-idx1-ubyte", idx_bytes({6}, {9, 8, 7, 0, 1, 2}));
  const std::optional<Dataset> d = open_idx_folder(dir.path(), "fashion-mnist", Split::kTest, false);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->size(), 6);
  EXPECT_EQ(d->image_shape(), (Shape{1, 5, 4}));
  EXPECT_EQ(d->label(1), 8);
  EXPECT_EQ(d->info().class_names[9], "ankle boot");
  EXPECT_FLOAT_EQ(d->info().mean[0], 0.2860f);
  EXPECT_TRUE(std::equal(pixels.begin(), pixels.end(), d->pixels().begin()));
  EXPECT_FALSE(open_idx_folder(dir.path(), "fashion-mnist", Split::kTrain, false).has_value());
}

TEST(IdxDataset, ImageLabelCountMismatchNamesBothFiles) {
  TempDir dir;
  write_bytes(dir / "train-images-idx3-ubyte", idx_bytes({6, 2, 2}, pattern_bytes(24, 2)));
  write_bytes(dir / "train-labels-idx1-ubyte", idx_bytes({5}, {1, 2, 3, 4, 5}));
  const std::string message = error_of([&] { open_idx_folder(dir.path(), "mnist", Split::kTrain, false); });
  EXPECT_NE(message.find("train-images-idx3-ubyte holds 6 images but"), std::string::npos) << message;
  EXPECT_NE(message.find("train-labels-idx1-ubyte holds 5 labels"), std::string::npos) << message;
}

TEST(IdxDataset, LabelOutOfRangeNamesTheFile) {
  TempDir dir;
  write_bytes(dir / "train-images-idx3-ubyte", idx_bytes({3, 2, 2}, pattern_bytes(12, 3)));
  write_bytes(dir / "train-labels-idx1-ubyte", idx_bytes({3}, {1, 12, 3}));
  const std::string message = error_of([&] { open_idx_folder(dir.path(), "mnist", Split::kTrain, false); });
  EXPECT_NE(message.find("train-labels-idx1-ubyte: label 12 at index 1 is outside [0, 10)"), std::string::npos)
      << message;
}

TEST(IdxDataset, HalfAPairIsDataError) {
  TempDir dir;
  write_bytes(dir / "train-images-idx3-ubyte", idx_bytes({3, 2, 2}, pattern_bytes(12, 3)));
  const std::string message = error_of([&] { open_idx_folder(dir.path(), "mnist", Split::kTrain, false); });
  EXPECT_NE(message.find("found train-images-idx3-ubyte but not its labels file"), std::string::npos) << message;
}

}  // namespace
}  // namespace poolnet::data
