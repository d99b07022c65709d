#include <gtest/gtest.h>

#include <set>

#include "experiments/cli/cli_common.h"
#include "experiments/study/ablation.h"
#include "framework/errors.h"

namespace poolnet {
namespace {

StudyConfig grid(int64_t seeds) {
  StudyConfig s;
  s.strategies = {"max_pool", "aps:norm=l2", "aps_blur:filter=3,norm=l1"};
  s.base.seed = 10;
  s.grid = cli::grid_points(s.base, {"head=gap,flatten", "lr=0.1,0.01"});
  s.seeds = seeds;
  return s;
}

TEST(Ablation, PlanCoversTheGridWithUniqueFolders) {
  const auto runs = plan_runs(grid(3));
  ASSERT_EQ(runs.size(), 3u * 4u * 3u);
  std::set<std::string> ids, labels;
  for (const auto& r : runs) {
    ids.insert(r.id);
    labels.insert(r.label);
  }
  EXPECT_EQ(ids.size(), runs.size());
  EXPECT_EQ(labels.size(), 3u * 4u);
  EXPECT_EQ(runs.front().id, "max_pool-head_gap-lr_0.1-seed10");
  EXPECT_EQ(runs.front().label, "max_pool head=gap lr=0.1");
  EXPECT_EQ(runs.front().grid, (GridValues{{"head", "gap"}, {"lr", "0.1"}}));
  EXPECT_DOUBLE_EQ(runs.front().config.lr, 0.1);
  EXPECT_EQ(runs.back().config.seed, 12u);
  EXPECT_EQ(runs.back().strategy, "aps_blur:filter=3,norm=l1");
  EXPECT_EQ(runs.back().config.downsample, "aps_blur:filter=3,norm=l1");
  EXPECT_EQ(runs.back().config.head, "flatten");
  EXPECT_DOUBLE_EQ(runs.back().config.lr, 0.01);
}

TEST(Ablation, WithoutAGridTheRunsAreStrategiesTimesSeeds) {
  StudyConfig s;
  s.strategies = {"max_pool", "aps:norm=l2"};
  s.seeds = 2;
  const auto runs = plan_runs(s);
  ASSERT_EQ(runs.size(), 4u);
  EXPECT_EQ(runs[1].id, "max_pool-seed1");
  EXPECT_EQ(runs[1].label, "max_pool");
  EXPECT_TRUE(runs[1].grid.empty());
}

TEST(Cli, GridAppliesEachValueAsTheCommandLineWould) {
  TrainConfig base;
  base.batch_norm = true;
  const auto points = cli::grid_points(base, {"batch-norm=false,true", "augment-shift=0,2", "schedule=cosine"});
  ASSERT_EQ(points.size(), 4u);
  EXPECT_FALSE(points[0].config.batch_norm);
  EXPECT_EQ(points[0].config.augment_shift, 0);
  EXPECT_EQ(points[1].config.augment_shift, 2);
  EXPECT_TRUE(points[3].config.batch_norm);
  EXPECT_EQ(points[3].config.schedule, "cosine");
  EXPECT_EQ(points[3].values, (GridValues{{"batch-norm", "true"}, {"augment-shift", "2"}, {"schedule", "cosine"}}));
  EXPECT_TRUE(cli::grid_points(base, {}).empty());
}

TEST(Cli, GridRejectsWhatItCannotVary) {
  const TrainConfig base;
  for (const char* axis : {"seed=1,2", "downsample=aps", "dataset=mnist", "test-samples=10,20", "colour=red",
                           "lr", "=1", "epochs=two", "head=gap"}) {
    std::vector<std::string> axes{axis};
    if (std::string(axis) == "head=gap") axes.push_back("head=flatten");  // an axis twice
    EXPECT_THROW(cli::grid_points(base, axes), ConfigError) << axis;
  }
}

TEST(Ablation, ShardsPartitionTheGridExactly) {
  const auto runs = plan_runs(grid(3));
  for (int64_t n : {1, 2, 3, 5, 7, 18, 25}) {
    std::multiset<std::string> seen;
    for (int64_t i = 0; i < n; ++i) {
      for (const auto& r : shard(runs, i, n)) seen.insert(r.id);
    }
    EXPECT_EQ(seen.size(), runs.size()) << n;
    for (const auto& r : runs) EXPECT_EQ(seen.count(r.id), 1u) << n << " " << r.id;
  }
}

TEST(Ablation, FolderNamesAreSafe) {
  EXPECT_EQ(folder_name("aps_blur:filter=3,norm=l2"), "aps_blur_filter=3_norm=l2");
  EXPECT_EQ(folder_name("none"), "none");
}

TEST(Cli, StrategyListsKeepKeysTogether) {
  EXPECT_EQ(cli::split_strategy_list("max_pool,aps_blur:filter=3,norm=l2,none"),
            (std::vector<std::string>{"max_pool", "aps_blur:filter=3,norm=l2", "none"}));
  EXPECT_EQ(cli::split_strategy_list("a,,b"), (std::vector<std::string>{"a", "b"}));
}

TEST(Cli, ShiftModeListsAcceptZeroForZeros) {
  EXPECT_EQ(cli::parse_shift_modes("circular,zero,crop"),
            (std::vector<ShiftMode>{ShiftMode::kCircular, ShiftMode::kZeros, ShiftMode::kCrop}));
  EXPECT_EQ(cli::parse_shift_modes("zeros"), std::vector<ShiftMode>{ShiftMode::kZeros});
}

}  // namespace
}  // namespace poolnet
