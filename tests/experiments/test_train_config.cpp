#include <gtest/gtest.h>

#include "experiments/train/train_config.h"
#include "experiments/train/trainer.h"
#include "framework/errors.h"

namespace poolnet {
namespace {

TEST(TrainConfig, AugmentShiftModeIsZerosWithZeroAsAnAlias) {
  TrainConfig c;
  EXPECT_EQ(c.augment_shift_mode, "zeros");
  EXPECT_EQ(canonical_augment_shift_mode("zero"), "zeros");
  EXPECT_EQ(canonical_augment_shift_mode("circular"), "circular");
  for (const char* mode : {"zeros", "zero", "circular"}) {
    c.augment_shift_mode = mode;
    EXPECT_NO_THROW(validate(c)) << mode;
  }
  c.augment_shift_mode = "reflect";
  EXPECT_THROW(validate(c), ConfigError);
}

// --image-size sizes the generated shapes (so a total stride of 9 can divide it) and is refused
// for the data sets read from files.
TEST(TrainConfig, ImageSizeIsForShapesOnly) {
  TrainConfig c;
  c.dataset = "shapes";
  c.test_samples = 4;
  c.image_size = 27;
  EXPECT_NO_THROW(validate(c));
  const data::Dataset test = open_test_set(c);
  EXPECT_EQ(test.size(), 4);
  EXPECT_EQ(test.height(), 27);
  EXPECT_EQ(test.width(), 27);
  for (int64_t bad : {15, 129, -1}) {
    c.image_size = bad;
    EXPECT_THROW(validate(c), ConfigError) << bad;
  }
  c.dataset = "fashion-mnist";
  c.image_size = 28;
  try {
    validate(c);
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--image-size: applies to the shapes data set only"), std::string::npos)
        << e.what();
  }
}

TEST(TrainConfig, JsonRoundTripsAndReadsTheOldSpelling) {
  TrainConfig c;
  c.epochs = 7;
  c.lr = 0.1 / 3;
  c.augment_shift = 2;
  const TrainConfig back = train_config_from_json(to_json(c));
  EXPECT_EQ(to_json(back), to_json(c));
  std::string old = to_json(c);
  old.replace(old.find("\"zeros\""), 7, "\"zero\"");
  EXPECT_EQ(train_config_from_json(old).augment_shift_mode, "zeros");
  EXPECT_EQ(to_json(train_config_from_json(old)), to_json(c));
}

}  // namespace
}  // namespace poolnet
