#include <gtest/gtest.h>

#include "experiments/train/history.h"
#include "framework/errors.h"

namespace poolnet {
namespace {

TrainHistory two_epochs() {
  TrainHistory h;
  h.epochs.push_back({.epoch = 1, .train_loss = 1.25, .train_acc = 0.5, .test_loss = 1.5, .test_acc = 0.4,
                      .lr = 0.05, .seconds = 2.5, .images_per_second = 1000.3});
  h.epochs.push_back({.epoch = 2, .train_loss = 0.1 / 3, .train_acc = 0.75, .test_loss = 0.9, .test_acc = 0.7,
                      .validation_acc = 0.65, .lr = 0.025, .seconds = 2.25, .images_per_second = 1111});
  return h;
}

TEST(TrainHistory, JsonRoundTripsExactly) {
  const TrainHistory h = two_epochs();
  const TrainHistory back = train_history_from_json(to_json(h), "test");
  ASSERT_EQ(back.epochs.size(), 2u);
  EXPECT_EQ(back.last().epoch, 2);
  EXPECT_EQ(back.last().train_loss, 0.1 / 3);
  EXPECT_EQ(back.epochs[0].validation_acc, -1.0);
  EXPECT_EQ(to_json(back), to_json(h));
  EXPECT_EQ(to_json(TrainHistory{}), "[]");
}

TEST(TrainHistory, JsonKeysAreTheFieldNames) {
  const std::string json = to_json(two_epochs());
  for (const char* key : {"\"epoch\"", "\"train_loss\"", "\"train_acc\"", "\"test_loss\"", "\"test_acc\"",
                          "\"validation_acc\"", "\"lr\"", "\"seconds\"", "\"images_per_second\""}) {
    EXPECT_NE(json.find(key), std::string::npos) << key;
  }
}

TEST(TrainHistory, BadJsonIsADataErrorNamingTheSource) {
  try {
    train_history_from_json("[{\"epoch\": 1}]", "run/checkpoint.safetensors");
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("run/checkpoint.safetensors"), std::string::npos) << e.what();
  }
}

TEST(TrainHistory, CsvHasOneRowPerEpoch) {
  EXPECT_EQ(to_csv(two_epochs()),
            "epoch,train_loss,train_acc,test_loss,test_acc,validation_acc,lr,seconds,images_per_second\n"
            "1,1.250000,0.500000,1.500000,0.400000,-1.000000,0.05,2.500,1000.3\n"
            "2,0.033333,0.750000,0.900000,0.700000,0.650000,0.025,2.250,1111.0\n");
}

}  // namespace
}  // namespace poolnet
