// FractionalMaxPool2d (Graham 2014; op: fractional_max_pool2d): max pooling over windows of a
// fixed kernel whose starts follow PyTorch's pseudo-random interval rule, for a non-integer
// (or integer) size ratio. Training draws one offset per sample, channel and axis, anew on every
// call, reproducibly from (seed, call counter, sample, channel, axis) whatever the thread count;
// the counter is a registered counter, so a resumed run draws the same numbers. Evaluation uses
// the fixed offset eval_u for every plane: deterministic. No parameters.
#pragma once

#include "framework/ops/fractional_max_pool.h"
#include "layers/module.h"

namespace poolnet {

struct FractionalMaxPool2dOptions {
  Size2d kernel{2, 2};
  double ratio = 0.5;     // output / input size, in (0, 1); used when output is {0, 0}
  Size2d output{0, 0};    // a fixed output size, or {0, 0}
  float eval_u = 0.5f;    // the offset used in evaluation, in [0, 1)
  uint64_t seed = 0;      // training draws
};

class FractionalMaxPool2d : public Module {
 public:
  explicit FractionalMaxPool2d(FractionalMaxPool2dOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string describe() const override;  // "FractionalMaxPool2d(kernel=2x2, ratio=0.5)"
  ModuleConfig config() const override;
  // The kernel with the mean stride 1/ratio rounded; marked adaptive (a rough guide, not an
  // exact field) unless 1/ratio is an integer. Exact for an integer 1/ratio in evaluation with
  // eval_u = 0.5 on inputs that are multiples of it (the windows of max pooling). A fixed output
  // size has no input-independent stride: the kernel with stride 1, marked adaptive.
  std::vector<Window> windows() const override;
  const FractionalMaxPool2dOptions& options() const { return options_; }
  uint64_t calls() const { return calls_; }  // training forwards so far

 private:
  FractionalMaxPool op_options() const;

  FractionalMaxPool2dOptions options_;
  uint64_t calls_ = 0;
};

}  // namespace poolnet
