#include "tests/support/reference_conv.h"

#include "tests/support/reference.h"

namespace poolnet::reference {

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dOptions& o) {
  const int64_t KH = w.size(2), KW = w.size(3);
  int64_t top = o.padding.h, bottom = o.padding.h, left = o.padding.w, right = o.padding.w;
  if (o.same) {  // total dilation*(k-1), the odd pixel on the bottom/right
    top = o.dilation.h * (KH - 1) / 2;
    bottom = o.dilation.h * (KH - 1) - top;
    left = o.dilation.w * (KW - 1) / 2;
    right = o.dilation.w * (KW - 1) - left;
  }
  Tensor xp = o.padding_mode == PadMode::kReflect    ? pad_reflect(x, top, bottom, left, right)
              : o.padding_mode == PadMode::kCircular ? pad_circular(x, top, bottom, left, right)
                                                     : pad_zeros(x, top, bottom, left, right, 0.0f);
  const int64_t N = x.size(0), OC = w.size(0), Cg = w.size(1), OCg = OC / o.groups;
  const int64_t OH = (xp.size(2) - o.dilation.h * (KH - 1) - 1) / o.stride.h + 1;
  const int64_t OW = (xp.size(3) - o.dilation.w * (KW - 1) - 1) / o.stride.w + 1;
  Tensor y = Tensor::zeros({N, OC, OH, OW});
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t oc = 0; oc < OC; ++oc) {
      const int64_t group = oc / OCg;
      for (int64_t oh = 0; oh < OH; ++oh) {
        for (int64_t ow = 0; ow < OW; ++ow) {
          double s = b.defined() ? b.at({oc}) : 0.0;
          for (int64_t c = 0; c < Cg; ++c) {
            for (int64_t kh = 0; kh < KH; ++kh) {
              for (int64_t kw = 0; kw < KW; ++kw) {
                s += static_cast<double>(w.at({oc, c, kh, kw})) *
                     xp.at({n, group * Cg + c, oh * o.stride.h + kh * o.dilation.h, ow * o.stride.w + kw * o.dilation.w});
              }
            }
          }
          y.at({n, oc, oh, ow}) = static_cast<float>(s);
        }
      }
    }
  }
  return y;
}

}  // namespace poolnet::reference
