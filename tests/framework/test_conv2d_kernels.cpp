// conv2d's kernels by name (conv2d_kernel.h): every kernel forced on the same shapes against
// the naive reference (forward, input, weight and bias gradients), the depthwise kernel's op
// contract, the selection table at representative shapes, names, and the errors of a forced
// kernel that cannot run a shape.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <string>
#include <vector>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/conv2d.h"
#include "framework/ops/conv2d_kernel.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/geometry.h"
#include "tests/support/grad_check.h"
#include "tests/support/op_contract.h"
#include "tests/support/reference_conv.h"

namespace poolnet {
namespace {
using testing::all_close;
using testing::bitwise_equal;
using testing::op_contract;
using testing::random_tensor;

constexpr Conv2dKernel kForced[] = {Conv2dKernel::kDirect,   Conv2dKernel::kIm2col,    Conv2dKernel::kImplicit,
                                    Conv2dKernel::kWinograd, Conv2dKernel::kDepthwise, Conv2dKernel::kWinograd4};

struct KernelCase {
  std::string name;
  Shape x, w;
  Conv2dOptions options;
};

std::vector<KernelCase> kernel_cases() {
  const auto kReflect = PadMode::kReflect, kCircular = PadMode::kCircular;
  return {
      {"c1_5x5_pad2", {2, 1, 12, 12}, {6, 1, 5, 5}, {.padding = {2, 2}}},
      {"c2_stride2_pad1", {2, 2, 11, 10}, {4, 2, 3, 3}, {.stride = {2, 2}, .padding = {1, 1}}},
      {"c2_3x3_pad1", {3, 2, 7, 8}, {3, 2, 3, 3}, {.padding = {1, 1}}},
      {"c3_3x3_pad1", {2, 3, 10, 9}, {5, 3, 3, 3}, {.padding = {1, 1}}},
      {"c3_3x3_odd_no_pad", {3, 3, 7, 9}, {4, 3, 3, 3}, {}},
      {"c8_3x3_reflect", {3, 8, 9, 11}, {6, 8, 3, 3}, {.padding = {1, 1}, .padding_mode = kReflect}},
      {"c4_3x3_circular", {2, 4, 8, 8}, {8, 4, 3, 3}, {.padding = {1, 1}, .padding_mode = kCircular}},
      {"c32_3x3_pad1", {2, 32, 8, 8}, {32, 32, 3, 3}, {.padding = {1, 1}}},
      {"c5_dilated_pad2", {2, 5, 12, 12}, {4, 5, 3, 3}, {.padding = {2, 2}, .dilation = {2, 2}}},
      {"c3_same_even_kernel", {2, 3, 9, 8}, {4, 3, 4, 4}, {.same = true}},
      {"c6_stride32_circular", {1, 6, 11, 10}, {5, 6, 3, 2},
       {.stride = {3, 2}, .padding = {2, 1}, .padding_mode = kCircular}},
      {"c16_stride2_reflect", {2, 16, 10, 10}, {16, 16, 3, 3},
       {.stride = {2, 2}, .padding = {1, 1}, .padding_mode = kReflect}},
      // rows of 16 or more outputs: several vectors per row, the last one partial
      {"c2_5x5_pad2_wide", {2, 2, 5, 37}, {3, 2, 5, 5}, {.padding = {2, 2}}},
      {"c3_stride2_wide_circular", {1, 3, 7, 41}, {9, 3, 3, 3},
       {.stride = {2, 2}, .padding = {1, 1}, .padding_mode = kCircular}},
      // depthwise (groups == C == OC), as the tips branch: 'same' zero or circular padding
      {"c1_3x3_pad1", {2, 1, 9, 9}, {1, 1, 3, 3}, {.padding = {1, 1}}},
      {"dw5_3x3_same", {2, 5, 9, 11}, {5, 1, 3, 3}, {.same = true, .groups = 5}},
      {"dw4_3x3_same_circular", {3, 4, 8, 7}, {4, 1, 3, 3}, {.same = true, .groups = 4, .padding_mode = kCircular}},
      {"dw6_5x5_same", {2, 6, 13, 10}, {6, 1, 5, 5}, {.same = true, .groups = 6}},
      {"dw3_5x5_same_circular", {2, 3, 7, 9}, {3, 1, 5, 5}, {.same = true, .groups = 3, .padding_mode = kCircular}},
      {"dw2_4x4_same_even_kernel", {2, 2, 9, 8}, {2, 1, 4, 4}, {.same = true, .groups = 2}},
      {"dw4_3x3_stride2_pad1", {2, 4, 11, 9}, {4, 1, 3, 3}, {.stride = {2, 2}, .padding = {1, 1}, .groups = 4}},
      {"dw3_5x5_stride2_circular", {2, 3, 11, 12}, {3, 1, 5, 5},
       {.stride = {2, 2}, .padding = {2, 2}, .groups = 3, .padding_mode = kCircular}},
      {"dw3_stride21_dilated_reflect", {2, 3, 12, 11}, {3, 1, 3, 2},
       {.stride = {2, 1}, .padding = {2, 1}, .dilation = {2, 2}, .groups = 3, .padding_mode = kReflect}},
      {"dw5_stride32_no_pad", {1, 5, 10, 11}, {5, 1, 2, 3}, {.stride = {3, 2}, .groups = 5}},
      {"dw3_circular_full", {1, 3, 3, 3}, {3, 1, 3, 3}, {.padding = {3, 3}, .groups = 3, .padding_mode = kCircular}},
      // rows of 16 or more outputs: vector blocks, the last overlapping the one before
      {"dw3_3x3_same_circular_wide", {2, 3, 6, 37}, {3, 1, 3, 3},
       {.same = true, .groups = 3, .padding_mode = kCircular}},
      {"dw2_5x5_stride2_wide", {1, 2, 9, 45}, {2, 1, 5, 5}, {.stride = {2, 2}, .padding = {2, 2}, .groups = 2}},
  };
}

// The kernel's documented limits, written out independently of the library.
bool runs(Conv2dKernel kernel, const KernelCase& c) {
  const Conv2dOptions& o = c.options;
  if (kernel == Conv2dKernel::kIm2col) return true;
  if (kernel == Conv2dKernel::kDepthwise) return o.groups == c.x[1] && c.w[0] == c.x[1];
  if (o.groups != 1) return false;
  if (kernel != Conv2dKernel::kWinograd && kernel != Conv2dKernel::kWinograd4) return true;
  return c.w[2] == 3 && c.w[3] == 3 && o.stride == Size2d{1, 1} && o.dilation == Size2d{1, 1};
}

struct Gradients {
  Tensor x, w, b;
};

// conv2d's gradients summed naively for upstream gradient gy, in double.
Gradients naive_gradients(const Tensor& x, const Tensor& w, const Tensor& gy, const Conv2dOptions& o) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t OC = w.size(0), Cg = w.size(1), KH = w.size(2), KW = w.size(3), OH = gy.size(2), OW = gy.size(3);
  const int64_t OCg = OC / o.groups;
  const int64_t pt = o.same ? same_padding(o.dilation.h * (KH - 1)).before : o.padding.h;
  const int64_t pl = o.same ? same_padding(o.dilation.w * (KW - 1)).before : o.padding.w;
  std::vector<double> gx(static_cast<size_t>(x.numel())), gw(static_cast<size_t>(w.numel())), gb(OC);
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t oc = 0; oc < OC; ++oc) {
      for (int64_t oh = 0; oh < OH; ++oh) {
        for (int64_t ow = 0; ow < OW; ++ow) {
          const double g = gy.data()[((n * OC + oc) * OH + oh) * OW + ow];
          gb[oc] += g;
          for (int64_t c = 0; c < Cg; ++c) {
            const int64_t ic = oc / OCg * Cg + c;
            for (int64_t kh = 0; kh < KH; ++kh) {
              const int64_t h = pad_source_index(oh * o.stride.h + kh * o.dilation.h - pt, H, o.padding_mode);
              for (int64_t kw = 0; kw < KW; ++kw) {
                const int64_t v = pad_source_index(ow * o.stride.w + kw * o.dilation.w - pl, W, o.padding_mode);
                if (h < 0 || v < 0) continue;
                const int64_t xi = ((n * C + ic) * H + h) * W + v, wi = ((oc * Cg + c) * KH + kh) * KW + kw;
                gx[xi] += g * w.data()[wi];
                gw[wi] += g * x.data()[xi];
              }
            }
          }
        }
      }
    }
  }
  const auto to_tensor = [](const std::vector<double>& v, const Shape& shape) {
    Tensor t = Tensor::empty(shape);
    for (size_t i = 0; i < v.size(); ++i) t.data()[i] = static_cast<float>(v[i]);
    return t;
  };
  return {to_tensor(gx, x.shape()), to_tensor(gw, w.shape()), to_tensor(gb, {OC})};
}

