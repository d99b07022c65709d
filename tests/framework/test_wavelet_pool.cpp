#include <gtest/gtest.h>

#include <cmath>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"
#include "tests/support/reference_wavelet.h"

namespace poolnet {
namespace {
using testing::all_close;
using testing::op_contract;
using testing::random_tensor;
using testing::shape_error_names;

const WaveletPool kHaar{.wavelet = Wavelet::kHaar};
const WaveletPool kDb2{.wavelet = Wavelet::kDb2};

// The Haar approximation of a 2x2 block is (1/sqrt2)^2 times its sum: twice its mean.
TEST(WaveletPool, HaarIsTwiceAveragePooling) {
  Tensor x = random_tensor({2, 3, 8, 6}, 1, -3.0f, 3.0f);
  Tensor avg = avg_pool2d(x, Pool2d{.kernel = {2, 2}, .stride = {2, 2}});
  EXPECT_TRUE(all_close(wavelet_pool2d(x, kHaar), mul(avg, 2.0f), 1e-7, 1e-6));
  EXPECT_EQ(wavelet_pool2d(Tensor::from_vector({1, 1, 2, 2}, {1, 2, 3, 4}), kHaar).item(), 5.0f);
}

TEST(WaveletPool, Db2DiffersFromHaar) {
  Tensor x = random_tensor({1, 2, 8, 8}, 2, -1.0f, 1.0f);
  Tensor haar = wavelet_pool2d(x, kHaar), db2 = wavelet_pool2d(x, kDb2);
  float largest = 0.0f;
  for (int64_t i = 0; i < haar.numel(); ++i) largest = std::max(largest, std::abs(haar.data()[i] - db2.data()[i]));
  EXPECT_GT(largest, 0.1f);
  // Both low-pass filters sum to sqrt2, so a constant plane gives twice the constant either way.
  EXPECT_NEAR(wavelet_pool2d(Tensor::full({1, 1, 4, 4}, 0.25f), kDb2).at({0, 0, 1, 1}), 0.5f, 1e-6);
}

// The reference's DWT is a perfect reconstruction, odd sides included: idwt2(dwt2(z)) = z.
TEST(WaveletPool, ReferenceTransformReconstructsPerfectly) {
  for (const std::string wavelet : {"haar", "db2"}) {
    for (const auto& [H, W] : {std::pair{8, 12}, std::pair{7, 5}, std::pair{3, 2}}) {
      Tensor x = random_tensor({1, 1, H, W}, 3);
      reference::Plane p(H, std::vector<double>(W));
      for (int64_t i = 0; i < H; ++i)
        for (int64_t j = 0; j < W; ++j) p[i][j] = x.at({0, 0, i, j});
      const reference::Plane back = reference::idwt2(reference::dwt2(p, wavelet), wavelet, H, W);
      for (int64_t i = 0; i < H; ++i)
        for (int64_t j = 0; j < W; ++j) EXPECT_NEAR(back[i][j], p[i][j], 1e-12) << wavelet << " " << i << " " << j;
    }
  }
}

// The op's one-level fast form equals the literal two-level decompose / reconstruct.
TEST(WaveletPool, MatchesLiteralTwoLevelReference) {
  for (const auto& [name, o] : {std::pair{"haar", kHaar}, std::pair{"db2", kDb2}}) {
    for (const Shape& shape : {Shape{2, 3, 8, 12}, Shape{1, 2, 4, 4}, Shape{1, 1, 16, 8}, Shape{1, 2, 6, 10},
                               Shape{2, 1, 7, 9}, Shape{1, 1, 14, 5}, Shape{1, 1, 1, 3}}) {
      Tensor x = random_tensor(shape, 4, -2.0f, 2.0f);
      EXPECT_TRUE(all_close(wavelet_pool2d(x, o), reference::wavelet_pool_two_level(x, name), 1e-6, 1e-5))
          << name << " " << shape_str(shape);
    }
  }
}

// The fast form is the first-level approximation, and an odd side repeats its last sample:
// [a, b, c] pools as [a, b, c, c].
TEST(WaveletPool, OddSidesRepeatTheirLastSample) {
  for (const auto& [name, o] : {std::pair{"haar", kHaar}, std::pair{"db2", kDb2}}) {
    Tensor x = random_tensor({2, 2, 7, 5}, 5);
    EXPECT_EQ(wavelet_pool2d(x, o).shape(), (Shape{2, 2, 4, 3}));
    EXPECT_TRUE(all_close(wavelet_pool2d(x, o), reference::wavelet_approximation(x, name), 1e-6, 1e-5)) << name;
    Tensor tiny = random_tensor({1, 1, 2, 2}, 6);  // every db2 tap wraps around
    EXPECT_TRUE(all_close(wavelet_pool2d(tiny, o), reference::wavelet_approximation(tiny, name), 1e-6, 1e-5));
  }
  EXPECT_EQ(wavelet_pool2d(Tensor::from_vector({1, 1, 1, 3}, {1, 2, 3}), kHaar).to_vector(),
            (std::vector<float>{3, 6}));  // (1 + 2 + 1 + 2) / 2, (3 + 3 + 3 + 3) / 2
}

// Periodic extension: a circular shift of the input by 2 shifts the output by 1.
TEST(WaveletPool, CommutesWithEvenCircularShifts) {
  Tensor x = random_tensor({1, 2, 8, 6}, 7);
  Tensor shifted = Tensor::zeros(x.shape());
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t i = 0; i < 8; ++i)
      for (int64_t j = 0; j < 6; ++j) shifted.at({0, c, (i + 2) % 8, (j + 4) % 6}) = x.at({0, c, i, j});
  Tensor y = wavelet_pool2d(x, kDb2), ys = wavelet_pool2d(shifted, kDb2);
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t i = 0; i < 4; ++i)
      for (int64_t j = 0; j < 3; ++j) EXPECT_NEAR(ys.at({0, c, (i + 1) % 4, (j + 2) % 3}), y.at({0, c, i, j}), 1e-6);
}

