#include "framework/ops/pool_window.h"

#include <fmt/format.h>

#include "framework/errors.h"

namespace poolnet {

std::string to_string(const Pool2d& o) {
  std::string s = fmt::format("kernel={}, stride={}", to_string(o.kernel),
                              to_string(effective_stride(o.stride, o.kernel)));
  if (o.padding != Size2d{0, 0}) s += ", padding=" + to_string(o.padding);
  if (o.dilation != Size2d{1, 1}) s += ", dilation=" + to_string(o.dilation);
  if (o.ceil_mode) s += ", ceil_mode=true";
  if (!o.count_include_pad) s += ", count_include_pad=false";
  if (o.divisor_override != 0) s += fmt::format(", divisor_override={}", o.divisor_override);
  return s;
}

PoolGeometry pool2d_geometry(const Shape& x, const Pool2d& o, std::string_view op, bool allow_dilation) {
  require_nchw(x, op);
  const Size2d stride = effective_stride(o.stride, o.kernel);
  const std::string where = fmt::format("(x={}, kernel={}, stride={}, padding={})", shape_str(x),
                                        to_string(o.kernel), to_string(stride), to_string(o.padding));
  if (o.kernel.h <= 0 || o.kernel.w <= 0) throw ShapeError(fmt::format("{}: kernel must be positive {}", op, where));
  if (stride.h <= 0 || stride.w <= 0) throw ShapeError(fmt::format("{}: stride must be positive {}", op, where));
  if (o.dilation.h <= 0 || o.dilation.w <= 0) {
    throw ShapeError(fmt::format("{}: dilation must be positive, got {} {}", op, to_string(o.dilation), where));
  }
  if (!allow_dilation && o.dilation != Size2d{1, 1}) {
    throw ShapeError(fmt::format("{}: dilation is not supported, got {} {}", op, to_string(o.dilation), where));
  }
  const Size2d effective{o.dilation.h * (o.kernel.h - 1) + 1, o.dilation.w * (o.kernel.w - 1) + 1};
  if (o.padding.h < 0 || o.padding.w < 0 || o.padding.h > effective.h / 2 || o.padding.w > effective.w / 2) {
    throw ShapeError(fmt::format("{}: padding {} must be between 0 and half the effective kernel {} {}", op,
                                 to_string(o.padding), to_string(effective), where));
  }
  PoolGeometry g{.N = x[0], .C = x[1], .H = x[2], .W = x[3],
                 .KH = o.kernel.h, .KW = o.kernel.w, .SH = stride.h, .SW = stride.w,
                 .PH = o.padding.h, .PW = o.padding.w, .DH = o.dilation.h, .DW = o.dilation.w};
  const Size2d padded{g.H + 2 * g.PH, g.W + 2 * g.PW};
  if (effective.h > padded.h || effective.w > padded.w) {
    const std::string kernel = o.dilation == Size2d{1, 1}
                                   ? to_string(o.kernel)
                                   : fmt::format("{} (dilation {}: {})", to_string(o.kernel),
                                                 to_string(o.dilation), to_string(effective));
    throw ShapeError(fmt::format("{}: kernel {} does not fit padded input {} (x={}, padding={})", op, kernel,
                                 to_string(padded), shape_str(x), to_string(o.padding)));
  }
  g.OH = pooled_length(g.H, g.KH, g.SH, g.PH, g.DH, o.ceil_mode);
  g.OW = pooled_length(g.W, g.KW, g.SW, g.PW, g.DW, o.ceil_mode);
  if (g.OH <= 0 || g.OW <= 0) {
    throw ShapeError(fmt::format("{}: output size {}x{} is too small {}", op, g.OH, g.OW, where));
  }
  return g;
}

}  // namespace poolnet
