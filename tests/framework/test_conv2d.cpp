#include <gtest/gtest.h>

#include <cmath>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "framework/errors.h"
#include "framework/ops/conv2d.h"
#include "framework/ops/geometry.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"
#include "tests/support/reference_conv.h"

namespace poolnet {
namespace {
using testing::all_close;
using testing::op_contract;
using testing::random_tensor;
using testing::shape_error_names;

struct ConvCase {
  std::string name;
  Shape x, w;
  bool bias;
  Conv2dOptions options;
};

std::vector<ConvCase> conv_cases() {
  const auto kReflect = PadMode::kReflect, kCircular = PadMode::kCircular;
  return {
      {"basic", {2, 3, 6, 7}, {4, 3, 3, 3}, true, {}},
      {"no_bias", {2, 3, 5, 5}, {2, 3, 2, 2}, false, {}},
      {"stride2_pad1", {2, 3, 7, 8}, {4, 3, 3, 3}, true, {.stride = {2, 2}, .padding = {1, 1}}},
      {"stride21_pad02_k32", {1, 2, 7, 6}, {3, 2, 3, 2}, true, {.stride = {2, 1}, .padding = {0, 2}}},
      {"stride2_wide_rows", {1, 2, 3, 37}, {2, 2, 2, 3}, true, {.stride = {2, 2}, .padding = {0, 1}}},
      {"dilation2_pad2", {1, 2, 7, 7}, {3, 2, 3, 3}, true, {.padding = {2, 2}, .dilation = {2, 2}}},
      {"dilation12_stride2", {2, 2, 8, 9}, {2, 2, 2, 3}, true, {.stride = {2, 2}, .dilation = {1, 2}}},
      {"groups2", {2, 4, 5, 6}, {6, 2, 3, 3}, true, {.padding = {1, 1}, .groups = 2}},
      {"depthwise", {2, 3, 6, 6}, {3, 1, 3, 3}, true, {.padding = {1, 1}, .groups = 3}},
      {"depthwise_x2", {1, 3, 5, 6}, {6, 1, 3, 3}, false, {.stride = {2, 2}, .groups = 3}},
      {"reflect1", {2, 2, 5, 6}, {3, 2, 3, 3}, true, {.padding = {1, 1}, .padding_mode = kReflect}},
      {"reflect2_stride2", {1, 2, 5, 5}, {2, 2, 3, 3}, true, {.stride = {2, 2}, .padding = {2, 2}, .padding_mode = kReflect}},
      {"circular12", {2, 2, 4, 5}, {3, 2, 3, 3}, true, {.padding = {1, 2}, .padding_mode = kCircular}},
      {"circular_full", {1, 1, 3, 3}, {2, 1, 3, 3}, true, {.padding = {3, 3}, .padding_mode = kCircular}},
      {"same_even_kernel", {2, 2, 6, 5}, {3, 2, 4, 4}, true, {.same = true}},
      {"same_dilated", {1, 2, 7, 6}, {2, 2, 3, 3}, true, {.same = true, .dilation = {2, 2}}},
      {"same_reflect", {1, 2, 5, 6}, {3, 2, 4, 3}, false, {.same = true, .padding_mode = kReflect}},
      {"same_circular_groups", {2, 4, 5, 5}, {4, 2, 2, 3}, true, {.same = true, .groups = 2, .padding_mode = kCircular}},
      {"pointwise_stride2", {2, 3, 5, 5}, {4, 3, 1, 1}, true, {.stride = {2, 2}}},
      {"kernel_fills_input", {2, 2, 3, 4}, {3, 2, 3, 4}, true, {}},
      // more channels: forward by the implicit GEMM kernel too (not the direct one)
      {"wide_pad1", {2, 17, 5, 6}, {16, 17, 3, 3}, true, {.padding = {1, 1}}},
      {"wide_same_circular", {1, 16, 6, 5}, {18, 16, 2, 3}, true, {.same = true, .padding_mode = kCircular}},
      {"wide_reflect_dilated", {2, 20, 7, 6}, {14, 20, 3, 2}, false,
       {.padding = {2, 1}, .dilation = {2, 1}, .padding_mode = kReflect}},
      // strided, 3 or more input channels: the implicit GEMM kernel's polyphase planes
      {"stride2_reflect_c5", {2, 5, 9, 8}, {7, 5, 3, 3}, true, {.stride = {2, 2}, .padding = {1, 1}, .padding_mode = kReflect}},
      {"stride32_dilated_circular", {1, 4, 11, 10}, {5, 4, 3, 2}, true,
       {.stride = {3, 2}, .padding = {2, 1}, .dilation = {2, 1}, .padding_mode = kCircular}},
      {"kernel2_stride3", {2, 3, 8, 9}, {4, 3, 2, 2}, false, {.stride = {3, 3}}},
      // zero padding, 3 or more input channels: rows share their zero margins
      {"wide_same_even_kernel", {2, 5, 7, 6}, {6, 5, 4, 4}, true, {.same = true}},
      {"wide_pad_beyond_kernel", {1, 4, 5, 6}, {3, 4, 3, 3}, true, {.padding = {4, 3}}},
      {"wide_pad21_kernel35", {2, 3, 6, 9}, {4, 3, 3, 5}, false, {.padding = {2, 1}}},
      {"wide_stride2_dilated_pad", {2, 4, 9, 10}, {5, 4, 3, 3}, true,
       {.stride = {2, 2}, .padding = {2, 3}, .dilation = {2, 2}}},
      {"wide_stride2_pad_odd", {1, 6, 9, 7}, {4, 6, 3, 3}, true, {.stride = {2, 2}, .padding = {1, 1}}},
  };
}

void PrintTo(const ConvCase& c, std::ostream* os) { *os << c.name; }

class Conv2dCases : public ::testing::TestWithParam<ConvCase> {};

std::vector<Tensor> make_inputs(const ConvCase& c, bool grad) {
  std::vector<Tensor> in{random_tensor(c.x, 1), random_tensor(c.w, 2)};
  if (c.bias) in.push_back(random_tensor({c.w[0]}, 3));
  if (grad) {
    for (Tensor& t : in) t.set_requires_grad();
  }
  return in;
}

Tensor run(const ConvCase& c, const std::vector<Tensor>& in) {
  return conv2d(in[0], in[1], c.bias ? in[2] : Tensor(), c.options);
}

TEST_P(Conv2dCases, MatchesNaiveReference) {
  const ConvCase& c = GetParam();
  const auto in = make_inputs(c, false);
  EXPECT_TRUE(all_close(run(c, in), reference::conv2d(in[0], in[1], c.bias ? in[2] : Tensor(), c.options)));
}

// Gradient (input, weight and bias), accumulation and 1 vs 2 threads.
TEST_P(Conv2dCases, Contract) {
  const ConvCase& c = GetParam();
  EXPECT_TRUE(op_contract({.op = "conv2d", .f = [&](const std::vector<Tensor>& in) { return run(c, in); },
                           .inputs = make_inputs(c, true)}));
}

INSTANTIATE_TEST_SUITE_P(Conv2d, Conv2dCases, ::testing::ValuesIn(conv_cases()),
                         [](const auto& info) { return info.param.name; });

TEST(Conv2d, OutputSizeFollowsTheFormula) {
  EXPECT_EQ(conv2d_out_shape({8, 3, 32, 32}, {16, 3, 3, 3}, {.padding = {1, 1}}), (Shape{8, 16, 32, 32}));
  EXPECT_EQ(conv2d_out_shape({8, 3, 32, 32}, {16, 3, 3, 3}, {.stride = {2, 2}, .padding = {1, 1}}),
            (Shape{8, 16, 16, 16}));
  EXPECT_EQ(conv2d_out_shape({1, 1, 28, 28}, {6, 1, 5, 5}, {}), (Shape{1, 6, 24, 24}));
  EXPECT_EQ(conv2d_out_shape({1, 2, 9, 10}, {4, 2, 4, 3}, {.same = true, .dilation = {2, 3}}), (Shape{1, 4, 9, 10}));
  EXPECT_EQ(conv2d_out_shape({1, 2, 9, 10}, {4, 2, 3, 3}, {.stride = {3, 2}, .dilation = {2, 2}}), (Shape{1, 4, 2, 3}));
}

// Several batch chunks (some uneven) against the reference.
TEST(Conv2d, ManyBatchChunksMatchReference) {
  const Conv2dOptions o{.padding = {1, 1}};
  Tensor x = random_tensor({7, 3, 20, 20}, 4), w = random_tensor({5, 3, 3, 3}, 5), b = random_tensor({5}, 6);
  EXPECT_TRUE(all_close(conv2d(x, w, b, o), reference::conv2d(x, w, b, o), 1e-5, 1e-4));
}

// Large enough that a sample's im2col overflows one tile (bands of output rows) and that a
// batch spans several chunks. Forward against the reference; gradients through the adjoint
// identity of a bilinear map: <gy, conv(x, w)> = <gx, x> = <gw, w>.
TEST(Conv2d, TiledProblemsMatchReferenceAndAdjointIdentity) {
  const std::vector<std::pair<Shape, Conv2dOptions>> cases{
      {{2, 16, 28, 28}, {.padding = {1, 1}}},
      {{3, 16, 30, 29}, {.same = true, .groups = 2, .padding_mode = PadMode::kReflect}},
      {{5, 8, 12, 12}, {.stride = {2, 2}, .padding = {1, 1}, .padding_mode = PadMode::kCircular}},
      {{3, 4, 40, 75}, {.stride = {2, 2}, .padding = {1, 1}}},  // stride-2 rows of 16 + 16 + 6
      {{2, 4, 41, 70}, {.stride = {2, 2}, .padding = {2, 1}, .dilation = {2, 3}, .padding_mode = PadMode::kReflect}},
      {{34, 4, 24, 24}, {.padding = {1, 1}}},  // chunks of several multi-sample tiles
      {{18, 16, 28, 28}, {}},                  // chunks of several samples cut into bands
  };
  for (const auto& [xs, o] : cases) {
    const Shape ws{6, xs[1] / o.groups, 3, 3};
    Tensor x = random_tensor(xs, 21).set_requires_grad(), w = random_tensor(ws, 22).set_requires_grad();
    Tensor y = conv2d(x, w, Tensor(), o);
    EXPECT_TRUE(all_close(y, reference::conv2d(x, w, Tensor(), o), 1e-5, 1e-4));
    Tensor gy = random_tensor(y.shape(), 23);
    y.backward(gy);
    const auto dot = [](const Tensor& a, const Tensor& b) {
      double s = 0.0;
      for (int64_t i = 0; i < a.numel(); ++i) s += static_cast<double>(a.data()[i]) * b.data()[i];
      return s;
    };
    const double yy = dot(gy, y);
    EXPECT_NEAR(dot(x.grad(), x), yy, 1e-4 * (1.0 + std::abs(yy)));
    EXPECT_NEAR(dot(w.grad(), w), yy, 1e-4 * (1.0 + std::abs(yy)));
  }
}

// The three forward kernels at the shapes of LeNet, a VGG stem and strided downsamplers, rows
// wider than 32 columns and every padding mode: implicit GEMM (stride 1, 3 or more input
// channels), direct (C * OC <= 256 otherwise, on AVX-512 builds) and im2col + GEMM (the rest).
// All against the naive reference.
TEST(Conv2d, DirectImplicitAndIm2colForwardKernelsMatchReference) {
  struct Case {
    Shape x, w;
    Conv2dOptions o;
  };
  const std::vector<Case> cases{
      {{3, 1, 28, 28}, {6, 1, 5, 5}, {.padding = {2, 2}}},
      {{3, 6, 14, 14}, {16, 6, 5, 5}, {}},
      {{3, 16, 10, 10}, {16, 16, 3, 3}, {.stride = {2, 2}, .padding = {1, 1}}},
      {{2, 3, 32, 32}, {32, 3, 3, 3}, {.padding = {1, 1}}},
      {{2, 3, 9, 75}, {5, 3, 3, 2}, {.stride = {1, 2}, .padding = {1, 1}, .padding_mode = PadMode::kReflect}},
      {{2, 2, 11, 40}, {3, 2, 3, 3}, {.padding = {2, 1}, .dilation = {2, 2}, .padding_mode = PadMode::kCircular}},
      {{2, 4, 12, 13}, {9, 4, 4, 3}, {.same = true, .padding_mode = PadMode::kReflect}},
      {{2, 24, 9, 9}, {16, 24, 3, 3}, {.stride = {2, 2}, .padding = {1, 1}, .padding_mode = PadMode::kReflect}},
      {{2, 32, 8, 8}, {12, 32, 3, 3}, {.padding = {1, 1}}},
      {{2, 32, 13, 11}, {24, 32, 5, 3}, {.padding = {1, 2}, .dilation = {1, 2}, .padding_mode = PadMode::kCircular}},
      {{2, 20, 10, 9}, {20, 20, 4, 4}, {.same = true, .padding_mode = PadMode::kReflect}},
  };
  for (const Case& c : cases) {
    const Tensor x = random_tensor(c.x, 31), w = random_tensor(c.w, 32), b = random_tensor({c.w[0]}, 33);
    EXPECT_TRUE(all_close(conv2d(x, w, b, c.o), reference::conv2d(x, w, b, c.o), 1e-5, 1e-4)) << shape_str(c.x);
  }
}

// x's and w's gradients of conv2d at stride 1 and dilation 1, summed naively (any padding mode).
std::pair<Tensor, Tensor> naive_gradients(const Tensor& x, const Tensor& w, const Tensor& gy, const Conv2dOptions& opt) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), OC = w.size(0), K = w.size(2);
  const int64_t OH = gy.size(2), OW = gy.size(3);
  Tensor gx = Tensor::zeros(x.shape()), gw = Tensor::zeros(w.shape());
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t o = 0; o < OC; ++o) {
      for (int64_t c = 0; c < C; ++c) {
        for (int64_t kh = 0; kh < K; ++kh) {
          for (int64_t kw = 0; kw < K; ++kw) {
            for (int64_t oh = 0; oh < OH; ++oh) {
              const int64_t h = pad_source_index(oh + kh - opt.padding.h, H, opt.padding_mode);
              for (int64_t ow = 0; ow < OW; ++ow) {
                const int64_t v = pad_source_index(ow + kw - opt.padding.w, W, opt.padding_mode);
                if (h < 0 || v < 0) continue;
                const float g = gy.data()[((n * OC + o) * OH + oh) * OW + ow];
                gx.data()[((n * C + c) * H + h) * W + v] += g * w.data()[((o * C + c) * K + kh) * K + kw];
                gw.data()[((o * C + c) * K + kh) * K + kw] += g * x.data()[((n * C + c) * H + h) * W + v];
              }
            }
          }
        }
      }
    }
  }
  return {gx, gw};
}

