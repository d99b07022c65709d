// The corruption suite on the official file layouts (experiments/eval/corruption_files.h): tiny
// MNIST-C and CIFAR-10-C trees in the real .npy format, a classifier whose logits are pixels, and
// accuracies recomputed naively from the files' bytes; every malformed tree's error.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "experiments/eval/corruption_files.h"
#include "experiments/eval/suites.h"
#include "experiments/study/fingerprint.h"
#include "framework/autograd.h"
#include "framework/data/npy.h"
#include "framework/errors.h"
#include "models/model.h"
#include "tests/support/data_files.h"

namespace poolnet {
namespace {

using poolnet::testing::TempDir;
using poolnet::testing::write_bytes;
namespace fs = std::filesystem;

constexpr int64_t kClasses = 10;

// Logits [N, 10]: the pixels (channel `channel`, row 0, columns 0..9) of raw images [N, C, H, W].
LogitsFn pixel_logits(int64_t channel) {
  return [channel](const Tensor& x) {
    const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
    Tensor y = Tensor::empty({N, kClasses});
    for (int64_t n = 0; n < N; ++n) {
      for (int64_t c = 0; c < kClasses; ++c) y.data()[n * kClasses + c] = x.data()[((n * C + channel) * H) * W + c];
    }
    return y;
  };
}

// n deterministic images, HWC bytes.
std::vector<uint8_t> image_bytes(int64_t n, int64_t H, int64_t W, int64_t C, uint32_t seed) {
  std::vector<uint8_t> out(static_cast<size_t>(n * H * W * C));
  uint32_t s = seed * 2654435761u + 1;
  for (auto& b : out) {
    s = s * 1664525u + 1013904223u;
    b = static_cast<uint8_t>(s >> 24);
  }
  return out;
}

// The naive accuracy of pixel_logits(channel) on rows [first, first + count) of HWC bytes.
double naive_accuracy(const std::vector<uint8_t>& hwc, int64_t H, int64_t W, int64_t C, int64_t channel,
                      const std::vector<int64_t>& labels, int64_t first, int64_t count) {
  int64_t right = 0;
  for (int64_t n = first; n < first + count; ++n) {
    int64_t best = 0;
    for (int64_t c = 1; c < kClasses; ++c) {
      if (hwc[static_cast<size_t>(((n * H) * W + c) * C + channel)] >
          hwc[static_cast<size_t>(((n * H) * W + best) * C + channel)])
        best = c;
    }
    right += best == labels[static_cast<size_t>(n)];
  }
  return static_cast<double>(right) / static_cast<double>(count);
}

std::vector<uint8_t> as_bytes(const std::vector<int64_t>& values, int item) {
  std::vector<uint8_t> out;
  for (int64_t v : values) {
    for (int i = 0; i < item; ++i) out.push_back(static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * i)));
  }
  return out;
}

void write_npy(const fs::path& file, const std::string& descr, std::vector<int64_t> shape,
               const std::vector<uint8_t>& bytes) {
  fs::create_directories(file.parent_path());
  write_bytes(file, data::npy_file_bytes(descr, shape, bytes));
}

data::DatasetInfo info(int64_t C, int64_t H, int64_t W, const std::string& name) {
  return {.name = name, .num_classes = kClasses, .channels = C, .height = H, .width = W};
}

const SuiteCurve& curve(const SuiteResult& r, const std::string& name) {
  for (const auto& c : r.curves) {
    if (c.name == name) return c;
  }
  throw std::runtime_error("no curve " + name);
}

double metric(const SuiteResult& r, const std::string& name) {
  for (const auto& [key, value] : r.metrics) {
    if (key == name) return value;
  }
  throw std::runtime_error("no metric " + name);
}

