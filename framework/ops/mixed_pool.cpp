#include "framework/ops/mixed_pool.h"

#include <fmt/format.h>

#include "framework/errors.h"
#include "framework/ops/avg_pool.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/max_pool.h"

namespace poolnet {

Shape mixed_pool2d_out_shape(const Shape& x, const Shape& gate, const Pool2d& options) {
  if (numel_of(gate) != 1 || gate.size() > 1) {
    throw ShapeError(fmt::format("mixed_pool2d: gate must hold one element ([1] or []), got {} (x={})", shape_str(gate),
                                 shape_str(x)));
  }
  pool2d_geometry(x, options, "mixed_pool2d", false);  // avg_pool2d's limits: no dilation
  return max_pool2d_out_shape(x, options);
}

Tensor mixed_pool2d(const Tensor& x, const Tensor& gate, const Pool2d& options) {
  mixed_pool2d_out_shape(x.shape(), gate.shape(), options);
  const Tensor avg = avg_pool2d(x, options);
  return add(avg, mul(sigmoid(gate), sub(max_pool2d(x, options), avg)));
}

}  // namespace poolnet
