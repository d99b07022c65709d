#include <gtest/gtest.h>

#include "experiments/train/train_config.h"
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
