#include <gtest/gtest.h>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"
#include "tests/support/reference_downsample.h"

namespace poolnet {
namespace {
using testing::bitwise_equal;
using testing::random_tensor;

std::vector<int64_t> some_phases(int64_t n, int64_t s) {
  std::vector<int64_t> p;
  for (int64_t k = 0; k < n; ++k) p.push_back((5 * k + 3) % (s * s));
  return p;
}

TEST(PolyphaseUnpool, PutsValuesAtTheChosenComponent) {
  const Tensor y = Tensor::from_vector({2, 1, 1, 2}, {1, 2, 3, 4});
  // Sample 0 at phase (1, 0), sample 1 at phase (0, 1).
  EXPECT_EQ(polyphase_unpool(y, std::vector<int64_t>{2, 1}, Size2d{2, 2}).to_vector(),
            (std::vector<float>{0, 0, 0, 0, 1, 0, 2, 0,  //
                                0, 3, 0, 4, 0, 0, 0, 0}));
}

TEST(PolyphaseUnpool, MatchesNaiveReferenceForAnyStrideAndSize) {
  for (int64_t s : {2, 3, 4}) {
    for (Size2d out : {Size2d{8, 8}, Size2d{7, 5}, Size2d{1, 3}, Size2d{9, 12}}) {
      const int64_t OH = (out.h + s - 1) / s, OW = (out.w + s - 1) / s;
      const Tensor y = random_tensor({3, 2, OH, OW}, 7 * s + out.h);
      const auto phases = some_phases(3, s);
      EXPECT_TRUE(bitwise_equal(polyphase_unpool(y, phases, Size2d{s, s}, out),
                                reference::polyphase_unpool(y, phases, Size2d{s, s}, out.h, out.w)))
          << "stride " << s << " output " << to_string(out);
      // The adjoint of aps_select: selecting the same phases gives y back.
      EXPECT_TRUE(bitwise_equal(aps_select(polyphase_unpool(y, phases, Size2d{s, s}, out), phases, Size2d{s, s}), y));
    }
  }
  const Tensor y = random_tensor({2, 3, 4, 5}, 1);
  EXPECT_EQ(polyphase_unpool(y, some_phases(2, 3), Size2d{3, 3}).shape(), (Shape{2, 3, 12, 15}));
}

// Downsampling by APS, then unpooling at its phases, commutes with every circular shift.
TEST(PolyphaseUnpool, ApsThenUnpoolIsShiftEquivariant) {
  for (int64_t s : {2, 3}) {
    const Tensor x = random_tensor({4, 3, 6 * s, 4 * s}, 11 + s);
    const auto down_up = [&](const Tensor& in) {
      const ApsResult r = aps_downsample_with_phases(in, {.stride = {s, s}});
      return polyphase_unpool(r.y, r.phases, Size2d{s, s}, {in.size(2), in.size(3)});
    };
    const Tensor base = down_up(x);
    for (Size2d t : {Size2d{1, 0}, Size2d{0, 1}, Size2d{1, 1}, Size2d{3, -5}, Size2d{2 * s, s}}) {
      EXPECT_TRUE(bitwise_equal(down_up(roll(x, t)), roll(base, t))) << "stride " << s << " shift " << to_string(t);
    }
  }
}

// Gradient (aps_select at the same phases), accumulation, 1 vs 2 threads; even and wrapping sizes.
TEST(PolyphaseUnpool, Contract) {
  for (Size2d out : {Size2d{6, 6}, Size2d{5, 7}}) {
    SCOPED_TRACE(to_string(out));
    EXPECT_TRUE(testing::op_contract(
        {.op = "polyphase_unpool",
         .f = [&](const std::vector<Tensor>& in) {
           const auto phases = some_phases(in[0].size(0), 2);
           return in[0].size(0) == 2 ? polyphase_unpool(in[0], phases, Size2d{2, 2}, out) : polyphase_unpool(in[0], phases, Size2d{2, 2});
         },
         .inputs = {random_tensor({2, 2, (out.h + 1) / 2, (out.w + 1) / 2}, 3).set_requires_grad()},
         .thread_inputs = {random_tensor({32, 8, 7, 6}, 5).set_requires_grad()}}));
  }
}

TEST(PolyphaseUnpool, ShapeErrorsNameOpAndShape) {
  const auto phases = std::vector<int64_t>{0, 1};
  EXPECT_TRUE(testing::shape_error_names(
      "polyphase_unpool", {[&] { polyphase_unpool(Tensor::zeros({2, 4, 4}), phases, Size2d{2, 2}); }, {"[2,4,4]"}}));
  EXPECT_TRUE(testing::shape_error_names(
      "polyphase_unpool", {[&] { polyphase_unpool(Tensor::zeros({2, 1, 4, 4}), phases, Size2d{2, 2}, {9, 8}); }, {"[2,1,4,4]", "9x8"}}));
  EXPECT_TRUE(testing::shape_error_names(
      "polyphase_unpool", {[&] { polyphase_unpool(Tensor::zeros({3, 1, 4, 4}), phases, Size2d{2, 2}); }, {"[3,1,4,4]", "expected 3 phases"}}));
  EXPECT_TRUE(testing::shape_error_names(
      "polyphase_unpool", {[] { polyphase_unpool(Tensor::zeros({1, 1, 4, 4}), std::vector<int64_t>{4}, Size2d{2, 2}); }, {"phase 4"}}));
  EXPECT_TRUE(testing::shape_error_names(
      "polyphase_unpool", {[&] { polyphase_unpool(Tensor::zeros({2, 1, 4, 4}), phases, Size2d{1, 1}); }, {"stride 1"}}));
}

}  // namespace
}  // namespace poolnet