struct KernelRun {
  KernelCase c;
  Conv2dKernel kernel;
};

std::vector<KernelRun> kernel_runs() {
  std::vector<KernelRun> all;
  for (const KernelCase& c : kernel_cases()) {
    for (Conv2dKernel k : kForced) {
      if (runs(k, c)) all.push_back({c, k});
    }
  }
  return all;
}

class Conv2dKernelRuns : public ::testing::TestWithParam<KernelRun> {};

TEST_P(Conv2dKernelRuns, ForwardAndGradientsMatchNaiveReference) {
  const auto& [c, kernel] = GetParam();
  const ScopedConv2dKernel force(kernel);
  ASSERT_EQ(conv2d_kernel_for(c.x, c.w, c.options), kernel);
  Tensor x = random_tensor(c.x, 41).set_requires_grad(), w = random_tensor(c.w, 42).set_requires_grad();
  Tensor b = random_tensor({c.w[0]}, 43).set_requires_grad();
  Tensor y = conv2d(x, w, b, c.options);
  // F(4x4)'s rounding error is about ten times F(2x2)'s (WinogradTileSizesMatchNaiveSums).
  const double t = kernel == Conv2dKernel::kWinograd4 ? 10.0 : 1.0;
  EXPECT_TRUE(all_close(y, reference::conv2d(x, w, b, c.options), t * 1e-5, t * 1e-4));
  const Tensor gy = random_tensor(y.shape(), 44);
  y.backward(gy);
  const Gradients want = naive_gradients(x, w, gy, c.options);
  EXPECT_TRUE(all_close(x.grad(), want.x, t * 1e-5, t * 1e-4)) << "input gradient";
  EXPECT_TRUE(all_close(w.grad(), want.w, t * 1e-4, t * 1e-4)) << "weight gradient";
  EXPECT_TRUE(all_close(b.grad(), want.b, 1e-4, 1e-5)) << "bias gradient";
}