// 3x3 stride-1 convolutions of 32 or more channels take a Winograd kernel (F(4x4) on outputs
// of 8x8 and more, else F(2x2)): odd and even map sizes (partial edge tiles), batches grouped
// over samples (small maps) with uneven last groups, all three padding modes and padding 0 to 2.
// Forward against the reference, gradients against naive sums (the input's alone too, when the
// weight needs none). Tolerances are ten times the direct kernels', for F(4x4)'s rounding
// (test_conv2d_kernels.cpp measures both kernels' errors).
TEST(Conv2d, WinogradKernelMatchesReference) {
  struct Case {
    Shape x;
    int64_t OC;
    Conv2dOptions o;
  };
  const std::vector<Case> cases{
      {{3, 32, 8, 8}, 32, {.padding = {1, 1}}},
      {{9, 64, 4, 4}, 80, {.padding = {1, 1}}},
      {{5, 65, 7, 9}, 64, {.padding = {1, 1}}},
      {{2, 64, 6, 5}, 72, {}},
      {{2, 64, 9, 8}, 64, {.padding = {2, 2}}},
      {{2, 64, 7, 6}, 64, {.padding = {1, 1}, .padding_mode = PadMode::kCircular}},
      {{3, 64, 5, 8}, 68, {.padding = {1, 1}, .padding_mode = PadMode::kReflect}},
      {{2, 64, 16, 16}, 64, {.same = true}},
  };
  for (const Case& c : cases) {
    for (const bool keep : {true, false}) {
      SCOPED_TRACE(shape_str(c.x) + (keep ? " both gradients" : " input gradient"));
      Tensor x = random_tensor(c.x, 41).set_requires_grad();
      Tensor w = random_tensor({c.OC, c.x[1], 3, 3}, 42);
      if (keep) w.set_requires_grad();
      Tensor b = random_tensor({c.OC}, 43);
      Tensor y = conv2d(x, w, b, c.o);
      EXPECT_TRUE(all_close(y, reference::conv2d(x, w, b, c.o), 1e-4, 1e-3));
      Tensor gy = random_tensor(y.shape(), 44);
      y.backward(gy);
      Conv2dOptions explicit_padding = c.o;
      if (c.o.same) explicit_padding = {.padding = {1, 1}};
      const auto [gx, gw] = naive_gradients(x, w, gy, explicit_padding);
      EXPECT_TRUE(all_close(x.grad(), gx, 1e-4, 1e-3));
      if (keep) {
        EXPECT_TRUE(all_close(w.grad(), gw, 1e-4, 1e-3));
      }
    }
  }
}

