// Shared by test_plain_families.cpp and test_resnet.cpp: an `aps` model with circular padding
// and a `gap` head gives the same logits for every circular shift of its input.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "framework/autograd.h"
#include "framework/ops/ops.h"
#include "models/model.h"
#include "tests/models/models_test_util.h"
#include "tests/support/grad_check.h"

namespace poolnet::testing {

// Over every circular shift t = (dy, dx) of one image x [1, C, H, W]: how close
// features(roll(x, t)) comes to roll(features(x), u) for the best shift u of the feature map
// (APS picks the same components, so the maps agree, moved), whether it is bitwise equal, and
// the largest absolute logit difference from the unshifted logits (eval mode).
struct ShiftResult {
  int64_t shifts = 0, multiples = 0, multiples_exact = 0, features_exact = 0, logits_bitwise = 0;
  double worst_features = 0.0, worst = 0.0;
};

inline double max_abs_diff(const Tensor& a, const Tensor& b) {
  double d = 0.0;
  for (int64_t i = 0; i < a.numel(); ++i) d = std::max(d, static_cast<double>(std::fabs(a.data()[i] - b.data()[i])));
  return d;
}

inline double closest_roll(const Tensor& moved, const Tensor& base) {
  double best = INFINITY;
  for (int64_t uy = 0; uy < base.size(2); ++uy) {
    for (int64_t ux = 0; ux < base.size(3); ++ux) best = std::min(best, max_abs_diff(moved, roll(base, {uy, ux})));
  }
  return best;
}

// `stride`: the model's total stride (shifts by its multiples move the feature map by whole pixels).
inline ShiftResult every_shift(Model& model, const Tensor& x, int64_t stride) {
  NoGradGuard no_grad;
  model.eval();
  const Tensor base_features = model.features().forward(x);
  const Tensor base = model.classifier().forward(base_features);
  ShiftResult r;
  for (int64_t dy = 0; dy < x.size(2); ++dy) {
    for (int64_t dx = 0; dx < x.size(3); ++dx) {
      const Tensor features = model.features().forward(roll(x, {dy, dx}));
      const Tensor y = model.classifier().forward(features);
      const double d = closest_roll(features, base_features);
      const bool multiple = dy % stride == 0 && dx % stride == 0;
      ++r.shifts;
      r.multiples += multiple ? 1 : 0;
      r.multiples_exact += multiple && d == 0.0 ? 1 : 0;
      r.features_exact += d == 0.0 ? 1 : 0;
      r.worst_features = std::max(r.worst_features, d);
      r.logits_bitwise += bitwise_equal(y, base) ? 1 : 0;
      r.worst = std::max(r.worst, max_abs_diff(y, base));
    }
  }
  return r;
}

// Invariance up to summation order: conv2d's GEMM may sum a moved pixel's products in another
// order (its tiling depends on the batch and the column), and the gap head sums the moved map in
// another order, so feature maps and logits agree to the last bits, not bitwise (the bitwise
// counts are recorded as test properties). A different phase choice would differ by O(1).
inline void expect_invariant(const ShiftResult& r, const std::string& when) {
  EXPECT_LE(r.worst_features, 1e-5) << when;
  EXPECT_LE(r.worst, 1e-6) << when;
  ::testing::Test::RecordProperty("features_bitwise_multiples_" + when, static_cast<int>(r.multiples_exact));
  ::testing::Test::RecordProperty("features_bitwise_" + when, static_cast<int>(r.features_exact));
  ::testing::Test::RecordProperty("logits_bitwise_" + when, static_cast<int>(r.logits_bitwise));
}

// A few SGD steps (train mode) on cross-entropy with fixed labels.
inline void sgd_steps(Model& model, const Tensor& x, int steps) {
  model.train();
  std::vector<int32_t> labels;
  for (int64_t n = 0; n < x.size(0); ++n) labels.push_back(static_cast<int32_t>(n % model.spec().classes));
  for (int step = 0; step < steps; ++step) {
    for (const Tensor& p : model.parameters()) p.zero_grad();
    Tensor loss = cross_entropy(model.forward(x), labels);
    loss.backward();
    for (const Tensor& p : model.parameters()) {
      const Tensor g = p.grad();
      for (int64_t i = 0; i < p.numel(); ++i) p.data()[i] -= 0.05f * g.data()[i];
    }
  }
}

// A small `family` model with `strategy`, circular padding and a gap head, on a 16x16 input of
// total stride 4: invariant to every circular shift, untrained and after a few SGD steps.
inline void expect_circular_gap_invariance(const std::string& family, const std::string& strategy) {
  ModelSpec spec = small_spec(family, strategy, "gap", {1, 16, 16});
  spec.padding_mode = PadMode::kCircular;
  auto model = build_model(spec, 4);
  const Tensor x = random_tensor({1, 1, 16, 16}, 9);
  expect_invariant(every_shift(*model, x, 4), "untrained");
  sgd_steps(*model, random_tensor({4, 1, 16, 16}, 10), 3);
  expect_invariant(every_shift(*model, x, 4), "trained");
}

}  // namespace poolnet::testing