// The corruption suite (no seeded severities) with the folder, on 28x28x1 or 32x32x3 images.
SuiteResult run_suite(const fs::path& dir, const data::DatasetInfo& dataset, int64_t samples, int64_t channel) {
  const LogitsFn logits = pixel_logits(channel);
  const Tensor images = Tensor::zeros({2, dataset.channels, dataset.height, dataset.width});
  const std::vector<int32_t> labels = {0, 0};
  ShiftEvalOptions options;
  options.batch = 3;
  options.suite_samples = samples;
  options.corruption_dir = dir.string();
  return corruption_suite(SuiteInput{logits, images, labels, options, nullptr, &dataset}, {});
}

struct MnistC {
  std::map<std::string, std::vector<uint8_t>> images;
  std::map<std::string, std::vector<int64_t>> labels;
};

// <name>/test_images.npy uint8 [12, 28, 28, 1] and test_labels.npy uint8 [12] for each name.
MnistC write_mnist_c(const fs::path& dir, const std::vector<std::string>& names) {
  MnistC tree;
  uint32_t seed = 1;
  for (const auto& name : names) {
    tree.images[name] = image_bytes(12, 28, 28, 1, seed++);
    for (int64_t n = 0; n < 12; ++n) tree.labels[name].push_back((n * 7 + seed) % kClasses);
    // the label's pixel the largest in every other image, so that accuracies differ from 0
    for (int64_t n = 0; n < 12; n += 2)
      tree.images[name][static_cast<size_t>(n * 28 * 28 + tree.labels[name][n])] = 255;
    write_npy(dir / name / "test_images.npy", "|u1", {12, 28, 28, 1}, tree.images[name]);
    write_npy(dir / name / "test_labels.npy", "|u1", {12}, as_bytes(tree.labels[name], 1));
  }
  return tree;
}

TEST(CorruptionFiles, MnistCAccuraciesInPublishedOrder) {
  TempDir dir;
  MnistC tree = write_mnist_c(dir.path(), {"identity", "fog", "shot_noise"});
  const SuiteResult r = run_suite(dir.path(), info(1, 28, 28, "mnist"), 8, 0);
  const SuiteCurve& c = curve(r, "corruption_files");
  EXPECT_EQ(c.series_name, "corruption");
  EXPECT_EQ(c.x_name, "severity");
  ASSERT_EQ(c.points.size(), 3u);
  const std::vector<std::string> order = {"shot_noise", "fog", "identity"};
  double sum = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    const std::string& name = order[i];
    EXPECT_EQ(c.points[i].series, name);
    EXPECT_EQ(c.points[i].x, 0.0);
    const double expected = naive_accuracy(tree.images[name], 28, 28, 1, 0, tree.labels[name], 0, 8);
    EXPECT_DOUBLE_EQ(c.points[i].value, expected) << name;
    if (name != "identity") sum += expected;
  }
  EXPECT_DOUBLE_EQ(metric(r, "corruption_files_acc_mean"), sum / 2);
  EXPECT_NO_THROW(metric(r, "corruption_acc_mean"));  // the seeded corruptions are still there
}

