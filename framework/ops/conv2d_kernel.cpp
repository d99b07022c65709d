#include "framework/ops/conv2d_kernel.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <fmt/format.h>

#include "framework/errors.h"
#include "framework/ops/conv2d_depthwise.h"
#include "framework/ops/conv2d_direct.h"
#include "framework/ops/conv2d_implicit.h"
#include "framework/ops/conv2d_winograd.h"

namespace poolnet {

namespace {
std::atomic<Conv2dKernel> g_kernel{Conv2dKernel::kAuto};

constexpr std::array kKernels{Conv2dKernel::kAuto, Conv2dKernel::kDirect, Conv2dKernel::kIm2col,
                              Conv2dKernel::kImplicit, Conv2dKernel::kWinograd, Conv2dKernel::kDepthwise,
                              Conv2dKernel::kWinograd4};

// The table's rows, in order.
constexpr std::array kTable{Conv2dKernel::kWinograd4, Conv2dKernel::kWinograd, Conv2dKernel::kImplicit,
                            Conv2dKernel::kDirect, Conv2dKernel::kDepthwise, Conv2dKernel::kIm2col};

bool row_holds(Conv2dKernel kernel, const ConvProblem& p) {
  switch (kernel) {
    case Conv2dKernel::kWinograd4:
      return p.groups == 1 && p.N > 0 && conv2d_winograd::preferred(p, 4) && p.OH >= 8 && p.OW >= 8;
    case Conv2dKernel::kWinograd: return p.groups == 1 && p.N > 0 && conv2d_winograd::preferred(p, 2);
    case Conv2dKernel::kImplicit: return p.groups == 1 && p.N > 0 && conv2d_implicit::preferred(p);
    case Conv2dKernel::kDirect: return p.groups == 1 && conv2d_direct::preferred(p);
    case Conv2dKernel::kDepthwise: return conv2d_depthwise::supports(p);
    case Conv2dKernel::kIm2col: return true;
    case Conv2dKernel::kAuto: return false;
  }
  return false;
}
}  // namespace

std::string to_string(Conv2dKernel kernel) {
  switch (kernel) {
    case Conv2dKernel::kAuto: return "auto";
    case Conv2dKernel::kDirect: return "direct";
    case Conv2dKernel::kIm2col: return "im2col";
    case Conv2dKernel::kImplicit: return "implicit";
    case Conv2dKernel::kWinograd: return "winograd";
    case Conv2dKernel::kWinograd4: return "winograd4";
    case Conv2dKernel::kDepthwise: return "depthwise";
  }
  return "?";
}

std::string conv2d_kernel_names() {
  std::string names;
  for (Conv2dKernel k : kKernels) names += (names.empty() ? "" : ", ") + to_string(k);
  return names;
}

Conv2dKernel parse_conv2d_kernel(std::string_view name) {
  for (Conv2dKernel k : kKernels) {
    if (name == to_string(k)) return k;
  }
  throw ConfigError(fmt::format("conv2d kernel: unknown '{}' (valid: {})", name, conv2d_kernel_names()));
}

void set_conv2d_kernel(Conv2dKernel kernel) { g_kernel.store(kernel); }

Conv2dKernel conv2d_kernel() { return g_kernel.load(); }

Conv2dKernel select_conv2d_kernel(const ConvProblem& p, std::span<const Conv2dKernel> unavailable) {
  for (Conv2dKernel k : kTable) {
    if (std::find(unavailable.begin(), unavailable.end(), k) == unavailable.end() && row_holds(k, p)) return k;
  }
  return Conv2dKernel::kIm2col;
}

std::string conv2d_kernel_limit(Conv2dKernel kernel, const ConvProblem& p) {
  if (kernel == Conv2dKernel::kAuto || kernel == Conv2dKernel::kIm2col) return "";
  if (kernel == Conv2dKernel::kDepthwise) {
    if (conv2d_depthwise::supports(p)) return "";
    return fmt::format("needs groups == C == OC (one filter per channel), got groups {}, C {}, OC {}", p.groups,
                       p.C, p.OC);
  }
  if (p.groups != 1) return fmt::format("needs groups 1, got groups {}", p.groups);
  const bool winograd = kernel == Conv2dKernel::kWinograd || kernel == Conv2dKernel::kWinograd4;
  if (winograd && !conv2d_winograd::supports(p)) {
    return fmt::format("needs a 3x3 kernel at stride 1x1 and dilation 1x1, got kernel {}x{}, stride {}x{}, "
                       "dilation {}x{}",
                       p.KH, p.KW, p.sh, p.sw, p.dh, p.dw);
  }
  if (kernel == Conv2dKernel::kImplicit && !conv2d_implicit::supports(p)) {
    return fmt::format("needs a non-empty output, got {}x{}", p.OH, p.OW);
  }
  return "";
}

}  // namespace poolnet
