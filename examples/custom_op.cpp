// A new differentiable op with a hand-written backward, checked by the library's own op
// contract (finite-difference gradients, accumulation, 1 vs 2 threads, shape-error messages):
// link poolnet::poolnet_testing (docs/library.md).
#include <cstdio>

#include <poolnet/framework/autograd.h>
#include <poolnet/framework/errors.h>
#include <poolnet/framework/ops/ops.h>
#include <poolnet/testing/op_contract.h>

using namespace poolnet;

// channel_scale(x [N,C,H,W], s [C]) -> y [N,C,H,W], y[n,c,h,w] = x[n,c,h,w] * s[c].
// Gradient: gx[n,c,h,w] += gy * s[c]; gs[c] += sum over n,h,w of gy * x[n,c,h,w].
Tensor channel_scale(const Tensor& x, const Tensor& s) {
  // 1. Validate before allocating; the message names the op and what it was given.
  if (x.dim() != 4 || s.dim() != 1 || s.shape()[0] != x.shape()[1]) {
    throw ShapeError("channel_scale: expected x [N,C,H,W] and s [C], got x=" + shape_str(x.shape()) +
                     ", s=" + shape_str(s.shape()));
  }
  const int64_t N = x.shape()[0], C = x.shape()[1], HW = x.shape()[2] * x.shape()[3];
  // 2. Forward.
  Tensor y = Tensor::empty(x.shape());
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < HW; ++i) y.data()[(n * C + c) * HW + i] = x.data()[(n * C + c) * HW + i] * s.data()[c];
  // 3. The backward closure, capturing what it needs by value; it ADDS into the inputs'
  // gradients (grad_buffer), never assigns: a tensor used twice receives the sum.
  if (!needs_grad({x, s})) return y;
  record(y, "channel_scale", {x, s}, [x, s, N, C, HW](const Tensor& gy) {
    const float* g = gy.data();
    if (x.requires_grad()) {
      float* gx = grad_buffer(x);
      for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c)
          for (int64_t i = 0; i < HW; ++i) gx[(n * C + c) * HW + i] += g[(n * C + c) * HW + i] * s.data()[c];
    }
    if (s.requires_grad()) {
      float* gs = grad_buffer(s);
      for (int64_t c = 0; c < C; ++c) {
        double sum = 0;
        for (int64_t n = 0; n < N; ++n)
          for (int64_t i = 0; i < HW; ++i) sum += double{g[(n * C + c) * HW + i]} * x.data()[(n * C + c) * HW + i];
        gs[c] += static_cast<float>(sum);
      }
    }
  });
  return y;
}

int main() {
  using namespace poolnet::testing;
  // Small inputs: every element costs up to four forwards in the finite differences.
  const testing::CheckResult result = op_contract({
      .op = "channel_scale",
      .f = [](const std::vector<Tensor>& in) { return channel_scale(in[0], in[1]); },
      .inputs = {random_tensor({2, 3, 4, 4}, 1).set_requires_grad(), random_tensor({3}, 2).set_requires_grad()},
      .shape_errors = {{.call =
                            [] {
                              channel_scale(Tensor::zeros({2, 3, 4, 4}), Tensor::zeros({4}));
                            },
                        .parts = {"[2,3,4,4]", "[4]"}}},
  });
  std::printf("channel_scale: %s%s\n", result ? "op contract holds" : "FAILED: ", result.message().c_str());

  // It composes with the library's ops like any other: a loss, backward, gradients.
  Tensor s = Tensor::ones({3}).set_requires_grad();
  Tensor loss = sum(relu(channel_scale(random_tensor({8, 3, 5, 5}, 3), s)));
  loss.backward();
  std::printf("loss %.4f, d loss / d s = [%.4f, %.4f, %.4f]\n", loss.item(), s.grad().data()[0], s.grad().data()[1],
              s.grad().data()[2]);
  return result ? 0 : 1;
}