// The contract through the Winograd kernel, finite differences for the input and bias (the
// weight's 36,864 elements are checked against naive sums above).
TEST(Conv2d, WinogradGradientsMatchFiniteDifferences) {
  const Tensor w = random_tensor({64, 64, 3, 3}, 46, -0.2f, 0.2f);
  const Conv2dOptions o{.padding = {1, 1}};
  EXPECT_TRUE(op_contract({.op = "conv2d",
                           .f = [&](const std::vector<Tensor>& in) { return conv2d(in[0], w, in[1], o); },
                           .inputs = {random_tensor({1, 64, 3, 5}, 47).set_requires_grad(),
                                      random_tensor({64}, 48).set_requires_grad()}}));
}

void expect_shape_error(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dOptions& o,
                        const std::string& part) {
  EXPECT_TRUE(shape_error_names("conv2d: ", {[&] { conv2d(x, w, b, o); }, {part, shape_str(x.shape())}}));
}

TEST(Conv2d, ShapeErrorsNameTheOpAndShapes) {
  const Tensor x = Tensor::zeros({2, 4, 5, 5}), w = Tensor::zeros({6, 4, 3, 3});
  expect_shape_error(Tensor::zeros({4, 5, 5}), w, Tensor(), {}, "expected input [N, C, H, W]");
  expect_shape_error(x, Tensor::zeros({6, 4, 3}), Tensor(), {}, "expected weight");
  expect_shape_error(x, Tensor::zeros({6, 3, 3, 3}), Tensor(), {}, "weight expects 3 input channels");
  expect_shape_error(x, Tensor::zeros({6, 2, 3, 3}), Tensor(), {.groups = 3}, "not divisible by groups 3");
  expect_shape_error(x, Tensor::zeros({5, 2, 3, 3}), Tensor(), {.groups = 2}, "output channels 5");
  expect_shape_error(x, Tensor::zeros({6, 4, 6, 3}), Tensor(), {}, "does not fit padded input 5x5");
  expect_shape_error(x, Tensor::zeros({6, 4, 3, 3}), Tensor(), {.dilation = {3, 1}}, "dilated 7x3");
  expect_shape_error(x, w, Tensor(), {.stride = {2, 2}, .same = true}, "'same' padding needs stride 1x1");
  expect_shape_error(x, w, Tensor(), {.padding = {1, 1}, .same = true}, "excludes explicit padding");
  expect_shape_error(x, w, Tensor(), {.stride = {0, 1}}, "stride must be >= 1");
  expect_shape_error(x, w, Tensor(), {.padding = {-1, 0}}, "padding must be >= 0");
  expect_shape_error(x, w, Tensor(), {.padding = {5, 1}, .padding_mode = PadMode::kReflect}, "reflect padding 5x1");
  expect_shape_error(x, w, Tensor(), {.padding = {6, 1}, .padding_mode = PadMode::kCircular}, "circular padding 6x1");
  expect_shape_error(x, w, Tensor::zeros({5}), {}, "bias must have shape [6]");
}