// The fused ReLU (inference) gives relu(conv2d) bit for bit, whichever kernel runs; with a
// gradient recorded it is refused.
TEST_P(Conv2dKernelRuns, FusedReluIsReluOfTheOutput) {
  const auto& [c, kernel] = GetParam();
  const ScopedConv2dKernel force(kernel);
  const Tensor x = random_tensor(c.x, 45), w = random_tensor(c.w, 46), b = random_tensor({c.w[0]}, 47);
  Conv2dOptions fused = c.options;
  fused.relu = true;
  {
    NoGradGuard no_grad;
    const Tensor want = relu(conv2d(x, w, b, c.options)), got = conv2d(x, w, b, fused);
    EXPECT_TRUE(bitwise_equal(got, want));
    int64_t zeros = 0;
    for (int64_t i = 0; i < got.numel(); ++i) zeros += got.data()[i] == 0.0f;
    EXPECT_GT(zeros, 0);  // the clamp did something
  }
  Tensor recorded = random_tensor(c.w, 46);
  recorded.set_requires_grad();
  EXPECT_THROW(conv2d(x, recorded, b, fused), AutogradError);
}

INSTANTIATE_TEST_SUITE_P(Conv2dKernels, Conv2dKernelRuns, ::testing::ValuesIn(kernel_runs()),
                         [](const auto& info) { return info.param.c.name + "_" + to_string(info.param.kernel); });

// max |a - want| / max |want|: rounding error on the scale of the result.
double scaled_error(const Tensor& a, const Tensor& want) {
  double err = 0.0, scale = 0.0;
  for (int64_t i = 0; i < want.numel(); ++i) {
    err = std::max(err, std::abs(static_cast<double>(a.data()[i]) - want.data()[i]));
    scale = std::max(scale, std::abs(static_cast<double>(want.data()[i])));
  }
  return err / scale;
}

