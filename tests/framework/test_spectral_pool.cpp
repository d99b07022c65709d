#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "framework/errors.h"
#include "framework/ops/ops.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"
#include "tests/support/reference_spectral.h"

namespace poolnet {
namespace {
using testing::all_close;
using testing::op_contract;
using testing::random_tensor;
using testing::shape_error_names;

struct SpectralOp {
  std::string name;
  std::function<Tensor(const Tensor&)> op;
  std::function<Tensor(const Tensor&)> reference;
};

std::vector<SpectralOp> spectral_ops() {
  return {{"spectral_pool2d", [](const Tensor& x) { return spectral_pool2d(x); },
           [](const Tensor& x) { return reference::spectral_pool(x, 0.5); }},
          {"flc_pool2d", flc_pool2d, reference::flc_pool},
          {"asap_pool2d", asap_pool2d, reference::asap_pool}};
}

TEST(SpectralPool, MatchesNaiveReference) {
  for (const Shape& shape :
       std::vector<Shape>{{2, 3, 8, 8}, {1, 2, 14, 14}, {2, 1, 7, 9}, {1, 2, 6, 5}, {1, 1, 2, 3}}) {
    const Tensor x = random_tensor(shape, 3, -2.0f, 2.0f);
    for (const SpectralOp& s : spectral_ops()) {
      EXPECT_TRUE(all_close(s.op(x), s.reference(x), 1e-5, 1e-4)) << s.name << " " << shape_str(shape);
    }
  }
  const Tensor x = random_tensor({2, 2, 10, 12}, 4, -2.0f, 2.0f);
  for (double ratio : {0.1, 0.3, 0.6, 0.75, 0.9}) {
    EXPECT_TRUE(all_close(spectral_pool2d(x, {.ratio = ratio}), reference::spectral_pool(x, ratio), 1e-5, 1e-4))
        << ratio;
  }
}

TEST(SpectralPool, OutputSizes) {
  EXPECT_EQ(spectral_pool2d_out_shape({2, 3, 28, 28}, {}), (Shape{2, 3, 14, 14}));
  EXPECT_EQ(spectral_pool2d_out_shape({2, 3, 7, 9}, {}), (Shape{2, 3, 3, 4}));
  EXPECT_EQ(spectral_pool2d_out_shape({1, 1, 10, 3}, {.ratio = 0.3}), (Shape{1, 1, 3, 1}));  // at least 1
  EXPECT_EQ(flc_pool2d_out_shape({2, 3, 28, 28}), (Shape{2, 3, 14, 14}));
  EXPECT_EQ(flc_pool2d_out_shape({2, 3, 14, 7}), (Shape{2, 3, 7, 4}));  // int(10.5) - int(3.5), int(5.25) - int(1.75)
  EXPECT_EQ(asap_pool2d_out_shape({1, 1, 2, 3}), (Shape{1, 1, 1, 2}));
}

// The normalisations of the header: spectral pooling keeps a constant; FLC scales it by the area
// ratio H W / (OH OW) (PyTorch's default norms); ASAP by the window at the DC position (sizes not
// 2 mod 4, where the authors' crop keeps the DC term at frequency 0).
TEST(SpectralPool, ConstantPlanes) {
  const Tensor c = Tensor::full({1, 2, 12, 9}, 0.7f);
  const Tensor spectral = spectral_pool2d(c);
  for (int64_t i = 0; i < spectral.numel(); ++i) EXPECT_NEAR(spectral.data()[i], 0.7f, 1e-6);
  const Tensor flc = flc_pool2d(c);  // 6 x 4 from 12 x 9
  for (int64_t i = 0; i < flc.numel(); ++i) EXPECT_NEAR(flc.data()[i], 0.7 * (12.0 * 9.0) / (6.0 * 4.0), 1e-5);
  const Tensor asap = asap_pool2d(c);
  const double dc_window = std::sqrt((0.54 - 0.46 * std::cos(2.0 * M_PI * 6.0 / 11.0)) * 1.0);  // hamming(9)[4] = 1
  for (int64_t i = 0; i < asap.numel(); ++i) EXPECT_NEAR(asap.data()[i], 0.7 * dc_window, 1e-6);
}

// For H = 2 (mod 4) the authors' ifftshift places the kept block one frequency up: ASAP's real part
// turns a constant plane into a cosine along H (the magnitude of FLC stays constant).
TEST(SpectralPool, AuthorsPlacementForSizesTwoModFour) {
  const Tensor c = Tensor::full({1, 1, 14, 8}, 1.0f);
  const Tensor asap = asap_pool2d(c), flc = flc_pool2d(c);  // 7 x 4
  const double dc_window = std::sqrt(0.54 - 0.46 * std::cos(2.0 * M_PI * 7.0 / 13.0)) *
                           std::sqrt(0.54 - 0.46 * std::cos(2.0 * M_PI * 4.0 / 7.0));
  for (int64_t h = 0; h < 7; ++h) {
    for (int64_t w = 0; w < 4; ++w) {
      EXPECT_NEAR(asap.data()[h * 4 + w], dc_window * std::cos(2.0 * M_PI * double(h) / 7.0), 1e-6) << h;
      EXPECT_NEAR(flc.data()[h * 4 + w], 14.0 * 8.0 / 28.0, 1e-5) << h;
    }
  }
}

// Rippel et al.'s pooling of a band-limited plane is the plane sampled at the coarser grid.
TEST(SpectralPool, KeepsBandLimitedContent) {
  const int64_t H = 16, W = 12;
  Tensor x = Tensor::empty({1, 1, H, W});
  const auto f = [&](double h, double w, double n_h, double n_w) {
    return 0.3 + std::cos(2 * M_PI * (h / n_h)) + 0.5 * std::sin(2 * M_PI * 2 * (w / n_w));
  };
  for (int64_t h = 0; h < H; ++h) {
    for (int64_t w = 0; w < W; ++w) x.data()[h * W + w] = static_cast<float>(f(h, w, H, W));
  }
  const Tensor y = spectral_pool2d(x);
  for (int64_t h = 0; h < H / 2; ++h) {
    for (int64_t w = 0; w < W / 2; ++w) EXPECT_NEAR(y.data()[h * (W / 2) + w], f(h, w, H / 2, W / 2), 1e-5);
  }
}

TEST(SpectralPool, NanAndInfinityPropagateToTheirWholePlane) {
  for (const SpectralOp& s : spectral_ops()) {
    for (float bad : {NAN, INFINITY}) {
      Tensor x = random_tensor({2, 2, 8, 6}, 5);
      x.at({1, 0, 3, 2}) = bad;
      const Tensor y = s.op(x);
      const int64_t plane = y.size(2) * y.size(3);
      for (int64_t i = 0; i < y.numel(); ++i) {
        if (i / plane == 2) {
          EXPECT_FALSE(std::isfinite(y.data()[i])) << s.name << " " << i;
        } else {
          EXPECT_TRUE(std::isfinite(y.data()[i])) << s.name << " " << i;
        }
      }
    }
  }
}

// Gradient (finite differences), accumulation, 1 vs 2 threads, for even, odd and mixed sizes.
TEST(SpectralPool, Contract) {
  const std::vector<Tensor> big{random_tensor({16, 8, 14, 14}, 3).set_requires_grad()};
  for (const SpectralOp& s : spectral_ops()) {
    for (const Shape& shape : std::vector<Shape>{{2, 2, 8, 8}, {1, 2, 7, 6}, {2, 1, 5, 9}}) {
      SCOPED_TRACE(s.name + " " + shape_str(shape));
      EXPECT_TRUE(op_contract({.op = s.name,
                               .f = [&](const std::vector<Tensor>& in) { return s.op(in[0]); },
                               .inputs = {random_tensor(shape, 4, -2.0f, 2.0f).set_requires_grad()},
                               .thread_inputs = big}));
    }
  }
  EXPECT_TRUE(op_contract({.op = "spectral_pool2d",
                           .f = [](const std::vector<Tensor>& in) { return spectral_pool2d(in[0], {.ratio = 0.3}); },
                           .inputs = {random_tensor({1, 2, 10, 7}, 6, -2.0f, 2.0f).set_requires_grad()},
                           .thread_inputs = big}));
}

TEST(SpectralPool, ShapeErrorsNameOpAndShape) {
  const auto bad = [](std::function<Tensor(const Tensor&)> op, const Shape& shape) {
    return [=] { op(Tensor::zeros(shape)); };
  };
  for (const SpectralOp& s : spectral_ops()) EXPECT_TRUE(shape_error_names(s.name, {bad(s.op, {4, 4}), {"[4,4]"}}));
  EXPECT_TRUE(shape_error_names("flc_pool2d", {bad(flc_pool2d, {1, 2, 1, 4}), {"H and W >= 2", "[1,2,1,4]"}}));
  EXPECT_TRUE(shape_error_names("asap_pool2d", {bad(asap_pool2d, {1, 2, 4, 1}), {"got 4x1", "[1,2,4,1]"}}));
  const auto ratio = [](double r) { return [=] { spectral_pool2d(Tensor::zeros({1, 1, 4, 4}), {.ratio = r}); }; };
  EXPECT_TRUE(shape_error_names("spectral_pool2d", {ratio(1.0), {"ratio must be in (0, 1), got 1", "[1,1,4,4]"}}));
  EXPECT_TRUE(shape_error_names("spectral_pool2d", {ratio(0.0), {"got 0"}}));
}

}  // namespace
}  // namespace poolnet