// db2's output row i reads input rows 2i-1..2i+2 (mod H): a NaN in row 0 reaches rows 0 and H/2-1.
TEST(WaveletPool, NanPropagatesThroughTheWindowsThatReadIt) {
  Tensor x = random_tensor({1, 1, 8, 8}, 8);
  x.at({0, 0, 0, 0}) = NAN;
  Tensor haar = wavelet_pool2d(x, kHaar), db2 = wavelet_pool2d(x, kDb2);
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 4; ++j) {
      EXPECT_EQ(std::isnan(haar.at({0, 0, i, j})), i == 0 && j == 0) << i << " " << j;
      EXPECT_EQ(std::isnan(db2.at({0, 0, i, j})), (i == 0 || i == 3) && (j == 0 || j == 3)) << i << " " << j;
    }
}

TEST(WaveletPool, Contract) {
  const std::vector<Tensor> big{random_tensor({16, 8, 14, 12}, 3).set_requires_grad()};
  for (const WaveletPool& o : {kHaar, kDb2}) {
    for (const Shape& shape : {Shape{2, 3, 6, 8}, Shape{1, 2, 2, 4}, Shape{2, 2, 5, 7}}) {
      SCOPED_TRACE(to_string(o.wavelet) + " " + shape_str(shape));
      EXPECT_TRUE(op_contract({.op = "wavelet_pool2d",
                               .f = [&](const std::vector<Tensor>& in) { return wavelet_pool2d(in[0], o); },
                               .inputs = {random_tensor(shape, 4, -2.0f, 2.0f).set_requires_grad()},
                               .thread_inputs = big}));
    }
  }
}

TEST(WaveletPool, ShapeErrorsNameOpAndShape) {
  const auto bad = [](const Shape& shape) { return [=] { wavelet_pool2d(Tensor::zeros(shape), kDb2); }; };
  EXPECT_TRUE(shape_error_names("wavelet_pool2d", {bad({4, 4}), {"[4,4]"}}));
  EXPECT_TRUE(shape_error_names("wavelet_pool2d", {bad({1, 2, 4, 0}), {">= 1", "4x0", "[1,2,4,0]", "db2"}}));
}

TEST(WaveletPool, ParsesItsNames) {
  EXPECT_EQ(parse_wavelet("db2"), Wavelet::kDb2);
  EXPECT_EQ(to_string(parse_wavelet("haar")), "haar");
  EXPECT_THROW(parse_wavelet("db4"), ConfigError);
  EXPECT_EQ(wavelet_offset(Wavelet::kDb2), -1);
  EXPECT_EQ(wavelet_lowpass(Wavelet::kDb2).size(), 4u);
}

}  // namespace
}  // namespace poolnet
