// --input-downsample through a checkpoint: a model written with it loads with it (same layers,
// same logits bit for bit), and the training config keeps the flag (experiments/train/checkpoint.h).
#include <gtest/gtest.h>

#include "experiments/train/checkpoint.h"
#include "framework/autograd.h"
#include "framework/random.h"
#include "models/model.h"
#include "tests/support/data_files.h"

namespace poolnet {
namespace {

TEST(InputDownsampleCheckpoint, RoundTripKeepsTheLayerAndTheLogits) {
  TrainConfig config;
  config.model = "vgg";
  config.downsample = "strided_conv";
  config.head = "gap";
  config.width = 0.25;
  config.input_downsample = true;
  const ModelSpec spec = config.model_spec({1, 28, 28}, 10);
  auto model = build_model(spec, 7);
  testing::TempDir dir;
  save_model(dir / "model.safetensors", *model, config);

  TrainConfig loaded_config;
  auto loaded = load_model(dir / "model.safetensors", &loaded_config);
  EXPECT_TRUE(loaded_config.input_downsample);
  EXPECT_TRUE(loaded->spec().input_downsample);
  EXPECT_EQ(canonical_name(loaded->spec()), "vgg[strided_conv,head=gap,width=0.25,input_down]");
  EXPECT_EQ(loaded->features().describe(), model->features().describe());

  NoGradGuard no_grad;
  model->eval();
  loaded->eval();
  Tensor x = Tensor::zeros({2, 1, 28, 28});
  RandomStream stream(3, 0);
  for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] = stream.uniform(static_cast<uint64_t>(i));
  const Tensor a = model->forward(x), b = loaded->forward(x);
  ASSERT_EQ(a.shape(), (Shape{2, 10}));
  for (int64_t i = 0; i < a.numel(); ++i) EXPECT_EQ(a.data()[i], b.data()[i]) << i;
}

}  // namespace
}  // namespace poolnet