// Winograd F(4x4, 3x3) and F(2x2, 3x3) against the naive sums in double at map sizes that are and
// are not multiples of 4 (partial edge tiles), 1 and several samples (sample groups, an uneven
// last group), zeros, circular and reflect padding, channel counts that are and are not
// multiples of 16. The error is measured on the scale of each result (max |error| / max |value|):
// over these cases F(2x2) reaches 3.4e-7 (forward), 3.8e-7 (input gradient) and 5.5e-7 (weight
// gradient), F(4x4) ten times more: 4.6e-6, 3.2e-6 and 3.1e-6 (its transforms have entries up
// to 8 and G's 1/6, 1/12, 1/24 are rounded). The bounds leave about 3x headroom.
TEST(Conv2dKernels, WinogradTileSizesMatchNaiveSums) {
  const auto kCircular = PadMode::kCircular, kReflect = PadMode::kReflect;
  const std::vector<KernelCase> cases{
      {"c32_8x8_pad1", {2, 32, 8, 8}, {32, 32, 3, 3}, {.padding = {1, 1}}},
      {"c48_10x11_pad1_one_sample", {1, 48, 10, 11}, {40, 48, 3, 3}, {.padding = {1, 1}}},
      {"c64_7x9_circular", {5, 64, 7, 9}, {64, 64, 3, 3}, {.padding = {1, 1}, .padding_mode = kCircular}},
      {"c16_6x5_no_pad", {3, 16, 6, 5}, {24, 16, 3, 3}, {}},
      {"c33_13x14_pad2", {2, 33, 13, 14}, {17, 33, 3, 3}, {.padding = {2, 2}}},
      {"c64_4x4_grouped_samples", {9, 64, 4, 4}, {80, 64, 3, 3}, {.padding = {1, 1}}},
      {"c32_8x8_uneven_groups", {21, 32, 8, 8}, {32, 32, 3, 3}, {.padding = {1, 1}}},
      {"c12_28x28_same_circular", {2, 12, 28, 28}, {12, 12, 3, 3}, {.same = true, .padding_mode = kCircular}},
      {"c24_7x7_reflect", {3, 24, 7, 7}, {48, 24, 3, 3}, {.padding = {1, 1}, .padding_mode = kReflect}},
      {"c3_1x2_pad1", {2, 3, 1, 2}, {5, 3, 3, 3}, {.padding = {1, 1}}},
  };
  struct Bound {
    Conv2dKernel kernel;
    double y, gx, gw;
  };
  for (const Bound& bound :
       {Bound{Conv2dKernel::kWinograd, 1.2e-6, 1.2e-6, 1.6e-6}, Bound{Conv2dKernel::kWinograd4, 1.5e-5, 1e-5, 1e-5}}) {
    const ScopedConv2dKernel force(bound.kernel);
    double worst_y = 0.0, worst_gx = 0.0, worst_gw = 0.0;
    for (const KernelCase& c : cases) {
      SCOPED_TRACE(c.name + " " + to_string(bound.kernel));
      Tensor x = random_tensor(c.x, 81).set_requires_grad(), w = random_tensor(c.w, 82).set_requires_grad();
      const Tensor b = random_tensor({c.w[0]}, 83);
      Tensor y = conv2d(x, w, b, c.options);
      const Tensor gy = random_tensor(y.shape(), 84);
      y.backward(gy);
      const Gradients want = naive_gradients(x, w, gy, c.options);
      const double ey = scaled_error(y, reference::conv2d(x, w, b, c.options));
      const double egx = scaled_error(x.grad(), want.x), egw = scaled_error(w.grad(), want.w);
      EXPECT_LE(ey, bound.y);
      EXPECT_LE(egx, bound.gx);
      EXPECT_LE(egw, bound.gw);
      worst_y = std::max(worst_y, ey);
      worst_gx = std::max(worst_gx, egx);
      worst_gw = std::max(worst_gw, egw);
    }
    std::cout << to_string(bound.kernel) << " worst scaled error: forward " << worst_y << ", input gradient "
              << worst_gx << ", weight gradient " << worst_gw << "\n";
  }
}

