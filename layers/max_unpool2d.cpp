#include "layers/max_unpool2d.h"

#include <fmt/format.h>

#include "layers/pool_window.h"

#include "framework/errors.h"

namespace poolnet {

namespace {
Size2d stride_of(const Pool2d& o) { return effective_stride(o.stride, o.kernel); }
}  // namespace

MaxUnpool2d::MaxUnpool2d(Pool2d options) : options_(options) {}

Tensor MaxUnpool2d::forward(const Tensor& x) {
  throw ConfigError("MaxUnpool2d: needs the indices of the max pool it inverts: call forward(x, indices)");
}

Size2d MaxUnpool2d::default_output_size(const Tensor& x) const {
  require_nchw(x, "MaxUnpool2d");
  const Size2d s = stride_of(options_);
  return {(x.size(2) - 1) * s.h - 2 * options_.padding.h + options_.kernel.h,
          (x.size(3) - 1) * s.w - 2 * options_.padding.w + options_.kernel.w};
}

Tensor MaxUnpool2d::forward(const Tensor& x, const PoolIndices& indices) {
  return max_unpool2d(x, indices, default_output_size(x));
}

Tensor MaxUnpool2d::forward(const Tensor& x, const PoolIndices& indices, Size2d output_size) {
  // PyTorch's rule: strictly between default - stride and default + stride.
  const Size2d d = default_output_size(x), s = stride_of(options_);
  const Size2d low{d.h - s.h + 1, d.w - s.w + 1}, high{d.h + s.h - 1, d.w + s.w - 1};
  if (output_size.h < low.h || output_size.h > high.h || output_size.w < low.w || output_size.w > high.w) {
    throw ShapeError(fmt::format("MaxUnpool2d: output size {} must lie between {} and {} for x={} ({})",
                                 to_string(output_size), to_string(low), to_string(high), shape_str(x.shape()),
                                 describe()));
  }
  return max_unpool2d(x, indices, output_size);
}

std::string MaxUnpool2d::describe() const {
  const Pool2d o{.kernel = options_.kernel, .stride = options_.stride, .padding = options_.padding};
  return "MaxUnpool2d(" + to_string(o) + ")";
}

ModuleConfig MaxUnpool2d::config() const { return {"MaxUnpool2d", pool_args(options_)}; }

}  // namespace poolnet
