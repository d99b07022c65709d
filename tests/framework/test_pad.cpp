#include <gtest/gtest.h>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "tests/support/grad_check.h"
#include "tests/support/reference.h"

namespace poolnet {
namespace {

using testing::grad_check;
using testing::random_tensor;

TEST(Pad, MatchesNaiveInEveryMode) {
  Tensor x = random_tensor({2, 3, 5, 4}, 1);
  EXPECT_TRUE(testing::bitwise_equal(pad(x, {1, 2, 3, 0}, PadMode::kZeros, 0.5f),
                                     reference::pad_zeros(x, 1, 2, 3, 0, 0.5f)));
  EXPECT_TRUE(testing::bitwise_equal(pad(x, {4, 2, 3, 1}, PadMode::kReflect), reference::pad_reflect(x, 4, 2, 3, 1)));
  EXPECT_TRUE(testing::bitwise_equal(pad(x, {5, 1, 4, 2}, PadMode::kCircular),
                                     reference::pad_circular(x, 5, 1, 4, 2)));
  EXPECT_TRUE(testing::bitwise_equal(pad(x, {-1, 0, 0, -2}), reference::pad_zeros(x, -1, 0, 0, -2, 0.0f)));
}

TEST(Pad, GradCheckInEveryMode) {
  Tensor x = random_tensor({1, 2, 3, 4}, 2).set_requires_grad();
  for (PadMode mode : {PadMode::kZeros, PadMode::kReflect, PadMode::kCircular}) {
    EXPECT_TRUE(grad_check([&](const auto& in) { return pad(in[0], {2, 1, 3, 2}, mode); }, {x})) << to_string(mode);
  }
}

TEST(Pad, LimitsFollowPyTorch) {
  Tensor x = Tensor::zeros({1, 1, 3, 3});
  EXPECT_THROW(pad(x, {3, 0, 0, 0}, PadMode::kReflect), ShapeError);  // reflect needs pad < size
  EXPECT_NO_THROW(pad(x, {3, 0, 0, 0}, PadMode::kCircular));           // circular allows pad == size
  EXPECT_THROW(pad(x, {4, 0, 0, 0}, PadMode::kCircular), ShapeError);
  try {
    pad(Tensor::zeros({2, 3}), {1, 1, 1, 1});
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("pad"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("[2,3]"), std::string::npos);
  }
}

TEST(Roll, MovesContentDownAndRightWithWrap) {
  Tensor x = reshape(Tensor::arange(12), {1, 1, 3, 4});
  Tensor y = roll(x, {1, 2});  // torch.roll(x, (1, 2), dims=(2, 3))
  EXPECT_EQ(y.to_vector(), (std::vector<float>{10, 11, 8, 9, 2, 3, 0, 1, 6, 7, 4, 5}));
  EXPECT_TRUE(testing::bitwise_equal(roll(roll(x, {1, 2}), {-1, -2}), x));
  EXPECT_TRUE(testing::bitwise_equal(roll(x, {3, 4}), x));
}

TEST(Translate, FillsVacatedPixels) {
  Tensor x = reshape(Tensor::arange(6), {1, 1, 2, 3});
  EXPECT_EQ(translate(x, {0, 1}, -1.0f).to_vector(), (std::vector<float>{-1, 0, 1, -1, 3, 4}));
  EXPECT_EQ(translate(x, {-1, 0}).to_vector(), (std::vector<float>{3, 4, 5, 0, 0, 0}));
  EXPECT_EQ(translate(x, {5, 0}).to_vector(), std::vector<float>(6, 0.0f));
}

TEST(RollTranslate, GradCheck) {
  Tensor x = random_tensor({2, 2, 3, 5}, 3).set_requires_grad();
  EXPECT_TRUE(grad_check([](const auto& in) { return roll(in[0], {-2, 3}); }, {x}));
  EXPECT_TRUE(grad_check([](const auto& in) { return translate(in[0], {1, -2}, 0.3f); }, {x}));
}

TEST(Pad, BackwardAccumulatesAndIsThreadCountIndependent) {
  Tensor x = random_tensor({64, 8, 12, 12}, 4).set_requires_grad();
  std::vector<Tensor> ys, gs;
  for (int threads : {1, 2}) {
    testing::with_threads(threads, [&] {
      x.zero_grad();
      Tensor y = pad(x, {2, 2, 2, 2}, PadMode::kReflect);
      ys.push_back(y.detach());
      sum(mul(y, y)).backward();
      gs.push_back(x.grad().clone());
    });
  }
  EXPECT_TRUE(testing::bitwise_equal(ys[0], ys[1]));
  EXPECT_TRUE(testing::bitwise_equal(gs[0], gs[1]));
  sum(mul(pad(x, {2, 2, 2, 2}, PadMode::kReflect), pad(x, {2, 2, 2, 2}, PadMode::kReflect))).backward();
  EXPECT_TRUE(testing::all_close(x.grad(), mul(gs[1], 2.0f), 1e-5, 1e-6));
}

}  // namespace
}  // namespace poolnet