// The op contract through the F(4x4) kernel: finite differences for the input and bias (a
// 48-channel weight's gradient is checked against naive sums above), accumulation, and 1 vs 2
// threads bitwise on a batch split into uneven chunks and sample groups, also in circular padding.
TEST(Conv2dKernels, Winograd4KernelKeepsTheOpContract) {
  const ScopedConv2dKernel force(Conv2dKernel::kWinograd4);
  for (const PadMode mode : {PadMode::kZeros, PadMode::kCircular}) {
    SCOPED_TRACE(to_string(mode));
    const Conv2dOptions o{.padding = {1, 1}, .padding_mode = mode};
    const Tensor w = random_tensor({40, 36, 3, 3}, 91, -0.2f, 0.2f);
    const auto inputs = [&](const Shape& x, uint64_t seed) {
      return std::vector<Tensor>{random_tensor(x, seed).set_requires_grad(),
                                 random_tensor({40}, seed + 1).set_requires_grad()};
    };
    EXPECT_TRUE(op_contract({.op = "conv2d",
                             .f = [&](const std::vector<Tensor>& in) { return conv2d(in[0], w, in[1], o); },
                             .inputs = inputs({1, 36, 5, 6}, 92),
                             .thread_inputs = inputs({37, 36, 9, 10}, 94),
                             .accumulate_atol = 1e-4}));
    // The weight gradient's 1 vs 2 threads: its per-chunk partials are summed in a fixed order.
    const Tensor x = random_tensor({37, 36, 9, 10}, 96);
    EXPECT_TRUE(testing::same_at_one_and_two_threads(
        [&](const std::vector<Tensor>& in) { return conv2d(x, in[0], Tensor(), o); },
        {random_tensor({40, 36, 3, 3}, 97).set_requires_grad()}));
  }
}

// The op contract through the depthwise kernel: finite differences, accumulation, and 1 vs 2
// threads on a batch of many planes and channels (uneven parallel chunks).
TEST(Conv2dKernels, DepthwiseKernelKeepsTheOpContract) {
  struct Case {
    Shape x, w;
    bool bias;
    Conv2dOptions o;
  };
  const std::vector<Case> cases{
      {{2, 3, 7, 6}, {3, 1, 3, 3}, false, {.same = true, .groups = 3}},
      {{2, 3, 5, 7}, {3, 1, 5, 5}, true, {.same = true, .groups = 3, .padding_mode = PadMode::kCircular}},
      {{1, 4, 9, 8}, {4, 1, 3, 3}, true, {.stride = {2, 2}, .padding = {1, 1}, .groups = 4}},
  };
  const ScopedConv2dKernel force(Conv2dKernel::kDepthwise);
  for (const Case& c : cases) {
    SCOPED_TRACE(shape_str(c.x) + " " + shape_str(c.w));
    const auto inputs = [&](const Shape& x, uint64_t seed) {
      std::vector<Tensor> in{random_tensor(x, seed).set_requires_grad(),
                             random_tensor(c.w, seed + 1).set_requires_grad()};
      if (c.bias) in.push_back(random_tensor({c.w[0]}, seed + 2).set_requires_grad());
      return in;
    };
    EXPECT_TRUE(op_contract({.op = "conv2d",
                             .f = [&](const std::vector<Tensor>& in) {
                               return conv2d(in[0], in[1], c.bias ? in[2] : Tensor(), c.o);
                             },
                             .inputs = inputs(c.x, 71),
                             .thread_inputs = inputs({37, c.x[1], 2 * c.x[2] + 1, 2 * c.x[3] + 3}, 74)}));
  }
}