TEST(CorruptionFiles, Cifar10CSeverityBlocksAndChannelOrder) {
  TempDir dir;
  const int64_t rows = 15, block = 3;  // 5 severities of 3 images
  std::vector<int64_t> labels;
  for (int64_t n = 0; n < rows; ++n) labels.push_back((n * 3) % kClasses);
  write_npy(dir / "labels.npy", "<i8", {rows}, as_bytes(labels, 8));
  std::map<std::string, std::vector<uint8_t>> images;
  for (const std::string name : {"contrast", "gaussian_noise"}) {
    images[name] = image_bytes(rows, 32, 32, 3, name.size());
    // make each image's label pixel (channel 2) the largest in every other row: accuracies vary
    for (int64_t n = 0; n < rows; n += 2) images[name][static_cast<size_t>(((n * 32) * 32 + labels[n]) * 3 + 2)] = 255;
    write_npy(dir / (name + ".npy"), "|u1", {rows, 32, 32, 3}, images[name]);
  }
  const SuiteResult r = run_suite(dir.path(), info(3, 32, 32, "cifar10"), 2, 2);
  const SuiteCurve& c = curve(r, "corruption_files");
  ASSERT_EQ(c.points.size(), 10u);
  double sum = 0;
  size_t i = 0;
  for (const std::string name : {"gaussian_noise", "contrast"}) {
    for (int s = 1; s <= 5; ++s, ++i) {
      EXPECT_EQ(c.points[i].series, name);
      EXPECT_EQ(c.points[i].x, s);
      const double expected = naive_accuracy(images[name], 32, 32, 3, 2, labels, (s - 1) * block, 2);
      EXPECT_DOUBLE_EQ(c.points[i].value, expected) << name << " severity " << s;
      sum += expected;
    }
  }
  EXPECT_DOUBLE_EQ(metric(r, "corruption_files_acc_mean"), sum / 10);
  // The pixels themselves: HWC bytes to CHW floats / 255.
  const CorruptionFiles files = find_corruption_files(dir.path(), info(3, 32, 32, "cifar10"), 2);
  const Tensor x = corruption_block_images(files.blocks[6]);  // contrast, severity 2: rows 3, 4
  ASSERT_EQ(x.shape(), (Shape{2, 3, 32, 32}));
  for (int64_t n = 0; n < 2; ++n) {
    for (int64_t ch = 0; ch < 3; ++ch) {
      for (int64_t p = 0; p < 32 * 32; p += 97) {
        EXPECT_EQ(x.data()[(n * 3 + ch) * 1024 + p],
                  images["contrast"][static_cast<size_t>(((3 + n) * 1024 + p) * 3 + ch)] / 255.0f);
      }
    }
  }
}

