// Paired comparisons with the baseline on hand-made runs whose outcomes are counted by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "experiments/study/comparisons.h"

namespace poolnet {
namespace {

constexpr size_t kImages = 100;

RunResult run(const std::string& strategy, uint64_t seed, const GridValues& grid = {}) {
  RunResult r;
  r.strategy = strategy;
  r.seed = seed;
  r.grid = grid;
  ShiftMetrics m;
  m.mode = ShiftMode::kCircular;
  m.correct.assign(kImages, 1);
  m.consistent.assign(kImages, 0);
  m.flipped.assign(kImages, 0);
  r.shift.push_back(m);
  return r;
}

// Recomputes the rates from the outcomes, as evaluate_shift does.
void finish(RunResult& r) {
  ShiftMetrics& m = r.shift.front();
  double correct = 0, consistent = 0, flips = 0;
  for (size_t i = 0; i < kImages; ++i) {
    correct += m.correct[i];
    consistent += m.consistent[i];
    for (int d = 0; d < 4; ++d) flips += (m.flipped[i] >> d) & 1;
  }
  m.clean_acc = correct / kImages;
  m.consistency = consistent / kImages;
  m.flip_rate = flips / (4.0 * kImages);
}

const Comparison& find(const std::vector<Comparison>& all, const std::string& metric) {
  for (const auto& c : all) {
    if (c.metric == metric) return c;
  }
  throw std::runtime_error("no comparison of " + metric);
}

std::vector<RunResult> two_strategies() {
  std::vector<RunResult> runs{run("a", 0), run("a", 1), run("b", 0), run("b", 1)};
  // clean accuracy: seed 0, b right on 3 images a misses; seed 1, b misses 1 image a gets.
  for (size_t i = 0; i < 3; ++i) runs[0].shift[0].correct[i] = 0;
  runs[3].shift[0].correct[50] = 0;
  // consistency: b agrees on every image, a on none, in both seeds.
  for (size_t s : {2, 3}) runs[s].shift[0].consistent.assign(kImages, 1);
  // flips: b flips image 7 in two directions in seed 0.
  runs[2].shift[0].flipped[7] = 0b0101;
  runs[0].shift[0].prob_change = 0.1;
  runs[1].shift[0].prob_change = 0.2;
  runs[2].shift[0].prob_change = 0.1;
  runs[3].shift[0].prob_change = 0.2;
  for (auto& r : runs) finish(r);
  return runs;
}

TEST(Comparisons, CountsDiscordantOutcomesPooledOverSeeds) {
  const auto all = compare_with_baseline(two_strategies(), {"a", "b"}, {{}}, "a");
  ASSERT_EQ(all.size(), 6u);  // clean accuracy, then five shift metrics under one mode
  const Comparison& clean = find(all, "clean_acc");
  EXPECT_EQ(clean.test, "mcnemar");
  EXPECT_EQ(clean.shift_mode, "");
  EXPECT_EQ(clean.better, 3);
  EXPECT_EQ(clean.worse, 1);
  EXPECT_NEAR(clean.p, 2.0 * 5 / 16, 1e-12);  // P(X <= 1) of Binomial(4, 1/2) = 5/16
  EXPECT_NEAR(clean.difference.diff, (0.03 - 0.01) / 2, 1e-12);
  EXPECT_EQ(clean.difference.n, 2);
  EXPECT_FALSE(clean.significant);

  const Comparison& flips = find(all, "flip_rate");
  EXPECT_FALSE(flips.higher_is_better);
  EXPECT_EQ(flips.better, 0);
  EXPECT_EQ(flips.worse, 2);  // two image x direction units flip for b only
  EXPECT_NEAR(flips.p, 0.5, 1e-12);

  const Comparison& consistency = find(all, "consistency");
  EXPECT_EQ(consistency.shift_mode, "circular");
  EXPECT_EQ(consistency.better, 200);
  EXPECT_EQ(consistency.worse, 0);
  EXPECT_NEAR(consistency.difference.diff, 1.0, 1e-12);
  EXPECT_TRUE(consistency.significant);
  EXPECT_LE(consistency.p, consistency.p_holm);

  const Comparison& prob = find(all, "prob_change");
  EXPECT_EQ(prob.test, "t");
  EXPECT_EQ(prob.p, 1);
}

TEST(Comparisons, HolmAdjustsOverTheWholeReport) {
  const auto all = compare_with_baseline(two_strategies(), {"a", "b"}, {{}}, "a");
  for (const auto& c : all) EXPECT_GE(c.p_holm, c.p) << c.metric;
  // the smallest p is multiplied by the number of comparisons
  EXPECT_NEAR(find(all, "consistency").p_holm, std::min(1.0, 6 * find(all, "consistency").p), 1e-300);
}

TEST(Comparisons, AWideSeedIntervalIsNotSignificantWhateverTheImages) {
  // b is far better in seed 0 and far worse in seed 1: McNemar pools 100 + 60 discordant images,
  // but the interval over the two seeds spans 0.
  std::vector<RunResult> runs{run("a", 0), run("a", 1), run("b", 0), run("b", 1)};
  for (size_t i = 0; i < 100; ++i) runs[0].shift[0].correct[i] = 0;
  for (size_t i = 0; i < 60; ++i) runs[3].shift[0].correct[i] = 0;
  for (auto& r : runs) finish(r);
  const auto all = compare_with_baseline(runs, {"a", "b"}, {{}}, "a");
  const Comparison& clean = find(all, "clean_acc");
  EXPECT_LT(clean.p_holm, 0.05);
  EXPECT_LT(clean.difference.ci_low, 0);
  EXPECT_GT(clean.difference.ci_high, 0);
  EXPECT_FALSE(clean.significant);
}

TEST(Comparisons, PairOnlyRunsOfTheSameGridPointAndSeed) {
  const GridValues gap{{"head", "gap"}}, flatten{{"head", "flatten"}};
  std::vector<RunResult> runs{run("a", 0, gap), run("b", 0, gap), run("a", 0, flatten), run("b", 1, flatten)};
  runs[1].shift[0].consistent.assign(kImages, 1);
  for (auto& r : runs) finish(r);
  const auto all = compare_with_baseline(runs, {"a", "b"}, {gap, flatten}, "a");
  ASSERT_EQ(all.size(), 6u);  // the flatten runs of b have no baseline run of the same seed
  EXPECT_EQ(all.front().grid, gap);
  EXPECT_EQ(find(all, "consistency").better, 100);
}

TEST(Comparisons, FindingsStateEachSignificantDifferenceAndListTheRest) {
  const auto all = compare_with_baseline(two_strategies(), {"a", "b"}, {{}}, "a");
  const auto lines = findings(all);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("`b` has higher consistency under circular shifts than `a`: 1.000 vs 0.000, difference +1.000"),
            std::string::npos)
      << lines[0];
  EXPECT_NE(lines[0].find("200 + 0 discordant"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("Not significant against `a`"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("clean accuracy"), std::string::npos) << lines[1];
  EXPECT_TRUE(findings({}).empty());
}

TEST(Comparisons, CsvHasOneColumnPerGridOption) {
  const GridValues point{{"head", "gap"}, {"lr", "0.1"}};
  std::vector<RunResult> runs{run("a", 0, point), run("b", 0, point)};
  for (auto& r : runs) finish(r);
  const std::string csv = comparisons_csv(compare_with_baseline(runs, {"a", "b"}, {point}, "a"));
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "strategy,head,lr,shift_mode,metric,baseline,baseline_mean,strategy_mean,diff,ci_low,ci_high,seeds,test,"
            "better,worse,p,p_holm,significant");
  EXPECT_NE(csv.find("\nb,gap,0.1,,clean_acc,a,"), std::string::npos) << csv;
}

// Suite summary metrics: one value per run, compared with the paired t-test over seeds. With
// three seeds (2 degrees of freedom) the two-sided p of t is 1 - |t| / sqrt(t^2 + 2) exactly.
TEST(Comparisons, SuiteMetricsGetThePairedTTestOverSeeds) {
  std::vector<RunResult> runs;
  const double base[] = {0.50, 0.60, 0.70}, other[] = {0.60, 0.72, 0.81};
  for (uint64_t seed = 0; seed < 3; ++seed) {
    runs.push_back(run("a", seed));
    runs.back().suite_results.push_back({"worst_shift", {{"worst_shift_acc", base[seed]}}, {}});
    runs.back().suite_results.push_back({"custom", {{"undeclared_metric", 1.0 + static_cast<double>(seed)}}, {}});
    runs.push_back(run("b", seed));
    runs.back().suite_results.push_back({"worst_shift", {{"worst_shift_acc", other[seed]}}, {}});
    runs.back().suite_results.push_back({"custom", {{"undeclared_metric", 1.0 + static_cast<double>(seed)}}, {}});
  }
  runs.push_back(run("b", 3));  // no baseline run of seed 3: not paired
  runs.back().suite_results.push_back({"worst_shift", {{"worst_shift_acc", 0.0}}, {}});
  for (auto& r : runs) finish(r);
  const auto all = compare_with_baseline(runs, {"a", "b"}, {{}}, "a");
  ASSERT_EQ(all.size(), 8u);  // the six shift metrics, then the two suite metrics
  EXPECT_EQ(all[6].metric, "worst_shift_acc");
  EXPECT_EQ(all[7].metric, "undeclared_metric");

  const Comparison& c = find(all, "worst_shift_acc");
  EXPECT_EQ(c.test, "t");
  EXPECT_EQ(c.shift_mode, "");
  EXPECT_EQ(c.title, "worst-shift accuracy");
  EXPECT_TRUE(c.higher_is_better);
  EXPECT_EQ(c.difference.n, 3);
  EXPECT_NEAR(c.baseline_mean, 0.60, 1e-12);
  EXPECT_NEAR(c.strategy_mean, (0.60 + 0.72 + 0.81) / 3, 1e-12);
  EXPECT_NEAR(c.difference.diff, 0.11, 1e-12);
  const double t = 0.11 / (0.01 / std::sqrt(3.0));  // the differences 0.10, 0.12, 0.11: sd 0.01
  EXPECT_NEAR(c.p, 1 - t / std::sqrt(t * t + 2), 1e-9);
  EXPECT_NEAR(c.difference.ci_low, 0.11 - 4.302652729911275 * 0.01 / std::sqrt(3.0), 1e-9);
  EXPECT_EQ(c.better, 0);
  EXPECT_EQ(c.worse, 0);

  const Comparison& u = find(all, "undeclared_metric");  // no spread: p = 1
  EXPECT_EQ(u.title, "undeclared_metric");
  EXPECT_TRUE(u.higher_is_better);
  EXPECT_EQ(u.p, 1.0);

  const std::string csv = comparisons_csv(all);
  EXPECT_NE(csv.find("\nb,,worst_shift_acc,a,0.600000,0.710000,0.110000,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",3,t,0,0,"), std::string::npos) << csv;
  const auto lines = findings(all);
  bool found = false;
  for (const auto& line : lines) {
    found |= line.find("`b` has higher worst-shift accuracy than `a`: 0.710 vs 0.600, difference +0.110") !=
                 std::string::npos &&
             line.find("paired t-test over seeds") != std::string::npos && line.find("better.") != std::string::npos;
  }
  EXPECT_TRUE(found) << (lines.empty() ? "" : lines[0]);
}

}  // namespace
}  // namespace poolnet