// The selection table of conv2d_kernel.h at representative shapes; running the chosen kernel
// forced gives the automatic result bit for bit.
TEST(Conv2dKernels, AutoPicksTheDocumentedKernel) {
  struct Case {
    std::string why;
    Shape x, w;
    Conv2dOptions o;
    Conv2dKernel want;
  };
#ifdef __AVX512F__
  constexpr Conv2dKernel kFewChannels = Conv2dKernel::kDirect;
#else
  constexpr Conv2dKernel kFewChannels = Conv2dKernel::kIm2col;
#endif
  const std::vector<Case> cases{
      {"LeNet's first convolution: one input channel", {4, 1, 28, 28}, {6, 1, 5, 5}, {}, kFewChannels},
      {"two input channels, C * OC <= 256", {2, 2, 16, 16}, {8, 2, 3, 3}, {.padding = {1, 1}}, kFewChannels},
      {"LeNet's second convolution: 3 or more input channels", {4, 6, 14, 14}, {16, 6, 5, 5}, {},
       Conv2dKernel::kImplicit},
      {"3x3 stride 1 with fewer than 32 channels", {2, 16, 16, 16}, {16, 16, 3, 3}, {.padding = {1, 1}},
       Conv2dKernel::kImplicit},
      {"strided 3x3", {2, 16, 32, 32}, {32, 16, 3, 3}, {.stride = {2, 2}, .padding = {1, 1}},
       Conv2dKernel::kImplicit},
      {"3x3 stride 1, 32 channels in and out, 16x16", {2, 32, 16, 16}, {32, 32, 3, 3}, {.padding = {1, 1}},
       Conv2dKernel::kWinograd4},
      {"3x3 stride 1, 64 channels, reflect, 8x8", {2, 64, 8, 8}, {64, 64, 3, 3},
       {.padding = {1, 1}, .padding_mode = PadMode::kReflect}, Conv2dKernel::kWinograd4},
      {"3x3 stride 1, 64 channels, 7x8 output", {2, 64, 7, 8}, {64, 64, 3, 3}, {.padding = {1, 1}},
       Conv2dKernel::kWinograd},
      {"3x3 stride 1, 64 -> 128 channels, 4x4", {2, 64, 4, 4}, {128, 64, 3, 3}, {.padding = {1, 1}},
       Conv2dKernel::kWinograd},
      {"the narrow VGG's 12 -> 12 channels at 28x28", {2, 12, 28, 28}, {12, 12, 3, 3}, {.padding = {1, 1}},
       Conv2dKernel::kImplicit},
      {"the narrow VGG's 24 -> 48 channels at 7x7", {2, 24, 7, 7}, {48, 24, 3, 3}, {.padding = {1, 1}},
       Conv2dKernel::kImplicit},
      {"depthwise 3x3 'same' circular, as the tips branch", {2, 64, 16, 16}, {64, 1, 3, 3},
       {.same = true, .groups = 64, .padding_mode = PadMode::kCircular}, Conv2dKernel::kDepthwise},
      {"depthwise 5x5 'same'", {2, 24, 14, 14}, {24, 1, 5, 5}, {.same = true, .groups = 24},
       Conv2dKernel::kDepthwise},
      {"depthwise 3x3 stride 2", {2, 8, 15, 15}, {8, 1, 3, 3}, {.stride = {2, 2}, .padding = {1, 1}, .groups = 8},
       Conv2dKernel::kDepthwise},
      {"depthwise with two filters per channel", {2, 4, 10, 10}, {8, 1, 3, 3}, {.padding = {1, 1}, .groups = 4},
       Conv2dKernel::kIm2col},
      {"groups 2", {2, 8, 10, 10}, {8, 4, 3, 3}, {.padding = {1, 1}, .groups = 2}, Conv2dKernel::kIm2col},
      {"a sample beyond the L2 cache", {1, 64, 128, 128}, {16, 64, 3, 3}, {.padding = {1, 1}},
       Conv2dKernel::kIm2col},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(to_string(conv2d_kernel_for(c.x, c.w, c.o)), to_string(c.want)) << c.why;
  }
  for (const Case& c : cases) {
    if (c.x[2] > 32) continue;  // keep the test fast
    const Tensor x = random_tensor(c.x, 51), w = random_tensor(c.w, 52), b = random_tensor({c.w[0]}, 53);
    const Tensor automatic = conv2d(x, w, b, c.o);
    const ScopedConv2dKernel force(c.want);
    EXPECT_TRUE(bitwise_equal(conv2d(x, w, b, c.o), automatic)) << c.why;
  }
}

TEST(Conv2dKernels, NamesRoundTrip) {
  for (Conv2dKernel k : {Conv2dKernel::kAuto, Conv2dKernel::kDirect, Conv2dKernel::kIm2col, Conv2dKernel::kImplicit,
                         Conv2dKernel::kWinograd, Conv2dKernel::kDepthwise, Conv2dKernel::kWinograd4}) {
    EXPECT_EQ(parse_conv2d_kernel(to_string(k)), k);
  }
  EXPECT_EQ(conv2d_kernel_names(), "auto, direct, im2col, implicit, winograd, depthwise, winograd4");
  try {
    parse_conv2d_kernel("fft");
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'fft'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("winograd"), std::string::npos) << e.what();
  }
}

