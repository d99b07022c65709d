// conv2d's kernels by name, the one table that chooses among them, and a process-wide way to
// force one (for tests and benchmarks).
//
//   direct    conv2d_direct.h: reads a padded copy of each sample, accumulates output rows in
//             registers. Forward only: its backward pass is im2col's.
//   im2col    conv2d.cpp: im2col tiles sized for the L2 cache and one GEMM per tile and group.
//   implicit  conv2d_implicit.h: implicit GEMM over the polyphase split input (no im2col copy).
//   winograd  conv2d_winograd.h: Winograd F(2x2, 3x3), 16 GEMMs over transformed tiles.
//   winograd4 conv2d_winograd.h: Winograd F(4x4, 3x3), 36 GEMMs over transformed tiles.
//   depthwise conv2d_depthwise.h: one filter per channel, each (sample, channel) plane on its
//             own (forward and backward).
//
// Selection table (kAuto): the first row whose condition holds.
//
//   kernel    condition                                        why
//   winograd4 groups 1, N > 0, 3x3, stride 1, dilation 1,      2.25 multiplies per output and input
//             C >= 32 and OC >= 32, OH >= 8 and OW >= 8, a     channel instead of 4 (F(2x2)):
//             group's transformed input and output within      forward+backward 7-23 % faster
//             512K floats                                      than F(2x2) on vgg's 32x32 and
//                                                              16x16 maps; at 8x8 forward 3-17 %
//                                                              faster, forward+backward up to 5 %
//                                                              slower (docs/performance.md); on
//                                                              smaller maps partial tiles waste
//                                                              most of it
//   winograd  groups 1, N > 0, 3x3, stride 1, dilation 1,      4 multiplies per output and input
//             C >= 32 and OC >= 32, a group's transformed      channel instead of 9; narrower
//             input and output within 512K floats              layers spend their time in the
//                                                              transforms (also F(4x4)'s: the
//                                                              narrow VGG's 12- to 48-channel
//                                                              layers stay on implicit GEMM)
//   implicit  groups 1, N > 0, C >= 3, the split sample and    no im2col copy, one batch-reduce
//             per-sample matrices within 512K floats (any      GEMM over the taps; with fewer
//             stride, dilation, padding mode)                  input channels the GEMMs are too
//                                                              narrow
//   direct    groups 1, an AVX-512 build, C * OC <= 256        few channels (LeNet's 1->6): im2col
//                                                              would copy each input KH*KW times
//                                                              for a GEMM of a few rows
//   depthwise groups == C == OC (any kernel size, stride,      im2col would run one GEMM of a
//             dilation, padding mode)                          single row per channel
//   im2col    every other shape (other groups > 1, large       runs anything
//             maps, builds without AVX-512)
//
// A row whose LIBXSMM kernels cannot be generated for this CPU falls through to the next one.
//
// What a forced kernel can run (else conv2d throws ShapeError naming the kernel and the shape):
//   winograd, winograd4: groups 1, 3x3, stride 1, dilation 1.   implicit, direct: groups 1.
//   depthwise: groups == C == OC.   im2col: any.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "framework/ops/conv2d_problem.h"

namespace poolnet {

enum class Conv2dKernel { kAuto, kDirect, kIm2col, kImplicit, kWinograd, kDepthwise, kWinograd4 };

std::string to_string(Conv2dKernel kernel);               // "auto", "direct", "im2col", ...
Conv2dKernel parse_conv2d_kernel(std::string_view name);  // else ConfigError listing the names
std::string conv2d_kernel_names();  // "auto, direct, im2col, implicit, winograd, depthwise, winograd4"

// The kernel every conv2d call of the process runs (kAuto, the default: the selection table).
void set_conv2d_kernel(Conv2dKernel kernel);
Conv2dKernel conv2d_kernel();

// Forces a kernel for its lifetime, then restores the previous setting.
class ScopedConv2dKernel {
 public:
  explicit ScopedConv2dKernel(Conv2dKernel kernel) : previous_(conv2d_kernel()) { set_conv2d_kernel(kernel); }
  ~ScopedConv2dKernel() { set_conv2d_kernel(previous_); }
  ScopedConv2dKernel(const ScopedConv2dKernel&) = delete;
  ScopedConv2dKernel& operator=(const ScopedConv2dKernel&) = delete;

 private:
  Conv2dKernel previous_;
};

// The selection table: the first kernel whose row holds for p, skipping the kernels in
// `unavailable` (those whose kernels could not be generated).
Conv2dKernel select_conv2d_kernel(const ConvProblem& p, std::span<const Conv2dKernel> unavailable = {});

// Why `kernel` cannot run p, e.g. "needs a 3x3 kernel, got 5x5"; empty if it can.
std::string conv2d_kernel_limit(Conv2dKernel kernel, const ConvProblem& p);

}  // namespace poolnet
