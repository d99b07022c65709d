#include <gtest/gtest.h>

#include <set>

#include "experiments/cli/cli_common.h"
#include "experiments/study/ablation.h"

namespace poolnet {
namespace {

StudyConfig grid(int64_t seeds) {
  StudyConfig s;
  s.strategies = {"max_pool", "aps:norm=l2", "aps_blur:filter=3,norm=l1"};
  s.heads = {"gap", "flatten"};
  s.padding_modes = {"circular"};
  s.seeds = seeds;
  s.base.seed = 10;
  return s;
}

TEST(Ablation, PlanCoversTheGridWithUniqueFolders) {
  const auto runs = plan_runs(grid(3));
  ASSERT_EQ(runs.size(), 3u * 2u * 3u);
  std::set<std::string> ids;
  for (const auto& r : runs) ids.insert(r.id);
  EXPECT_EQ(ids.size(), runs.size());
  EXPECT_EQ(runs.front().id, "max_pool-head_gap-seed10");
  EXPECT_EQ(runs.front().label, "max_pool head=gap");
  EXPECT_EQ(runs.back().config.seed, 12u);
  EXPECT_EQ(runs.back().config.downsample, "aps_blur:filter=3,norm=l1");
  EXPECT_EQ(runs.back().config.head, "flatten");
  EXPECT_EQ(variant_labels(runs).size(), 6u);
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
