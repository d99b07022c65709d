// --tips-loss (experiments/train/tips_loss.h): parsing and its errors, the config's JSON and
// fingerprint, the sum over a model's TipsPool2d layers, and a short training run in which the
// option changes the loss from start_epoch on and not before.
#include <gtest/gtest.h>

#include <filesystem>

#include "experiments/study/fingerprint.h"
#include "experiments/train/tips_loss.h"
#include "experiments/train/trainer.h"
#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "layers/sequential.h"
#include "layers/tips_pool2d.h"
#include "tests/support/grad_check.h"

namespace poolnet {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_tips_loss(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(TipsLoss, ParsesKeysWithDefaults) {
  EXPECT_FALSE(parse_tips_loss("").enabled);
  EXPECT_FALSE(parse_tips_loss("none").enabled);
  const TipsLoss a = parse_tips_loss("alpha=0.5,start_epoch=3");
  EXPECT_TRUE(a.enabled);
  EXPECT_EQ(a.alpha, 0.5);
  EXPECT_EQ(a.start_epoch, 3);
  EXPECT_EQ(to_string(a), "alpha=0.5,start_epoch=3");
  const TipsLoss b = parse_tips_loss("start_epoch=2");
  EXPECT_EQ(b.alpha, 0.35);
  EXPECT_EQ(to_string(parse_tips_loss("alpha=1")), "alpha=1,start_epoch=1");
}

TEST(TipsLoss, MalformedTextNamesTheOption) {
  for (const char* bad : {"alpha", "alpha=", "alpha=x", "alpha=-1", "alpha=nan", "start_epoch=0", "start_epoch=1.5",
                          "beta=1", "alpha=1,alpha=2", "alpha=1,", ",", "alpha=1;start_epoch=2"}) {
    const std::string m = error_of(bad);
    EXPECT_EQ(m.rfind("--tips-loss: ", 0), 0u) << bad << ": " << m;
    EXPECT_NE(m.find(std::string("'") + bad + "'"), std::string::npos) << m;
  }
  TrainConfig c;
  c.tips_loss = "alpha=two";
  EXPECT_THROW(validate(c), ConfigError);
}

TEST(TipsLoss, ConfigJsonAndFingerprint) {
  TrainConfig c;
  c.tips_loss = "alpha=0.5,start_epoch=2";
  EXPECT_EQ(train_config_from_json(to_json(c)).tips_loss, c.tips_loss);
  EXPECT_EQ(train_config_from_json("{}").tips_loss, "");  // configs written before the option
  const DataIdentity data{.name = "shapes", .files = {}};
  const Fingerprint off = run_fingerprint(TrainConfig{}, data, {ShiftMode::kCircular}, ShiftEvalOptions{});
  EXPECT_EQ(off.count("train.tips_loss"), 0u);  // older study folders keep their fingerprints
  const Fingerprint on = run_fingerprint(c, data, {ShiftMode::kCircular}, ShiftEvalOptions{});
  EXPECT_EQ(on.at("train.tips_loss"), "alpha=0.5,start_epoch=2");
}

TEST(TipsLoss, SumsTheLayersOfTheLastTrainingForward) {
  auto seq = std::make_shared<Sequential>();
  auto a = std::make_shared<TipsPool2d>(TipsPool2dOptions{.channels = 2, .seed = 1});
  auto b = std::make_shared<TipsPool2d>(TipsPool2dOptions{.channels = 2, .seed = 2});
  seq->add(a);
  seq->add(b);
  EXPECT_FALSE(tips_regulariser_sum(*seq).defined());
  seq->forward(testing::random_tensor({2, 2, 8, 8}, 3));
  EXPECT_TRUE(testing::bitwise_equal(tips_regulariser_sum(*seq), add(a->regulariser(), b->regulariser())));
  seq->eval();
  seq->forward(testing::random_tensor({2, 2, 8, 8}, 3));
  EXPECT_FALSE(tips_regulariser_sum(*seq).defined());
}

TrainHistory train_tips(const std::string& tips_loss, const std::string& name) {
  TrainConfig c;
  c.dataset = "shapes";
  c.train_samples = 64;
  c.test_samples = 16;
  c.batch = 32;
  c.epochs = 2;
  c.model = "lenet";
  c.downsample = "tips";
  c.head = "gap";
  c.tips_loss = tips_loss;
  const auto out = std::filesystem::temp_directory_path() / ("poolnet_tips_loss_" + name);
  std::filesystem::remove_all(out);
  TrainHistory h = train_run(c, out, {.quiet = true, .label = ""}).history;
  std::filesystem::remove_all(out);
  return h;
}

TEST(TipsLoss, ChangesTheTrainingLossFromStartEpochOn) {
  const TrainHistory off = train_tips("", "off"), late = train_tips("alpha=1,start_epoch=2", "late"),
                     early = train_tips("alpha=1,start_epoch=1", "early");
  ASSERT_EQ(off.epochs.size(), 2u);
  EXPECT_EQ(late.epochs[0].train_loss, off.epochs[0].train_loss);  // bitwise: nothing added before
  EXPECT_EQ(late.epochs[0].test_acc, off.epochs[0].test_acc);
  EXPECT_NE(late.epochs[1].train_loss, off.epochs[1].train_loss);  // + alpha * R from epoch 2
  EXPECT_NE(early.epochs[0].train_loss, off.epochs[0].train_loss);
}

}  // namespace
}  // namespace poolnet