// Expects `f` to throw E whose message contains every needle.
template <class E>
void expect_error(const std::function<void()>& f, const std::vector<std::string>& needles) {
  try {
    f();
    ADD_FAILURE() << "no error";
  } catch (const E& e) {
    for (const auto& needle : needles) EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(CorruptionFiles, ShapeOfAnotherDataSetIsAConfigError) {
  TempDir dir;
  write_npy(dir / "labels.npy", "|u1", {5}, {0, 1, 2, 3, 4});
  write_npy(dir / "fog.npy", "|u1", {5, 32, 32, 3}, image_bytes(5, 32, 32, 3, 1));
  expect_error<ConfigError>([&] { run_suite(dir.path(), info(1, 28, 28, "fashion-mnist"), 0, 0); },
                            {"--corruption-dir", "fog.npy", "32x32x3", "fashion-mnist", "28x28x1"});
}

TEST(CorruptionFiles, MissingOrCorruptFilesNameTheFile) {
  const auto dataset = info(1, 28, 28, "mnist");
  {
    TempDir dir;
    write_mnist_c(dir.path(), {"fog"});
    fs::remove(dir / "fog" / "test_labels.npy");
    expect_error<DataError>([&] { run_suite(dir.path(), dataset, 0, 0); }, {"test_labels.npy", "no such file"});
  }
  {
    TempDir dir;
    write_mnist_c(dir.path(), {"fog"});
    fs::resize_file(dir / "fog" / "test_images.npy", 1000);
    expect_error<DataError>([&] { run_suite(dir.path(), dataset, 0, 0); }, {"test_images.npy", "truncated"});
  }
  {
    TempDir dir;
    write_mnist_c(dir.path(), {"fog"});
    write_npy(dir / "fog" / "test_labels.npy", "|u1", {11}, std::vector<uint8_t>(11));
    expect_error<DataError>([&] { run_suite(dir.path(), dataset, 0, 0); }, {"test_labels.npy", "expected [12]"});
  }
  {
    TempDir dir;
    write_mnist_c(dir.path(), {"fog"});
    write_npy(dir / "fog" / "test_labels.npy", "|u1", {12}, std::vector<uint8_t>(12, 10));
    expect_error<DataError>([&] { run_suite(dir.path(), dataset, 0, 0); }, {"test_labels.npy", "label 10 at row 0"});
  }
  {
    TempDir dir;
    write_npy(dir / "fog" / "test_images.npy", "<i4", {2, 28, 28, 1}, std::vector<uint8_t>(2 * 28 * 28 * 4));
    expect_error<DataError>([&] { run_suite(dir.path(), dataset, 0, 0); }, {"test_images.npy", "dtype <i4"});
  }
  {
    TempDir dir;
    write_npy(dir / "labels.npy", "|u1", {4}, {0, 1, 2, 3});
    write_npy(dir / "fog.npy", "|u1", {4, 28, 28, 1}, image_bytes(4, 28, 28, 1, 1));
    expect_error<DataError>([&] { run_suite(dir.path(), dataset, 0, 0); }, {"fog.npy", "severities 1..5"});
  }
  {
    TempDir dir;
    expect_error<ConfigError>([&] { run_suite(dir.path(), dataset, 0, 0); }, {"holds neither the MNIST-C layout"});
    expect_error<ConfigError>([&] { run_suite(dir / "absent", dataset, 0, 0); }, {"absent", "no such folder"});
  }
}

// Every summary metric a suite reports is declared with its direction (suite_metrics()).
TEST(CorruptionFiles, EverySuiteMetricIsDeclared) {
  TempDir dir;
  const std::vector<int64_t> labels = {0, 1, 2, 3};
  write_npy(dir / "fog" / "test_images.npy", "|u1", {4, 16, 16, 1}, image_bytes(4, 16, 16, 1, 3));
  write_npy(dir / "fog" / "test_labels.npy", "|u1", {4}, as_bytes(labels, 1));
  data::DatasetInfo dataset = info(1, 16, 16, "");
  dataset.mean = {0.5f};
  dataset.stddev = {0.25f};
  ModelSpec spec;
  spec.family = "vgg";
  spec.downsample = parse_downsample("max_pool");
  spec.head = "gap";
  spec.width = 0.125;
  spec.input = {1, 16, 16};
  const std::shared_ptr<Model> model = build_model(spec, 7);
  const LogitsFn logits = [model](const Tensor& x) {
    NoGradGuard no_grad;
    model->eval();
    return model->forward(x);
  };
  const Tensor images = corruption_block_images({"fog", 0, dir / "fog" / "test_images.npy", "", 0, 4});
  const std::vector<int32_t> y = {0, 1, 2, 3};
  ShiftEvalOptions options;
  options.max_shift = 1;
  options.corruption_dir = dir.path().string();
  for (const Suite& suite : suites()) {
    if (!suite.run) continue;
    const SuiteResult r = suite.run(SuiteInput{logits, images, y, options, model.get(), &dataset});
    for (const auto& [name, value] : r.metrics)
      EXPECT_NE(find_suite_metric(name), nullptr) << suite.name << ": " << name;
  }
  EXPECT_TRUE(find_suite_metric("corruption_files_acc_mean")->higher_is_better);
  EXPECT_EQ(find_suite_metric("no_such_metric"), nullptr);
}

TEST(CorruptionFiles, FingerprintRecordsTheFolderOnlyWhenSet) {
  const DataIdentity data{.name = "mnist", .files = {}};
  ShiftEvalOptions o;
  o.suites = {"translation", "corruption"};
  EXPECT_EQ(run_fingerprint({}, data, {ShiftMode::kCircular}, o).count("eval.corruption_dir"), 0u);
  o.corruption_dir = "/data/mnist_c";
  const Fingerprint f = run_fingerprint({}, data, {ShiftMode::kCircular}, o);
  EXPECT_EQ(f.at("eval.corruption_dir"), "/data/mnist_c");
  EXPECT_TRUE(is_evaluation_only("eval.corruption_dir"));
}

}  // namespace
}  // namespace poolnet
