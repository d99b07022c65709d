#include "framework/ops/argmax_backward.h"

#include <algorithm>
#include <utility>

#include "framework/autograd.h"
#include "framework/parallel.h"

namespace poolnet {

int64_t argmax_plane_grain(int64_t plane_in) { return std::max<int64_t>(1, 4096 / std::max<int64_t>(1, plane_in)); }

void record_argmax_backward(const Tensor& y, std::string op, const Tensor& x,
                            std::shared_ptr<const std::vector<int32_t>> argmax, int64_t plane_out) {
  const int64_t planes = x.size(0) * x.size(1), plane_in = x.size(2) * x.size(3);
  record(y, std::move(op), {x}, [x, argmax = std::move(argmax), planes, plane_in, plane_out](const Tensor& gy) {
    const float* gv = gy.data();
    const int32_t* at = argmax->data();
    float* gx = grad_buffer(x);
    parallel::parallel_for(0, planes, argmax_plane_grain(plane_in), [&](int64_t b, int64_t e) {
      for (int64_t q = b; q < e; ++q) {
        const int32_t* a = at + q * plane_out;
        const float* g = gv + q * plane_out;
        float* gq = gx + q * plane_in;
        for (int64_t o = 0; o < plane_out; ++o) gq[a[o]] += g[o];
      }
    });
  });
}

}  // namespace poolnet