TEST(Conv2dKernels, ScopedKernelRestoresThePreviousSetting) {
  EXPECT_EQ(conv2d_kernel(), Conv2dKernel::kAuto);
  {
    const ScopedConv2dKernel outer(Conv2dKernel::kIm2col);
    {
      const ScopedConv2dKernel inner(Conv2dKernel::kWinograd);
      EXPECT_EQ(conv2d_kernel(), Conv2dKernel::kWinograd);
    }
    EXPECT_EQ(conv2d_kernel(), Conv2dKernel::kIm2col);
  }
  EXPECT_EQ(conv2d_kernel(), Conv2dKernel::kAuto);
}

// A forced kernel that cannot run a shape: ShapeError naming conv2d, the kernel and the shape.
TEST(Conv2dKernels, ForcedKernelThatCannotRunAShapeThrows) {
  struct Case {
    Conv2dKernel kernel;
    Shape x, w;
    Conv2dOptions o;
    std::string says;
  };
  const std::vector<Case> cases{
      {Conv2dKernel::kWinograd, {1, 4, 9, 9}, {4, 4, 5, 5}, {}, "kernel 5x5"},
      {Conv2dKernel::kWinograd, {1, 4, 9, 9}, {4, 4, 3, 3}, {.stride = {2, 2}}, "stride 2x2"},
      {Conv2dKernel::kWinograd, {1, 4, 9, 9}, {4, 4, 3, 3}, {.dilation = {2, 1}}, "dilation 2x1"},
      {Conv2dKernel::kWinograd, {1, 4, 9, 9}, {4, 2, 3, 3}, {.groups = 2}, "groups 2"},
      {Conv2dKernel::kWinograd4, {1, 4, 9, 9}, {4, 4, 5, 5}, {}, "kernel 5x5"},
      {Conv2dKernel::kWinograd4, {1, 4, 9, 9}, {4, 4, 3, 3}, {.stride = {1, 2}}, "stride 1x2"},
      {Conv2dKernel::kWinograd4, {1, 4, 9, 9}, {4, 2, 3, 3}, {.groups = 2}, "groups 2"},
      {Conv2dKernel::kImplicit, {1, 4, 9, 9}, {4, 1, 3, 3}, {.groups = 4}, "groups 4"},
      {Conv2dKernel::kDirect, {1, 4, 9, 9}, {4, 2, 3, 3}, {.groups = 2}, "groups 2"},
      {Conv2dKernel::kDepthwise, {1, 4, 9, 9}, {4, 2, 3, 3}, {.groups = 2}, "groups 2, C 4, OC 4"},
      {Conv2dKernel::kDepthwise, {1, 4, 9, 9}, {4, 4, 3, 3}, {}, "groups 1, C 4, OC 4"},
      {Conv2dKernel::kDepthwise, {1, 4, 9, 9}, {8, 1, 3, 3}, {.groups = 4}, "groups 4, C 4, OC 8"},
  };
  for (const Case& c : cases) {
    const ScopedConv2dKernel force(c.kernel);
    const std::string kernel = "kernel '" + to_string(c.kernel) + "'";
    try {
      conv2d(random_tensor(c.x, 61), random_tensor(c.w, 62), Tensor(), c.o);
      ADD_FAILURE() << kernel << " ran " << shape_str(c.w);
    } catch (const ShapeError& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.rfind("conv2d: ", 0), 0u) << what;
      EXPECT_NE(what.find(kernel), std::string::npos) << what;
      EXPECT_NE(what.find(c.says), std::string::npos) << what;
      EXPECT_NE(what.find("x=" + shape_str(c.x)), std::string::npos) << what;
    }
  }
  const ScopedConv2dKernel force(Conv2dKernel::kIm2col);  // im2col runs anything
  EXPECT_NO_THROW(conv2d(random_tensor({1, 4, 9, 9}, 63), random_tensor({4, 2, 3, 3}, 64), Tensor(), {.groups = 2}));
}

}  // namespace
}  // namespace poolnet