TEST(Conv2d, OnlyRequestedGradientsAreComputed) {
  Tensor x = random_tensor({2, 2, 5, 5}, 7);
  Tensor w = random_tensor({3, 2, 3, 3}, 8).set_requires_grad();
  conv2d(x, w).backward(Tensor::ones({2, 3, 3, 3}));
  EXPECT_FALSE(x.grad().defined());
  EXPECT_TRUE(w.grad().defined());
}

// Accumulation and 1 vs 2 threads on problems large enough to be split: uneven batch chunks,
// row bands within a sample, several tiles per chunk, Winograd's uneven sample groups.
TEST(Conv2d, ContractOnLargeProblems) {
  struct Case {
    Shape x, w;
    bool bias;
    Conv2dOptions o;
  };
  const std::vector<Case> cases{
      {{11, 3, 12, 12}, {8, 3, 3, 3}, true, {.padding = {1, 1}, .padding_mode = PadMode::kCircular}},
      {{3, 16, 28, 28}, {4, 16, 3, 3}, false, {.padding = {1, 1}}},
      {{37, 2, 24, 24}, {3, 2, 3, 3}, true, {.padding = {1, 1}}},
      {{9, 64, 8, 8}, {64, 64, 3, 3}, false, {.padding = {1, 1}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(shape_str(c.x));
    std::vector<Tensor> in{random_tensor(c.x, 11).set_requires_grad(), random_tensor(c.w, 12).set_requires_grad()};
    if (c.bias) in.push_back(random_tensor({c.w[0]}, 13).set_requires_grad());
    EXPECT_TRUE(op_contract({.op = "conv2d",
                             .f = [&](const std::vector<Tensor>& t) { return conv2d(t[0], t[1], c.bias ? t[2] : Tensor(), c.o); },
                             .inputs = in,
                             .check_gradient = false,
                             .accumulate_atol = 1e-4}));
  }
}

}  // namespace
}  // namespace poolnet
