#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "experiments/study/fingerprint.h"
#include "framework/errors.h"

namespace poolnet {
namespace {

Fingerprint base_fingerprint(const TrainConfig& config = {}) {
  DataIdentity data{.name = "mnist", .files = {{"t10k-images-idx3-ubyte", std::string(64, 'a')}}};
  return run_fingerprint(config, data, {ShiftMode::kCircular}, ShiftEvalOptions{});
}

TEST(Fingerprint, Sha256MatchesTheStandardVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const auto path = std::filesystem::temp_directory_path() / "poolnet_sha256_test.bin";
  std::ofstream(path, std::ios::binary) << "abc";
  EXPECT_EQ(sha256_file(path), sha256_hex("abc"));
  std::filesystem::remove(path);
}

TEST(Fingerprint, HoldsEveryResultChangingOptionButNoTimingOrThreads) {
  const Fingerprint f = base_fingerprint();
  for (const char* key : {"format_version", "train.epochs", "train.lr", "train.downsample", "train.seed", "data.name",
                          "data.files", "data.sha256.t10k-images-idx3-ubyte", "eval.max_shift", "strategy.kernel"}) {
    EXPECT_TRUE(f.count(key)) << key;
  }
  for (const auto& [key, value] : f) {
    EXPECT_EQ(key.find("thread"), std::string::npos) << key;
    EXPECT_EQ(key.find("seconds"), std::string::npos) << key;
    EXPECT_EQ(key.find("data_dir"), std::string::npos) << key;
  }
  EXPECT_EQ(f.at("format_version"), std::to_string(kStudyFormatVersion));
}

// --input-downsample changes the model, so it changes the fingerprint; off, the key is absent so
// that folders written before the option keep their fingerprints.
TEST(Fingerprint, InputDownsampleOnlyWhenSet) {
  TrainConfig config;
  EXPECT_FALSE(base_fingerprint(config).count("train.input_downsample"));
  config.input_downsample = true;
  const Fingerprint on = base_fingerprint(config);
  EXPECT_EQ(on.at("train.input_downsample"), "true");
  EXPECT_EQ(on.size(), base_fingerprint().size() + 1);
}

TEST(Fingerprint, DiffNamesEachChangedKeyWithBothValues) {
  TrainConfig changed;
  changed.epochs = 5;
  changed.downsample = "max_pool:padding=1";
  changed.checkpoint_every = 100;  // does not change results: not in the fingerprint
  const auto diffs = diff_fingerprints(base_fingerprint(), base_fingerprint(changed));
  ASSERT_EQ(diffs.size(), 3u);
  EXPECT_EQ(diffs[0].key, "strategy.padding");
  EXPECT_EQ(diffs[0].recorded, "0");
  EXPECT_EQ(diffs[0].current, "1");
  EXPECT_EQ(diffs[1].key, "train.downsample");
  EXPECT_EQ(diffs[2].key, "train.epochs");
  EXPECT_EQ(diffs[2].recorded, "3");
  EXPECT_EQ(diffs[2].current, "5");
  EXPECT_TRUE(diff_fingerprints(base_fingerprint(), base_fingerprint()).empty());
}

TEST(Fingerprint, DiffReportsKeysOnlyOneSideHas) {
  Fingerprint old = base_fingerprint();
  old.erase("data.sha256.t10k-images-idx3-ubyte");
  old["format_version"] = std::string("1");
  const auto diffs = diff_fingerprints(old, base_fingerprint());
  ASSERT_EQ(diffs.size(), 2u);
  EXPECT_EQ(diffs[0].key, "data.sha256.t10k-images-idx3-ubyte");
  EXPECT_EQ(diffs[0].recorded, "(absent)");
  EXPECT_EQ(diffs[1].key, "format_version");
}

TEST(Fingerprint, EvaluationOnlyKeysAreMarked) {
  EXPECT_TRUE(is_evaluation_only("eval.max_shift"));
  EXPECT_FALSE(is_evaluation_only("train.epochs"));
  EXPECT_FALSE(is_evaluation_only("data.sha256.x"));
}

TEST(Fingerprint, RoundTripsThroughJson) {
  const Fingerprint f = base_fingerprint();
  EXPECT_EQ(fingerprint_from_json(to_json(f), "x"), f);
  EXPECT_THROW(fingerprint_from_json("[1,", "runs/a/fingerprint.json"), DataError);
}

}  // namespace
}  // namespace poolnet
