// LeNet on Fashion-MNIST, written by hand from layers: one epoch of SGD with momentum, test
// accuracy, and a model.safetensors that `poolnet eval` and PyTorch load (docs/library.md).
//   train_lenet [--data-dir DIR] [--limit N] [--out model.safetensors]
// Without Fashion-MNIST (Debian: apt install dataset-fashion-mnist) it trains on `shapes`.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>

#include <poolnet/experiments/train/checkpoint.h>  // save_model
#include <poolnet/experiments/train/progress.h>
#include <poolnet/experiments/train/trainer.h>  // evaluate_accuracy
#include <poolnet/framework/data/loader.h>
#include <poolnet/framework/errors.h>
#include <poolnet/framework/ops/ops.h>
#include <poolnet/framework/optim/sgd.h>
#include <poolnet/layers/conv2d.h>
#include <poolnet/layers/flatten.h>
#include <poolnet/layers/linear.h>
#include <poolnet/layers/max_pool2d.h>
#include <poolnet/layers/relu.h>
#include <poolnet/models/model.h>

using namespace poolnet;

// How many rows of logits [B, classes] have their largest value at the label.
int64_t count_correct(const Tensor& logits, const std::vector<int32_t>& labels) {
  const int64_t classes = logits.shape()[1];
  int64_t correct = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const float* row = logits.data() + static_cast<int64_t>(i) * classes;
    correct += std::max_element(row, row + classes) - row == labels[i];
  }
  return correct;
}

int main(int argc, char** argv) {
  std::string data_dir, out = "model.safetensors";
  int64_t limit = 0;  // > 0: train on the first N images only (a quick run)
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--data-dir")
      data_dir = argv[i + 1];
    else if (flag == "--limit")
      limit = std::stoll(argv[i + 1]);
    else if (flag == "--out")
      out = argv[i + 1];
  }

  // Data: the same search as `poolnet train` (--data-dir, $POOLNET_DATA, ./data, /usr/share/datasets).
  TrainConfig config{.dataset = "fashion-mnist", .data_dir = data_dir, .epochs = 1, .lr = 0.05, .momentum = 0.9};
  data::Dataset train, test;
  try {
    train = data::open_dataset(config.dataset, data::Split::kTrain, {.data_dir = data_dir, .limit = limit});
    test = data::open_dataset(config.dataset, data::Split::kTest, {.data_dir = data_dir});
  } catch (const DataError& e) {
    std::printf("%s\nfalling back to the built-in 'shapes' data set\n", e.what());
    config.dataset = "shapes";
    config.data_dir.clear();
    train = data::open_dataset("shapes", data::Split::kTrain, {.limit = limit});
    test = data::open_dataset("shapes", data::Split::kTest);
  }
  data::Loader loader(train, {.batch_size = 64, .shuffle = true, .normalize = true, .seed = 0});

  // The model: features and classifier as two Sequentials, so the weights are named like
  // PyTorch's ("features.0.weight", "classifier.1.bias"), exactly as models/ builds `lenet`.
  auto features = std::make_shared<Sequential>();
  features
      ->add(std::make_shared<Conv2d>(
          Conv2d::Options{.in_channels = 1, .out_channels = 6, .kernel = {5, 5}, .padding = {2, 2}}, /*seed=*/1))
      .add(std::make_shared<ReLU>())
      .add(std::make_shared<MaxPool2d>(Pool2d{.kernel = {2, 2}, .stride = {2, 2}}))
      .add(std::make_shared<Conv2d>(Conv2d::Options{.in_channels = 6, .out_channels = 16, .kernel = {5, 5}}, 2))
      .add(std::make_shared<ReLU>())
      .add(std::make_shared<MaxPool2d>(Pool2d{.kernel = {2, 2}, .stride = {2, 2}}));
  auto classifier = std::make_shared<Sequential>();
  classifier->add(std::make_shared<Flatten>())
      .add(std::make_shared<Linear>(Linear::Options{.in_features = 16 * 5 * 5, .out_features = 120}, 3))
      .add(std::make_shared<ReLU>())
      .add(std::make_shared<Linear>(Linear::Options{.in_features = 120, .out_features = 84}, 4))
      .add(std::make_shared<ReLU>())
      .add(std::make_shared<Linear>(Linear::Options{.in_features = 84, .out_features = train.num_classes()}, 5));
  // A Model carries the spec `poolnet eval` rebuilds it from: this is lenet with max_pool.
  Model model(config.model_spec(train.image_shape(), train.num_classes()), features, classifier);

  // Training: forward, loss, backward, step; the progress bar of `poolnet train`.
  Sgd sgd(model.named_parameters(), {.lr = config.lr, .momentum = config.momentum});
  Progress progress(/*quiet=*/false, "lenet");
  progress.start_epoch(0, 1, loader.batches_per_epoch(), 0);
  double loss_sum = 0;
  int64_t seen = 0, correct = 0;
  for (int64_t b = 0; b < loader.batches_per_epoch(); ++b) {
    const data::Batch batch = loader.batch(/*epoch=*/0, b);
    const Tensor logits = model(batch.images);  // [B, 10]
    Tensor loss = cross_entropy(logits, batch.labels);
    sgd.zero_grad();
    loss.backward();
    sgd.step();
    const auto n = static_cast<int64_t>(batch.labels.size());
    loss_sum += loss.item() * static_cast<double>(n);
    seen += n;
    correct += count_correct(logits.detach(), batch.labels);
    progress.update(b, n, loss_sum / static_cast<double>(seen),
                    static_cast<double>(correct) / static_cast<double>(seen));
  }

  // Test accuracy: eval mode, no gradients, batches of 500.
  const auto [test_loss, accuracy] = evaluate_accuracy(model, test, 500);
  progress.end_epoch("train loss " + std::to_string(loss_sum / static_cast<double>(seen)));
  std::printf("%s: test loss %.4f, test accuracy %.4f on %lld images\n", config.dataset.c_str(), test_loss, accuracy,
              static_cast<long long>(test.size()));

  // The weights under their PyTorch names, with the spec and config in the metadata.
  std::filesystem::create_directories(std::filesystem::absolute(out).parent_path());
  save_model(out, model, config);
  std::printf("wrote %s (poolnet eval --checkpoint %s)\n", out.c_str(), out.c_str());
  return 0;
}
