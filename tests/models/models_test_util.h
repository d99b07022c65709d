// Shared by the tests of models/: the spec grid, test names, training a model on a few samples.
#pragma once

#include <cctype>
#include <string>
#include <vector>

#include "framework/autograd.h"
#include "framework/data/dataset.h"
#include "framework/ops/ops.h"
#include "framework/optim/adam.h"
#include "models/model.h"
#include "tests/support/grad_check.h"

namespace poolnet::testing {

// A spec of `family` with `strategy` and `head`; vgg and allconv at width 0.25 and resnet at
// depth 8, width 0.5, so that the whole grid builds in a few seconds.
inline ModelSpec small_spec(const std::string& family, const std::string& strategy, const std::string& head,
                            Shape input = {1, 28, 28}) {
  ModelSpec spec;
  spec.family = family;
  spec.downsample = parse_downsample(strategy);
  spec.head = head;
  spec.input = std::move(input);
  if (family == "vgg" || family == "allconv") spec.width = 0.25;
  if (family == "resnet") {
    spec.depth = 8;
    spec.width = 0.5;
  }
  return spec;
}

// A test name from any text: letters and digits kept, everything else '_'.
inline std::string sanitized(std::string name) {
  for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

// The first `n` training samples of `shapes` at `size` x `size` (normalised) and their labels.
struct Batch {
  Tensor x;
  std::vector<int32_t> labels;
};

inline Batch shapes_batch(int64_t n, int64_t size, int64_t channels = 1) {
  const data::Dataset d = data::make_shapes(
      {.image_size = size, .channels = channels, .train_samples = n, .test_samples = 8}, data::Split::kTrain);
  std::vector<int64_t> indices(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) indices[static_cast<size_t>(i)] = i;
  return {d.images(indices, true), std::vector<int32_t>(d.labels().begin(), d.labels().end())};
}

// Full-batch Adam steps on cross-entropy until the loss drops below `target` (or `max_steps`);
// returns the last loss.
inline float fit(Model& model, const Batch& batch, double lr, int max_steps, float target) {
  Adam adam(model.named_parameters(), {.lr = lr});
  model.train();
  float loss_value = 0.0f;
  for (int step = 0; step < max_steps; ++step) {
    adam.zero_grad();
    Tensor loss = cross_entropy(model.forward(batch.x), batch.labels);
    loss_value = loss.data()[0];
    if (loss_value < target) break;
    loss.backward();
    adam.step();
  }
  return loss_value;
}

}  // namespace poolnet::testing
